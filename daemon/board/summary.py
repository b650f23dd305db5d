"""The job search at a glance, one function for ``status`` and the board (``overview``).

An *application* is a loop and its later rounds (``LoopPlan.application``): one line, one
card. Its column is where it stands (``planning.glance``): waiting on you, an upcoming
interview, waiting on them, or closed with its outcome. Most urgent first: what is yours
to do (the longest overdue first), then what needs a look (a bounced address, a draft held
back, a sign-in that expired), then the upcoming interviews, then what waits on them (the
next step first), then the closed ones (the latest first).

The *today* list is what the user does today: each action due by the end of the local day
(``planning.ACTIONS``: send the thank-you, the follow-up, ...; overdue ones first) and the
interviews of the day; *this week* is the same for the six days after. A draft's item
names its subject (rendered as the engine renders it, from the same templates) and where
it is (the Drafts folder, the Gmail link).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from interview_followup.daemon.board.snapshot import DraftsPlace, Snapshot
from interview_followup.daemon.config import Config
from interview_followup.daemon.errors import FollowupError
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.loop.planning import (DONE, DUE, SCHEDULED, UPCOMING, WAITING_ON_YOU, LoopPlan,
                                                     Step, action)
from interview_followup.daemon.model import Person
from interview_followup.daemon.store.state import CREATED, HELD, LEFT, PROBLEMS

if TYPE_CHECKING:  # the drafting (templates, languages, names) is imported once a subject is rendered
    from interview_followup.daemon.loop.drafting import Templates

log = logging.getLogger(__name__)

YOU, UPCOMING_COLUMN, THEM, CLOSED = "you", "upcoming", "them", "closed"
COLUMNS = {YOU: "Waiting on you", UPCOMING_COLUMN: "Upcoming interviews", THEM: "Waiting on them",
           CLOSED: "Closed"}
WEEK = timedelta(days=7)
MAYBE = " may be their answer"  # in the reason of a loop whose last reply decides nothing (``planning``)

# a step, named for a person ("the next step: follow-up")
STEP_WORDS = {
    "debrief": "debrief", "thank-you": "thank-you", "thank-you-reminder": "thank-you reminder",
    "thank-you-nudge": "thank-you nudge", "followup": "follow-up", "followup-reminder": "follow-up reminder",
    "followup-call": "follow-up call", "followup-nudge": "follow-up nudge", "feedback-request": "feedback request",
    "feedback-request-reminder": "feedback request reminder", "decision-time": "request for time to decide",
    "answer-offer": "answer to the offer", "answer-info": "answer to their request", "move-on": "moving on",
    "check-address": "check the address", "confirm-interview": "is it an interview?",
}


def step_words(name: str) -> str:
    if name in STEP_WORDS:
        return STEP_WORDS[name]
    if name.startswith("followup-"):  # followup-2, followup-2-reminder, ...
        number, _, rest = name.removeprefix("followup-").partition("-")
        return f"follow-up {number}" + (f" {rest}" if rest else "")
    return name.replace("-", " ")


@frozen
class Todo:
    """One thing to do: ``what`` for ``company`` at ``due`` (an interview: its start)."""

    due: datetime
    what: str
    loop_id: str
    step: str  # the step's name ("interview" for an interview of the day)
    company: str
    role: str
    subject: str = ""  # of the draft to send ("" when there is none)
    where: str = ""  # where the draft is, or why there is none yet
    link: str = ""  # an address that opens the draft ("" where there is none)
    overdue: bool = False  # due before today


@frozen
class Application:
    """An application: the rounds of interviews with one employer for one role."""

    key: str  # the loop id of its first round
    loop_id: str  # the loop id of its latest round
    company: str
    role: str
    round: int
    rounds: tuple[LoopPlan, ...]  # first round first
    column: str  # YOU, UPCOMING_COLUMN, THEM or CLOSED
    stage: str  # the latest round's ``LoopPlan.stage``
    stage_detail: str
    outcome: str  # of a closed one: the words in the stage's brackets ("rejected")
    next_step: str  # words ("" for none)
    next_at: datetime | None
    attention: tuple[str, ...]  # what needs a look, in words
    interviewers: tuple[Person, ...]
    urgency: tuple

    @property
    def latest(self) -> LoopPlan:
        return self.rounds[-1]

    @property
    def closed(self) -> bool:
        return self.column == CLOSED

    def stage_words(self) -> str:
        return self.stage + (f": {self.stage_detail}" if self.stage_detail and not self.closed else "")


@frozen
class Overview:
    """What needs doing today and this week, and every application, most urgent first."""

    now: datetime
    today: tuple[Todo, ...]
    week: tuple[Todo, ...]  # the six days after today
    applications: tuple[Application, ...]  # most urgent first; the closed ones last
    warnings: tuple[str, ...]  # what fails for every application (a provider), in words

    @property
    def open(self) -> tuple[Application, ...]:
        return tuple(a for a in self.applications if not a.closed)


def overview(snap: Snapshot, config: Config, drafts: DraftsPlace | None = None) -> Overview:
    tz = config.tz
    now = snap.now
    drafts = drafts or DraftsPlace()
    subjects = _Subjects(config, snap)
    end_of_today = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0), tz)
    start_of_today = end_of_today - timedelta(days=1)
    warnings = tuple(_provider_warnings(snap))
    signed_out = [h.role for h in snap.health.values() if not h.ok and h.problem == "sign-in"]

    groups: dict[str, list[LoopPlan]] = {}
    for p in snap.plans:
        groups.setdefault(p.application or p.interview.loop_id, []).append(p)
    apps, todos = [], []
    for key, rounds in groups.items():
        rounds.sort(key=lambda p: (p.round, p.interview.start))
        app = _application(key, tuple(rounds), snap, now, signed_out)
        apps.append(app)
        for p in rounds:
            todos += _todos(p, snap, now, end_of_today + WEEK - timedelta(days=1), start_of_today, drafts, subjects)
    apps.sort(key=lambda a: a.urgency)
    todos.sort(key=lambda t: (not t.overdue, t.due, t.company))
    today = tuple(t for t in todos if t.due < end_of_today)
    week = tuple(t for t in todos if t.due >= end_of_today)
    return Overview(now, today, week, tuple(apps), warnings)


def _application(key: str, rounds: tuple[LoopPlan, ...], snap: Snapshot, now: datetime,
                 signed_out: list[str]) -> Application:
    latest = rounds[-1]
    iv = latest.interview
    stage = latest.stage or latest.status
    if stage == WAITING_ON_YOU:
        column = YOU
    elif stage.startswith("closed") or latest.status in ("closed", "cancelled") and stage != UPCOMING:
        column = CLOSED
    elif stage == UPCOMING:
        column = UPCOMING_COLUMN
    else:
        column = THEM
    outcome = stage[stage.find("(") + 1:stage.rfind(")")] if column == CLOSED and "(" in stage else ""
    attention = list(dict.fromkeys(f for p in rounds for f in p.flags))
    if latest.status == "open" and MAYBE in latest.reason:  # a reply that decides nothing: read it
        said = latest.reason.removeprefix("open: ").partition(MAYBE)[0]
        attention.append(f"{said}{MAYBE}: read it, and `interview-followup close {iv.loop_id}` if it is")
    for p in rounds:
        for s in p.steps:
            a = snap.artifacts.get(s.key)
            if a is not None and a.status == HELD and s.state not in (DONE,) and s.want:
                attention.append(f"the {step_words(s.name)} draft was held back: {a.note.removeprefix('not written: ')}")
    if column != CLOSED:
        attention += [f"the {role} sign-in expired: run `interview-followup init`" for role in signed_out]
    next_step, next_at = _next(latest, column)
    people = tuple(dict.fromkeys(x for p in rounds for x in p.interview.interviewers))
    if column == YOU:
        urgency = (0, next_at or now)
    elif attention and column != CLOSED:
        urgency = (1, next_at or now)
    elif column == UPCOMING_COLUMN:
        urgency = (2, iv.start)
    elif column == THEM:
        urgency = (3, next_at or datetime.max.replace(tzinfo=now.tzinfo))
    else:
        ended = latest.closed_at or iv.end
        urgency = (4, -ended.timestamp())
    urgency += (iv.company.casefold(), key)
    return Application(key, iv.loop_id, iv.company, iv.role, latest.round, rounds, column, stage,
                       latest.stage_detail, outcome, next_step, next_at, tuple(attention), people, urgency)


def _next(p: LoopPlan, column: str) -> tuple[str, datetime | None]:
    """The next step of the application, in words, and when."""
    if column == YOU:
        due = min((s for s in p.steps if action(s)), key=lambda s: s.due, default=None)
        if due is not None:
            return action(due), due.due
    if column == UPCOMING_COLUMN:
        return "the interview", p.interview.start
    if column == CLOSED:
        return "", None
    ahead = [s for s in p.steps if s.state == SCHEDULED]
    wanted = [s for s in ahead if _action_when_due(s)] or ahead
    first = min(wanted, key=lambda s: s.due, default=None)
    if first is None:
        return "", None
    return _action_when_due(first) or step_words(first.name), first.due


def _action_when_due(s: Step) -> str:
    return action(replace(s, state=DUE)) if s.state in (DUE, SCHEDULED) else ""


def _todos(p: LoopPlan, snap: Snapshot, now: datetime, until: datetime, today: datetime,
           drafts: DraftsPlace, subjects: "_Subjects") -> list[Todo]:
    iv = p.interview
    found = []
    if p.status == "open" and now <= iv.start < until and iv.certainty != "uncertain":
        found.append(Todo(iv.start, "the interview", iv.loop_id, "interview", iv.company, iv.role,
                          where=_people(iv.interviewers)))
    for s in p.steps:
        what = _action_when_due(s)
        if not what or s.due >= until or (s.state == SCHEDULED and s.due < now):
            continue
        subject = where = link = ""
        if s.artifact == "draft":
            a = snap.artifacts.get(s.key)
            subject = subjects.of(p, s)
            if a is not None and a.status == HELD:
                where = f"held back, not written: {a.note.removeprefix('not written: ')}"
            elif a is not None and a.status in (CREATED, LEFT):
                where = f"in {drafts.place}" if drafts.place else "in your Drafts"
                link = drafts.link(s.key)
            elif s.state == SCHEDULED:
                where = "written to your Drafts when due"
            else:
                where = "not in your Drafts (sent or deleted?)"
        elif s.name == "confirm-interview":
            where = f"`interview-followup track {iv.loop_id}` or `interview-followup ignore {iv.loop_id}`"
        found.append(Todo(s.due, what, iv.loop_id, s.name, iv.company, iv.role, subject, where, link,
                          overdue=s.state == DUE and s.due < today))
    return found


def _people(people) -> str:
    return ", ".join(x.name or x.email for x in people)


def _provider_warnings(snap: Snapshot):
    for role in ("calendar", "mailbox", "reminders"):
        h = snap.health.get(role)
        if h is not None and not h.ok:
            hint = ": run `interview-followup init` to sign in again" if h.problem == "sign-in" else ""
            yield f"{role} {PROBLEMS.get(h.problem, 'failing')}{hint}"


class _Subjects:
    """The subject of a draft as the engine writes it: its template (``draft_template``; a
    first follow-up of the user's ``followup.txt`` stays theirs) in the loop's language,
    filled with the interview's values. "" when it cannot be rendered."""

    def __init__(self, config: Config, snap: Snapshot):
        self.config = config
        self.snap = snap
        self.templates: Templates | None = None

    def of(self, p: LoopPlan, s: Step) -> str:
        from interview_followup.daemon.loop import language
        from interview_followup.daemon.loop.drafting import Templates, draft_template, values_for

        cfg = self.config
        iv = p.interview
        try:
            if self.templates is None:
                self.templates = Templates(cfg.templates_dir, cfg.profile.language)
            debrief = self.snap.debriefs.get(iv.loop_id)
            code, _ = language.choose(iv, debrief, cfg)
            thanked = any(x.name == "thank-you" and x.state == DONE for x in p.steps)
            name = draft_template(s.name, thanked)
            own = self.templates.own
            if name == "followup_first" and own("followup", code) and not own("followup_first", code):
                name = "followup"
            values = values_for(iv, debrief, cfg.profile, cfg.tz, self.snap.now, code)
            return self.templates.render(name, values, code).head
        except (FollowupError, KeyError, ValueError, OSError) as exc:
            log.debug("the subject of %s cannot be rendered: %s", s.key, exc)
            return ""


def when_words(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """"today 15:30", "tomorrow 09:00", "Mon 2026-11-23 09:00"; a moment passed: "since ..."."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"{local:%a %Y-%m-%d}"
    return f"{'since ' if moment < now else ''}{day} {local:%H:%M}"
