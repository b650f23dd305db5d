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
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from interview_followup.daemon.config import WEEKDAYS, Timing
from interview_followup.daemon.keys import artifact_key
from interview_followup.daemon.employers.companies import name_key
from interview_followup.daemon.model import Debrief, Interview, Observation

SCHEDULED, DUE, DONE, MISSED, CANCELLED, SKIPPED = (
    "scheduled",
    "due",
    "done",
    "missed",
    "cancelled",
    "skipped",
)


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
    # "rejected", "offer", "next-round", "info", "answered", "no-response" or "" (still open)
    outcome: str = ""
    application: str = ""  # the loop id of the application's first round
    round: int = 1
    flags: tuple[str, ...] = ()  # what the user should look at (a bounced address, say)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


def plan(loops: Iterable[LoopFacts], now: datetime, timing: Timing, tz: ZoneInfo) -> list[LoopPlan]:
    loops = list(loops)
    rounds = group_rounds(loops)
    return [plan_loop(facts, now, timing, tz, rounds.get(facts.interview.loop_id)) for facts in loops]


@dataclass(frozen=True)
class Round:
    """Where an interview stands in its application: one application, several rounds."""

    application: str  # the loop id of the first round
    number: int  # 1, 2, ...
    next_seen: datetime | None = None  # when the next round's interview was first seen
    next_start: datetime | None = None


def same_application(earlier: Interview, later: Interview) -> bool:
    """Two interviews of the same application: the same company (by name or mail
    domain), and not two different roles."""
    if earlier.role and later.role and name_key(earlier.role) != name_key(later.role):
        return False
    a, b = name_key(earlier.company), name_key(later.company)
    return bool(a and a == b) or bool(set(earlier.domains) & set(later.domains))


def group_rounds(loops: list[LoopFacts]) -> dict[str, Round]:
    """Each loop's round: a later interview with the same company continues an application
    unless that application ended (rejection, offer) before the later one was found."""
    ordered = sorted((f for f in loops if not f.interview.cancelled), key=lambda f: f.interview.start)
    rounds: dict[str, Round] = {}
    last_of: dict[str, LoopFacts] = {}  # application -> its latest round
    for facts in ordered:
        iv = facts.interview
        joined = None
        for app, last in last_of.items():
            ended = any(
                o.kind == "reply" and o.outcome in ENDING and o.at < facts.first_seen for o in last.observations
            )
            if not ended and last.interview.start < iv.start and same_application(last.interview, iv):
                joined = app
        if joined is None:
            rounds[iv.loop_id] = Round(iv.loop_id, 1)
            last_of[iv.loop_id] = facts
            continue
        prev = last_of[joined]
        before = rounds[prev.interview.loop_id]
        rounds[prev.interview.loop_id] = Round(before.application, before.number, facts.first_seen, iv.start)
        rounds[iv.loop_id] = Round(joined, before.number + 1)
        last_of[joined] = facts
    return rounds


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


def morning_after(day: date, timing: Timing, tz: ZoneInfo) -> datetime:
    """The first working day after ``day``, at ``timing.morning``."""
    return datetime.combine(working_day_on_or_after(day + timedelta(days=1), timing), timing.morning, tzinfo=tz)


def morning_on(moment: datetime, timing: Timing, tz: ZoneInfo) -> datetime:
    day = working_day_on_or_after(moment.astimezone(tz).date(), timing)
    return datetime.combine(day, timing.morning, tzinfo=tz)


def plan_loop(
    facts: LoopFacts, now: datetime, timing: Timing, tz: ZoneInfo, round_: Round | None = None
) -> LoopPlan:
    iv = facts.interview
    round_ = round_ or Round(iv.loop_id, 1)
    end_day = iv.end.astimezone(tz).date()
    after_start = [o for o in facts.observations if o.at >= iv.start]
    replies = sorted((o for o in after_start if o.kind == "reply"), key=lambda o: o.at)
    # the first answer ends the waiting; the latest one that says something decides what next
    first_answer = replies[0] if replies else None
    answer = next((o for o in reversed(replies) if o.outcome not in ("", "other")), first_answer)
    # a later round of the same application answers the follow-up question too
    next_round_at = round_.next_seen if round_.next_seen and round_.next_seen >= iv.start else None

    # elapsed time, not wall-clock time: right across a DST change (aware + timedelta is wall-clock)
    end = iv.end.astimezone(timezone.utc)
    debrief_due = (end + timedelta(minutes=timing.debrief_after_minutes)).astimezone(tz)
    thanks_due = (end + timedelta(minutes=timing.thank_you_after_minutes)).astimezone(tz)
    nudge_at = datetime.combine(end_day + timedelta(days=1), timing.thank_you_nudge_at, tzinfo=tz)
    missed_at = datetime.combine(end_day + timedelta(days=2), time(0), tzinfo=tz)
    follow_due, follow_why = followup_time(iv, facts.debrief, timing, tz)

    sent = sorted((o for o in after_start if o.kind == "sent"), key=lambda o: o.at)
    thanks_sent = next(
        (o.at for o in sent if o.step == "thank-you" or (not o.step and o.at < follow_due)), None
    )

    # the follow-ups: the first, then at most ``extra_followups`` more, each sent before the next
    absences = [o for o in after_start if o.kind == "out-of-office" and o.returns_on]
    chain: list[tuple[str, datetime, str, datetime | None]] = []  # (step, due, why, sent at)
    due, why = follow_due, follow_why
    for n in range(1 + (timing.extra_followups if timing.followup_channel == "email" else 0)):
        name = "followup" if n == 0 else f"followup-{n + 1}"
        back = max((o.returns_on for o in absences if o.at < due + timedelta(days=1)), default=None)
        if back is not None and morning_after(back, timing, tz) > due:
            due, why = morning_after(back, timing, tz), f"the working day after {back.isoformat()}, when they are back"
        done = next((o.at for o in sent if o.step == name), None)
        if done is None:
            done = next((o.at for o in sent if not o.step and o.at >= due and all(o.at != c[3] for c in chain)), None)
        chain.append((name, due, why, done))
        if done is None:
            break
        due = morning_on(done + timedelta(days=timing.followup_again_days), timing, tz)
        why = f"{timing.followup_again_days} days after your follow-up, with no answer"
    last_sent = chain[-1][3] or chain[-1][1]
    give_up_at = morning_on(last_sent + timedelta(days=timing.give_up_days), timing, tz)
    silent = answer is None and next_round_at is None and not iv.cancelled and now >= give_up_at

    closed_at = first_answer.at if first_answer else (give_up_at if silent else None)
    follow_closed = closed_at if next_round_at is None else min(next_round_at, closed_at or next_round_at)

    def timed(due: datetime) -> str:
        return DUE if now >= due else SCHEDULED

    steps: list[Step] = []

    def add(name: str, artifact: str, due: datetime, state: str, detail: str, done_at=None, ends=None) -> None:
        """``ends``: the moment after which this step is no longer wanted (an answer)."""
        if iv.cancelled:
            state, detail = CANCELLED, "the interview was cancelled"
        elif ends is not None and state not in (DONE, SKIPPED):
            if due > ends or artifact == "draft":
                state = CANCELLED
                detail = "the next round is planned" if ends == next_round_at and not answer else (
                    "no answer came" if silent and ends == give_up_at else "the employer answered")
        if artifact == "reminder" and state not in (DONE, CANCELLED) and due + timedelta(days=1) < facts.first_seen:
            state, detail = SKIPPED, "already past when the interview was found"
        if artifact == "draft":
            want = state in (DUE, MISSED) and not iv.cancelled
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
        ends=closed_at,
    )

    if thanks_sent is not None:
        thanks_state, thanks_detail = DONE, "sent"
    elif facts.first_seen >= missed_at:
        thanks_state, thanks_detail = SKIPPED, "the interview was found after the time for a thank-you"
    elif now >= missed_at:
        thanks_state, thanks_detail = MISSED, "not sent by the end of the day after the interview"
    else:
        thanks_state, thanks_detail = timed(thanks_due), "the same day as the interview"
    add("thank-you", "draft", thanks_due, thanks_state, thanks_detail, ends=closed_at)
    reminder_state = DONE if thanks_sent else (SKIPPED if thanks_state == SKIPPED else timed(thanks_due))
    add("thank-you-reminder", "reminder", thanks_due, reminder_state, "send the thank-you today", thanks_sent,
        ends=closed_at)
    nudge_state = SKIPPED if thanks_state == SKIPPED else (DONE if thanks_sent else timed(nudge_at))
    add("thank-you-nudge", "reminder", nudge_at, nudge_state, "if the thank-you is not sent yet", thanks_sent,
        ends=closed_at)

    if timing.followup_channel == "email":
        for name, due, why, done in chain:
            state = DONE if done else timed(due)
            add(name, "draft", due, state, why if not done else "sent", ends=follow_closed)
            add(f"{name}-reminder", "reminder", due, state, "send the follow-up", done, ends=follow_closed)
    else:
        name, due, why, _ = chain[0]
        add("followup-call", "reminder", due, timed(due), why, ends=follow_closed)

    # after the answer: the next right step for what it says
    if answer is not None and not iv.cancelled:
        _after_answer(answer, now, timing, tz, add, sent)
    for o in after_start:
        if o.kind == "bounce" and o.address:
            key = "check-address"
            if not any(s.name == key for s in steps):
                add(key, "reminder", o.at, timed(o.at), f"your mail to {o.address} bounced: check the address")
    if silent:
        add("move-on", "reminder", give_up_at, timed(give_up_at), "no answer: time to move on")

    bounced = sorted({o.address for o in after_start if o.kind == "bounce" and o.address})
    flags = tuple(f"your mail to {a} bounced — check the address" for a in bounced)
    if iv.cancelled:
        status, outcome, reason = "cancelled", "", "the interview was cancelled"
    elif answer is not None:
        outcome = OUTCOME_OF.get(answer.outcome, "answered")
        said = f" (\"{answer.phrase}\")" if answer.phrase else ""
        status, reason = "closed", f"closed: {OUTCOME_WORDS[outcome]}{said}: {answer.reason}"
        if outcome == "next-round":
            status = "closed" if next_round_at else "open"
            reason = (f"next round on {round_.next_start.astimezone(tz):%a %Y-%m-%d}" if next_round_at
                      else f"open: they want a next round{said}; waiting for its date: {answer.reason}")
    elif next_round_at is not None:
        status, outcome = "closed", "next-round"
        reason = f"next round on {round_.next_start.astimezone(tz):%a %Y-%m-%d}"
    elif silent:
        status, outcome, reason = "closed", "no-response", "closed: no response after your follow-ups"
    else:
        status, outcome, reason = "open", "", ""
    return LoopPlan(iv, status, reason, tuple(steps), closed_at, outcome, round_.application, round_.number, flags)


# reply outcomes -> the loop's outcome; rejections and offers end an application
OUTCOME_OF = {"rejection": "rejected", "offer": "offer", "next-round": "next-round", "info": "info", "other": "answered"}
ENDING = ("rejection", "offer")
OUTCOME_WORDS = {
    "rejected": "rejected",
    "offer": "an offer",
    "next-round": "a next round",
    "info": "they asked for information",
    "answered": "they answered",
    "no-response": "no response",
}


def decide_by(answer: Observation, timing: Timing, tz: ZoneInfo) -> date:
    """The day until which the user asks for time to decide on an offer."""
    return working_day_on_or_after(answer.at.astimezone(tz).date() + timedelta(days=timing.decision_days), timing)


def _after_answer(answer: Observation, now: datetime, timing: Timing, tz: ZoneInfo, add, sent) -> None:
    at = answer.at

    def pair(draft: str, reminder: str, detail: str) -> None:
        done = next((o.at for o in sent if o.step == draft and o.at >= at), None)
        state = DONE if done else (DUE if now >= at else SCHEDULED)
        add(draft, "draft", at, state, detail)
        add(reminder, "reminder", at, state, detail, done)

    if answer.outcome == "rejection":
        pair("feedback-request", "feedback-request-reminder", "ask what was missing, and for feedback")
    elif answer.outcome == "offer":
        pair("decision-time", "answer-offer", f"ask for time to decide, until {decide_by(answer, timing, tz).isoformat()}")
    elif answer.outcome == "info":
        replied = next((o.at for o in sent if o.at >= at), None)
        add("answer-info", "reminder", at, DONE if replied else (DUE if now >= at else SCHEDULED),
            "they asked for something: answer them", replied)


