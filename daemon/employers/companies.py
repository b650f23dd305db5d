"""Companies from mail domains, and their size.

- Free-mail domains (the shipped ``data/free_mail_domains.txt`` plus
  ``companies.free_mail_domains``) never name a company.
- A domain names a company by the shipped list of large employers, else by the label
  left of its public suffix (subdomains such as mail., jobs., careers. dropped), with
  dashes as spaces, capitalised ("jane@mail.acme-corp.com" -> "Acme Corp",
  "jobs.acme-group.de" -> "Acme Group", "mail.contoso.co.uk" -> "Contoso"); a word
  without vowels is an acronym ("kpmg" -> "KPMG"). Multi-label public suffixes (co.uk,
  com.au, co.jp, com.br, gv.at, ...) come from the shipped ``data/public_suffixes.txt``,
  written from the Public Suffix List; under a two-letter country code, a usual second
  level (co, com, org, net, ac, gov, ...) counts as one too.
- Size: a ``size:`` hint; then companies.small, then companies.large (names or domains,
  subdomains included); then the shipped list ``data/large_employers.txt``; then
  companies.unknown_size.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from interview_followup.daemon.data import shipped_text

from interview_followup.daemon.config import Companies

UNKNOWN_SIZE = "unknown size: default from companies.unknown_size"

# Second-level labels under which organisations register (acme.co.uk, acme.com.au).
_SECOND_LEVEL = frozenset("co com org net ac gov ltd plc or gv ne edu go gob gouv nom asso".split())
_LEGAL_SUFFIXES = frozenset(
    """gmbh ag se kg kgaa ohg ug inc incorporated llc ltd limited plc corp corporation co
    company sa sas sarl spa srl nv bv ab as asa oy oyj group holding the""".split()
)


def domain_in(domain: str, parent: str) -> bool:
    """True when ``domain`` is ``parent`` or one of its subdomains."""
    domain = domain.lower().rstrip(".")
    return domain == parent or domain.endswith("." + parent)


def name_key(name: str) -> str:
    """A company name for comparison: no case, accents, punctuation or legal suffixes."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = re.findall(r"\w+", plain.replace("'", "").replace("’", ""))
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return "".join(words)


# --- domains ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def free_mail_domains() -> tuple[str, ...]:
    """The shipped list of free-mail (and non-employer) domains."""
    return tuple(line.split()[0].lower() for line in _data_lines("free_mail_domains.txt"))


def is_free_mail(domain: str, extra: Iterable[str] = ()) -> bool:
    """True for domains anyone can have an address at (and for "" or no dot). Kept per
    domain: every pass asks it again of the same few domains, and the list is long."""
    return _is_free_mail(domain.strip().lower().rstrip("."), tuple(extra))


@lru_cache(maxsize=4096)
def _is_free_mail(domain: str, extra: tuple[str, ...]) -> bool:
    if "." not in domain:
        return True
    for entry in (*free_mail_domains(), *extra):
        entry = entry.strip().lower()
        if entry.endswith(".*"):
            if re.fullmatch(r"(?:[^.]+\.)*" + re.escape(entry[:-2]) + r"\.[a-z.]+", domain):
                return True
        elif domain == entry or domain.endswith("." + entry):
            return True
    return False


@lru_cache(maxsize=1)
def public_suffixes() -> frozenset[str]:
    """The shipped multi-label public suffixes ("co.uk", "com.au", "gv.at", ...)."""
    return frozenset(line.split()[0].lower() for line in _data_lines("public_suffixes.txt"))


def public_suffix(domain: str) -> str:
    """The public suffix of ``domain``: a shipped multi-label one ("co.uk"), a two-letter
    country code under a usual second level ("com.xy"), else the last label."""
    labels = [part for part in domain.lower().strip(".").split(".") if part]
    for size in (3, 2):
        if len(labels) > size and ".".join(labels[-size:]) in public_suffixes():
            return ".".join(labels[-size:])
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-2:])
    return labels[-1] if labels else ""


def organisation_label(domain: str) -> str:
    """The registered label of a domain, left of its public suffix, subdomains dropped:
    "mail.acme-corp.co.uk" -> "acme-corp", "jobs.acme.gv.at" -> "acme"."""
    labels = [part for part in domain.lower().strip(".").split(".") if part]
    suffix = public_suffix(domain).count(".") + 1 if labels else 0
    if len(labels) > suffix:
        return labels[-suffix - 1]
    return labels[0] if labels else ""


def readable_name(label: str) -> str:
    """A domain label as a name: dashes (and underscores) part words, each capitalised; a
    word without vowels is an acronym ("northwind-traders" -> "Northwind Traders",
    "kpmg" -> "KPMG"). A label without dashes stays one word: its parts are unknown."""
    words = [w for w in re.split(r"[-_]+", label) if w]
    return " ".join(w.upper() if w.isalpha() and not re.search(r"[aeiouy]", w) else w[:1].upper() + w[1:]
                    for w in words)


def company_from_domain(domain: str) -> str:
    """The company a mail domain names ("" for free mail): see the module rules."""
    if is_free_mail(domain):
        return ""
    known = large_employer(domain=domain)
    if known:
        return known
    return readable_name(organisation_label(domain))


# --- size ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def large_employers() -> tuple[tuple[str, str], ...]:
    """(domain, name) pairs of the shipped list."""
    pairs = []
    for line in _data_lines("large_employers.txt"):
        domain, _, name = line.partition(" ")
        pairs.append((domain.lower(), name.strip() or domain))
    return tuple(pairs)


@lru_cache(maxsize=1)
def _large_by_domain() -> dict[str, str]:
    return dict(reversed(large_employers()))  # the first entry wins, as in the list


@lru_cache(maxsize=1)
def _large_by_name() -> dict[str, str]:
    by_name: dict[str, str] = {}
    for _, entry_name in large_employers():
        by_name.setdefault(name_key(entry_name), entry_name)
    return by_name


def large_employer(*, name: str = "", domain: str = "") -> str:
    """The shipped list's name for this company or domain, or ""."""
    if domain:
        labels = domain.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            found = _large_by_domain().get(".".join(labels[i:]))
            if found:
                return found
    return _large_by_name().get(name_key(name), "") if name else ""


def size_of(
    company: str, domains: Iterable[str], companies: Companies, hint: str = ""
) -> tuple[str, str]:
    """(size, reason): "small" or "large", and why (see the module rules)."""
    if hint in ("small", "large"):
        return hint, "hint in the event"
    domains = tuple(domains)
    for size, entries in (("small", companies.small), ("large", companies.large)):
        if any(_matches(entry, company, domains) for entry in entries):
            return size, f"companies.{size} in the configuration"
    for domain in domains:
        known = large_employer(domain=domain)
        if known:
            return "large", f"large employer ({known}) in the shipped list"
    if company:
        known = large_employer(name=company)
        if known:
            return "large", f"large employer ({known}) in the shipped list"
    return companies.unknown_size, UNKNOWN_SIZE


def _matches(entry: str, company: str, domains: tuple[str, ...]) -> bool:
    entry = entry.strip()
    if not entry:
        return False
    if company and name_key(entry) == name_key(company):
        return True
    return "." in entry and any(domain_in(d, entry.lower()) for d in domains)




def _data_lines(name: str) -> list[str]:
    text = shipped_text(name)
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
