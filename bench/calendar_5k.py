"""A 5,000-event calendar (300 interviews, 150 weekly series; ``bench/idle_5k.big_calendar``)
read by the daemon's parser beside the library floor, in one run (prints figures; not a test).

- first pass: ``parse_calendar`` + ``ParsedCalendar.between`` over the daemon's window
  (30 days back, 90 ahead), with a cold expansion cache;
- second pass: ``between`` again on the same parse (the idle daemon's cached parse);
- re-parse: the file parsed again unchanged (a touched file) and read: the expansions are reused;
- the daemon's whole first pass (``Daemon.work`` on a fresh state: the calendar read, the
  interviews found, planned, their drafts written to a Maildir and their reminders to an
  .ics file), the row of issue 17's table, target <= 1.5x the floor;
- floor: ``icalendar.Calendar.from_ical`` + ``recurring_ical_events.of(cal).between(window)``
  on the same bytes. Wall times, best of N runs.

Usage: python bench/calendar_5k.py [RUNS]   (default 3)
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

sys.path.insert(0, str(Path(__file__).resolve().parent))
from idle_5k import NOW, big_calendar  # noqa: E402

from interview_followup.daemon.calendar import ical  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
START, END = NOW - timedelta(days=30), NOW + timedelta(days=90)


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def whole_first_pass(data: bytes) -> tuple[float, int]:
    """The daemon's first pass on ``data`` with a fresh state and an empty Maildir, cold
    caches: (wall seconds, interviews followed)."""
    from idle_5k import empty_world

    from interview_followup.daemon.calendar import evidence
    from interview_followup.daemon.clock import FixedClock
    from interview_followup.daemon.config import load
    from interview_followup.daemon.service.runner import Daemon
    from interview_followup.daemon.store.state import State

    ical.clear_expansion_cache()
    evidence._FOUND.clear()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        empty_world(root, data.decode())
        config = load(root / "config.toml")
        daemon = Daemon(config, FixedClock(NOW))
        try:
            t = time.perf_counter()
            daemon.work()
            took = time.perf_counter() - t
        finally:
            daemon._close()
        state = State.in_memory_copy(config.state_dir)
        loops = len(state.loops())
        state.close()
    return took, loops


def main(argv: list[str]) -> tuple[float, float]:
    """Prints the figures; returns (the daemon's whole first pass, the floor), seconds."""
    runs = int(argv[0]) if argv else 3
    logging.disable(logging.WARNING)  # the passes' findings about the generated data
    data = big_calendar().encode()
    floor, first, second, again, whole = [], [], [], [], []
    for _ in range(runs):
        t, n = timed(lambda: len(recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(START, END)))
        floor.append(t)
        clear = getattr(ical, "clear_expansion_cache", None)
        if clear:
            clear()
        t, (parsed, read) = timed(lambda: (p := ical.parse_calendar(data, source="bench.ics", window=ical.parse_window(START, END)), p.between(START, END, TZ)))
        first.append(t)
        t, read2 = timed(lambda: parsed.between(START, END, TZ))
        second.append(t)
        assert read2.events == read.events
        t, read3 = timed(lambda: ical.parse_calendar(data, source="bench.ics", window=ical.parse_window(START, END)).between(START, END, TZ))
        again.append(t)
        assert read3.events == read.events
        took, loops = whole_first_pass(data)
        whole.append(took)
    f = min(floor)
    print(f"5000 events (300 interviews, 150 series): {len(read.events)} occurrences in the window (floor: {n})")
    print(f"  floor  from_ical + of(cal).between     {f*1000:8.1f} ms")
    for label, xs in (("first pass (parse + between)", first), ("second between, same parse", second),
                      ("re-parse unchanged + between", again)):
        print(f"  {label:32s}  {min(xs)*1000:8.1f} ms   {min(xs)/f:5.2f}x floor")
    ratio = min(whole) / f
    print(f"  {'daemon first pass (whole)':32s}  {min(whole)*1000:8.1f} ms   {ratio:5.2f}x floor   "
          f"target <= 1.5x  {'ok' if ratio <= 1.5 else 'MISSED'}  ({loops} loops)")
    return min(whole), f


if __name__ == "__main__":
    main(sys.argv[1:])
