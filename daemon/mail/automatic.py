"""Mail that no person wrote: bounces, read receipts, invitation answers, auto-replies and
lists. ``examine`` says which, and why; ``None`` means a person (or their employer's
system speaking for them) wrote it.

The checks, in this order (the first that fires decides):

1. **bounce** — a delivery report (``multipart/report; report-type=delivery-status``) with
   a failed recipient, ``X-Failed-Recipients``, a failure subject ("Undeliverable:",
   "Mail delivery failed", ...) or a mail system sender (MAILER-DAEMON, postmaster) that
   says delivery failed. ``bounced`` lists the failed addresses: from the report, from
   ``X-Failed-Recipients``, or, for text-only bounces, the addresses in the text before
   the returned message (never the bounce's own sender or recipients). A report with no
   failed recipient (a delay or success notice) and delay subjects are **system**. Bounces
   come first because they often carry ``Auto-Submitted`` and an empty return path too.
2. **system** — read receipts (``report-type=disposition-notification``, "Read:").
3. **calendar** — answers to an invitation: iCalendar ``METHOD:REPLY``, or an RSVP subject
   ("Accepted:", "Abgelehnt:", "Refusé :", ...) when the message carries no other
   METHOD. Invitations themselves (``METHOD:REQUEST``), cancellations and counter
   proposals are a person's act and stay mail.
4. **auto-reply** — RFC 3834 ``Auto-Submitted`` other than "no", ``Precedence:
   auto_reply``, ``X-Autoreply``/``X-Autorespond`` (and the rarer ``X-Autoreply-From``,
   ``X-Mail-Autoreply``, ``X-Precedence``), ``X-Apple-Action: vacation``, an out-of-office
   subject in English, German, French, Spanish, Italian, Dutch or Portuguese, or an empty
   return path. With ``Auto-Submitted: auto-generated``/``auto-notified`` or an empty
   return path alone, and no out-of-office sign, the kind is **system** (RFC 3834: such
   mail answers no message). ``returns_on`` is the first day the person is back, read
   from the subject and text (see ``return_date``).
5. **list** — ``List-Id`` (RFC 2919), ``Precedence: bulk|list|junk``, or
   ``List-Unsubscribe`` on mail that is neither part of a thread nor about the reader's
   application. ``List-Unsubscribe`` alone is weak evidence: SparkPost adds it to every
   message by default and SendGrid with subscription tracking does too, so an applicant
   tracking system's message about your application may carry it.

Not used, on purpose:

- ``X-Auto-Response-Suppress``: Outlook and Exchange put it on ordinary mail to ask for no
  auto-replies; helpdesks that filtered on it lost real messages (osTicket #5320, the
  Jitbit "do not use X-Auto-Response-Suppress" report).
- ``X-MS-Exchange-Inbox-Rules-Loop``: Exchange adds it when an inbox rule redirected or
  forwarded a message, not only to automatic replies; Exchange's own out-of-office
  notices are recognised by their ``Auto-Submitted`` header and subject anyway.
- ``Feedback-ID`` and other sending-service markers: transactional mail carries them too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from interview_followup.daemon.model import Automatic, MailMessage
from interview_followup.daemon.common.textmatch import SCAN_LIMIT, fold, fold_word

# --- bounces and receipts -------------------------------------------------------------

_SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_TAG = r"^\s*(?:\[[^\]]{1,40}\]\s*)?"  # "[EXTERNAL] " and the like before a prefix

_BOUNCE_SUBJECT = re.compile(
    _TAG + r"(?:undeliverable|undelivered mail|undeliverable mail|delivery status notification \(failure\)|"
    r"mail delivery failed|delivery failure|failure notice|returned mail|mail delivery failure|"
    r"delivery has failed|message not delivered|delivery notification: delivery has failed|"
    r"unzustellbar|nicht zustellbar|non remis|non distribuable|echec de la remise|"
    r"no se puede entregar|no entregado|mancato recapito|onbestelbaar)",
)
_DELAY_SUBJECT = re.compile(
    _TAG + r"(?:delivery status notification \(delay\)|delayed mail|warning: message .{0,80} delayed|"
    r"message delayed|delivery delayed|mail delivery delayed|zustellung verzogert|"
    r"remise differee|entrega retrasada)",
)
_FAILURE_WORDS = re.compile(
    r"(?:could not be delivered|couldn't be delivered|undeliverable|delivery (?:has )?failed|"
    r"permanent(?:ly)? (?:error|fatal)|user unknown|no such user|does not exist|"
    r"address rejected|mailbox unavailable|konnte nicht zugestellt|n'a pas pu etre remis|"
    r"no se pudo entregar)"
)
_RECEIPT_SUBJECT = re.compile(
    _TAG + r"(?:read|not read|gelesen|nicht gelesen|lu|non lu|leido|no leido|letto|gelezen)\s*:"
)
# Where the text of a bounce stops describing the failure and starts returning the message.
_RETURNED_PART = re.compile(
    r"^(?:received:|return-path:|.*copy of (?:the|your) message|.*original message|"
    r".*message headers follow|.*below this line|.*urspr[u]ngliche nachricht)",
    re.MULTILINE,
)
# An address in a bounce's text: ``[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+``, found
# by ``_addresses_in`` in linear time (``findall`` with that expression starts again at
# every character of a long run without "@": 20,000 characters took a second).
_LOCAL_PART = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+")
_AT_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")

# --- invitation answers ---------------------------------------------------------------

_RSVP_SUBJECT = re.compile(
    _TAG + r"(?:accepted|declined|tentative|tentatively accepted|invitation accepted|"
    r"invitation declined|angenommen|abgelehnt|mit vorbehalt angenommen|mit vorbehalt|"
    r"zugesagt|vorlaufig angenommen|accepte|acceptee|refuse|refusee|provisoire|"
    r"invitation acceptee|invitation refusee|aceptado|aceptada|rechazado|rechazada|provisional|"
    r"invitacion aceptada|invitacion rechazada|accettato|rifiutato|provvisorio|geaccepteerd|"
    r"geweigerd|voorlopig|voorlopig geaccepteerd)\s*:"
)

# --- auto-replies ---------------------------------------------------------------------

_OOF_SUBJECT = re.compile(
    _TAG + r"(?:automatic reply|automatic response|auto[- ]?reply|auto[- ]?response|autoresponder|"
    r"auto:|out of (?:the )?office|ooo\b|away from (?:the )?office|vacation (?:reply|response|notice)|"
    r"automatische antwort|automatische ruckmeldung|abwesenheit|abwesend|nicht im buro|"
    r"ausser haus|reponse automatique|absence du bureau|absente? du bureau|absente?\b|"
    r"message d'absence|hors du bureau|respuesta automatica|fuera de (?:la )?oficina|ausente\b|"
    r"ausencia\b|risposta automatica|fuori (?:sede|ufficio)|assente\b|assenza\b|"
    r"automatisch antwoord|afwezig|niet aanwezig|buiten kantoor|resposta automatica|"
    r"fora do escritorio)"
    r"|\bis out of (?:the )?office\b"
)
_OOF_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")
_NULL_PATHS = ("<>", "<mailer-daemon>", "mailer-daemon")

# --- lists ----------------------------------------------------------------------------

_BULK_PRECEDENCE = ("bulk", "list", "junk")
# Words that show a message is about the reader's own application, which a newsletter
# never is; an applicant tracking system's mail with List-Unsubscribe always is.
_ABOUT_YOUR_APPLICATION = re.compile(
    r"\b(?:your (?:application|candidacy|interview|candidature)|"
    r"(?:ihre|deine|eure) (?:bewerbung|kandidatur)|(?:ihr|dein) (?:vorstellungsgesprach|interview)|"
    r"(?:votre|ta) (?:candidature|entretien)|(?:su|tu) (?:candidatura|postulacion|entrevista)|"
    r"(?:la tua|la sua) candidatura|(?:uw|je) sollicitatie)\b"
)


def examine(msg: MailMessage) -> Automatic | None:
    """Why ``msg`` was written by a machine, or None when a person wrote it."""
    return (_bounce(msg) or _receipt(msg) or _calendar(msg) or _auto_reply(msg)
            or _list(msg))


def _subject(msg: MailMessage) -> str:
    return fold_word((msg.subject or "")[:SCAN_LIMIT])


def _body(msg: MailMessage) -> str:
    return msg.body[:SCAN_LIMIT]


def _local_part(msg: MailMessage) -> str:
    return msg.sender.email.partition("@")[0].lower() if msg.sender else ""


def _bounce(msg: MailMessage) -> Automatic | None:
    ctype = msg.header("content-type").lower()
    report = "multipart/report" in ctype and "delivery-status" in ctype
    if msg.failed_recipients:
        reason = ("a delivery report with failed recipients" if report
                  else "X-Failed-Recipients: " + ", ".join(msg.failed_recipients))
        return Automatic("bounce", reason, bounced=msg.failed_recipients)
    subject = _subject(msg)
    if _DELAY_SUBJECT.search(subject):
        return Automatic("system", "a delivery delay notice")
    failed_subject = _BOUNCE_SUBJECT.search(subject)
    if report and not failed_subject:
        return Automatic("system", "a delivery report without a failed recipient (a delay or success notice)")
    sender = msg.sender.email if msg.sender else ""
    system_sender = _local_part(msg) in _SYSTEM_SENDERS
    if failed_subject:
        why = f"a bounce subject ({msg.subject.strip()[:60]})"
    elif system_sender and _FAILURE_WORDS.search(fold_word(_body(msg))):
        why = f"a failure notice from {sender}"
    elif system_sender:
        return Automatic("system", f"sent by the mail system ({sender})")
    else:
        return None
    return Automatic("bounce", why, bounced=_addresses_in_bounce_text(msg))


def _addresses_in_bounce_text(msg: MailMessage) -> tuple[str, ...]:
    text = _body(msg)
    cut = _RETURNED_PART.search(fold_word(text))
    if cut:  # folded text keeps line starts where the source has them, near enough
        text = text[: _source_offset(text, cut.start())]
    own = {p.email for p in (*msg.to, *msg.cc)}
    if msg.sender:
        own.add(msg.sender.email)
    found: dict[str, None] = {}
    for addr in _addresses_in(text):
        addr = addr.strip(".").lower()
        if addr not in own and addr.partition("@")[0] not in _SYSTEM_SENDERS:
            found.setdefault(addr, None)
    return tuple(found)


def _addresses_in(text: str) -> list[str]:
    """What ``re.findall`` of the address expression above gives, in linear time. A match
    can only start where a run of local-part characters starts (the run cannot hold the
    "@"), so each run is read once: its "@domain" follows it, or no address starts in it."""
    found = []
    pos = 0
    while True:
        local = _LOCAL_PART.search(text, pos)
        if local is None:
            return found
        domain = _AT_DOMAIN.match(text, local.end())
        if domain is None:
            pos = local.end()
        else:
            found.append(text[local.start():domain.end()])
            pos = domain.end()


def _source_offset(text: str, folded_offset: int) -> int:
    folded = fold(text)
    return folded.index[folded_offset] if folded_offset < len(folded.index) else len(text)


def _receipt(msg: MailMessage) -> Automatic | None:
    ctype = msg.header("content-type").lower()
    if "multipart/report" in ctype and "disposition-notification" in ctype:
        return Automatic("system", "a read receipt (disposition notification)")
    if _RECEIPT_SUBJECT.search(_subject(msg)):
        return Automatic("system", "a read-receipt subject")
    return None


def _calendar(msg: MailMessage) -> Automatic | None:
    if msg.calendar_method == "REPLY":
        return Automatic("calendar", "an answer to an invitation (iCalendar METHOD:REPLY)")
    if msg.calendar_method in ("", "REPLY"):
        found = _RSVP_SUBJECT.search(_subject(msg))
        if found:
            return Automatic("calendar", f"an invitation-answer subject ({msg.subject.strip()[:60]})")
    return None


def _auto_reply(msg: MailMessage) -> Automatic | None:
    signs: list[str] = []
    generated = ""
    submitted = msg.header("auto-submitted").strip().lower()
    if submitted and submitted != "no":
        if submitted.startswith("auto-replied"):
            signs.append(f"Auto-Submitted: {submitted}")
        else:
            generated = f"Auto-Submitted: {submitted}"
    for name in ("precedence", "x-precedence"):
        if msg.header(name).strip().lower() == "auto_reply":
            signs.append(f"{name.title()}: auto_reply")
    for name in _OOF_HEADERS:
        value = msg.header(name).strip().lower()
        if value and value != "no":
            signs.append(f"an {name} header")
    if msg.header("x-apple-action").strip().lower() == "vacation":
        signs.append("X-Apple-Action: vacation")
    if _OOF_SUBJECT.search(_subject(msg)):
        signs.append("an out-of-office subject")
    if not generated and msg.header("return-path").strip().lower() in _NULL_PATHS:
        generated = "an empty return path"
    if not signs and not generated:
        return None
    sender_domain = msg.sender.domain if msg.sender else ""
    back = return_date(f"{msg.subject[:SCAN_LIMIT]}\n{_body(msg)}", msg.date.date() if msg.date else None,
                       sender_domain)
    if signs or back:
        return Automatic("auto-reply", signs[0] if signs else generated, returns_on=back)
    return Automatic("system", generated)


def _list(msg: MailMessage) -> Automatic | None:
    if msg.header("list-id"):
        return Automatic("list", f"List-Id: {msg.header('list-id')[:80]}")
    precedence = msg.header("precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return Automatic("list", f"Precedence: {precedence}")
    if msg.header("list-unsubscribe"):
        in_thread = bool(msg.in_reply_to or msg.references)
        about_you = _ABOUT_YOUR_APPLICATION.search(fold_word(f"{msg.subject[:SCAN_LIMIT]}\n{_body(msg)}"))
        if not in_thread and not about_you:
            return Automatic("list", "List-Unsubscribe on mail that answers nothing and is not about your application")
    return None


# --- the day an absent person is back -------------------------------------------------
#
# Dates are found in the folded text (lower case, no accents) in these forms, each with an
# optional weekday before it ("Monday, December 7th", "Montag, den 7. Dezember"):
# ISO 2026-12-07; numeric 07.12.2026 / 7.12. (always day first) and 12/07/2026,
# 12-07-26 (day or month first: see _order); "7 December 2026", "7. Dezember",
# "1er décembre", "7 de diciembre de 2026", "3rd of December"; "December 7th, 2026";
# and a weekday alone ("Friday"). A cue before (or, for "wieder", "je serai de retour",
# ..., after) the date says what it means:
#   back    "back on X", "returning X", "ab X wieder im Büro", "de retour le X",
#           "estaré de vuelta el X"                       -> X
#   through "through X", "bis (einschließlich) X", "jusqu'au X", "hasta el X",
#           "fino al X", "tot en met X", "until X inclusive", a range "from A to X"
#                                                         -> the day after X
#   until   "until X", "till X", Dutch "tot X"            -> X
# German "bis", French "jusqu'au", Spanish "hasta" and Italian "fino al" name the last day
# of absence by convention; English "until" names the day of return ("out until Monday"),
# and Dutch says "t/m" when it means the last day. Italian and Dutch cues are read too
# (Italian "rientrerò il X", Dutch "vanaf X ben ik weer"). Among several
# cued dates, "back" wins over "through" over "until", then the first in the text.

_MONTH_NAMES = (
    "january jan januar janner jaenner janvier janv enero ene gennaio januari",
    "february feb februar feber fevrier fevr fev febrero febbraio februari",
    "march mar marz maerz mrz mars marzo maart",
    "april apr avril avr abril abr aprile",
    "may mai mayo maggio mei",
    "june jun juni juin junio giugno",
    "july jul juli juillet juil julio luglio",
    "august aug aout agosto ago augustus",
    "september sep sept septembre septiembre setiembre settembre",
    "october oct oktober okt octobre octubre ottobre",
    "november nov novembre noviembre",
    "december dec dezember dez decembre diciembre dic dicembre",
)
_WEEKDAY_NAMES = (
    "monday montag lundi lunes lunedi maandag",
    "tuesday dienstag mardi martes martedi dinsdag",
    "wednesday mittwoch mercredi miercoles mercoledi woensdag",
    "thursday donnerstag jeudi jueves giovedi donderdag",
    "friday freitag vendredi viernes venerdi vrijdag",
    "saturday samstag sonnabend samedi sabado sabato zaterdag",
    "sunday sonntag dimanche domingo domenica zondag",
)
_WEEKDAY_ABBREVIATIONS = (  # only before a date, followed by "." or ","
    "mon mo lun", "tue tues di mar", "wed mi mer mie", "thu thur thurs do jeu jue",
    "fri fr ven vie", "sat sa sam sab", "sun so dim dom",
)


def _table(rows: tuple[str, ...]) -> dict[str, int]:
    return {name: n for n, row in enumerate(rows) for name in row.split()}


_MONTHS = {k: v + 1 for k, v in _table(_MONTH_NAMES).items()}
_WEEKDAYS = _table(_WEEKDAY_NAMES)
_WEEKDAY_ABBR = _table(_WEEKDAY_ABBREVIATIONS)


def _alternation(names: dict[str, int]) -> str:
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


_MONTH = rf"(?:{_alternation(_MONTHS)})(?![a-z])"
_WD = rf"(?:(?:{_alternation(_WEEKDAYS)})(?![a-z])|(?:{_alternation(_WEEKDAY_ABBR)})(?=[.,]))"
_DATE = re.compile(
    rf"(?<![\w.])(?:(?P<wd>{_WD})[.,]{{0,2}}\s+(?:(?:the|den|dem|le|el)\s+)?)?(?:"
    rf"(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d)"
    rf"|(?P<d1>\d{{1,2}})(?:\.|st|nd|rd|th|er|eme|o|º|°)?\s*(?:of\s+|de\s+)?(?P<m1>{_MONTH})\.?"
    rf"(?:,?\s*(?:de\s+)?(?P<y1>\d{{4}})(?!\d))?"
    rf"|(?P<n1>\d{{1,2}})(?P<sep>[./-])(?P<n2>\d{{1,2}})(?:(?P=sep)(?P<ny>\d{{4}}|\d{{2}})(?!\d))?(?![\d/-])"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?![\d])(?:,?\s*(?P<y2>\d{{4}})(?!\d))?"
    rf")|(?<![\w.])(?P<wo>(?:{_alternation(_WEEKDAYS)}))(?![a-z])"
)
_TIME_AFTER = re.compile(r"\s*(?:uhr|h\b|am\b|pm\b|a\.m\.|p\.m\.|:\d)")

_FILL = (
    r"(?:[\s,:]|\b(?:on|the|from|by|as of|starting|again|in the office|to the office|to work|"
    r"at work|at my desk|in|am|ab|dem|den|zum|im buro|le|du|au|des|a partir du|a partir de|"
    r"au bureau|el|del|a partir del|desde el|desde|al|a la oficina|en la oficina|il|in ufficio|"
    r"op|vanaf|per|op kantoor)\b)*"
)
# (language, meaning, cue that ends where the date starts)
_CUES_BEFORE = tuple(
    (lang, meaning, re.compile(rf"(?:{cue}){_FILL}$"))
    for lang, meaning, cue in (
        ("en", "through", r"\b(?:through|thru|up to and including|until and including|to and including)"),
        ("de", "through", r"\bbis(?: einschliesslich| einschl\.?| inklusive| inkl\.?| und mit)?"),
        ("fr", "through", r"\bjusqu' ?(?:au|a|a la)?"),
        ("es", "through", r"\bhasta"),
        ("it", "through", r"\bfino (?:a|al|alla)"),
        ("nl", "through", r"\b(?:tot en met|t/m)"),
        ("en", "until", r"\b(?:until|till|'til)"),
        ("nl", "until", r"\btot"),
        ("en", "back", r"\b(?:back|return|returns|returning|available again|reachable again|"
                       r"be in the office|be in)"),
        ("de", "back", r"\b(?:zuruck|wieder (?:im buro|im haus|da|erreichbar|verfugbar|zu erreichen|"
                       r"am arbeitsplatz|im dienst)|ruckkehr)"),
        ("fr", "back", r"\b(?:de retour|retour|je reviens|je rentre|je reprendrai(?: le travail)?|"
                       r"reprise|(?:a|de) nouveau (?:disponible|joignable|present|presente))"),
        ("es", "back", r"\b(?:de vuelta|de regreso|regresare|regreso|volvere|vuelvo|"
                       r"me reincorporo|me reincorporare|reincorporacion|de nuevo disponible|"
                       r"nuevamente disponible)"),
        ("it", "back", r"\b(?:di ritorno|rientrero|rientro|tornero|(?:saro )?di nuovo (?:in ufficio|disponibile|raggiungibile))"),
        ("nl", "back", r"\b(?:terug|weer (?:aanwezig|op kantoor|bereikbaar|beschikbaar|aan het werk))"),
    )
)
_CUES_AFTER = tuple(
    (lang, re.compile(cue))
    for lang, cue in (
        ("de", r"^[\s,.]*(?:(?:bin|ist|sind|werde|wird) (?:ich|er|sie|wir) )?(?:dann )?(?:wieder|zuruck)\b"),
        ("en", r"^[\s,.]*(?:i will|i'll|i am|i'm|we will|we'll) (?:be )?(?:back|return|available again|in the office)\b"),
        ("fr", r"^[\s,.]*(?:je serai|je suis|nous serons) (?:de retour|a nouveau|de nouveau)\b"),
        ("es", r"^[\s,.]*(?:estare|estoy|volvere a estar) (?:de vuelta|de regreso|de nuevo|disponible)\b"),
        ("it", r"^[\s,.]*(?:saro|sono) (?:di nuovo|nuovamente|di ritorno)\b"),
        ("nl", r"^[\s,.]*(?:ben ik|is hij|is zij|zijn wij|zijn we) (?:weer|terug)\b"),
    )
)
_RANGE_GAP = re.compile(r"[\s.,]*(?:to|-|bis|bis zum|au|al|a)\s*")
_INCLUSIVE_AFTER = re.compile(
    r"^[\s,(]*(?:inclusive|inclusively|included|einschliesslich|inklusive|inkl|inclus|incluse|"
    r"inclusivement|incluido|incluida)\b"
)
_RANK = {"back": 0, "through": 1, "until": 2}

# Sender domains whose numeric dates are read month first, and day first; any other
# domain (.com, .org, .io, .ca, ...) decides nothing.
_MONTH_FIRST_TLDS = frozenset({"us", "gov", "mil", "edu"})
_DAY_FIRST_TLDS = frozenset(
    "uk ie au nz in za de at ch li fr be nl lu es it pt se no dk fi is pl cz sk hu ro bg gr "
    "hr si rs ee lv lt br ar mx cl pe uy sg hk my ng ke il tr ru ua".split()
)
_HORIZON = timedelta(days=400)  # no absence notice announces a return further away


def return_date(text: str, sent: date | None, sender_domain: str = "") -> date | None:
    """The first day an absent person is back, as ``text`` (an auto-reply) states it.

    ``sent`` is the day the notice was sent: a date without a year is the next such date
    on or after it, a weekday the next such day after it, and dates before it are not
    return dates. None when no cued date is found, or when a numeric date could be read
    day-first or month-first and neither the language, the sender's domain, a weekday nor
    the sending day decides.
    """
    folded = fold(text[:20_000]).text
    matches = list(_DATE.finditer(folded))
    best: tuple[int, int, date] | None = None
    for i, m in enumerate(matches):
        if m.group("n1") and _TIME_AFTER.match(folded, m.end()):
            continue
        prev_end = matches[i - 1].end() if i else 0
        next_start = matches[i + 1].start() if i + 1 < len(matches) else len(folded)
        before = folded[max(prev_end, m.start() - 90):m.start()]
        after = folded[m.end():min(next_start, m.end() + 60)]
        cue = _cue(before, after, i > 0 and bool(_RANGE_GAP.fullmatch(folded[prev_end:m.start()])))
        if cue is None:
            continue
        lang, meaning = cue
        if meaning == "until" and _INCLUSIVE_AFTER.match(after):
            meaning = "through"
        day = _resolve(m, sent, lang, sender_domain)
        if day is None:
            continue
        if meaning == "through":
            day += timedelta(days=1)
        if sent and day < sent:
            continue
        if best is None or _RANK[meaning] < best[0]:
            best = (_RANK[meaning], m.start(), day)
    return best[2] if best else None


def _cue(before: str, after: str, range_end: bool) -> tuple[str, str] | None:
    for lang, pattern in _CUES_AFTER:
        if pattern.match(after):
            return lang, "back"
    for lang, meaning, pattern in _CUES_BEFORE:
        if pattern.search(before):
            return lang, meaning
    if range_end:
        return "", "through"
    return None


def _resolve(m: re.Match[str], sent: date | None, lang: str, domain: str) -> date | None:
    """The date a match names, or None when it is invalid, implausible or ambiguous."""
    weekday = _weekday(m.group("wd"))
    if m.group("wo"):
        if sent is None:
            return None
        ahead = (_WEEKDAYS[m.group("wo")] - sent.weekday() - 1) % 7 + 1
        return sent + timedelta(days=ahead)
    if m.group("iy"):
        readings = [(int(m.group("iy")), int(m.group("im")), int(m.group("id")))]
    elif m.group("m1") or m.group("m2"):
        month = _MONTHS[m.group("m1") or m.group("m2")]
        day = int(m.group("d1") or m.group("d2"))
        year = m.group("y1") or m.group("y2")
        readings = [(int(year) if year else 0, month, day)]
    else:
        first, second = int(m.group("n1")), int(m.group("n2"))
        year = int(m.group("ny")) if m.group("ny") else 0
        if year and year < 100:
            year += 2000
        if m.group("sep") == ".":
            readings = [(year, second, first)]
        else:
            readings = [(year, second, first), (year, first, second)]
    candidates: dict[date, None] = {}
    for year, month, day in readings:
        found = _on_or_after(year, month, day, sent, weekday)
        if found is not None:
            candidates.setdefault(found, None)
    if len(candidates) == 2:
        return _order(m, list(candidates), lang, domain)
    return next(iter(candidates), None)


def _weekday(name: str | None) -> int | None:
    if not name:
        return None
    name = name.rstrip(".,")
    return _WEEKDAYS.get(name, _WEEKDAY_ABBR.get(name))


def _on_or_after(year: int, month: int, day: int, sent: date | None, weekday: int | None) -> date | None:
    """The date, a year-less one placed on or after ``sent``; None when invalid, before
    ``sent``, beyond the horizon, or on another weekday than the one written."""
    years = [year] if year else ([sent.year, sent.year + 1] if sent else [])
    for y in years:
        try:
            found = date(y, month, day)
        except ValueError:
            continue
        if sent and not (sent <= found <= sent + _HORIZON):
            continue
        if weekday is not None and found.weekday() != weekday:
            continue
        return found
    return None


def _order(m: re.Match[str], candidates: list[date], lang: str, domain: str) -> date | None:
    """Day-first (candidates[0]) or month-first (candidates[1]) for an ambiguous numeric
    date: German, French, Spanish, Italian and Dutch text is day-first; English text follows the sender's
    country domain when it has one; otherwise nothing is guessed."""
    if lang in ("de", "fr", "es", "it", "nl"):
        return candidates[0]
    tld = domain.rpartition(".")[2].lower()
    if tld in _DAY_FIRST_TLDS:
        return candidates[0]
    if tld in _MONTH_FIRST_TLDS:
        return candidates[1]
    return None
