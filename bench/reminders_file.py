"""The reminders file in a first pass over a big calendar (prints figures; not a test).

The 5,000-event calendar of ``bench/idle_5k`` (300 interviews), an empty Maildir and an
.ics reminder sink holding a few events of the user's own: one first pass (``one_pass``)
runs, and the reminder work is measured:

- writes: how many times the reminders file was replaced (``common.files.replace_file``
  as the sink calls it), and the bytes those writes carried;
- time: wall time spent in the sink's ``put``/``remove``/``flush`` (what the reminder work
  costs the pass), beside the whole pass;
- reminders in the file at the end, and that the user's own events are still there.

Issue 17: the file is read once and written once per pass (was: once per reminder).
Usage: python bench/reminders_file.py [RUNS]   (default 3; best run printed)
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from idle_5k import NOW, big_calendar, empty_world  # noqa: E402

from interview_followup.daemon.clock import FixedClock  # noqa: E402
from interview_followup.daemon.config import load  # noqa: E402
from interview_followup.daemon.engine.reconcile import one_pass  # noqa: E402
from interview_followup.integrations import ics_reminders  # noqa: E402
from interview_followup.integrations.ics_reminders import IcsReminders  # noqa: E402

OWN_EVENTS = 50  # the user's own events in the reminders file, kept byte for byte


def own_file() -> str:
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//someone else//EN"]
    for i in range(OWN_EVENTS):
        out += ["BEGIN:VEVENT", f"UID:own-{i}@elsewhere.example", "DTSTAMP:20260101T000000Z",
                f"DTSTART:202612{1 + i % 28:02d}T090000Z", f"SUMMARY:My own event {i}", "END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def one_run(calendar: str) -> dict[str, float]:
    counts: Counter = Counter()
    real_replace = ics_reminders.replace_file
    wrapped = {name: getattr(IcsReminders, name) for name in ("put", "remove", "flush") if hasattr(IcsReminders, name)}

    def replace(target, data, mode):
        counts["writes"] += 1
        counts["bytes"] += len(data)
        return real_replace(target, data, mode)

    def timed(name, real):
        def call(self, *args, **kwargs):
            t = time.perf_counter()
            try:
                return real(self, *args, **kwargs)
            finally:
                counts["sink seconds"] += time.perf_counter() - t
                counts[name] += 1
        return call

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        empty_world(root, calendar)
        own = own_file()
        (root / "reminders.ics").write_text(own, newline="")
        ics_reminders.replace_file = replace
        for name, real in wrapped.items():
            setattr(IcsReminders, name, timed(name, real))
        try:
            t = time.perf_counter()
            report = one_pass(load(root / "config.toml"), FixedClock(NOW))
            counts["pass seconds"] = time.perf_counter() - t
        finally:
            ics_reminders.replace_file = real_replace
            for name, real in wrapped.items():
                setattr(IcsReminders, name, real)
        data = (root / "reminders.ics").read_bytes()
        counts["reminders"] = data.count(b"UID:") - OWN_EVENTS
        kept = all(block.encode() in data for block in own.split("BEGIN:VEVENT")[1:-1])
        counts["own kept"] = kept
        counts["errors"] = len(report.errors)
    return counts


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)
    runs = int(argv[0]) if argv else 3
    calendar = big_calendar()
    best = min((one_run(calendar) for _ in range(runs)), key=lambda c: c["sink seconds"])
    calls = ", ".join(f"{n} {best[n]}" for n in ("put", "remove", "flush") if best[n])
    print(f"first pass, 5000-event calendar (300 interviews), reminders file with {OWN_EVENTS} own events:")
    print(f"  reminders written   {best['reminders']:6d}   (sink calls: {calls}; errors: {best['errors']};"
          f" own events kept: {bool(best['own kept'])})")
    print(f"  file writes         {best['writes']:6d}   ({best['bytes'] / 1e6:.1f} MB written)")
    print(f"  reminder work       {best['sink seconds'] * 1000:8.1f} ms   (whole pass {best['pass seconds']:.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
