"""The planner: a pure function from what is known to the steps that should exist.

``plan(loops, now, timing, tz)`` reads nothing and writes nothing. The engine compares
its answer with what the state records and makes the difference real, so planning the
same facts twice gives the same steps, and running the engine twice is harmless.

The rules (every time is configurable in ``[timing]``):
- *debrief* reminder when the interview ends (plus ``debrief_after_minutes``).
- *thank-you* draft ``thank_you_after_minutes`` after the end, with a *thank-you-reminder*
  at the same moment. If the thank-you is not sent by ``thank_you_nudge_at`` on the next
  day, a *thank-you-nudge* reminder is shown then; from the midnight after that day the
  thank-you is *missed*. A loop *found late* skips the thank-you: first seen after that
  midnight, or its thank-you never written by then (nothing ran: ``LoopFacts.written``).
- *followup*: ``followup_days_small`` (or ``_large``) days after the interview, moved to
  the first working day on or after that, at ``morning`` in the user's time zone (so
  the 4-5 and 8-12 day windows hold; when a weekend covers a whole window, the first
  working day after it: later rather than too early). If the
  debrief recorded an answer date, the working day after that date instead. By email a
  draft plus a *followup-reminder*; by phone a *followup-call* reminder with a script.
  A follow-up draft still not sent ``followup_again_days`` later gets a *followup-nudge*
  (written once due). The next follow-up comes only after one really sent (seen in Sent),
  and "no response" (a *move-on* reminder, ``give_up_days`` later) only after the last one
  allowed was really sent: an unsent draft is never given up on, and a give-up removes no
  draft.
- A reply that decides nothing (``Observation.undecided``: a courtesy, an acknowledgement,
  a promise, words with no decisive cue) closes nothing: the follow-up stays planned, the
  loop says "a message from X may be their answer", and the give-up counts from it. One
  that promises an answer ("we will get back to you by Friday 4 December":
  ``Observation.promises_answer``) moves a follow-up not yet sent to the working day after
  the day it names (never earlier), and the give-up counts from there.
- An employer's reply closes the loop: every step not yet done is cancelled, except
  reminders already in the past; drafts not sent are no longer wanted (the engine removes
  them if untouched). A cancelled interview cancels every step. A request for information
  leaves the loop open (outcome "info"): waiting on you until you write to them after it
  (seen in Sent), then on them; ``give_up_days`` of silence after your answer close it.
- Where a loop stands, at a glance (``glance``): "upcoming", "waiting on you" (a step that
  is the user's to do is due: ``ACTIONS``), "waiting on them", or "closed (OUTCOME)". A
  closed loop shows no due step: the past reminders nobody needs are "skipped" (they stay
  in the calendar); the feedback request and the request for time to decide are the
  user's to do for ``followup_again_days`` and until the decision day, then "missed".
- The user steers (``steering``, ``LoopFacts.commands``): ``close`` ends the loop with the
  outcome they give, as an employer's answer would (rejected: the feedback request is
  still offered; offer: the request for time to decide; accepted, withdrawn, other:
  nothing more); ``ignore`` cancels it ("you ignored it"); ``reopen`` takes either back.
  ``skip`` makes a step "skipped" (with a draft: its reminders too), so its artifact is
  not wanted; ``snooze`` moves a step not yet done (every one, without a step name) to
  the morning of a working day on or after the date given, never earlier than planned
  (a draft's nudge keeps its distance); a step that falls after a close is cancelled as
  usual, and the steps an answer brings later are not held by an earlier snooze of the
  whole loop. The debrief's corrections of role and company replace the calendar's
  (``interview_of``).
- An *uncertain* interview (``Interview.certainty``: the evidence does not settle it) gets
  no draft, no follow-up and no debrief: one *confirm-interview* reminder, when it was
  found, asks the user (``ask_user``), and it is "waiting on you" until they say. It is no
  round of an application. ``track`` makes it a loop like any other (its found_by says
  so), ``ignore`` cancels it.
- Humane hours: no step falls in the user's night. A step whose moment is outside
  ``waking_hours`` (in the user's time zone) moves to the start of the next waking period
  (``awake``): an interview ending at 18:00 in New York gives a Berlin user the debrief
  and the thank-you at 08:00 the next morning, not at midnight; the nudge, and the moment
  the thank-you counts as missed, follow the moved days. Morning steps (follow-ups) keep
  their day and fall at ``morning``, or at the start of the waking hours if that is later.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from interview_followup.daemon.config import WEEKDAYS, Timing
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import artifact_key
from interview_followup.daemon.employers.companies import name_key
from interview_followup.daemon.model import IGNORED, TRACKED, Command, Debrief, Interview, Observation
from interview_followup.daemon.loop.steering import Steering, steering

# an interview the evidence does not settle (``Interview.certainty``), and the one step it gets
UNCERTAIN = "uncertain"
CONFIRM = "confirm-interview"

SCHEDULED, DUE, DONE, MISSED, CANCELLED, SKIPPED = (
    "scheduled",
    "due",
    "done",
    "missed",
    "cancelled",
    "skipped",
)


@frozen
class LoopFacts:
    """Everything known of one loop: the planner's input."""

    interview: Interview
    first_seen: datetime
    debrief: Debrief | None = None
    observations: tuple[Observation, ...] = ()
    # the steps whose artifact the program has written (any record in the state), or None
    # when not known: a thank-you never written by the end of its window was found late
    written: frozenset[str] | None = None
    commands: tuple[Command, ...] = ()  # the user's commands about the loop or its event, in order


@frozen
class Step:
    """One step of a loop's plan: its artifact, when it is due, and whether it should exist now."""

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


@frozen
class LoopPlan:
    """What one loop should look like now: its status, outcome and steps."""

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
    # at a glance (``stage``): "upcoming", "waiting on you", "waiting on them" or "closed (OUTCOME)"
    stage: str = ""
    stage_detail: str = ""  # what the user is to do, what is awaited, or how it closed
    found_late: bool = False  # found (or first run) after the thank-you's window: no thank-you
    decisions: tuple[Command, ...] = ()  # the user's commands still in force (``Steering.in_force``)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


def plan(loops: Iterable[LoopFacts], now: datetime, timing: Timing, tz: ZoneInfo) -> list[LoopPlan]:
    loops = list(loops)
    rounds = group_rounds(loops)
    return [plan_loop(facts, now, timing, tz, rounds.get(facts.interview.loop_id)) for facts in loops]


@frozen
class Round:
    """Where an interview stands in its application: one application, several rounds."""

    application: str  # the loop id of the first round
    number: int  # 1, 2, ...
    next_seen: datetime | None = None  # when the next round's interview was first seen
    next_start: datetime | None = None


# How long after one round the next may follow and still be the same application.
APPLICATION_GAP = timedelta(weeks=8)
# Gender markers job ads add to a title: "(m/w/d)", "(w/m/d)", "(f/m/x)", "H/F", "(all genders)".
_GENDER_MARKER = re.compile(
    r"\(\s*(?:all\s+genders?|gn|[mwfdhx](?:\s*[/|,]\s*[mwfdhx*]){1,3})\s*\)"
    r"|(?<!\w)[mwfdhx](?:\s*/\s*[mwfdhx]){1,3}(?!\w)|\*(?:in|innen)(?!\w)",
    re.IGNORECASE,
)
# Words that say how senior, not which job: two rounds may name the role with or without them.
_SENIORITY = frozenset(
    "sr senior jr junior lead staff principal mid level intermediate entry i ii iii iv".split()
)


def role_key(role: str) -> tuple[str, ...]:
    """The words that name a job, in order: without gender markers, seniority words,
    punctuation, accents and case ("Sr. Backend-Engineer (m/w/d)" -> ("backend", "engineer"))."""
    plain = unicodedata.normalize("NFKD", _GENDER_MARKER.sub(" ", role).casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("’", "")
    return tuple(w for w in re.findall(r"[^\W_]+", plain) if w not in _SENIORITY)


def same_role(a: str, b: str) -> bool:
    """Two role texts that may name one job: the same words once markers and seniority
    are gone, written apart or together ("Back-end", "Backend"), or the words of one among
    the other's ("Engineer", "Backend Engineer"); an empty role (none found) fits any."""
    ka, kb = role_key(a), role_key(b)
    if not ka or not kb or "".join(ka) == "".join(kb):
        return True
    return set(ka) <= set(kb) or set(kb) <= set(ka)


def same_application(earlier: Interview, later: Interview) -> bool:
    """Two interviews of the same application: the same company (by name or mail domain),
    the later one within ``APPLICATION_GAP`` of the earlier, and not two different roles
    (``same_role``)."""
    if abs(later.start - earlier.start) > APPLICATION_GAP:
        return False
    if not same_role(earlier.role, later.role):
        return False
    a, b = name_key(earlier.company), name_key(later.company)
    return bool(a and a == b) or bool(set(earlier.domains) & set(later.domains))


def group_rounds(loops: list[LoopFacts]) -> dict[str, Round]:
    """Each loop's round: a later interview continues an application when it is
    ``same_application`` as that application's latest round (same company, a fitting
    role, within ``APPLICATION_GAP``), unless the application ended (rejection, offer)
    before the later one was found."""
    seen = {f.interview.loop_id: interview_of(f) for f in loops}
    # an uncertain event (the user not asked yet) is no round of anything
    ordered = sorted((f for f in loops if not seen[f.interview.loop_id].cancelled
                      and seen[f.interview.loop_id].certainty != UNCERTAIN), key=lambda f: f.interview.start)
    rounds: dict[str, Round] = {}
    last_of: dict[str, LoopFacts] = {}  # application -> its latest round
    closes = {f.interview.loop_id: steering(f.commands).close for f in ordered}
    for facts in ordered:
        iv = seen[facts.interview.loop_id]
        joined = None
        for app, last in last_of.items():
            closed = closes[last.interview.loop_id]
            ended = any(
                o.kind == "reply" and o.outcome in ENDING and o.at < facts.first_seen for o in last.observations
            ) or (closed is not None and closed.at < facts.first_seen)
            before = seen[last.interview.loop_id]
            if not ended and before.start < iv.start and same_application(before, iv):
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
    return at_morning(day, timing, tz), why


def awake(moment: datetime, timing: Timing, tz: ZoneInfo) -> datetime:
    """``moment`` if it falls in the user's waking hours (local time in ``tz``), else the
    start of the next waking period: the same day's start before it, the next day's after
    its end. Local wall-clock times, so the next morning is 08:00 across a DST change."""
    start, end = timing.waking
    local = moment.astimezone(tz)
    if start <= local.time().replace(tzinfo=None) and (local.time().replace(tzinfo=None) < end or end == time.max):
        return moment
    day = local.date() if local.time().replace(tzinfo=None) < start else local.date() + timedelta(days=1)
    return _local(day, start, tz)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``tz``; a time that a DST change skips becomes the moment the
    clocks jumped to (02:30 on a spring-forward night: 03:30 local)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc).astimezone(tz)


def at_morning(day: date, timing: Timing, tz: ZoneInfo) -> datetime:
    """``timing.morning`` on ``day``, or the start of the waking hours when the morning
    falls outside them (the day is kept: it is a working day)."""
    start, end = timing.waking
    return _local(day, timing.morning if start <= timing.morning < end else start, tz)


def morning_after(day: date, timing: Timing, tz: ZoneInfo) -> datetime:
    """The first working day after ``day``, at ``timing.morning``."""
    return at_morning(working_day_on_or_after(day + timedelta(days=1), timing), timing, tz)


def morning_on(moment: datetime, timing: Timing, tz: ZoneInfo) -> datetime:
    day = working_day_on_or_after(moment.astimezone(tz).date(), timing)
    return at_morning(day, timing, tz)


def plan_loop(
    facts: LoopFacts, now: datetime, timing: Timing, tz: ZoneInfo, round_: Round | None = None
) -> LoopPlan:
    steer = steering(facts.commands)
    iv = interview_of(facts, steer)
    if iv.certainty == UNCERTAIN:
        return ask_user(facts, iv, steer, now, timing, tz)
    round_ = round_ or Round(iv.loop_id, 1)
    end_day = iv.end.astimezone(tz).date()
    after_start = [o for o in facts.observations if o.at >= iv.start]
    # a reply that only promises an answer ("we will get back to you by Friday") keeps the
    # loop waiting: it moves the follow-up after the day it names, it closes nothing
    promises = sorted((o for o in after_start if o.promises_answer), key=lambda o: o.at)
    # a reply that decides nothing else (a courtesy, an acknowledgement) closes nothing either:
    # it may be their answer, which the user reads (and ``close``s the loop with, if it is)
    maybes = sorted((o for o in after_start if o.undecided and not o.promises_answer), key=lambda o: o.at)
    replies = sorted((o for o in after_start if o.kind == "reply" and not o.undecided), key=lambda o: o.at)
    # the user's close is an answer, and their word wins over the employer's
    yours = closed_by_you(steer.close, iv) if not iv.cancelled else None
    if yours is not None:
        replies = sorted([*replies, yours], key=lambda o: o.at)
    # the first answer ends the waiting; the latest one that says something decides what next
    first_answer = replies[0] if replies else None
    answer = yours or next((o for o in reversed(replies) if o.outcome not in ("", "other")), first_answer)
    # a later round of the same application answers the follow-up question too
    next_round_at = round_.next_seen if round_.next_seen and round_.next_seen >= iv.start else None

    # elapsed time, not wall-clock time: right across a DST change (aware + timedelta is wall-clock)
    end = iv.end.astimezone(timezone.utc)
    # none in the user's night: moved to the next morning (``awake``)
    debrief_due = awake((end + timedelta(minutes=timing.debrief_after_minutes)).astimezone(tz), timing, tz)
    thanks_due = awake((end + timedelta(minutes=timing.thank_you_after_minutes)).astimezone(tz), timing, tz)
    nudge_at = awake(_local(end_day + timedelta(days=1), timing.thank_you_nudge_at, tz), timing, tz)
    nudge_at = max(nudge_at, thanks_due)  # never before the thank-you it is about
    # missed from the midnight after the nudge's day (the day after the interview's)
    missed_at = _local(nudge_at.astimezone(tz).date() + timedelta(days=1), time(0), tz)
    follow_due, follow_why = followup_time(iv, facts.debrief, timing, tz)

    sent = sorted((o for o in after_start if o.kind == "sent"), key=lambda o: o.at)
    # mail without a draft's key: the thank-you when it went to one of the loop's people or
    # in the loop's thread before the follow-up was due (not mail to someone else there)
    thanks_sent = next(
        (o.at for o in sent if o.step == "thank-you" or (not o.step and o.outcome != "domain" and o.at < follow_due)),
        None,
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
        by = max((o.returns_on for o in promises if o.returns_on and (done is None or o.at < done)), default=None)
        if by is not None and morning_after(by, timing, tz) > due:
            due = morning_after(by, timing, tz)
            why = f"the working day after {by.isoformat()}, when they said they would answer"
        if done is None and name not in steer.skips:  # only mail in the loop's thread is the follow-up
            done = next((o.at for o in sent if not o.step and o.outcome == "thread" and o.at >= due
                         and all(o.at != c[3] for c in chain)), None)
        chain.append((name, due, why, done))
        if done is None:
            break
        due = morning_on(done + timedelta(days=timing.followup_again_days), timing, tz)
        why = f"{timing.followup_again_days} days after your follow-up, with no answer"
    # "no response" only after a follow-up you really sent (seen in Sent; a call cannot be
    # seen: from the day it was due), or after you answered their request; a promise made
    # since counts from the day it names. An unsent follow-up is never given up on: it gets
    # a nudge (``-nudge``), and give-up never removes a draft.
    waited_from, info_replied = None, None
    if answer is None:  # a follow-up you skipped: from the day it was due
        emailed = timing.followup_channel == "email" and chain[-1][0] not in steer.skips
        waited_from = chain[-1][3] if emailed else chain[-1][1]
    elif answer.outcome == "info":
        info_replied = next((o.at for o in sent if o.at >= answer.at), None)
        if info_replied is not None and not any(o.at > info_replied for o in replies):
            waited_from = info_replied
    for o in sorted([*promises, *maybes], key=lambda o: o.at):
        if waited_from is not None and o.at >= waited_from:
            waited_from = max(waited_from, o.at, morning_after(o.returns_on, timing, tz) if o.returns_on else o.at)
    give_up_at = morning_on(waited_from + timedelta(days=timing.give_up_days), timing, tz) if waited_from else None
    silent = give_up_at is not None and next_round_at is None and not iv.cancelled and now >= give_up_at

    closed_at = first_answer.at if first_answer else (give_up_at if silent else None)
    follow_closed = closed_at if next_round_at is None else min(next_round_at, closed_at or next_round_at)

    def timed(due: datetime) -> str:
        return DUE if now >= due else SCHEDULED

    steps: list[Step] = []
    moved: dict[str, timedelta] = {}  # the steps a snooze moved, and how far

    def add(name: str, artifact: str, due: datetime, state: str, detail: str, done_at=None, ends=None) -> None:
        """``ends``: the moment after which this step is no longer wanted (an answer)."""
        if not iv.cancelled and state in (SCHEDULED, DUE, MISSED):  # the user's skip or snooze
            due, said = steered(name, due, steer, moved, timing, tz)
            if said == SKIPPED:
                state, detail = SKIPPED, "skipped by you"
            elif said:
                state, detail = timed(due), said
        if iv.cancelled:
            state, detail = CANCELLED, cancelled_why(iv)
        elif ends is not None and state not in (DONE, SKIPPED):
            if due > ends or (artifact == "draft" and not (silent and ends == give_up_at)):
                state = CANCELLED
                detail = "the next round is planned" if ends == next_round_at and not answer else (
                    "no answer came" if silent and ends == give_up_at else
                    "you closed the loop" if yours is not None and ends == yours.at else "the employer answered")
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

    # found late: first seen after the thank-you's window, or first run since (the draft was
    # never written): no thank-you now, and no draft that assumes one was sent
    unwritten = (facts.written is not None and "thank-you" not in facts.written
                 and not (first_answer is not None and first_answer.at < missed_at))
    if thanks_sent is not None:
        thanks_state, thanks_detail = DONE, "sent"
    elif facts.first_seen >= missed_at:
        thanks_state, thanks_detail = SKIPPED, "found late: the interview was found after the time for a thank-you"
    elif now >= missed_at and unwritten:
        thanks_state, thanks_detail = SKIPPED, "found late: no thank-you was written in its time (nothing ran then)"
    elif now >= missed_at:
        thanks_state, thanks_detail = MISSED, "not sent by the end of the day after the interview"
    else:
        thanks_state, thanks_detail = timed(thanks_due), "the same day as the interview"
    add("thank-you", "draft", thanks_due, thanks_state, thanks_detail, ends=closed_at)
    reminder_state = DONE if thanks_sent else (thanks_state if thanks_state in (SKIPPED, MISSED) else timed(thanks_due))
    add("thank-you-reminder", "reminder", thanks_due, reminder_state, "send the thank-you today", thanks_sent,
        ends=closed_at)
    nudge_state = thanks_state if thanks_state in (SKIPPED, MISSED) else (DONE if thanks_sent else timed(nudge_at))
    add("thank-you-nudge", "reminder", nudge_at, nudge_state, "if the thank-you is not sent yet", thanks_sent,
        ends=closed_at)
    if thanks_detail.startswith("found late") and facts.written:  # reminders written before stay where they are
        steps[-2:] = [replace(s, want=s.name in facts.written) if s.state == SKIPPED else s for s in steps[-2:]]

    if timing.followup_channel == "email":
        for name, due, why, done in chain:
            state = DONE if done else timed(due)
            add(name, "draft", due, state, why if not done else "sent", ends=follow_closed)
            add(f"{name}-reminder", "reminder", due, state, "send the follow-up", done, ends=follow_closed)
            # left in Drafts: a nudge to send it (an unsent follow-up is never given up on)
            nudge = morning_on(due + timedelta(days=timing.followup_again_days), timing, tz)
            add(f"{name}-nudge", "reminder", nudge, DONE if done else timed(nudge),
                "if the follow-up is still not sent", done, ends=follow_closed)
            if steps[-1].state == SCHEDULED:  # written only once due: most follow-ups are sent by then
                steps[-1] = replace(steps[-1], want=False)
    else:
        name, due, why, _ = chain[0]
        add("followup-call", "reminder", due, timed(due), why, ends=follow_closed)

    # after the answer: the next right step for what it says
    if answer is not None and not iv.cancelled:
        _after_answer(answer, now, timing, tz, add, sent)
    for o in after_start:
        if o.kind == "bounce" and o.address:
            key = bounce_step(o)
            if not any(s.name == key for s in steps):
                at = awake(o.at, timing, tz)
                add(key, "reminder", at, timed(at), f"your mail to {o.address} bounced: {bounce_advice(o)}")
    if silent:
        add("move-on", "reminder", give_up_at, timed(give_up_at), "no answer: time to move on")

    bounced = sorted({(o.address, bounce_advice(o)) for o in after_start if o.kind == "bounce" and o.address})
    flags = tuple(f"your mail to {a} bounced — {advice}" for a, advice in bounced)
    if iv.cancelled:
        status, outcome, reason = "cancelled", "", f"cancelled: {cancelled_why(iv)}"
    elif yours is not None:
        status, outcome = "closed", steer.close.outcome
        reason = f"closed by you: {CLOSED_WORDS.get(outcome, outcome)}" + (f" ({steer.close.note})" if steer.close.note else "")
    elif answer is not None and answer.outcome == "info" and not silent:
        said = f" (\"{answer.phrase}\")" if answer.phrase else ""
        status, outcome, reason = "open", "info", f"open: they asked for information{said}: {answer.reason}"
    elif answer is not None and silent:  # you answered their request, then nothing
        status, outcome, reason = "closed", "no-response", "closed: no response after you answered their request"
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
    elif promises or maybes:
        last = max([*promises, *maybes], key=lambda o: o.at)
        status, outcome = "open", ""
        if last.promises_answer:
            reason = f"open: they said they would answer{_by(last, tz)} (\"{last.phrase}\"): {last.reason}"
        else:
            reason = (f"open: a message from {last.sender_words} on {last.at.astimezone(tz):%a %Y-%m-%d} may be "
                      f"their answer (it decides nothing the program can read): {last.reason}")
    else:
        status, outcome, reason = "open", "", ""
    if facts.written and CONFIRM in facts.written:  # asked while uncertain, now settled: the question goes
        steps.append(Step(iv.loop_id, CONFIRM, "reminder", awake(facts.first_seen, timing, tz), DONE, False,
                          "answered: it is an interview"))
    found_late = thanks_state == SKIPPED and not iv.cancelled
    stage, detail, steps = glance(iv, status, outcome, steps, now, tz, answer=answer, promises=promises, maybes=maybes,
                                  waited_from=waited_from if silent else None, info_replied=info_replied,
                                  next_start=round_.next_start if next_round_at else None)
    return LoopPlan(iv, status, reason, tuple(steps), closed_at, outcome, round_.application, round_.number, flags,
                    stage, detail, found_late, steer.in_force())


# --- the user's say -----------------------------------------------------------------------

# a close's outcome as the reply it stands for (the others ask for nothing more)
_CLOSE_AS = {"rejected": "rejection", "offer": "offer"}


def interview_of(facts: LoopFacts, steer: Steering | None = None) -> Interview:
    """The interview as the user has it: the debrief's corrections of role and company
    replace the calendar's; an ignored one is cancelled ("you ignored it"), and one whose
    ignore was taken back is not (the next pass reads the calendar again)."""
    steer = steer or steering(facts.commands)
    iv, d = facts.interview, facts.debrief
    if d is not None and (d.role or d.company):
        iv = replace(iv, role=d.role or iv.role, company=d.company or iv.company)
    if steer.track is not None and iv.certainty == UNCERTAIN:  # the user said it is one
        iv = replace(iv, certainty="clear", found_by=f"{TRACKED} (by itself uncertain: {iv.found_by})")
    if steer.ignore is not None and not iv.cancelled:
        iv = replace(iv, cancelled=True, cancelled_reason=IGNORED)
    elif steer.ignore is None and iv.cancelled_reason == IGNORED:
        iv = replace(iv, cancelled=False, cancelled_reason="")
    return iv


def ask_user(facts: LoopFacts, iv: Interview, steer: Steering, now: datetime, timing: Timing,
             tz: ZoneInfo) -> LoopPlan:
    """The plan of an uncertain interview (``Interview.certainty``): no draft, no follow-up,
    no debrief; one reminder (``CONFIRM``), when it was found (in waking hours), asks the
    user whether it is an interview. ``track`` makes it a loop like any other; ``ignore``
    (or a cancelled or declined event) cancels the question."""
    due = awake(facts.first_seen, timing, tz)
    if iv.cancelled:
        step = Step(iv.loop_id, CONFIRM, "reminder", due, CANCELLED, False, cancelled_why(iv))
        stage, detail, steps = glance(iv, "cancelled", "", [step], now, tz)
        return LoopPlan(iv, "cancelled", f"cancelled: {cancelled_why(iv)}", tuple(steps), stage=stage,
                        stage_detail=detail, decisions=steer.in_force())
    due, said = steered(CONFIRM, due, steer, {}, timing, tz)
    if said == SKIPPED:  # asked not to be asked: it stays uncertain, and nothing is written
        step = Step(iv.loop_id, CONFIRM, "reminder", due, SKIPPED, False, "skipped by you")
        return LoopPlan(iv, "open", ask_words(iv.loop_id), (step,), stage=WAITING_ON_YOU,
                        stage_detail=ACTIONS[CONFIRM], decisions=steer.in_force())
    state = DUE if now >= due else SCHEDULED
    step = Step(iv.loop_id, CONFIRM, "reminder", due, state, True,
                said or "it may be an interview: say whether it is")
    return LoopPlan(iv, "open", ask_words(iv.loop_id), (step,), stage=WAITING_ON_YOU,
                    stage_detail=ACTIONS[CONFIRM], decisions=steer.in_force())


def ask_words(loop_id: str) -> str:
    """The question ``status`` asks about an uncertain interview."""
    return (f"Is this an interview? `interview-followup track {loop_id}` / "
            f"`interview-followup ignore {loop_id}`")


def closed_by_you(close: Command | None, iv: Interview) -> Observation | None:
    """The user's ``close`` as the answer it stands for (a rejection, an offer, or an answer
    that asks for nothing more), or None."""
    if close is None:
        return None
    reason = "closed by you" + (f": {close.note}" if close.note else "")
    return Observation(f"you:{close.at.isoformat()}", iv.loop_id, "reply", close.at, reason,
                       outcome=_CLOSE_AS.get(close.outcome, "other"))


def base_step(name: str) -> str:
    """The step a reminder belongs to, for ``skip`` and ``snooze``: "thank-you" for the
    thank-you's reminder and nudge, "decision-time" for "answer-offer"; else ``name``."""
    if name == "answer-offer":
        return "decision-time"
    for suffix in ("-reminder", "-nudge"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


# a bounce's reminder and advice by the kind of failure (a bounce's ``Observation.outcome``;
# "" in bounces recorded before the kind was kept)
BOUNCE_STEPS = {"address": "check-address", "other": "check-address", "full": "retry-later",
                "too-large": "resend-smaller"}
BOUNCE_ADVICE = {
    "address": "check the address",
    "other": "the receiving server refused it: check the address, or write to another contact",
    "full": "their mailbox is full: try again in a few days, or write to another contact",
    "too-large": "the message was too large: send it again without the attachment (or with a link to it)",
}


def bounce_step(o: Observation) -> str:
    """The reminder step a bounce brings: what to do depends on why it failed."""
    return BOUNCE_STEPS.get(o.outcome, "check-address")


def bounce_advice(o: Observation) -> str:
    return BOUNCE_ADVICE.get(o.outcome, BOUNCE_ADVICE["address"])


# steps an answer (or your close) brings: a snooze of the whole loop given before them does not hold them
_ANSWER_STEPS = ("feedback-request", "feedback-request-reminder", "decision-time", "answer-offer", "answer-info",
                 "check-address", "retry-later", "resend-smaller", "move-on")


def steered(name: str, due: datetime, steer: Steering, moved: dict[str, timedelta], timing: Timing,
            tz: ZoneInfo) -> tuple[datetime, str]:
    """(due, what the user said) of a step not yet done: ``SKIPPED`` for a skip (of the
    step, or of the draft a reminder is about), the snoozed moment for a snooze that moves
    it later (a nudge keeps its distance from what it nudges about: ``moved``), or ``due``
    and "" when the user said nothing about it."""
    base = base_step(name)
    if name in steer.skips or base in steer.skips:
        return due, SKIPPED
    snooze = steer.snoozes.get(name) or steer.snoozes.get(base) or steer.snoozes.get("")
    if snooze is None or snooze.until is None or (not snooze.step and name in _ANSWER_STEPS and due >= snooze.at):
        return due, ""
    later = at_morning(working_day_on_or_after(snooze.until, timing), timing, tz)
    if name.endswith("-nudge") and base in moved:
        later = max(later, awake(due + moved[base], timing, tz))
    if later <= due:
        return due, ""
    moved.setdefault(name, later - due)
    return later, f"snoozed by you until {snooze.until:%a %Y-%m-%d}"


def cancelled_why(iv: Interview) -> str:
    return iv.cancelled_reason or "the event was cancelled"


def _by(promise: Observation, tz: ZoneInfo) -> str:
    return f" by {promise.returns_on:%a %Y-%m-%d}" if promise.returns_on else ""


# --- at a glance ------------------------------------------------------------------------

UPCOMING, WAITING_ON_YOU, WAITING_ON_THEM = "upcoming", "waiting on you", "waiting on them"
# the steps that are the user's to do while due, in their words (follow-ups by their base name)
ACTIONS = {
    "thank-you": "send the thank-you",
    "followup": "send the follow-up",
    "followup-call": "call them about their decision",
    "feedback-request": "send the feedback request",
    "decision-time": "ask for time to decide on the offer",
    "answer-info": "answer their request",
    "confirm-interview": "say whether this is an interview",
}
# the reminder that goes with an action (kept due while the action is)
PAIRED = {"feedback-request": "feedback-request-reminder", "decision-time": "answer-offer"}
# a closed loop's outcome, as ``stage`` says it: "closed (rejected)"
CLOSED_WORDS = {"rejected": "rejected", "offer": "offer", "next-round": "next round", "info": "answered",
                "answered": "answered", "no-response": "no response",
                # what the user said in ``close --outcome``
                "accepted": "accepted", "withdrawn": "withdrawn", "other": "other"}


def action(step: Step) -> str:
    """What ``step`` asks the user to do now, in words, or "" (not due, or not theirs)."""
    if step.state != DUE or (step.artifact == "draft" and not step.want):
        return ""
    base = "followup" if step.artifact == "draft" and step.name.startswith("followup-") else step.name
    return ACTIONS.get(base, "")


def glance(iv: Interview, status: str, outcome: str, steps: list[Step], now: datetime, tz: ZoneInfo, *,
           answer: Observation | None = None, promises: list[Observation] = (), maybes: list[Observation] = (),
           waited_from: datetime | None = None,
           info_replied: datetime | None = None, next_start: datetime | None = None,
           ) -> tuple[str, str, list[Step]]:
    """(stage, what it means, the steps): "waiting on you" while something is the user's
    to do; "closed (OUTCOME)" when the loop is over and nothing is; "upcoming" before the
    interview ends; "waiting on them" otherwise. A closed loop shows no due step: a past
    reminder nobody needs any more is "skipped" (it stays in the calendar where it was),
    the "move-on" reminder "done" once shown."""
    todo = sorted((s for s in steps if action(s)), key=lambda s: s.due)
    if status in ("closed", "cancelled"):
        keep = {s.name for s in todo} | {PAIRED[s.name] for s in todo if s.name in PAIRED}
        why = "the interview was cancelled" if status == "cancelled" else "the loop is closed"
        steps = [s if s.state != DUE or s.name in keep else
                 replace(s, state=DONE) if s.name == "move-on" else
                 replace(s, state=SKIPPED, detail=f"no longer needed: {why}") for s in steps]
    if status == "cancelled":
        word = {"you declined it": "declined", IGNORED: "ignored"}.get(iv.cancelled_reason, "cancelled")
        return f"closed ({word})", cancelled_why(iv), steps
    if todo:
        return WAITING_ON_YOU, "; ".join(dict.fromkeys(action(s) for s in todo)), steps
    if status == "closed":
        if outcome == "no-response" and waited_from is not None:
            detail = f"no answer since {waited_from.astimezone(tz):%a %Y-%m-%d}"
        elif next_start is not None and (answer is None or outcome == "next-round"):
            detail = f"next round on {next_start.astimezone(tz):%a %Y-%m-%d}"
        elif answer is not None:
            detail = (f"\"{answer.phrase}\", " if answer.phrase else "") + answer.reason
        else:
            detail = ""
        return f"closed ({CLOSED_WORDS.get(outcome, outcome or 'answered')})", detail, steps
    if now < iv.end:
        return UPCOMING, "", steps
    if outcome == "info" and info_replied is not None:
        what = "their answer to what you sent them"
    elif outcome == "next-round":
        what = "the date of the next round"
    elif maybes and (not promises or maybes[-1].at > promises[-1].at):
        what = (f"their answer (a message from {maybes[-1].sender_words} on "
                f"{maybes[-1].at.astimezone(tz):%a %Y-%m-%d} may be it)")
    elif promises:
        by = promises[-1].returns_on
        what = f"their answer, promised by {by:%a %Y-%m-%d}" if by else "their answer, which they promised"
    else:
        what = "their answer"
    follow = min((s for s in steps if s.state == SCHEDULED and s.name.startswith("followup")
                  and not s.name.endswith("-nudge")), key=lambda s: s.due, default=None)
    if follow is not None:
        what += f"; follow-up on {follow.due.astimezone(tz):%a %Y-%m-%d}"
    return WAITING_ON_THEM, what, steps


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
    at = answer.at  # what the user sent after it answers it
    due = awake(at, timing, tz)  # not in the user's night

    def pair(draft: str, reminder: str, detail: str, until: datetime) -> None:
        """A draft to send, and its reminder; not sent by ``until``: missed (left in Drafts)."""
        done = next((o.at for o in sent if o.step == draft and o.at >= at), None)
        state = DONE if done else (DUE if now >= due else SCHEDULED)
        if state == DUE and now >= until:
            state, detail = MISSED, f"not sent by {until.astimezone(tz):%a %Y-%m-%d}"
        add(draft, "draft", due, state, detail)
        add(reminder, "reminder", due, state, detail, done)

    if answer.outcome == "rejection":
        pair("feedback-request", "feedback-request-reminder", "ask what was missing, and for feedback",
             morning_on(at + timedelta(days=timing.followup_again_days), timing, tz))
    elif answer.outcome == "offer":
        by = decide_by(answer, timing, tz)
        pair("decision-time", "answer-offer", f"ask for time to decide, until {by.isoformat()}",
             datetime.combine(by, time(0), tzinfo=tz))
    elif answer.outcome == "info":
        replied = next((o.at for o in sent if o.at >= at), None)
        add("answer-info", "reminder", due, DONE if replied else (DUE if now >= due else SCHEDULED),
            "they asked for something: answer them", replied)


