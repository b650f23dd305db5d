"""Draft quality: what every draft must satisfy before it is written.

``problems(raw, ...)`` reads the finished message (the bytes that would be written) and
returns one sentence per problem, each saying what to fix; the engine writes no draft
that has any, and shows them in the draft's reminder. It is pure: no clock, no files.

The checks:
- *From*: set, one valid address.
- *Recipients*: the user (any of ``user_emails``) is never in To, Cc or Bcc, and nobody is
  there twice. An empty To is allowed (the event had no usable address): that is reported
  as a warning elsewhere, and the user may add the address in their mail program.
- *Subject and text*: not empty.
- *Leftover template placeholders*: ``${name}`` or ``$name`` (a template naming a value
  that does not exist; calendar text is never expanded, so one from there shows too).
- *Placeholders the user left* (in a debrief answer, a profile text, a template): TODO,
  TBD, TBA, XXX, FIXME, "??", anything in [square brackets], <angle brackets> that are not
  an address or a link, "fill in", "lorem ipsum". Each is named with the line it is in.
  "TODO" counts in capitals only: "todo" is a Spanish word.
- *Empty slots*: what a missing value leaves: two spaces between words, a space before a
  comma or full stop, "()" or empty quotes, a comma before a colon ("Hola, :"), "the"
  before punctuation, a list item with nothing after its dash or colon, a subject that
  ends in "about", "for", ...
- *Doubled words* ("the the"), without case, across line breaks, in the subject and the
  text each. Not counted: numbers, and words that are rightly doubled in ordinary
  sentences ("had had", "that that", German "die die", French "vous vous": ``RIGHTLY_DOUBLED``),
  and a doubling that lies inside a name or a ``known`` text (a company "Duran Duran").
  Anything else doubled is a mistake often enough to be worth a look before sending.
- *Greeting* (the first line of the text): names each person in To who has a person's
  name (``daemon.loop.names``) exactly once, in ``greeting_style``, and no other person of
  the loop (``people_in_loop``).

Sentences never contain "; " (the engine joins them with it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

from interview_followup.daemon.config import email_problem
from interview_followup.daemon.loop.names import greeted, parse
from interview_followup.daemon.model import Person

RIGHTLY_DOUBLED = frozenset("had that die der das den dem des sie nous vous".split())
SHOWN_CHARS = 80  # of a line quoted in a problem
MAX_PER_CHECK = 5  # problems of one kind: the first few say enough

_TEMPLATE_SLOT = re.compile(r"\$\{[^{}\n]{0,80}\}?|\$[A-Za-z_][A-Za-z0-9_]*")
_USER_PLACEHOLDERS = [
    re.compile(r"(?<!\w)TODO(?!\w)"),
    re.compile(r"(?<!\w)(?:TBD|TBA|FIXME|X{3,})(?!\w)", re.IGNORECASE),
    re.compile(r"\?{2,}"),
    re.compile(r"\[[^\[\]\n]{0,200}\]"),
    # <...> that is not <name@host> nor <https://...>
    re.compile(r"<(?![^<>\s]+@[^<>\s]+>)(?!(?:https?|mailto):)[^<>\n]{0,200}>"),
    re.compile(r"(?<!\w)fill (?:this |it |that )?in(?!\w)(?=[ \t]*(?:$|[.:!?)\]]))", re.IGNORECASE | re.MULTILINE),
    re.compile(r"(?<!\w)lorem ipsum(?!\w)", re.IGNORECASE),
    re.compile(r"(?<!\w)(?:à compléter|a completar|por completar|zu ergänzen)(?!\w)", re.IGNORECASE),
]
_EMPTY_SLOTS = [
    (re.compile(r"(?<=\w)[ \t]{2,}(?=\w)"), "two spaces in a row"),
    (re.compile(r"(?<=\S)[ \t]+[,.](?=\s|$)"), "a space before a comma or full stop"),
    (re.compile(r"\(\s*\)|\[\s*\]|\"\s*\"|“\s*”|„\s*“|«\s*»"), "empty brackets or quotes"),
    (re.compile(r",[ \t]*[:,;.]"), "a comma with nothing after it"),
    (re.compile(r"(?<!\w)the[ \t]*[.,;:!?)]"), "'the' with nothing after it"),
    (re.compile(r"^[ \t]*[-*•][ \t]*$|^[ \t]*[-*•][^\n]*:[ \t]*$", re.MULTILINE), "a list item with nothing in it"),
]
_DANGLING_END = re.compile(
    r"(?<!\w)(?:about|for|at|with|on|to|the|of|and|in|a|an|für|bei|mit|über|als|pour|avec|sur|de|para|con|sobre)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def problems(
    raw: bytes,
    *,
    user_emails: Iterable[str],
    people_in_loop: Iterable[Person] = (),
    greeting_style: str = "given",
    known: Iterable[str] = (),
    greets: bool = True,
) -> list[str]:
    """What is wrong with the draft ``raw`` (its whole RFC 5322 message), one sentence each
    ([] when nothing is). ``user_emails``: the user's addresses (``profile.emails``);
    ``people_in_loop``: everyone the loop knows (interviewers, contacts), so that a greeting
    naming one who is not a recipient is caught; ``greeting_style``: ``drafts.greeting_names``;
    ``known``: calendar texts that may double a word of their own (company, role);
    ``greets``: the template opens with the program's greeting (``${greeting}``). A user's
    own template without it greets as they wrote it: then only a greeting that names
    someone of the loop who is not a recipient is a problem."""
    try:
        msg = message_from_bytes(raw, policy=compat32)  # the fast parser: headers decoded below
        senders = _addresses(msg, "From")
        mine = {e.strip().casefold() for e in user_emails}
        found: list[str] = _sender(senders)
        to = _recipients(msg, mine, found)
        subject = _decoded(msg.get("Subject", "")).strip()
        body = _plain_text(msg)
    except (ValueError, TypeError, LookupError, AttributeError, UnicodeError) as exc:
        return [f"the draft cannot be read back as a message ({type(exc).__name__}): "
                "check the template's Subject line and text"]
    known = [*known, *(p.name for p in senders)]
    return [f.replace("; ", ", ") for f in found] + text_problems(subject, body, to=to, people_in_loop=people_in_loop,
                                 greeting_style=greeting_style, known=known, greets=greets)


def text_problems(
    subject: str,
    body: str,
    *,
    to: Iterable[Person],
    people_in_loop: Iterable[Person] = (),
    greeting_style: str = "given",
    known: Iterable[str] = (),
    greets: bool = True,
) -> list[str]:
    """The checks of ``problems`` that read the text only: ``subject`` and ``body`` as the
    draft says them, ``to`` the people it goes to (to check the greeting)."""
    found: list[str] = []
    to = list(to)
    if not subject:
        found.append("the subject is empty: give the template's first line a text after 'Subject:'")
    if not body.strip():
        found.append("the draft has no text: check the template")
    loop = list(people_in_loop)
    allowed = [k for k in (*(p.name for p in (*to, *loop)), *known) if k and k.strip()]
    for where, text in (("subject", subject), ("text", body)):
        found += _placeholders(where, text)
        found += _slots(where, text)
        found += _doubled(where, text, allowed)
    if _DANGLING_END.search(subject.rstrip(" .:!?")) and subject.rstrip(" .:!?"):
        found.append(f"the subject {_quote(subject)} ends in mid-sentence: a value is missing from it")
    found += _greeting(body, to, loop, greeting_style, greets)
    return list(dict.fromkeys(f.replace("; ", ", ") for f in found))  # "; " joins them in the engine


# --- the message -----------------------------------------------------------------------


def _decoded(value: object) -> str:
    """A header's text: unfolded, its encoded words decoded (white space between two of
    them is no part of the text, RFC 2047: ``decode_header`` drops it, as mail programs do)."""
    text = re.sub(r"\r?\n(?=[ \t])", "", str(value or ""))
    return str(make_header(decode_header(text))) if "=?" in text else text


def _addresses(msg: Message, field: str) -> list[Person]:
    """The addresses of a header, each name decoded after the list is split (a decoded
    name may hold a comma)."""
    values = [re.sub(r"\r?\n(?=[ \t])", "", str(v)) for v in msg.get_all(field, [])]
    return [Person(email=address.strip(), name=_decoded(name).strip()) for name, address in getaddresses(values)
            if name or address]


def _plain_text(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace").replace("\r\n", "\n")
    return ""


def _sender(senders: list[Person]) -> list[str]:
    if not senders:
        return ["the draft has no sender (From): set profile.email in the configuration"]
    if len(senders) > 1:
        return ["the draft has more than one sender (From): set one address in profile.email"]
    problem = email_problem(senders[0].email)
    if problem:
        return [f"the sender (From) is not usable: {problem}: correct profile.email"]
    return []


def _recipients(msg: Message, mine: set[str], found: list[str]) -> list[Person]:
    """The people in To; problems with any recipient are added to ``found``."""
    to: list[Person] = []
    seen: set[str] = set()
    for field in ("To", "Cc", "Bcc"):
        for person in _addresses(msg, field):
            address = person.email.casefold()
            if address in mine:
                found.append(f"your own address {person.email} is among the recipients ({field}): "
                             "take it out of the event's attendees or the debrief contact")
            elif address in seen:
                found.append(f"{person.email} is among the recipients twice: take one out")
            if field == "To" and address not in seen and address not in mine:
                to.append(Person(email=address, name=person.name))
            seen.add(address)
    return to


# --- text ------------------------------------------------------------------------------


def _line_of(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start: end if end >= 0 else len(text)]


def _quote(text: str) -> str:
    """``text`` quoted for a problem: one line, short, without "; " (the engine's separator)."""
    text = re.sub(r"\s*\n\s*", " ", text.strip()).replace(";", ",")
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return f'"{text}"'


def _placeholders(where: str, text: str) -> list[str]:
    out: list[str] = []
    for m in _TEMPLATE_SLOT.finditer(text):
        out.append(f"the {where} still holds the template placeholder {_quote(m.group())}: "
                   "correct the template (or the calendar text) it comes from")
        if len(out) >= MAX_PER_CHECK:
            return out
    hits = sorted((m.start(), m.group()) for p in _USER_PLACEHOLDERS for m in p.finditer(text))
    for at, what in hits[:MAX_PER_CHECK]:
        out.append(f"the {where} still holds the placeholder {_quote(what)} in {_quote(_line_of(text, at))}: "
                   "write what it stands for (interview-followup debrief) or take it out")
    return out


def _slots(where: str, text: str) -> list[str]:
    out: list[str] = []
    for pattern, what in _EMPTY_SLOTS:
        m = pattern.search(text)
        if m:
            out.append(f"the {where} has an empty slot ({what}) in {_quote(_line_of(text, m.start()))}: "
                       "a value is missing there")
    return out


def _doubled(where: str, text: str, allowed: list[str]) -> list[str]:
    """Words said twice in a row: tokens compared one after another (linear, no backtracking)."""
    out: list[str] = []
    previous = None
    for m in _WORD.finditer(text):
        if previous is not None and not text[previous.end(): m.start()].strip():
            word = m.group().casefold()
            if (word == previous.group().casefold() and not word.isdigit() and word not in RIGHTLY_DOUBLED
                    and not _inside(text, previous.start(), m.end(), allowed)):
                out.append(f"the {where} says {_quote(previous.group() + ' ' + m.group())} twice in a row "
                           f"in {_quote(_line_of(text, m.start()))}: take one out")
                if len(out) >= MAX_PER_CHECK:
                    break
        previous = m
    return out


def _inside(text: str, start: int, end: int, allowed: list[str]) -> bool:
    """Whether text[start:end] lies within an occurrence of one of ``allowed`` (a name, a
    company): its doubling is its own."""
    for phrase in allowed:
        words = phrase.split()
        if not words:
            continue
        # its words with any white space between (a line may break inside a name); looked
        # for only near the doubling, so each check stays short
        pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
        window = max(0, start - 4 * len(phrase) - 8)
        for m in pattern.finditer(text, window, end + 4 * len(phrase) + 8):
            if m.start() <= start and m.end() >= end:
                return True
    return False


# --- greeting --------------------------------------------------------------------------


def _occurrences(line: str, name: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", line, re.IGNORECASE)]


def _greeting(body: str, to: list[Person], loop: list[Person], style: str, greets: bool = True) -> list[str]:
    line = next((x.strip() for x in body.splitlines() if x.strip()), "")
    expected = greeted(to, style) if greets else []
    out: list[str] = []
    masked = line
    for name in sorted(expected, key=len, reverse=True):  # "Jane Doe" before "Jane"
        spans = _occurrences(masked, name)
        if not spans:
            out.append(f"the greeting {_quote(line)} does not name {name}, to whom the draft goes: "
                       "start the template with ${greeting}")
        elif len(spans) > 1:
            out.append(f"the greeting {_quote(line)} names {name} more than once: start the template with ${{greeting}}")
        for s, e in reversed(spans):
            masked = masked[:s] + "\x00" * (e - s) + masked[e:]
    in_to = {p.email.casefold() for p in to}
    for person in loop:
        name = parse(person)
        if person.email.casefold() in in_to or name is None:
            continue
        for form in dict.fromkeys((name.full, name.given)):
            if _occurrences(masked, form):
                out.append(f"the greeting {_quote(line)} names {form}, who is not among the recipients: "
                           "start the template with ${greeting}")
                break
    return out
