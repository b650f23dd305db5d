"""The long soak (prints figures; not a test): the real daemon against a real Dovecot and
the Google emulator while the servers are restarted, killed, their connections dropped
and their answers made to fail, round after round, with an employer's reply after each
fault (tests/soak_world.py has the details; tests/test_soak.py is the short CI version).

By default the data stays the same size: the calendar holds a fixed number of interviews
(once a reply closed a loop, that interview is deleted as the next one is added), so that
resident memory and open descriptors can show a leak rather than the growth of real data.
After a warm-up, RSS and the fd count are sampled after every round and summarised: first,
last, min and max, and the slope per hour of a least-squares line.

Usage: python bench/soak.py [MINUTES] [--warmup MINUTES] [--growing] [--tracemalloc DIR]
  MINUTES     rounds start until then, the last one finishes (default 5)
  --warmup    samples before this are left out of the summary (default 2)
  --growing   the older workload: the calendar gains an interview every round
  --tracemalloc DIR  run the daemon with tracemalloc and print where the Python heap grew
              between the end of the warm-up and the last round (snapshots kept in DIR)
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


def heap_growth(folder: Path, figures, warmup_seconds: float) -> None:
    """The traced Python heap at every sample, and where it grew from the warm-up's end on."""
    import tracemalloc

    snaps = sorted(folder.glob("*.snap"))
    if len(snaps) < 2 or not figures.samples:
        print("heap: too few snapshots")
        return
    start = figures.samples[0].at + warmup_seconds
    first = next((i for i, s in enumerate(figures.samples) if s.at >= start), 0)
    first = min(first, len(snaps) - 1)
    print("Python heap (traced) MiB against RSS MiB, about every tenth of the run:")
    step = max(1, len(snaps) // 10)
    for i in list(range(0, len(snaps), step)) + [len(snaps) - 1]:
        heap = sum(t.size for t in tracemalloc.Snapshot.load(str(snaps[i])).traces) / 2**20
        rss = figures.samples[i].rss_kb / 1024 if i < len(figures.samples) else float("nan")
        print(f"  sample {i:4d}  heap {heap:6.2f}  RSS {rss:6.1f}")
    a, b = tracemalloc.Snapshot.load(str(snaps[first])), tracemalloc.Snapshot.load(str(snaps[-1]))
    print(f"where the heap grew between sample {first} and {len(snaps) - 1} (top 12 by size):")
    for stat in b.compare_to(a, "traceback")[:12]:
        print(f"  {stat.size_diff / 1024:+8.1f} KiB  {stat.count_diff:+6d} blocks")
        for line in stat.traceback.format(limit=6, most_recent_first=True):
            print("      " + line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("minutes", nargs="?", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=2.0, help="minutes left out of the summary")
    ap.add_argument("--growing", action="store_true", help="the calendar gains an interview every round")
    ap.add_argument("--loops", type=int, default=3, help="interviews open at any time")
    ap.add_argument("--tracemalloc", type=Path, metavar="DIR", help="trace the daemon's Python heap")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        soak = Soak(Path(tmp) / "soak", loops=args.loops, steady=not args.growing, trace_dir=args.tracemalloc)
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
    if args.tracemalloc:
        heap_growth(args.tracemalloc, figures, args.warmup * 60)
    return 1 if figures.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
