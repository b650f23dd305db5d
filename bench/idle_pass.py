"""How much an idle pass costs as the Maildir grows (prints figures; not a test).

Fills a Maildir with N messages (1,000 and 50,000 by default), runs a first pass, then
times passes where nothing changed and counts the directory listings and file opens they
make. Usage: python bench/idle_pass.py [N ...]
"""

from __future__ import annotations

import builtins
import mailbox
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.config import load
from interview_followup.daemon.engine.reconcile import one_pass

CONFIG = """\
[profile]
name = "Bench User"
email = "bench@example.org"
timezone = "Europe/Berlin"
[state]
dir = "state"
[calendar]
path = "calendar.ics"
"""
REPO = Path(__file__).resolve().parent.parent


def fill(maildir: Path, n: int) -> None:
    md = mailbox.Maildir(maildir, create=True)
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"sender{i % 500}@list{i % 37}.example"
        msg["To"] = "bench@example.org"
        msg["Subject"] = f"Message {i}"
        msg["Date"] = "Mon, 02 Nov 2026 10:00:00 +0100"
        msg.set_content("x" * 500)
        md.add(msg)


class Counter:
    def __init__(self):
        self.calls = {"scandir": 0, "listdir": 0, "open": 0}

    def __enter__(self):
        self.saved = (os.scandir, os.listdir, builtins.open)

        def count(name, real):
            def wrapper(*a, **k):
                self.calls[name] += 1
                return real(*a, **k)
            return wrapper

        os.scandir = count("scandir", os.scandir)
        os.listdir = count("listdir", os.listdir)
        builtins.open = count("open", builtins.open)
        return self

    def __exit__(self, *exc):
        os.scandir, os.listdir, builtins.open = self.saved


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config.toml").write_text(CONFIG)
        (root / "calendar.ics").write_bytes((REPO / "examples" / "calendar.ics").read_bytes())
        start = time.perf_counter()
        fill(root / "Mail", n)
        fill_s = time.perf_counter() - start
        config = load(root / "config.toml")
        clock = FixedClock(datetime.fromisoformat("2026-11-20T18:00:00+01:00"))
        t0 = time.perf_counter()
        one_pass(config, clock)
        first = time.perf_counter() - t0
        times = []
        for _ in range(5):
            with Counter() as c:
                t0 = time.perf_counter()
                one_pass(config, clock)
                times.append(time.perf_counter() - t0)
        print(f"{n:>6} messages: fill {fill_s:6.1f} s, first pass {first * 1000:8.1f} ms, "
              f"idle pass median {statistics.median(times) * 1000:6.1f} ms "
              f"(directory listings {c.calls['scandir'] + c.calls['listdir']}, file opens {c.calls['open']})")


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [1000, 50000]:
        measure(n)
