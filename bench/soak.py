"""The long soak (prints figures; not a test): the real daemon against a real Dovecot and
the Google emulator while the servers are restarted, killed, their connections dropped
and their answers made to fail, round after round, with an employer's reply after each
fault (tests/soak_world.py has the details; tests/test_soak.py is the short CI version).

By default the data stays the same size: the calendar holds a fixed number of interviews
(once a reply closed a loop, that interview is deleted as the next one is added), so that
resident memory and open descriptors can show a leak rather than the growth of real data.
After a warm-up, RSS and the fd count are sampled after every round and summarised: first,
last, min and max, and the slope per hour of a least-squares line.

Usage: python bench/soak.py [MINUTES] [--warmup MINUTES] [--growing]
  MINUTES     rounds start until then, the last one finishes (default 5)
  --warmup    samples before this are left out of the summary (default 2)
  --growing   the older workload: the calendar gains an interview every round
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from soak_world import Soak  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("minutes", nargs="?", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=2.0, help="minutes left out of the summary")
    ap.add_argument("--growing", action="store_true", help="the calendar gains an interview every round")
    ap.add_argument("--loops", type=int, default=3, help="interviews open at any time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        soak = Soak(Path(tmp) / "soak", loops=args.loops, steady=not args.growing)
        try:
            figures = soak.run(rounds=100_000, per_round_seconds=120, minutes=args.minutes)
        except Exception as exc:  # print what was measured up to then
            figures = soak.figures
            figures.problems.append(f"the soak itself failed: {exc!r}")
        finally:
            soak.close()
    print(f"workload: {'growing (an interview more each round)' if args.growing else f'steady ({args.loops} interviews in the calendar)'}")
    print(figures.summary())
    print(figures.trend_text(args.warmup * 60))
    print("RSS MiB / open fds, about every tenth of the run:")
    began = figures.samples[0].at if figures.samples else time.monotonic()
    step = max(1, len(figures.samples) // 10)
    for s in figures.samples[::step] + figures.samples[-1:]:
        print(f"  {s.at - began:6.0f} s  {s.rss_kb / 1024:6.1f}  {s.fds}")
    return 1 if figures.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
