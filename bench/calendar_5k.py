"""A 5,000-event calendar (300 interviews, 150 weekly series; ``bench/idle_5k.big_calendar``)
read by the daemon's parser beside the library floor, in one run (prints figures; not a test).

- first pass: ``parse_calendar`` + ``ParsedCalendar.between`` over the daemon's window
  (30 days back, 90 ahead), with a cold expansion cache;
- second pass: ``between`` again on the same parse (the idle daemon's cached parse);
- re-parse: the file parsed again unchanged (a touched file) and read: the expansions are reused;
- floor: ``icalendar.Calendar.from_ical`` + ``recurring_ical_events.of(cal).between(window)``
  on the same bytes. Wall times, best of N runs.

Usage: python bench/calendar_5k.py [RUNS]   (default 3)
"""

from __future__ import annotations

import sys
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


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 3
    data = big_calendar().encode()
    floor, first, second, again = [], [], [], []
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
    f = min(floor)
    print(f"5000 events (300 interviews, 150 series): {len(read.events)} occurrences in the window (floor: {n})")
    print(f"  floor  from_ical + of(cal).between     {f*1000:8.1f} ms")
    for label, xs in (("first pass (parse + between)", first), ("second between, same parse", second),
                      ("re-parse unchanged + between", again)):
        print(f"  {label:32s}  {min(xs)*1000:8.1f} ms   {min(xs)/f:5.2f}x floor")


if __name__ == "__main__":
    main(sys.argv[1:])
