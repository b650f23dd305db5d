"""Texts of drafts and reminders, from templates.

Templates are plain text with ``${name}`` placeholders (``string.Template``); the first
line is ``Subject:`` (drafts) or ``Title:`` (reminders). The shipped ones live in
``daemon/loop/templates`` (English at the top, German, French and Spanish drafts in a
folder by language code); a file of the same name in the user's templates folder replaces
one (``Templates`` says where each language's are looked for). Event text is only ever a
*value*: it is substituted once, never treated as a template, never rendered a second time.
"""

from __future__ import annotations

import re
from datetime import datetime
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.loop.templates import FOLDER as TEMPLATES
from pathlib import Path
from string import Template
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from interview_followup.daemon.common.addresses import is_robot
from interview_followup.daemon.employers.agencies import on_behalf
from interview_followup.daemon.employers.companies import domain_in
from interview_followup.daemon.loop.compose import one_line
from interview_followup.daemon.common.languages import code_problem
from interview_followup.daemon.common.languages import name as language_name
from interview_followup.daemon.loop.language import (
    DEFAULT,
    fill,
    join,
    long_date,
    references,
    role_phrase,
    when,
    words,
)
from interview_followup.daemon.loop.names import greeted, parse
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
    "retry_later",
    "resend_smaller",
    "move_on",
    "draft_held",
    "confirm_interview",
)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# check_draft: names looked for in a draft (each search reads the whole body, so the work
# is bounded by this many times the body's length), and people named in one problem line.
CHECKED_NAMES = 50
SHOWN_PEOPLE = 10


DRAFT_TEMPLATES = {
    "thank-you": "thank_you",
    "followup": "followup",
    "feedback-request": "feedback_request",
    "decision-time": "decision_time",
}


def draft_template(step: str, thanked: bool = True) -> str:
    """The template of a draft step. ``thanked``: a thank-you was really sent (seen in
    Sent); without one the first follow-up does not thank "again" (``followup_first``)."""
    if step == "followup" and not thanked:
        return "followup_first"
    return "followup_again" if step.startswith("followup-") else DRAFT_TEMPLATES[step]


@frozen
class Text:
    """A rendered template."""

    head: str  # the subject of a draft or the title of a reminder
    body: str


class Templates:
    """The templates of drafts and reminders, in each language.

    Where ``name`` in ``language`` comes from, first found first: the user's folder
    ``override_dir/<language>/``; for the profile's language (``own_language``) also the top
    of ``override_dir`` (where English overrides always lived); then the shipped one
    (English at the top of ``daemon/loop/templates``, the others in a folder by code)."""

    def __init__(self, override_dir: Path | None = None, own_language: str = DEFAULT):
        self.override_dir = override_dir
        self.own_language = own_language
        self._cache: dict[tuple[str, str], str] = {}

    def own(self, name: str, language: str) -> Path | None:
        """The user's file for ``name`` in ``language``, or None."""
        if self.override_dir is None or code_problem(language):
            return None
        places = [self.override_dir / language / f"{name}.txt"]
        if language == self.own_language:
            places.append(self.override_dir / f"{name}.txt")
        return next((p for p in places if p.is_file()), None)

    def has(self, name: str, language: str) -> bool:
        return self.own(name, language) is not None or _shipped(name, language).is_file()

    def language_of(self, name: str) -> str:
        """The language a text for the user (a reminder) is in: the profile's, where there
        is a template for it in that language, else English."""
        return self.own_language if self.has(name, self.own_language) else DEFAULT

    def source(self, name: str, language: str | None = None) -> str:
        language = language or self.language_of(name)
        problem = code_problem(language)
        if problem:
            raise NeedsUser(f"drafts cannot be written in {language!r}: {problem}")
        if (language, name) not in self._cache:
            path = self.own(name, language)
            if path is not None:
                try:
                    self._cache[language, name] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise NeedsUser(f"template {path} cannot be read: {exc}") from None
            elif _shipped(name, language).is_file():
                self._cache[language, name] = _shipped(name, language).read_text("utf-8")
            else:
                where = self.override_dir / language if self.override_dir else Path("templates") / language
                raise NeedsUser(
                    f"there is no {name}.txt in {language_name(language)}",
                    hint=f"add {where / (name + '.txt')} (a copy of the shipped English one, translated), "
                    "or set the loop's language with `interview-followup debrief`",
                )
        return self._cache[language, name]

    def render(self, name: str, values: dict[str, str], language: str | None = None) -> Text:
        """``name`` in ``language`` (None: the profile's language where it has the template,
        else English) with ``values``, which must be in the same language (``values_for``)."""
        source = self.source(name, language)
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


def _shipped(name: str, language: str):
    """Where the shipped template ``name`` in ``language`` is (it may not exist)."""
    return TEMPLATES / f"{name}.txt" if language == DEFAULT else TEMPLATES / language / f"{name}.txt"


def tidy(body: str) -> str:
    """Drop the blank paragraphs that empty optional values leave behind."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def greeting(people: list[Person], language: str = "en", names: str = "given") -> str:
    """The first line of a draft to ``people``: each person once, by given name (``names``
    "given") or full name ("full") as ``daemon.loop.names`` reads them, in ``language``;
    when no one has a person's name, that language's plain hello."""
    w = words(language)
    shown = [one_line(n) for n in greeted(people, names)]
    if not shown:
        return w.hello
    joined = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {w.and_} {shown[-1]}"
    return w.dear.replace("{names}", joined)


def values_for(
    interview: Interview, debrief: Debrief | None, profile: Profile, tz: ZoneInfo, now: datetime,
    language: str = DEFAULT,
) -> dict[str, str]:
    """Every value a template may use, in ``language`` (the words the program adds; the
    user's own sentences only when they are in that language: ``language.left_out``). Each
    is plain text, used once."""
    w = words(language)
    people = recipients(interview, debrief)
    day = interview.start.astimezone(tz).date()
    d = debrief or Debrief(loop_id=interview.loop_id, recorded_at=now)
    fit = profile.fit.strip() if language == profile.language else ""
    interest = ""
    if d.asked_about:
        interest = fill(w.interest, topics=join(list(d.asked_about), w))
    answers = ""
    if d.open_questions:
        # complete as it stands: no slot for the user to fill in (a draft with one is held)
        answers = w.answers + "\n" + "\n".join(f"- {q}" for q in d.open_questions)
    questions = ""
    if d.forgot_to_ask:
        questions = w.questions + "\n" + "\n".join(f"- {q}" for q in d.forgot_to_ask)
    company = interview.company or w.company
    contact = d.contact or interview.contact or (interview.interviewers[0] if interview.interviewers else None)
    contact_line = contact.display() if contact else fill(w.recruiter, company=company)
    return {
        "loop_id": interview.loop_id,
        "company": company,
        "role": interview.role,  # "" when none was found: shipped templates use the_role/the_position
        "the_role": role_phrase(w.the_role, w.the_role_unnamed, interview.role, language),
        "the_position": role_phrase(w.the_position, w.the_position_unnamed, interview.role, language),
        "greeting": greeting(people, language),
        "when": when(day, now.astimezone(tz).date(), w),
        "interview_date": long_date(day, w),
        "interviewer_names": join([p.name or p.email for p in people], w) or w.no_one,
        "fit_paragraph": fill(w.fit, fit=fit) if fit else "",
        "interest_paragraph": interest,
        "answers_paragraph": answers,
        "questions_paragraph": questions,
        "references": references(profile, language),
        "links": "\n".join(profile.links),
        "your_name": profile.name,
        "your_phone": profile.phone,
        "contact_line": contact_line,
        "check_report": "",
        "their_words": "",
        "decide_by": "",
        "bounced": "",
        # for the question about an uncertain interview: the event as the calendar names it, and why
        "event_title": interview.title,
        "found_by": interview.found_by,
    }


def robot_reason(address: str, interview: Interview | None = None) -> str:
    """Why no person reads mail to ``address``, in words ("an applicant tracking system
    (Greenhouse)", "a no-reply address"), or "" for a person (or a team) who may. A domain
    of the interview's own company is never a tracking system's (interviewing at one)."""
    local, _, domain = address.strip().lower().rpartition("@")
    if not local:
        return "no address"
    own = interview.domains if interview is not None else ()
    behalf = on_behalf(domain)
    if behalf is not None and behalf.kind == "ats" and not any(domain_in(domain, d) for d in own):
        return f"{behalf.name}, an applicant tracking system"
    if is_robot(address):
        return "a no-reply or system address"
    return ""


def answer_from_a_person(address: str, interview: Interview) -> bool:
    """Whether a draft answering mail from ``address`` should go back to it (a person, an
    agency, a recruiting team) rather than to the loop's people (a robot: ``robot_reason``)."""
    return not robot_reason(address, interview)


def draft_recipients(
    interview: Interview, debrief: Debrief | None, user_emails: tuple[str, ...], answering: str = ""
) -> tuple[list[Person], str]:
    """Who a draft goes to, and a note when it goes to no one.

    ``answering``: the address of the employer's message the draft answers, if any: the
    draft goes back to it when a person reads it; a tracking system or no-reply sender is
    replaced by the loop's people (its interviewers and contact, never a robot among them).
    When no one is left, the draft has no To and the note says to add the recruiter's
    address (a draft without To is written: the reminder carries the note)."""
    people = addressees(interview, debrief, user_emails)
    if answering and answer_from_a_person(answering, interview):
        return [next((p for p in people if p.email.lower() == answering.lower()), Person(answering))], ""
    if people:
        return people, ""
    if answering:
        why = robot_reason(answering, interview)
        return [], (f"the draft has no recipient: their message came from {answering} ({why}, which no person "
                    "reads) and the loop has no contact: add the recruiter's address in To before sending "
                    f"(or record it: interview-followup debrief {interview.loop_id} --contact \"Name <address>\")")
    return [], ("the draft has no recipient: add the recruiter's address in To before sending "
                f"(or record it: interview-followup debrief {interview.loop_id} --contact \"Name <address>\")")


def check_draft(
    body: str, interview: Interview, attachments: tuple[Path, ...], max_words: int, names: str = "given"
) -> list[str]:
    """What can be checked before a draft is written; each failure as one sentence.
    ``names``: how the greeting names people ("given" or "full", ``drafts.greeting_names``):
    each interviewer with a person's name must be in the body the way the greeting says it."""
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
    named = [p for p in interview.interviewers if p.name]
    missing: list[str] = []
    for person in named[:CHECKED_NAMES]:
        name = parse(person)
        if name is None:  # "Hiring Team", "jane.doe": the greeting leaves it out, rightly
            missing.append(f"{one_line(person.name)!r} ({person.email}) is no person's name, "
                           "so the greeting leaves it out: add the name of the person, spelled exactly")
            continue
        # the given form, or the full one when two people share a given name
        forms = dict.fromkeys(one_line(f) for f in (name.form(names), name.full))
        if not any(f in body for f in forms):
            calendar = one_line(person.name)
            shown = next(iter(forms))
            missing.append(f"the name {calendar!r} as written in the calendar is not in the draft" if shown == calendar
                           else f"the name {shown!r} ({calendar!r} in the calendar) is not in the draft")
    problems.extend(missing[:SHOWN_PEOPLE])
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


def addressees(interview: Interview, debrief: Debrief | None, user_emails: tuple[str, ...]) -> list[Person]:
    """Who a draft of the loop goes to: ``recipients``, never the user, never a robot (a
    tracking system's or a no-reply address in the calendar: ``robot_reason``)."""
    mine = {e.lower() for e in user_emails}
    return [p for p in recipients(interview, debrief)
            if p.email.lower() not in mine and not robot_reason(p.email, interview)]


def render_draft(
    templates: Templates,
    template: str,
    interview: Interview,
    debrief: Debrief | None,
    profile: Profile,
    tz: ZoneInfo,
    now: datetime,
    to: list[Person],
    *,
    language: str = DEFAULT,
    names: str = "given",
    extra: dict[str, str] | None = None,
) -> Text:
    """The subject and text of a draft: ``template`` filled with ``values_for`` (and
    ``extra``: their_words, decide_by, ...), greeting exactly ``to``, the people it goes to.
    Pure: what the engine writes and what the tests check are made by this one function."""
    values = values_for(interview, debrief, profile, tz, now, language)
    values.update(extra or {})
    values["greeting"] = greeting(to, language, names)
    return templates.render(template, values, language)
