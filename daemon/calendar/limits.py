"""Bounds on the work and the data one calendar may cost.

A calendar is data from outside: one event must not be able to stop or stall a pass.
``ical`` and ``detection`` use these bounds; each is documented here with its reason.

Recurrence rules are expanded by dateutil (through recurring_ical_events and, for
VTIMEZONE definitions, icalendar). dateutil walks a rule from its DTSTART, period after
period, and a rule whose BYxxx parts never match ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
walks on to the year 9999 before it gives up; ``FREQ=SECONDLY`` with no end produces
millions of occurrences for one window. Neither can be stopped from outside, so the
periods dateutil examines are counted while a ``work_budget`` is open: dateutil asks an
``_iterinfo`` object for the days (and, below a day, the times) of every period, and this
module gives dateutil a subclass of it that counts them. Outside a budget nothing is
counted and nothing changes (other users of dateutil in the process are not affected).
When a budget runs out, ``TooMuchWork`` is raised inside dateutil and the expansion stops.

A period costs 1 step, plus 1 for every 16 days it examines, plus, for a rule with several
times a day (BYHOUR/BYMINUTE/BYSECOND lists), 1 for each time of each day. A step is 2-4
microseconds (measured on the development machine, 2 cores).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dateutil.rrule as _rrule

# --- recurrence -------------------------------------------------------------------------

# Steps one series may take to expand over the window (at most about 0.4 s): a daily
# series from 1750, a weekly one from the year 100 or an hourly one from 11 years back
# still fits; a rule that never matches, or one that repeats every minute, does not. A
# series over it is skipped and reported (its UID counts as unreadable, so none of its
# loops is cancelled).
SERIES_STEPS = 100_000
# Steps one read of a calendar may take for all its series together (at most about 4 s):
# a file of thousands of expensive series cannot make every pass take minutes. Series
# after it is spent are skipped and reported in that read.
READ_STEPS = 1_000_000
# Steps the parse of one file may take for the VTIMEZONE definitions in it (icalendar
# expands each STANDARD/DAYLIGHT rule up to 2038; an Outlook zone from 1601 costs ~10,000;
# each VTIMEZONE may take at most SERIES_STEPS).
PARSE_STEPS = 1_000_000
# Occurrences of one series read in one window: a daily series over the default 120-day
# window has 120. A series with more is read up to this many, reported, and its UID counts
# as unreadable.
MAX_OCCURRENCES = 500
# Frequencies refused outright: no interview repeats every second or every minute, and
# such a rule costs up to a million steps a day of window.
REFUSED_FREQUENCIES = ("SECONDLY", "MINUTELY")
# The longest RRULE accepted, in characters (a real one is under 200): BYxxx lists of
# thousands of values multiply dateutil's work in every period.
MAX_RULE_CHARS = 1000

# --- events -----------------------------------------------------------------------------

# Attendees read per event: a meeting with more is no interview with people one thanks by
# name, and 100,000 of them made the draft checks quadratic. The first ones are kept and
# the event is reported.
MAX_ATTENDEES = 100
# The longest content line given to icalendar, in characters (it reads about one a
# microsecond: a 5 MB title took 5 s, and was parsed twice). A longer SUMMARY, DESCRIPTION,
# LOCATION or COMMENT is cut to this (as much as the hints are looked for in); any other
# longer line (an inline attachment, a junk property) is left out. The event is named in
# a problem.
MAX_LINE_CHARS = 100_000
# Characters of an event's SUMMARY or UID shown in a problem line.
SHOWN_CHARS = 80
# Problem lines one read of one calendar gives (the same line is given once): a file of
# 20,000 broken events is named in this many lines and one that counts the rest.
MAX_PROBLEMS = 50

# --- detection --------------------------------------------------------------------------

# Interview occurrences one series may have in the window: a daily "interview" that
# repeats for months is not an interview series (a billion-count daily series made 101
# loops and 388 reminders). A series with more is reported and none of its occurrences
# becomes a loop (loops made before it grew stay as they are).
MAX_INTERVIEWS_PER_SERIES = 10
# Characters of a title kept for an interview (the loop's title, the subjects and reminder
# titles made from it); longer titles end with "…". The company and role are looked for
# in this much of it.
MAX_TITLE_CHARS = 200
# Characters of a description searched for hints ("company: ..."): hints are written by
# hand at the top; a 5 MB description costs no more than this.
MAX_HINT_CHARS = 100_000


class TooMuchWork(Exception):
    """A ``work_budget`` ran out."""


_local = threading.local()


@contextmanager
def work_budget(steps: int) -> Iterator[None]:
    """Count dateutil's steps inside; raise ``TooMuchWork`` past ``steps``.

    Budgets nest: an inner one never grants more than the outer one has left, and what
    it spends is spent from the outer one too."""
    outer = getattr(_local, "left", None)
    granted = steps if outer is None else min(outer, steps)
    _local.left = granted
    try:
        yield
    finally:
        spent = granted - _local.left
        _local.left = None if outer is None else outer - spent


def steps_left() -> int | None:
    """What the open budget has left (None: no budget is open)."""
    return getattr(_local, "left", None)


_TOO_MUCH = "the recurrence rule needs too much work to expand"


_Base = getattr(_rrule, "_iterinfo", None)
if getattr(_Base, "_counts_steps", False):  # this module loaded again: patch the original
    _Base = _Base.__bases__[0]
_DAYSETS = ("ydayset", "mdayset", "wdayset", "ddayset")
_TIMESETS = ("htimeset", "mtimeset", "stimeset")


if _Base is not None and all(hasattr(_Base, n) for n in _DAYSETS + _TIMESETS):

    class _CountedIterInfo(_Base):  # type: ignore[misc, valid-type]
        """dateutil's per-rule iteration helper, counting the periods asked for."""

        # no __slots__ here: dateutil's __init__ sets every name in ``self.__slots__``
        _counts_steps = True

        def __init__(self, rule):  # noqa: ANN001
            super().__init__(rule)
            timeset = getattr(rule, "_timeset", None)
            self._times = len(timeset) if timeset and len(timeset) > 1 else 0

        def _days(self, answer):  # noqa: ANN001, ANN202
            left = getattr(_local, "left", None)
            if left is not None:
                days = answer[2] - answer[1]
                left -= 1 + days // 16 + days * self._times
                _local.left = left
                if left < 0:
                    raise TooMuchWork(_TOO_MUCH)
            return answer

        def ydayset(self, year, month, day):  # noqa: ANN001, ANN201
            return self._days(_Base.ydayset(self, year, month, day))

        def mdayset(self, year, month, day):  # noqa: ANN001, ANN201
            return self._days(_Base.mdayset(self, year, month, day))

        def wdayset(self, year, month, day):  # noqa: ANN001, ANN201
            return self._days(_Base.wdayset(self, year, month, day))

        def ddayset(self, year, month, day):  # noqa: ANN001, ANN201
            return self._days(_Base.ddayset(self, year, month, day))

        def _timeset(self, answer):  # noqa: ANN001, ANN202
            left = getattr(_local, "left", None)
            if left is not None:
                left -= 1 + len(answer)
                _local.left = left
                if left < 0:
                    raise TooMuchWork(_TOO_MUCH)
            return answer

        def htimeset(self, hour, minute, second):  # noqa: ANN001, ANN201
            return self._timeset(_Base.htimeset(self, hour, minute, second))

        def mtimeset(self, hour, minute, second):  # noqa: ANN001, ANN201
            return self._timeset(_Base.mtimeset(self, hour, minute, second))

        def stimeset(self, hour, minute, second):  # noqa: ANN001, ANN201
            return self._timeset(_Base.stimeset(self, hour, minute, second))

    _rrule._iterinfo = _CountedIterInfo
    COUNTING = True
else:  # pragma: no cover - a dateutil without this helper: the other bounds still hold
    COUNTING = False


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


# Expansions of events kept between reads (``ical``: one per event version, for a
# window): enough for tens of thousands of events in the window, so an idle daemon
# re-expands nothing; the least recently used ones go first, so memory stays bounded.
MAX_CACHED_EXPANSIONS = 20_000


@contextmanager
def separate_budget(steps: int) -> Iterator[list[int]]:
    """A budget of ``steps`` of its own (the open one is neither limited nor charged);
    what was spent is in the yielded list's only item when the block ends."""
    outer = getattr(_local, "left", None)
    spent = [0]
    _local.left = steps
    try:
        yield spent
    finally:
        spent[0] = steps - _local.left
        _local.left = outer


def charge(steps: int) -> bool:
    """Spend ``steps`` from the open budget (False, and nothing spent, when it has not as
    many left)."""
    left = getattr(_local, "left", None)
    if left is None:
        return True
    if steps > left:
        return False
    _local.left = left - steps
    return True


def exhaust() -> None:
    """Spend all the open budget (as the step past it would): raise ``TooMuchWork`` next."""
    if getattr(_local, "left", None) is not None:
        _local.left = -1
