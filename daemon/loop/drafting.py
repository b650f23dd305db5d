"""Texts of drafts and reminders, from templates.

Templates are plain text with ``${name}`` placeholders (``string.Template``); the first
line is ``Subject:`` (drafts) or ``Title:`` (reminders). The shipped ones live in
``daemon/templates``; a file of the same name in the user's templates folder replaces
one. Event text is only ever a *value*: it is substituted once, never treated as a
template, never rendered a second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from interview_followup.daemon.loop.compose import one_line
from interview_followup.daemon.config import Profile
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.model import Debrief, Interview, Person, recipients

NAMES = (
    "thank_you",
    "followup",
    "debrief",
    "thank_you_reminder",
    "thank_you_nudge",
    "followup_reminder",
    "call_script",
    "followup_again",
    "followup_first",
    "followup_nudge",
    "feedback_request",
    "decision_time",
    "feedback_request_reminder",
    "answer_offer",
    "answer_info",
    "check_address",
    "move_on",
)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# check_draft: names looked for in a draft (each search reads the whole body, so the work
# is bounded by this many times the body's length), and people named in one problem line.
CHECKED_NAMES = 50
SHOWN_PEOPLE = 10


@dataclass(frozen=True)
class Text:
    head: str  # the subject of a draft or the title of a reminder
    body: str


class Templates:
    def __init__(self, override_dir: Path | None = None):
        self.override_dir = override_dir
        self._cache: dict[str, str] = {}

    def source(self, name: str) -> str:
        if name not in self._cache:
            path = self.override_dir / f"{name}.txt" if self.override_dir else None
            if path is not None and path.is_file():
                try:
                    self._cache[name] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise NeedsUser(f"template {path} cannot be read: {exc}") from None
            else:
                self._cache[name] = (
                    resources.files("interview_followup.daemon.loop.templates").joinpath(f"{name}.txt").read_text("utf-8")
                )
        return self._cache[name]

    def render(self, name: str, values: dict[str, str]) -> Text:
        source = self.source(name)
        first, _, rest = source.partition("\n")
        label, sep, head = first.partition(":")
        if not sep or label.strip().lower() not in ("subject", "title"):
            raise NeedsUser(
                f"template {name}.txt must start with a 'Subject:' or 'Title:' line",
                hint=f"see the shipped template daemon/loop/templates/{name}.txt",
            )
        head_out = one_line(Template(head.strip()).safe_substitute(values))
        body = Template(rest).safe_substitute(values)
        return Text(head=head_out, body=tidy(body))


def tidy(body: str) -> str:
    """Drop the blank paragraphs that empty optional values leave behind."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%A}, {local.day} {local:%B %Y}"


def greeting(people: list[Person]) -> str:
    """The first line of a draft to ``people``: each named person once, else "Hello,"."""
    names: list[str] = []
    for p in people:
        name = one_line(p.name)
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return f"Dear {_join(names)}," if names else "Hello,"


def values_for(
    interview: Interview, debrief: Debrief | None, profile: Profile, tz: ZoneInfo, now: datetime
) -> dict[str, str]:
    """Every value a template may use. Each is plain text, used once."""
    people = recipients(interview, debrief)
    start_local = interview.start.astimezone(tz)
    days_ago = (now.astimezone(tz).date() - start_local.date()).days
    when = {0: "today", 1: "yesterday"}.get(days_ago, f"on {_day(interview.start, tz)}")
    d = debrief or Debrief(loop_id=interview.loop_id, recorded_at=now)
    fit = profile.fit.strip()
    interest = ""
    if d.asked_about:
        interest = (
            f"You seemed particularly interested in {_join(list(d.asked_about))}; "
            "I would be happy to tell you more about it."
        )
    answers = ""
    if d.open_questions:
        answers = "I have thought more about questions I could not fully answer:\n" + "\n".join(
            f"- {q}: [your fuller answer]" for q in d.open_questions
        )
    questions = ""
    if d.forgot_to_ask:
        questions = "There is something I did not get to ask:\n" + "\n".join(
            f"- {q}" for q in d.forgot_to_ask
        )
    contact = d.contact or interview.contact or (interview.interviewers[0] if interview.interviewers else None)
    contact_line = contact.display() if contact else f"the recruiter at {interview.company or 'the company'}"
    return {
        "loop_id": interview.loop_id,
        "company": interview.company or "the company",
        "role": interview.role,  # "" when none was found: shipped templates use the_role/the_position
        "the_role": f"the {interview.role} role" if interview.role else "the role",
        "the_position": f"the {interview.role} position" if interview.role else "the position",
        "greeting": greeting(people),
        "when": when,
        "interview_date": _day(interview.start, tz),
        "interviewer_names": _join([p.name or p.email for p in people]) or "(no one: add the address)",
        "fit_paragraph": f"Our conversation confirmed my interest: {fit}" if fit else "",
        "interest_paragraph": interest,
        "answers_paragraph": answers,
        "questions_paragraph": questions,
        "references": profile.references.strip(),
        "links": "\n".join(profile.links),
        "your_name": profile.name,
        "your_phone": profile.phone,
        "contact_line": contact_line,
        "check_report": "",
        "their_words": "",
        "decide_by": "",
        "bounced": "",
    }


_NO_REPLY = re.compile(r"no[-_.]?reply|do[-_.]?not[-_.]?reply|notifications?\b|mailer|bounce", re.IGNORECASE)


def answer_from_a_person(address: str, interview: Interview) -> bool:
    """Whether a draft answering mail from ``address`` should go back to it (a person, an
    agency, a recruiting team) rather than to the interviewers (a no-reply robot)."""
    local = address.rpartition("@")[0]
    return bool(local) and not _NO_REPLY.search(local)


def check_draft(
    body: str, interview: Interview, attachments: tuple[Path, ...], max_words: int
) -> list[str]:
    """What can be checked before a draft is written; each failure as one sentence."""
    problems = []
    nameless = [p.email for p in interview.interviewers if not p.name]
    if nameless:
        shown = ", ".join(nameless[:SHOWN_PEOPLE])
        more = f" and {len(nameless) - SHOWN_PEOPLE} more" if len(nameless) > SHOWN_PEOPLE else ""
        problems.append(
            f"no name in the calendar for {shown}{more}: the greeting is generic; "
            "add their name, spelled exactly"
            if len(nameless) == 1 else
            f"no name in the calendar for {shown}{more}: the greeting is generic; "
            "add their names, spelled exactly"
        )
    # each name is looked for in the whole body: a bounded number of them keeps this linear
    named = [p.name for p in interview.interviewers if p.name]
    missing = [n for n in named[:CHECKED_NAMES] if one_line(n) not in body]
    for name in missing[:SHOWN_PEOPLE]:
        problems.append(f"the name {name!r} as written in the calendar is not in the draft")
    if len(missing) > SHOWN_PEOPLE:
        problems.append(f"{len(missing) - SHOWN_PEOPLE} more names as written in the calendar are not in the draft")
    if len(named) > CHECKED_NAMES:
        problems.append(f"only the first {CHECKED_NAMES} of {len(named)} names were checked")
    if not interview.interviewers:
        problems.append("the event has no attendees: the draft has no recipient; add the address")
    for url in _URL.findall(body):
        url = url.rstrip(").,;")
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or "." not in host or host.endswith("."):
            problems.append(f"the link {url!r} is not well-formed")
    for path in attachments:
        if not path.is_file():
            problems.append(f"the attachment {path} does not exist")
    words = len(body.split())
    if words > max_words:
        problems.append(f"the draft has {words} words; keep it under {max_words} (drafts.max_words)")
    return problems
