"""Signals at any moment, thousands of them (issue 17, item 5; prints figures, not a test).

    .venv/bin/python bench/signals.py [SIGHUPS] [SIGTERM_RUNS] [SEED]

Runs the real ``run`` on a Maildir + .ics world (``tests/signal_world.py``), sends SIGHUP at
random moments (inside a pass, just after one, in the wait, during a reload), each to be
followed by a logged reload within 10 s, then SIGTERM at random moments to fresh daemons,
each to end in exit 0 within 10 s. Prints how long the reloads and the stops took; any hang
fails with the seed to replay it.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import ACME, World  # noqa: E402
from signal_world import hups, terms  # noqa: E402


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}")
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp) / "world")
        world.set_calendar(ACME)
        took = hups(world, Path(tmp) / "hups.log", count, rng)
        took.sort()
        print(f"SIGHUP -> reload logged: {len(took)} of {count}; median {statistics.median(took) * 1000:.1f} ms, "
              f"worst {took[-1] * 1000:.1f} ms (bound 10 s)")
        stops = terms(world, Path(tmp), runs, rng)
        stops.sort()
        print(f"SIGTERM -> exit 0: {len(stops)} of {runs}; median {statistics.median(stops) * 1000:.1f} ms, "
              f"worst {stops[-1] * 1000:.1f} ms (bound 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
