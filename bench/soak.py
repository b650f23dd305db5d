"""The long soak (prints figures; not a test): the real daemon against a real Dovecot and
the Google emulator while the servers are restarted, killed, their connections dropped
and their answers made to fail, round after round, with an employer's reply after each
fault (tests/soak_world.py has the details; tests/test_soak.py is the short CI version).

Usage: python bench/soak.py [MINUTES]   (default 5: rounds start until then, the last one finishes)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from soak_world import Soak  # noqa: E402


def main() -> int:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        soak = Soak(Path(tmp) / "soak", loops=3)
        began = time.monotonic()
        try:
            figures = soak.run(rounds=100_000, per_round_seconds=120, minutes=minutes)
        finally:
            soak.close()
    print(figures.summary())
    print("RSS MiB / open fds every tenth of the run:")
    step = max(1, len(figures.samples) // 10)
    for s in figures.samples[::step]:
        print(f"  {s.at - began:6.0f} s  {s.rss_kb / 1024:6.1f}  {s.fds}")
    return 1 if figures.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
