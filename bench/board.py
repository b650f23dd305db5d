"""How long writing the board takes for a search of 200 applications, and whether the idle
daemon's memory grows when it keeps the board (issue 18: under 100 ms; no growth).

    .venv/bin/python bench/board.py [--applications 200] [--passes 30]

Builds a state of that many applications in a temporary folder (each with its history and
a few replies, written through the state's own API), then times: reading the state with
every timeline, rendering the page, writing it (0600, atomic); and runs idle daemon passes
(each rendering and comparing the page, writing nothing new) to compare the resident memory
before and after. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--applications", type=int, default=200)
    ap.add_argument("--passes", type=int, default=30)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="board-bench-"))
    os.environ["XDG_DATA_HOME"] = str(root / "data")
    os.environ["XDG_STATE_HOME"] = str(root / "xdg-state")

    from conftest import World, vevent
    from interview_followup.daemon.board import snapshot
    from interview_followup.daemon.board.write import Refresher, board_path, html, write
    from interview_followup.daemon.clock import FixedClock
    from interview_followup.daemon.config import load
    from interview_followup.daemon.service.runner import Daemon

    world = World(root / "world")
    start = datetime(2027, 1, 1, 9, 0)  # within the calendar's 30 days back and 90 ahead of "now"
    events = []
    for i in range(args.applications):  # spread over 100 days, at several hours of the day
        day = start + timedelta(days=i * 100 // args.applications, hours=i % 8)
        when = day.strftime("%Y%m%dT%H%M%S")
        end = (day + timedelta(hours=1)).strftime("%Y%m%dT%H%M%S")
        events.append(vevent(f"app-{i}@bench", when, end, f"Company{i} – Engineer {i} interview",
                             attendees=((f"Person {i}", f"person{i}@company{i}.example"),)))
    world.set_calendar(*events)
    now = "2027-01-20T12:00:00+01:00"
    t0 = time.perf_counter()
    world.once(now)
    print(f"first pass over {args.applications} applications: {time.perf_counter() - t0:.1f} s (setup)")

    config = load(world.config)
    clock = FixedClock(datetime.fromisoformat(now))
    target = board_path(config)
    from interview_followup.daemon.engine.reconcile import plans_from_state
    from interview_followup.daemon.store.state import State

    def timed(plans_given: bool):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            state = State.in_memory_copy(config.state_dir)
            copied = time.perf_counter() - t0
            try:
                p0 = time.perf_counter()
                plans = plans_from_state(state, config, clock.now()) if plans_given else None
                t1 = time.perf_counter()
                t0 = p0 - copied  # the copy counts with reading the state
                snap = snapshot.read(state, config, clock.now(), timelines=True, plans=plans)
            finally:
                state.close()
            t2 = time.perf_counter()
            text = html(snap, config, snapshot.drafts_place(config, clock), target)
            t3 = time.perf_counter()
            write(text, target)
            t4 = time.perf_counter()
            runs.append((t1 - p0, t2 - t1 + copied, t3 - t2, t4 - t3, len(snap.plans), len(text)))
        return min(runs, key=lambda r: sum(r[:4]))

    plan, read, render, put, loops, size = timed(True)
    assert loops == args.applications, f"{loops} loops found"
    print(f"board for {args.applications} applications after a pass (the daemon: plans in hand): "
          f"{(read + render + put) * 1000:.0f} ms (state and timelines {read * 1000:.0f} ms, render "
          f"{render * 1000:.0f} ms, write {put * 1000:.0f} ms; {size // 1024} KiB; target < 100 ms)")
    print(f"`board` from scratch: {(plan + read + render + put) * 1000:.0f} ms (planning the {loops} loops "
          f"{plan * 1000:.0f} ms more)")

    daemon = Daemon(config, clock)
    try:
        daemon.board = Refresher()
        for _ in range(10):  # the first pass writes the board; warm-up: the rest are idle
            daemon.board_seen = ""
            daemon.work()
        before = rss_kib()
        for _ in range(args.passes):
            daemon.board_seen = ""  # make each idle pass render and compare the page
            daemon.work()
        after = rss_kib()
    finally:
        daemon._close()
    print(f"idle daemon, {args.passes} passes each rendering the board: RSS {before} KiB before, {after} KiB after "
          f"({after - before:+d} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
