"""Which company an interview is with: the title made plain, and the sources in order.

Rules:
- Server prefixes: calendar servers and mail clients put a word and a colon before the
  title of a cancelled, updated, accepted or forwarded invitation ("Canceled:", "Updated
  invitation:", "Abgesagt:", "Aktualisiert:", "Annulé :", "Mis à jour :", "Cancelado:",
  "Actualizado:", "Annullato:", "Geannuleerd:", "Fwd:", "WG:", ...), and Google's mail
  subject adds " @ Tue 4 Jun 2024 2pm - 3pm (CEST) (you@...)" after it: ``plain_title``
  removes both, repeated ones too.
- Places: a part of a title that says where ("(Berlin office)", "@ HQ", "– Munich",
  "Room 4.12", "Zoom", "Teams", "vor Ort") is no company (``is_place``): the cities and
  meeting tools of the shipped ``data/places.txt``, rooms, floors and buildings with a
  number, and offices ("HQ", "Büro Hamburg", "bureaux de Paris").
- Ordinary words: a company found in a title that is made only of the words of
  ``data/title_words.txt`` (rounds, steps, kinds of meeting in en/de/fr/es/it/nl:
  "Second", "Technical", "Final", "Projet") is no company; round and meeting words at its
  edges are dropped ("Zweites Gespräch Acme" -> "Acme").
- The company, in order (``choose_company``): a ``company:`` hint; the employer's mail
  domain (the first of the interviewers', organizer included, then the contact's, that is
  not free mail, not the user's own, and not an agency's or applicant tracking system's:
  ``agencies.writes_for_others``) as a readable name; the title. When the title names the
  domain's company in other spelling ("Northwind Traders" for northwindtraders.com), the
  title's spelling is kept. Agencies and tracking systems name the client (title or hint),
  never themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from interview_followup.daemon.data import shipped_text

from interview_followup.daemon.employers.companies import (
    company_from_domain,
    large_employer,
    name_key,
    organisation_label,
    readable_name,
)

_PREFIX_WORDS = (
    # en (Google, Outlook, Apple, Thunderbird)
    "canceled", "cancelled", "canceled event", "cancelled event", "event canceled", "event cancelled",
    "updated", "updated invitation", "updated event", "invitation", "new event", "new time proposed",
    "accepted", "declined", "tentative", "tentatively accepted", "invitation updated",
    # de
    "abgesagt", "abgelehnt", "angenommen", "mit vorbehalt angenommen", "vorläufig angenommen",
    "aktualisiert", "aktualisierte einladung", "einladung", "neue einladung", "neuer termin", "termin abgesagt",
    # fr
    "annulé", "annulée", "annulation", "mis à jour", "mise à jour", "invitation mise à jour",
    "invitation modifiée", "accepté", "refusé", "provisoire", "nouvel événement",
    # es
    "cancelado", "cancelada", "actualizado", "actualizada", "invitación", "invitación actualizada",
    "aceptado", "rechazado", "provisional", "nuevo evento",
    # it
    "annullato", "annullata", "aggiornato", "aggiornata", "invito", "invito aggiornato",
    "accettato", "rifiutato", "nuovo evento",
    # nl
    "geannuleerd", "bijgewerkt", "uitnodiging", "bijgewerkte uitnodiging", "geaccepteerd",
    "geweigerd", "afgezegd", "voorlopig geaccepteerd",
    # forwarded and answered mail
    "fw", "fwd", "wg", "tr", "rv", "re", "aw", "antw", "r",
)
_PREFIX_RE = re.compile(
    r"^(?:\s*(?:" + "|".join(sorted(map(re.escape, _PREFIX_WORDS), key=len, reverse=True)) + r")"
    r"(?:\s+(?:with\s+note|mit\s+notiz|avec\s+note))?\s*:)+\s*",
    re.IGNORECASE,
)
# " @ Tue Jun 4, 2024 2pm - 3pm (CEST) (alex@example.org)": Google's invitation subject
_WHEN_SUFFIX = re.compile(
    r"\s@\s(?:mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|"
    r"mié|jue|vie|sáb|dom|gio|ma|wo|vr|za|zo)[a-zé]{0,7}\.?,?\s+(?:[a-zé]{3,9}\.?\s+)?\d.*$",
    re.IGNORECASE,
)
_ADDRESS_IN_PARENS = re.compile(r"\s*\([^()@\s]+@[^()\s]+\)\s*$")
_NUMBERED_PLACE = re.compile(
    r"^(?:room|raum|salle|sala|zaal|floor|etage|stock|stockwerk|building|bldg|gebäude|bâtiment|"
    r"edificio|piano|verdieping|gebouw|meeting\s+room|conference\s+room|besprechungsraum|"
    r"konferenzraum|salle\s+de\s+réunion|sala\s+riunioni|sala\s+de\s+reuniones|vergaderzaal)"
    r"\s*[#:]?\s*[\w.\-]{0,8}\d[\w.\-]{0,8}$",
    re.IGNORECASE,
)
_OFFICE_WORDS = frozenset(
    """office offices hq headquarters campus site büro buero standort niederlassung zentrale
    hauptsitz bureau bureaux siège siege locaux oficina oficinas sede ufficio uffici kantoor
    vestiging hoofdkantoor""".split()
)
_PLACE_PREFIX = re.compile(
    r"^(?:in|at|@|via|on|per|über|ueber|sur|en|à|a|au|im|bei|te|op|by)\s+", re.IGNORECASE
)


def _plain(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def _read(name: str) -> list[str]:
    text = shipped_text(name)
    return text.splitlines()


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """The shipped places (``data/places.txt``), without case and accents."""
    out = set()
    for line in _read("places.txt"):
        if line.strip() and not line.lstrip().startswith("#"):
            out |= {" ".join(_plain(p).split()) for p in line.split("|") if p.strip()}
    return frozenset(out)


@lru_cache(maxsize=1)
def _title_words() -> tuple[frozenset[str], frozenset[str]]:
    """(every ordinary title word, those also dropped at a name's edges)."""
    every: set[str] = set()
    edge: set[str] = set()
    at_edges = False
    for line in _read("title_words.txt"):
        if line.lstrip().startswith("#"):
            at_edges = "edges" in line
            continue
        words = {_plain(w) for w in line.split()}
        every |= words
        if at_edges:
            edge |= words
    return frozenset(every), frozenset(edge)


def plain_title(title: str) -> str:
    """``title`` without the server's prefixes and Google's date suffix (module rules)."""
    text = _PREFIX_RE.sub("", title)
    text = _WHEN_SUFFIX.sub("", text)
    return _ADDRESS_IN_PARENS.sub("", text).strip()


def is_place(text: str) -> bool:
    """True when a part of a title says where the interview is (module rules)."""
    plain = " ".join(_plain(text).strip(" \t-–—|/·:,;.!?()[]").split())
    plain = _PLACE_PREFIX.sub("", plain)
    if not plain:
        return False
    if plain in places() or _NUMBERED_PLACE.match(plain):
        return True
    words = re.findall(r"[^\W_]+", plain)
    offices = {_plain(w) for w in _OFFICE_WORDS}
    if any(w in offices for w in words):  # "Berlin office", "Büro Hamburg", "HQ"
        rest = [w for w in words if w not in offices and w not in ("de", "du", "la", "the", "main")]
        return len(rest) <= 3
    if "," in plain:  # "Munich, Germany", "Paris, France"
        return plain.split(",")[0].strip() in places()
    return False


def ordinary_name(text: str) -> str:
    """``text`` as a company name: "" when it is made of ordinary title words only, else
    without the round and meeting words at its edges (module rules)."""
    every, edge = _title_words()
    words = text.split()
    keys = [_plain(w).strip(".,:;!?'\"()") for w in words]
    if not words or all(k in every or k.isdigit() or not k for k in keys):
        return ""
    while words and (keys[0] in edge or not keys[0]):
        words, keys = words[1:], keys[1:]
    while words and (keys[-1] in edge or not keys[-1]):
        words, keys = words[:-1], keys[:-1]
    return " ".join(words)


def _same_company(title_company: str, domain: str, domain_company: str) -> bool:
    """The title names the domain's company, however spelt: "Northwind Traders" for
    northwindtraders.com, "ACME Corp." for acme-corp.com, "Acme" for acme.com."""
    title_keys = keys_of(title_company) - {""}
    if not title_keys:
        return False
    label_key = name_key(organisation_label(domain).replace("-", " "))
    return bool(title_keys & {label_key, name_key(domain_company)})


_NAME_WORD = re.compile(r"[^\W_](?:[\w&'’.+-]*[^\W_])?")


def spelled_in(key: str, texts: Iterable[str], limit: int = 6) -> str:
    """The way ``texts`` write a name whose squashed form is ``key`` ("Tessaly Foods" for
    tessalyfoods.com, "Orvane Robotics" for the tenant orvane-robotics), or "": the first run
    of up to ``limit`` words, one of them capitalised, that squashes to the key."""
    if len(key) < 3:
        return ""
    for text in texts:
        matches = list(_NAME_WORD.finditer(text[:20_000]))
        words = [m.group(0) for m in matches]
        found = _spelled(key, words, [name_key(w) for w in words], limit)
        if not found and _UMLAUTS.search(text[:20_000]):  # "Brückner" for brueckner
            found = _spelled(key, words, [name_key(_transliterated(w)) for w in words], limit)
        if found:
            i, end = found
            if all(_JOINER.fullmatch(text, matches[k].end(), matches[k + 1].start()) for k in range(i, end - 1)):
                return text[matches[i].start():matches[end - 1].end()]  # "Orrin & Pike" as written
            return " ".join(words[i:end])
    return ""


_JOINER = re.compile(r"[ \t]*(?:[&+][ \t]*)?")  # what may stand between the words of one name


_UMLAUTS = re.compile("[äöüßÄÖÜ]")


def _transliterated(text: str) -> str:
    """German letters as a domain name writes them: "Brückner" -> "Brueckner"."""
    return text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}))


def keys_of(name: str) -> set[str]:
    """``name_key`` of a name, and of its German letters written as a domain writes them."""
    return {name_key(name), name_key(_transliterated(name))}


def _spelled(key: str, words: list[str], keys: list[str], limit: int) -> tuple[int, int] | None:
    for i, first in enumerate(keys):
        if not first or not key.startswith(first):
            continue
        joined = ""
        for j in range(i, min(i + limit, len(words))):
            joined += keys[j]
            if not key.startswith(joined):
                break
            if joined == key and any(w[:1].isupper() for w in words[i : j + 1]):
                # "University of Carrowmere" for carrowmere.ac.uk: the kind of body before the name joins
                if i >= 2 and keys[i - 1] in _SMALL_WORDS and keys[i - 2] in _BODY_WORDS and words[i - 2][:1].isupper():
                    i -= 2
                elif i >= 1 and keys[i - 1] in _BODY_WORDS and words[i - 1][:1].isupper():
                    i -= 1
                end = j + 1  # "Marlowe Kestrel Bank" for marlowe-kestrel.com: a word that says what it is joins
                if end < len(words) and words[end][:1].isupper() and keys[end] in _COMPANY_WORDS:
                    end += 1
                return i, end
    return None


# words that open a body's name before its proper name ("University of", "Gebrüder", "Stadtwerke")
_BODY_WORDS = frozenset(
    """university universitat universite universidad universita universiteit college hochschule fachhochschule
    gymnasium institute institut instituto istituto school academy akademie stadtwerke klinikum klinik hospital
    gebruder gebroeders fratelli hermanos freres studio museum stiftung fondazione fundacion fondation""".split()
)
# words that end a company's name and say what kind it is ("Bank", "Labs"): kept after the domain's words
_COMPANY_WORDS = frozenset(
    """bank banca banco labs lab health healthcare foods food systems technologies technology tech solutions
    capital partners energy energie insurance analytics software robotics group holding industries pharma therapeutics
    biotech biologics logistics media studios studio games motors aerospace medical consulting ventures
    versicherung versicherungen werke gruppe technik medizintechnik""".split()
)


def _starts_alike(title_company: str, domain: str) -> bool:
    """The title's name begins as the domain's label does, the label being a word or more of
    it: "Ferrowyn Steelworks" for ferrowyn-steel.com, "Größner Präzisionstechnik" for
    groessner-praezision.de, "Sendrell Aerospace" for sendrell-aero.com; or a short label
    holds the letters of its first ones in order: "Skarvheim Kraft" for skk.no."""
    label_words = [w for w in re.split(r"[-_]+", organisation_label(domain)) if w]
    if not label_words or len(label_words[0]) < 3:
        return False
    for text in {title_company, _transliterated(title_company)}:
        words = [name_key(w) for w in text.split()]
        words = [w for w in words if w]
        if (len(label_words) == 1 and 3 <= len(label_words[0]) <= 6 and 2 <= len(words) <= 4
                and words[0][:1] == label_words[0][0] and _holds_in_order("".join(words), label_words[0])):
            return True  # skk.no: "Skarvheim Kraft"; swilm.de: "Stadtwerke Ilmenhausen"
        if len(label_words[0]) < 4:
            continue
        if words and words[0] == label_words[0] and (len(label_words) == 1 or len(words) > 1):
            # "Kaltenbach Medizintechnik" for kaltenbach-medtech.de: a long first word is enough
            return len(label_words[0]) >= 6 or all(any(w.startswith(lw) for w in words[1:]) for lw in label_words[1:])
        squashed = "".join(words)
        if (len(label_words) == 1 and len(words) > 1 and len(label_words[0]) > len(words[0])
                and squashed.startswith(label_words[0])):  # groessnerpraezision: "Größner Präzisionstechnik"
            return True
        if len(words) > 1 and len(words[0]) >= 5 and label_words[0].startswith(words[0]):
            return True  # ceruleapay.it: "Cerulea Pagamenti"
        if _abbreviates(label_words, _name_parts(text)):  # vdk-logistiek.nl: "Van der Kooij Logistiek"
            return True
        if len(label_words) == 1 and len(label_words[0]) >= 5 and label_words[0] in words[1:] and len(words) <= 4:
            return True  # lijnzaad.studio: "Studio Lijnzaad"; stoeckl.at: "Gebrüder Stöckl"
    return False


def _name_parts(text: str) -> list[str]:
    """A name's words as keys, hyphenated ones split ("Müller-Thiessen" -> müller, thiessen)."""
    return [k for k in (name_key(w) for w in re.split(r"[\s\-‐]+", text)) if k]


_ARTICLES = frozenset("die der das den dem the les los las gli".split())  # never a name's first word here
_SMALL_WORDS = frozenset("am an der die das den of de di da del della du des la le van von zu im und and y e the".split())


def _abbreviates(label_words: list[str], words: list[str]) -> bool:
    """Whether the words of a domain's label stand for all of ``words``: each label word is
    one of them (or its start, four letters or more) or the initials of two to five of them
    ("vdk" for "Van der Kooij", "mt" for "Müller Thiessen")."""
    if not label_words:
        return not words
    if not words:
        return False
    first, rest = label_words[0], label_words[1:]
    if words[0] in _SMALL_WORDS and first != words[0] and _abbreviates(label_words, words[1:]):
        return True  # "am" in "Evangelisches Gymnasium am Eichenwall" (eg-eichenwall)
    if (first == words[0] or (len(first) >= 4 and words[0].startswith(first))) and _abbreviates(rest, words[1:]):
        return True
    n = len(first)
    return (2 <= n <= 5 and n <= len(words) and "".join(w[0] for w in words[:n]) == first
            and _abbreviates(rest, words[n:]))


def lengthened_in(domain: str, texts: Iterable[str]) -> str:
    """The way ``texts`` write a name of two or three capitalised words whose squashed form
    begins with the domain's one-word label, the label going at least three letters into
    its second word ("Marrick Aerospace" for marrickaero.com); or ""."""
    label = organisation_label(domain)
    if not re.fullmatch(r"[a-z]{6,}", label):
        return ""
    for text in texts:
        matches = list(_NAME_WORD.finditer(text[:20_000]))
        for i, m in enumerate(matches):
            first = name_key(m.group(0))
            if not m.group(0)[:1].isupper() or not first or not label.startswith(first) or len(label) - len(first) < 3:
                continue
            squashed = first
            for j in range(i + 1, min(i + 3, len(matches))):
                word = matches[j].group(0)
                if not word[:1].isupper() or not _JOINER.fullmatch(text, matches[j - 1].end(), matches[j].start()):
                    break
                squashed += name_key(word)
                if squashed.startswith(label):
                    return text[m.start():matches[j].end()]
                if not label.startswith(squashed):
                    break
    return ""


def abbreviated_in(domain: str, texts: Iterable[str], limit: int = 6) -> str:
    """The way ``texts`` write a name that the domain's label abbreviates ("Müller-Thiessen
    Gebäudetechnik" for mt-gebaeudetechnik.de, "Van der Kooij Logistiek" for vdk-logistiek.nl),
    or "": a run of up to ``limit`` words starting with a capital."""
    label_words = [w for w in re.split(r"[-_]+", organisation_label(domain)) if w]
    if not label_words or not any(2 <= len(w) <= 5 for w in label_words):
        return ""
    for text in texts:
        for variant in {text[:20_000], _transliterated(text[:20_000])}:
            words = re.findall(r"[^\W\d_][\w'’.&+\-]*", variant)
            for i, word in enumerate(words):
                if not word[:1].isupper() or name_key(word) in _ARTICLES:
                    continue
                for j in range(i + 1, min(i + limit, len(words)) + 1):
                    if _abbreviates(label_words, _name_parts(" ".join(words[i:j]))):
                        found = re.findall(r"[^\W\d_][\w'’.&+\-]*", text[:20_000])
                        name = " ".join(found[i:j]) if len(found) == len(words) else " ".join(words[i:j])
                        return name.rstrip(".,;:")
    return ""


# what a product's domain puts around its name: usekettle.com, getacme.io, acmehq.com, tryacme.com
_DOMAIN_PREFIXES = ("use", "get", "try", "join", "go", "hey", "hello", "meet", "with")
_DOMAIN_SUFFIXES = ("hq", "app", "labs", "group")


def _bare_label(label: str) -> str:
    """A product domain's label without its "use"/"get" prefix or "hq"/"app" suffix."""
    for prefix in _DOMAIN_PREFIXES:
        if label.startswith(prefix) and len(label) - len(prefix) >= 4:
            return label[len(prefix):]
    for suffix in _DOMAIN_SUFFIXES:
        if label.endswith(suffix) and len(label) - len(suffix) >= 4:
            return label[: -len(suffix)]
    return label


# a legal form after a name, as a signature, a letter or an address writes it
_LEGAL_FORM = (
    r"(?:g?GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|SE|KG|KGaA|e\.\s?V\.|Ltd\.?|Limited|Inc\.?|LLC|PLC|plc|Corp\.?|Co\."
    r"|S\.A\.|SA|S\.p\.A\.|S\.r\.l\.|SAS|SARL|B\.V\.|N\.V\.|BV|NV|AB|AS|ASA|Oy|Oyj|ApS)(?![\w.])"
)
_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_ONE_FORM = re.compile(_LEGAL_FORM)
_FORMAL_NAME = re.compile(rf"(?<![\w'’\-&])((?:{_CAPITALISED}|&)(?:[ \t]+(?:{_CAPITALISED}|&)){{0,6}})[ \t]+{_LEGAL_FORM}")


def _formal_runs(texts: Iterable[str]) -> Iterable[list[str]]:
    """The runs of capitalised words right before a legal form, first to last."""
    for text in texts:
        for match in _FORMAL_NAME.finditer(text[:20_000]):
            words = match.group(1).split()
            cut = next((j for j, w in enumerate(words) if w == "&" or _ONE_FORM.fullmatch(w)), len(words))
            if cut:
                yield words[:cut]  # "Brauhaus GmbH & Co. KG": the name ends before its first form


def formal_name_of_domain(domain: str, texts: Iterable[str]) -> str:
    """The name before a legal form that begins as ``domain``'s label does (``_starts_alike``):
    "Eberwein Antriebstechnik" (GmbH) for eberwein-antriebe.de, "Skarvheim Kraft" (AS) for
    skk.no; or ""."""
    for words in _formal_runs(texts):
        for start in range(len(words) - 1):
            name = " ".join(words[start:])
            if name_key(words[start]) not in _ARTICLES and _starts_alike(name, domain):
                return name
    return ""


def _holds_in_order(text: str, letters: str) -> bool:
    """Whether ``letters`` appear in ``text`` in that order (not necessarily side by side)."""
    rest = iter(text)
    return all(letter in rest for letter in letters)


def formal_name(name: str, texts: Iterable[str]) -> str:
    """``name`` as the event writes it in full before a legal form, or ``name`` itself:
    "Feldmark Agrartechnik" for "Feldmark" when the address says "Feldmark Agrartechnik
    GmbH", "Gebrüder Stöckl Maschinenbau" for "Stöckl". The full name holds the short one's
    words in a row, at most three words more after them and only a body's kind before them
    ("Gebrüder", "Stadtwerke"); words that only say what kind of company it is ("Software",
    "Systems") are not added."""
    keys = [name_key(w) for w in name.split()]
    if not keys or not all(keys):
        return name
    for words in _formal_runs(texts):
        found = [name_key(w) for w in words]
        for i in range(len(found) - len(keys) + 1):
            if found[i : i + len(keys)] != keys:
                continue
            added = found[i + len(keys):]
            if len(added) > 3 or (added and all(w in _COMPANY_WORDS for w in added)) or (
                    not added and not (i and found[i - 1] in _BODY_WORDS)):
                continue
            start = i - 1 if i and found[i - 1] in _BODY_WORDS else i
            return " ".join(words[start:])
    return name


def choose_company(
    hint: str,
    title_company: str,
    employer_domains: tuple[str, ...],
    tenant: str = "",
    texts: Iterable[str] = (),
) -> tuple[str, str]:
    """(company, where it came from) by the module rules; ("", "") when nothing names it."""
    if hint:
        return hint, "the company: hint"
    if employer_domains:
        domain = employer_domains[0]
        if title_company:  # the title names one of the domains: that is the employer's (an agency invited)
            named = next((d for d in employer_domains if not large_employer(domain=d) and (
                _same_company(title_company, d, company_from_domain(d)) or _starts_alike(title_company, d))), "")
            if named:
                return formal_name(title_company, texts), f"the title, as the mail domain {named} names it"
        from_domain = company_from_domain(domain)
        if from_domain:
            if large_employer(domain=domain):
                return from_domain, f"the mail domain {domain}"
            label = organisation_label(domain)
            parts = label.split("-")
            spelled = (spelled_in(name_key(label.replace("-", " ")), texts) or abbreviated_in(domain, texts)
                       or (spelled_in(name_key(parts[1] + parts[0]), texts) if len(parts) == 2 else ""))
            # (the last: vernaison-groupe.fr written "Groupe Vernaison")
            if spelled:
                return formal_name(spelled, texts), f"the mail domain {domain}, as the event writes it"
            bare = _bare_label(label)
            spelled = spelled_in(name_key(bare.replace("-", " ")), texts) if bare != label else ""
            if spelled:  # usekettle.com: "Kettle"
                return formal_name(spelled, texts), f"the mail domain {domain}, as the event writes it"
            formal = formal_name_of_domain(domain, texts)
            if formal:  # eberwein-antriebe.de: "Eberwein Antriebstechnik GmbH"
                return formal, f"the mail domain {domain}, as the event writes it"
            longer = lengthened_in(domain, texts)
            if longer:  # marrickaero.com: "Marrick Aerospace"
                return longer, f"the mail domain {domain}, as the event writes it"
            return from_domain, f"the mail domain {domain}"
    if tenant:
        key = name_key(tenant.replace("-", " "))
        if title_company and key in keys_of(title_company):
            return title_company, f"the title, as the tracking system's link ({tenant}) names it"
        spelled = spelled_in(key, texts)
        if spelled:
            return spelled, f"the tracking system's link ({tenant}), as the event writes it"
        title_keys = keys_of(title_company) if title_company else set()
        if any(k and (k.startswith(key) or key.startswith(k)) for k in title_keys):  # "Tandem" for tandemhq
            return title_company, f"the title, as the tracking system's link ({tenant}) names it"
        return readable_name(tenant), f"the tracking system's link ({tenant})"
    if title_company:
        return formal_name(title_company, texts), "the title"
    signed = [" ".join(words) for words in _formal_runs(texts)]
    if signed:  # only a private address and a title without a name: the signature's company
        return signed[-1], "the name before a legal form in the text"
    return "", ""


_TRAILING_PLACE = re.compile(r"\s+(?:in|at|à|a|en|te|im|@)\s+([^@]+)$", re.IGNORECASE)
_TRAILING_ROOM = re.compile(
    r"\s+(?:room|raum|salle|sala|zaal|floor|etage|building|gebäude|bâtiment)\s*[#:]?\s*[\w.\-]{0,8}\d[\w.\-]{0,8}$",
    re.IGNORECASE,
)


def company_candidate(text: str) -> str:
    """A company found in a title, without the places in it ("Acme, Berlin", "Acme in
    Paris", "Acme Room 4.12") and checked against ordinary words; "" when nothing is left."""
    parts = [p.strip() for p in text.split(",")]
    text = ", ".join(p for p in parts if p and not is_place(p))
    m = _TRAILING_PLACE.search(text)
    if m and is_place(m.group(1)):
        text = text[: m.start()]
    text = _TRAILING_ROOM.sub("", text).strip(" \t-–—|/·:,;")
    if not text or is_place(text):
        return ""
    return ordinary_name(text)
