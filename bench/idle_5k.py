"""An idle pass beside its floor, for a small and a large calendar and mailbox (prints
figures; not a test).

For each calendar (the 35-event example, and a generated one of 5,000 events: 300
interviews, 150 weekly series, the rest one-off meetings over a year) and each Maildir
(1,000 and 50,000 messages), the daemon's pass (``Daemon.work``) runs once whole, then
again where nothing changed. Printed per combination, in CPU time of this process:
- the whole pass (what every idle pass cost before issue 17),
- the idle pass (median of 20),
- its floor, measured in the same run: the provider checks alone, done by hand (a
  ``stat`` of the calendar file; two ``stat`` calls per Maildir folder, as ``read_new``
  makes when nothing changed), and the ratio.

Usage: python bench/idle_5k.py [MESSAGES ...]   (default: 1000 50000)
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.config import load
from interview_followup.daemon.service.runner import Daemon

REPO = Path(__file__).resolve().parent.parent
NOW = datetime.fromisoformat("2026-11-20T18:00:00+01:00")
CONFIG = """\
[profile]
name = "Bench User"
email = "bench@example.org"
timezone = "Europe/Berlin"
[state]
dir = "state"
[calendar]
path = "calendar.ics"
[mailbox]
kind = "maildir"
path = "Mail"
[reminders]
kind = "ics"
path = "reminders.ics"
"""
IDLE_PASSES = 20


def big_calendar(events: int = 5000, interviews: int = 300, series: int = 150) -> str:
    rng = random.Random(17)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//idle//EN"]

    def stamp(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    for i in range(events):
        start = NOW - timedelta(days=180) + timedelta(days=rng.randrange(365), hours=rng.randrange(8, 18))
        start = start.replace(minute=0, second=0, microsecond=0)
        lines = ["BEGIN:VEVENT", f"UID:bench-{i}@bench.example", f"DTSTAMP:{stamp(NOW - timedelta(days=200))}",
                 f"DTSTART:{stamp(start)}", f"DTEND:{stamp(start + timedelta(hours=1))}"]
        if i < interviews:
            company = f"Company{i}"
            lines += [f"SUMMARY:Interview with {company}",
                      f"ORGANIZER;CN=Recruiter {i}:mailto:recruiter{i}@company{i}.example",
                      f"ATTENDEE;CN=Interviewer {i};PARTSTAT=ACCEPTED:mailto:person{i}@company{i}.example",
                      "ATTENDEE;CN=Bench User;PARTSTAT=ACCEPTED:mailto:bench@example.org"]
        elif i < interviews + series:
            lines += [f"SUMMARY:Weekly sync {i}", "RRULE:FREQ=WEEKLY;COUNT=60",
                      "ATTENDEE;CN=Bench User;PARTSTAT=ACCEPTED:mailto:bench@example.org"]
        else:
            lines += [f"SUMMARY:Meeting {i}", f"DESCRIPTION:Agenda item {i}"]
        out += lines + ["END:VEVENT"]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def empty_world(root: Path, calendar: str) -> None:
    """``root`` made a daemon's world: the bench configuration, ``calendar`` as its .ics
    file and an empty Maildir."""
    (root / "config.toml").write_text(CONFIG)
    (root / "calendar.ics").write_text(calendar)
    for sub in ("new", "cur", "tmp"):
        (root / "Mail" / sub).mkdir(parents=True, exist_ok=True)


def fill(maildir: Path, n: int) -> None:
    """``n`` messages of ~1 KiB in the inbox's cur/, dated over the last year (written
    directly: the ``mailbox`` module takes minutes for 50,000)."""
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    start = NOW.timestamp() - 365 * 86400
    for i in range(n):
        when = start + i * (365 * 86400 / n)
        date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when))
        body = (f"From: sender{i % 500}@list{i % 37}.example\r\nTo: bench@example.org\r\n"
                f"Subject: Message {i}\r\nDate: {date}\r\nMessage-ID: <{i}@bench.example>\r\n\r\n" + "x" * 900)
        path = maildir / "cur" / f"{int(when)}.M{i}P1.bench:2,S"
        path.write_text(body)
        os.utime(path, (when, when))


def floor_cpu(root: Path) -> float:
    """The provider checks by hand: a stat of the calendar; two stats per Maildir folder."""
    folders = [root / "Mail", root / "Mail" / ".Sent"]
    t0 = time.process_time()
    for _ in range(100):
        os.stat(root / "calendar.ics")
        for folder in folders:
            for sub in ("new", "cur"):
                try:
                    os.stat(folder / sub)
                except FileNotFoundError:
                    pass
    return (time.process_time() - t0) / 100


def measure(label: str, calendar: str, messages: int) -> tuple[float, float]:
    """Prints the figures of one combination; returns (idle pass CPU, its floor), seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config.toml").write_text(CONFIG)
        (root / "calendar.ics").write_text(calendar)
        fill(root / "Mail", messages)
        time.sleep(3.1)  # the Maildir provider lists a folder changed in the last 3 s again (RECENT_NS)
        daemon = Daemon(load(root / "config.toml"), FixedClock(NOW))
        try:
            t0 = time.process_time()
            daemon.work()
            whole_first = time.process_time() - t0
            daemon.quiet.baseline = None  # a whole pass again, with everything cached
            t0 = time.process_time()
            daemon.work()
            whole = time.process_time() - t0
            idle = []
            for _ in range(IDLE_PASSES):
                t0 = time.process_time()
                daemon.work()
                idle.append(time.process_time() - t0)
            skipped = daemon.quiet.baseline is not None
        finally:
            daemon._close()
        floor = statistics.median(floor_cpu(root) for _ in range(5))
        med = statistics.median(idle)
        print(f"{label:>12}, {messages:>6} messages: first pass {whole_first:6.2f} s, whole pass again "
              f"{whole * 1000:7.1f} ms; idle pass {med * 1000:6.2f} ms CPU "
              f"(floor {floor * 1000:.3f} ms, {med / floor:4.0f}x; {med * 1000 - floor * 1000:.2f} ms beyond it)"
              + ("" if skipped else "  [NOT LEFT OUT]"))
    return (med if skipped else float("inf")), floor


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)  # the passes' findings about the generated data
    sizes = [int(a) for a in argv] or [1000, 50000]
    small = (REPO / "examples" / "calendar.ics").read_text()
    big = big_calendar()
    for label, cal in (("35 events", small), ("5000 events", big)):
        for n in sizes:
            measure(label, cal, n)


if __name__ == "__main__":
    main(sys.argv[1:])
