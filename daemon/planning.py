"""The planner: a pure function from what is known to the steps that should exist.

``plan(loops, now, timing, tz)`` reads nothing and writes nothing. The engine compares
its answer with what the state records and makes the difference real, so planning the
same facts twice gives the same steps, and running the engine twice is harmless.

The rules (every time is configurable in ``[timing]``):
- *debrief* reminder when the interview ends (plus ``debrief_after_minutes``).
- *thank-you* draft ``thank_you_after_minutes`` after the end, with a *thank-you-reminder*
  at the same moment. If the thank-you is not sent by ``thank_you_nudge_at`` on the next
  day, a *thank-you-nudge* reminder is shown then; from the midnight after that day the
  thank-you is *missed*. A loop first seen after that midnight skips the thank-you.
- *followup*: ``followup_days_small`` (or ``_large``) days after the interview, moved to
  the first working day on or after that, at ``morning`` in the user's time zone (so
  the 4-5 and 8-12 day windows hold; when a weekend covers a whole window, the first
  working day after it: later rather than too early). If the
  debrief recorded an answer date, the working day after that date instead. By email a
  draft plus a *followup-reminder*; by phone a *followup-call* reminder with a script.
- An employer's reply closes the loop: every step not yet done is cancelled, except
  reminders already in the past; drafts not sent are no longer wanted (the engine removes
  them if untouched). A cancelled interview cancels every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

from .config import WEEKDAYS, Timing
from .keys import artifact_key
from .model import Debrief, Interview

SCHEDULED, DUE, DONE, MISSED, CANCELLED, SKIPPED = (
    "scheduled",
    "due",
    "done",
    "missed",
    "cancelled",
    "skipped",
)


@dataclass(frozen=True)
class Observation:
    """A message that concerns a loop: the employer's reply, or mail the user sent."""

    ref: str
    loop_id: str
    kind: str  # "reply", "sent", "out-of-office" or "bounce"
    at: datetime
    reason: str  # how the message was matched to the loop, in words
    step: str = ""  # for sent mail that carried a draft's key: the step it belonged to
    message_id: str = ""  # of the message, for answering in its thread
    outcome: str = ""  # of a reply: "rejection", "offer", "next-round", "info" or "other"
    phrase: str = ""  # the words that decided the outcome
    returns_on: date | None = None  # of an out-of-office notice: the day the person is back
    address: str = ""  # of a bounce: the address the mail could not be delivered to


@dataclass(frozen=True)
class LoopFacts:
    interview: Interview
    first_seen: datetime
    debrief: Debrief | None = None
    observations: tuple[Observation, ...] = ()


@dataclass(frozen=True)
class Step:
    loop_id: str
    name: str
    artifact: str  # "draft" or "reminder"
    due: datetime
    state: str
    want: bool  # whether the artifact should exist now
    detail: str = ""

    @property
    def key(self) -> str:
        return artifact_key(self.loop_id, self.name)


@dataclass(frozen=True)
class LoopPlan:
    interview: Interview
    status: str  # "open", "closed" or "cancelled"
    reason: str
    steps: tuple[Step, ...] = field(default_factory=tuple)
    closed_at: datetime | None = None

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


def plan(loops: Iterable[LoopFacts], now: datetime, timing: Timing, tz: ZoneInfo) -> list[LoopPlan]:
    return [plan_loop(facts, now, timing, tz) for facts in loops]


def next_due(plans: Iterable[LoopPlan], now: datetime) -> datetime | None:
    """The next moment at which some step becomes due (for the daemon's sleep)."""
    future = [s.due for p in plans for s in p.steps if s.due > now and s.state == SCHEDULED]
    return min(future, default=None)


def working_day_on_or_after(day: date, timing: Timing) -> date:
    allowed = {WEEKDAYS.index(d) for d in timing.working_days}
    for _ in range(7):
        if day.weekday() in allowed:
            return day
        day += timedelta(days=1)
    return day  # unreachable with at least one working day (config checks it)


def followup_time(
    interview: Interview, debrief: Debrief | None, timing: Timing, tz: ZoneInfo
) -> tuple[datetime, str]:
    if debrief and debrief.answer_by:
        day = debrief.answer_by + timedelta(days=1)
        why = f"the working day after {debrief.answer_by.isoformat()}, when they said they would answer"
    else:
        days = timing.followup_days_large if interview.size == "large" else timing.followup_days_small
        day = interview.end.astimezone(tz).date() + timedelta(days=days)
        why = f"{days} days after the interview ({interview.size} company: {interview.size_reason})"
    day = working_day_on_or_after(day, timing)
    return datetime.combine(day, timing.morning, tzinfo=tz), why


def plan_loop(facts: LoopFacts, now: datetime, timing: Timing, tz: ZoneInfo) -> LoopPlan:
    iv = facts.interview
    end_day = iv.end.astimezone(tz).date()
    replies = sorted(
        (o for o in facts.observations if o.kind == "reply" and o.at >= iv.start), key=lambda o: o.at
    )
    closed_at = replies[0].at if replies else None

    debrief_due = iv.end + timedelta(minutes=timing.debrief_after_minutes)
    thanks_due = iv.end + timedelta(minutes=timing.thank_you_after_minutes)
    nudge_at = datetime.combine(end_day + timedelta(days=1), timing.thank_you_nudge_at, tzinfo=tz)
    missed_at = datetime.combine(end_day + timedelta(days=2), time(0), tzinfo=tz)
    follow_due, follow_why = followup_time(iv, facts.debrief, timing, tz)

    sent = sorted((o for o in facts.observations if o.kind == "sent" and o.at >= iv.start), key=lambda o: o.at)
    thanks_sent = next(
        (o.at for o in sent if o.step == "thank-you" or (not o.step and o.at < follow_due)), None
    )
    follow_sent = next(
        (o.at for o in sent if o.step == "followup" or (not o.step and o.at >= follow_due)), None
    )

    def timed(due: datetime) -> str:
        return DUE if now >= due else SCHEDULED

    steps: list[Step] = []

    def add(name: str, artifact: str, due: datetime, state: str, detail: str, done_at=None) -> None:
        if iv.cancelled:
            state, detail = CANCELLED, "the interview was cancelled"
        elif closed_at is not None and state not in (DONE, SKIPPED):
            if due > closed_at or artifact == "draft":
                state, detail = CANCELLED, "the employer answered"
        if artifact == "reminder" and state not in (DONE, CANCELLED) and due + timedelta(days=1) < facts.first_seen:
            state, detail = SKIPPED, "already past when the interview was found"
        if artifact == "draft":
            want = state in (DUE, MISSED) and closed_at is None and not iv.cancelled
        else:
            want = state not in (CANCELLED, SKIPPED) and not (done_at is not None and done_at <= due)
        steps.append(Step(iv.loop_id, name, artifact, due, state, want, detail))

    add(
        "debrief",
        "reminder",
        debrief_due,
        DONE if facts.debrief else timed(debrief_due),
        "recorded" if facts.debrief else "when the interview ends",
        done_at=facts.debrief.recorded_at if facts.debrief else None,
    )

    if thanks_sent is not None:
        thanks_state, thanks_detail = DONE, "sent"
    elif facts.first_seen >= missed_at:
        thanks_state, thanks_detail = SKIPPED, "the interview was found after the time for a thank-you"
    elif now >= missed_at:
        thanks_state, thanks_detail = MISSED, "not sent by the end of the day after the interview"
    else:
        thanks_state, thanks_detail = timed(thanks_due), "the same day as the interview"
    add("thank-you", "draft", thanks_due, thanks_state, thanks_detail)
    reminder_state = DONE if thanks_sent else (SKIPPED if thanks_state == SKIPPED else timed(thanks_due))
    add("thank-you-reminder", "reminder", thanks_due, reminder_state, "send the thank-you today", thanks_sent)
    nudge_state = SKIPPED if thanks_state == SKIPPED else (DONE if thanks_sent else timed(nudge_at))
    add("thank-you-nudge", "reminder", nudge_at, nudge_state, "if the thank-you is not sent yet", thanks_sent)

    follow_state = DONE if follow_sent else timed(follow_due)
    if timing.followup_channel == "email":
        add("followup", "draft", follow_due, follow_state, follow_why)
        add("followup-reminder", "reminder", follow_due, follow_state, "send the follow-up", follow_sent)
    else:
        add("followup-call", "reminder", follow_due, timed(follow_due), follow_why)

    if iv.cancelled:
        status, reason = "cancelled", "the interview was cancelled"
    elif replies:
        status, reason = "closed", f"closed: {replies[0].reason}"
    else:
        status, reason = "open", ""
    return LoopPlan(iv, status, reason, tuple(steps), closed_at)
