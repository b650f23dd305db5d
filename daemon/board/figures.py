"""A few honest figures about the search, and the weekly counts the board's picture draws.

Honest: each figure says what it counts and out of how many, and nothing is shown as a
rate where there is nothing to count. "On time" for a thank-you is what the planner calls
it: sent (seen in Sent) before the end of the day after the interview, the moment from
which an unsent one is "missed". An *answer* is a reply from the employer that decides
something (not an out-of-office notice, a bounce, or a courtesy that decides nothing);
the days to an answer run from the end of the application's first interview to its
first answer.
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from interview_followup.daemon.board.snapshot import Snapshot
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.loop.planning import DONE, MISSED

MAX_WEEKS = 26  # the picture shows at most half a year


@frozen
class Figures:
    thanks_on_time: int
    thanks_due: int  # thank-yous sent or missed (found-late loops had none to send)
    answered: int  # applications with an answer
    applications: int  # applications whose first interview is over
    median_days: float | None  # to the first answer
    answers_counted: int  # the answers the median is made of


@frozen
class Week:
    monday: date
    interviews: int
    followups: int  # follow-ups you sent
    answers: int


def figures(snap: Snapshot, tz: ZoneInfo) -> Figures:
    sent = {}
    answers: dict[str, datetime] = {}
    for o in snap.observations:
        if o.kind == "sent" and o.step == "thank-you":
            sent.setdefault(o.loop_id, o.at)
        if _is_answer(o):
            answers[o.loop_id] = min(o.at, answers.get(o.loop_id, o.at))
    on_time = due = 0
    first: dict[str, datetime] = {}  # application -> end of its first interview
    first_answer: dict[str, datetime] = {}
    for p in snap.plans:
        iv = p.interview
        app = p.application or iv.loop_id
        if iv.cancelled or iv.certainty == "uncertain":
            continue
        if iv.end <= snap.now:
            first[app] = min(iv.end, first.get(app, iv.end))
        if iv.loop_id in answers:
            first_answer[app] = min(answers[iv.loop_id], first_answer.get(app, answers[iv.loop_id]))
        thanks = p.step("thank-you")
        if thanks is None or thanks.state not in (DONE, MISSED):
            continue
        due += 1
        deadline = _end_of_next_day(iv.end, tz)
        at = sent.get(iv.loop_id)
        if thanks.state == DONE and at is not None and at < deadline:
            on_time += 1
    days = [(first_answer[a] - first[a]).total_seconds() / 86400 for a in first if a in first_answer
            and first_answer[a] >= first[a]]
    median = round(statistics.median(days), 1) if days else None
    return Figures(on_time, due, sum(1 for a in first if a in first_answer), len(first), median, len(days))


def weeks(snap: Snapshot, tz: ZoneInfo) -> list[Week]:
    """The weeks from the first interview (at most ``MAX_WEEKS`` back) to this one."""
    def monday(moment: datetime) -> date:
        day = moment.astimezone(tz).date()
        return day - timedelta(days=day.weekday())

    this = monday(snap.now)
    counts: dict[date, list[int]] = {}
    for p in snap.plans:
        iv = p.interview
        if iv.cancelled or iv.certainty == "uncertain":
            continue
        counts.setdefault(monday(iv.start), [0, 0, 0])[0] += 1
    for o in snap.observations:
        if o.kind == "sent" and o.step.startswith("followup"):
            counts.setdefault(monday(o.at), [0, 0, 0])[1] += 1
        elif _is_answer(o):
            counts.setdefault(monday(o.at), [0, 0, 0])[2] += 1
    if not counts:
        return []
    start = max(min(counts), this - timedelta(weeks=MAX_WEEKS - 1))
    end = max(this, max(d for d in counts if d <= this + timedelta(weeks=4)) if any(
        d <= this + timedelta(weeks=4) for d in counts) else this)
    out = []
    day = start
    while day <= end:
        c = counts.get(day, [0, 0, 0])
        out.append(Week(day, *c))
        day += timedelta(weeks=1)
    return out


def _is_answer(o) -> bool:
    return o.kind == "reply" and not o.undecided and not o.promises_answer


def _end_of_next_day(moment: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(moment.astimezone(tz).date() + timedelta(days=2), time(0), tz)
