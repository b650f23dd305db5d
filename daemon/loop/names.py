"""How a draft names the people it greets.

Calendars hold names in many shapes: "Jane Doe", "Doe, Jane", "Dr. Jane Doe", "Jane Doe
(she/her)", "Jane Doe, PhD", and also things that are no person's name at all: "Hiring
Team", "Recruiting", "jane.doe", an email address. Rules:

- A *person's name* has letters, at most ``MAX_NAME_CHARS`` characters, none of the
  characters of templates, markup or addresses (``$ { } < > [ ] @ \\ | = * # ^ ~ ` _``), no
  word of a team or mailbox ("team", "recruiting", "hr", ...), and is not a user name
  (one word with dots, or the person's own address before the "@" in lower case). Anything else is
  treated as no name: the greeting leaves that person out.
- Parts in parentheses are dropped ("(she/her)", "(Acme)"); "Doe, Jane" is read as
  "Jane Doe"; a suffix after a comma that is a degree or a job ("PhD", "Recruiter") is dropped.
- Leading honorifics (Dr., Prof., Mr., Ms., Herr, Frau, M., Mme, Sr., Sra., ...) are kept
  in the *full* form and dropped from the *given* form. A name that is an honorific and a
  surname only ("Dr. Doe", "Frau Müller") has no given name: both forms are the whole name;
  so has a name whose first word is an initial ("J. Doe") or a lower-case particle ("de Souza").
- The *given* form is the first word otherwise ("Jane"). "JANE DOE" stays as written.
- One person is one name key (the words without honorifics, in given-name order, without
  case): two attendees with the same key are one person, greeted once.
- ``greeted``: with style "given", people who would share a given name ("Jane Doe" and
  "Jane Roe") are greeted by their full forms, so the greeting says who is meant.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections.abc import Iterable

from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import Person

STYLES = ("given", "full")
MAX_NAME_CHARS = 100

# compared without case and without a trailing dot
_HONORIFICS = frozenset("dr prof mr mrs ms miss mx sir herr frau mme mlle sra srta".split())
# only with their dot: "M" is an initial, "Ing" or "Mag" could be a name
_DOTTED_HONORIFICS = frozenset("m. sr. ing. mag. dipl. dott. dott.ssa".split())
_PARTICLES = frozenset("van von de da del della der den di du la le ter ten dos das al el bin ibn".split())
# a word of these makes a display name a team's, a mailbox's or a room's, never a person's
_NOT_A_PERSON = frozenset(
    """team teams hiring recruiting recruitment recruiter recruiters talent acquisition hr rh rrhh
    careers career jobs job people staffing scheduling scheduler coordinator coordination
    interview interviews interviewer interviewers panel committee office room calendar
    support info admin noreply no-reply donotreply do-not-reply notifications mailer
    department abteilung personal personalabteilung bewerbung bewerbungen karriere
    recrutement ressources humaines recursos humanos reclutamiento selección seleccion
    candidates candidate applicants hiring-team""".split()
)
# what may follow a name after a comma without being a given name: degrees and such
_SUFFIXES = frozenset("phd ph.d md mba msc bsc ma ba jr sr ii iii iv esq dipl.-ing".split())
_FORBIDDEN = re.compile(r"[$@{}<>\[\]\\|=*#^~`_]")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# "J." or "J": an initial (a single letter without case, as in Chinese "明", is a name)
_INITIAL = re.compile(r"^\w\.$|^[^\W\d_]$")


@frozen
class Name:
    """A person's name read from a calendar."""

    key: str  # who it is: equal keys are one person
    given: str  # how "given" greets them
    full: str  # how "full" greets them (and "given" when two share a given name)

    def form(self, style: str) -> str:
        return self.full if style == "full" else self.given


def _clean(text: str) -> str:
    """NFC, without control and format characters (bidi overrides, zero-width joiners),
    white space single."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def _is_honorific(word: str) -> bool:
    low = word.casefold()
    return low in _DOTTED_HONORIFICS or low.rstrip(".") in _HONORIFICS


@lru_cache(maxsize=4096)  # the same people are read for every draft and check of a pass
def parse(person: Person) -> Name | None:
    """The name of ``person`` as a draft greets it, or None when it is no person's name."""
    text = _clean(person.name)
    if not text or len(text) > MAX_NAME_CHARS or _FORBIDDEN.search(text):
        return None
    text = _clean(_PARENS.sub(" ", text)).strip(" \"'“”„«»‘’‚,;:-–—")
    if not any(c.isalpha() for c in text) or "(" in text or ")" in text:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 1 and all(p.casefold().rstrip(".") in _SUFFIXES or p.casefold() in _NOT_A_PERSON
                              for p in parts[1:]):
        parts = parts[:1]  # "Jane Doe, PhD", "Jane Doe, Recruiter"
    if len(parts) == 2 and parts[0] and parts[1]:  # "Doe, Jane"
        text = f"{parts[1]} {parts[0]}"
    elif len(parts) == 1:
        text = parts[0]
    else:
        return None  # "a, b, c": a list, not a name
    words = text.split()
    if any(w.strip(".'’") in _NOT_A_PERSON for w in re.split(r"[\s\-/&+]+", text.casefold())):
        return None
    local = person.email.rpartition("@")[0]
    # "jane.doe", "x.y", "Jane.Doe": a user name (initials "J.R." are a name)
    dotted = re.search(r"\w[.]\w", text) and (text.islower() or any(len(part) > 1 for part in text.split(".")))
    if len(words) == 1 and ((text == local and text.islower()) or dotted):
        return None  # a user name: "jdoe" <jdoe@...>, "jane.doe" ("Jane" <jane@...> is a name)
    titles = []
    while words and _is_honorific(words[0]) and len(words) > 1:
        titles.append(words.pop(0))
    if not words or not any(c.isalpha() for c in " ".join(words)):
        return None
    own = " ".join(words)
    full = " ".join([*titles, *words])
    surname_only = len(words) == 1 and titles
    no_given = (_INITIAL.match(words[0]) and (words[0].endswith(".") or words[0].isupper())) or (words[0] in _PARTICLES and len(words) > 1)
    if surname_only or no_given:
        return Name(key=full.casefold() if surname_only else own.casefold(), given=full, full=full)
    return Name(key=own.casefold(), given=words[0], full=full)


def greeted(people: Iterable[Person], style: str = "given") -> list[str]:
    """The names a greeting to ``people`` says, in order: each person once (by address and by
    name), people without a person's name left out, and under "given" the full forms of
    those who share a given name."""
    seen_addresses: set[str] = set()
    seen_keys: set[str] = set()
    names: list[Name] = []
    for p in people:
        address = (p.email or "").strip().casefold()
        if address and address in seen_addresses:
            continue
        seen_addresses.add(address)
        name = parse(p)
        if name is None or name.key in seen_keys:
            continue
        seen_keys.add(name.key)
        names.append(name)
    if style == "full":
        return [n.full for n in names]
    counts: dict[str, int] = {}
    for n in names:
        counts[n.given.casefold()] = counts.get(n.given.casefold(), 0) + 1
    shown = [n.full if counts[n.given.casefold()] > 1 else n.given for n in names]
    # two people whose full forms are the same text (they differ in a title only): once
    return list(dict.fromkeys(shown))
