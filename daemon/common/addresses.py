"""Mail addresses as calendars write them, made plain, and who is no person.

Rules:
- ``clean_address``: a calendar address is a URI more often than an address: upper- or
  lower-case ``mailto:`` (once or twice), URI parameters after ``?`` or ``;``
  (``mailto:jane@x.example?role=hiring-manager``), percent-encoding (``jane%40x.example``,
  ``jane%2Bjobs@...``), a display name with angle brackets (``Jane <jane@x.example>``),
  stray brackets, quotes and white space, a trailing dot. What is left is the address, its
  case kept; ``""`` when no address is left.
- ``is_robot``: an address no person reads: no-reply and do-not-reply boxes, notification,
  alert, invitation, auto-reply and system boxes, bounce, mailer-daemon and postmaster boxes, calendar servers (Google's
  ``calendar.google.com`` and its subdomains, Exchange's ``MicrosoftExchange...``
  system mailbox).
- ``is_room``: a room or resource by its address (``room-4.12@``, ``conf.berlin@``,
  ``meetingroom@``, ``resource.calendar.google.com``) or its name ("Room 4.12", "Raum
  Alster", "Salle B", "Sala Roma", "Zaal 2", "Conference Room", "Besprechungsraum").
- ``is_group_mailbox``: a shared mailbox, not a person: its local part is made of words
  for a team or for hiring (``hiring-team@``, ``talent@``, ``jobs@``, ``recruiting@``,
  ``selezione@``, ``rekruttering@``, ``hr.team@``), or ends in one of the longer ones
  (``stadtwerkekarriere@``).
- ``same_name``: two display names of one person, in either order, without case, accents
  or commas ("Rivera, Sam" is "Sam Rivera"): how the user is known at an address the
  configuration does not list (a work address on a colleague's invitation).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import unquote

_MAILTO = re.compile(r"^\s*mailto:(?://)?", re.IGNORECASE)
_ANGLED = re.compile(r"<([^<>]*@[^<>]*)>")
_STRAY = " \t\r\n<>\"'`()[]{},;"


@functools.cache
def _robot_local() -> re.Pattern:  # compiled on first use
    return re.compile(
        r"(?:^|[-_.+])(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|notifications?|notify|"
        r"mailer|mailer[-_.]?daemon|postmaster|bounces?|calendar[-_.]?(?:server|notification)s?|automated|"
        r"auto[-_.]?confirm|auto[-_.]?reply|autoresponder|system|alerts?|invitations?)(?:$|[-_.+\d])"
        r"|^microsoftexchange[0-9a-f]{8,}$",
        re.IGNORECASE,
    )


_SYSTEM_DOMAINS = ("calendar.google.com", "bounces.google.com", "calendar.icloud.com")


@functools.cache
def _room_local() -> re.Pattern:  # compiled on first use
    return re.compile(
        r"^(?:room|raum|salle|zaal|conf|confroom|conference|meetingroom|meeting-room|"
        r"boardroom|resource|ressource)(?:$|[-_.\d])",
        re.IGNORECASE,
    )


@functools.cache
def _room_name() -> re.Pattern:  # compiled on first use
    return re.compile(
        r"^(?:room|raum|salle|zaal|vergaderzaal|besprechungsraum|konferenzraum|meeting\s*room|"
        r"conference\s*room|conf\.?\s*room|boardroom|salle\s+de\s+r[ée]union|sala\s+(?:de\s+)?reuniones|"
        r"sala\s+riunioni)(?:$|[\s\-:#.\d])|^sala\s*(?:\d|[a-z]$)"
        r"|\b(?:meeting|conference|besprechungs|konferenz)\s*-?\s*(?:room|raum)\b",
        re.IGNORECASE,
    )


def clean_address(value: object) -> str:
    """The plain address in a calendar's address or URI (see the module rules)."""
    text = str(value).strip()
    m = _ANGLED.search(text)
    if m:
        text = m.group(1)
    text = text.strip(_STRAY)
    while True:
        stripped = _MAILTO.sub("", text, count=1).strip(_STRAY)
        if stripped == text:
            break
        text = stripped
    text = re.split(r"[?;]", text, maxsplit=1)[0]
    if "%" in text:
        text = unquote(text)
        text = re.split(r"[?;]", text, maxsplit=1)[0]
    text = _MAILTO.sub("", text.strip(_STRAY)).strip(_STRAY)
    return text.rstrip(".")


def is_robot(email: str) -> bool:
    """True for an address no person reads (see the module rules)."""
    local, _, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    if any(domain == d or domain.endswith("." + d) for d in _SYSTEM_DOMAINS):
        return True
    return bool(_robot_local().search(local))


def is_room(email: str, name: str = "") -> bool:
    """True for a room or other resource (see the module rules)."""
    local, _, domain = email.strip().lower().rpartition("@")
    if domain.rstrip(".").endswith("resource.calendar.google.com"):
        return True
    return bool(_room_local().search(local)) or bool(_room_name().search(name.strip()))


_GROUP_WORDS = frozenset(
    """hiring team teams talent talents recruiting recruitment recruit jobs job careers career karriere
    interviews interview hr people humanresources rrhh empleo empleos emploi emplois recrutement selezione
    selection seleccion werving vacatures vacature rekruttering rekrytering info office contact hello
    staffing ta talentacquisition acquisition bewerbung bewerbungen personal personalabteilung scheduling
    coordination coordinators candidates candidate apply applications talento talenti reclutamiento""".split()
)
# compounds that end in one of these are shared boxes too ("stadtwerkekarriere", "acmejobs")
_GROUP_ENDINGS = ("karriere", "recruiting", "recruitment", "careers", "jobs", "talent", "talentacquisition", "hiring",
                  "bewerbung", "rekruttering", "selezione", "recrutement", "reclutamiento", "werving")


def is_group_mailbox(email: str) -> bool:
    """True for a shared mailbox rather than a person's (see the module rules)."""
    local = email.strip().lower().rpartition("@")[0]
    words = [w for w in re.split(r"[-_.+]+", local) if w and not w.isdigit()]
    if not words:
        return False
    if all(w in _GROUP_WORDS for w in words):
        return True
    return len(words) == 1 and len(words[0]) > 8 and words[0].endswith(_GROUP_ENDINGS)


def _name_words(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return tuple(sorted(re.findall(r"[^\W\d_]+", plain)))


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` name one person (see the module rules); names of one word never do."""
    words = _name_words(a)
    return len(words) >= 2 and words == _name_words(b)
