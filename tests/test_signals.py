"""Signals at any moment (issue 17): SIGHUP and SIGTERM sent to the real ``run`` at random
moments — inside a pass, a millisecond after one, in the wait, during a reload — always
end in a logged reload or in exit 0, never in a hang. ``bench/signals.py`` sends thousands."""

from __future__ import annotations

import random

from conftest import ACME
from signal_world import hups, terms

SEED = random.randrange(1 << 30)


def test_every_sighup_at_a_random_moment_is_followed_by_a_logged_reload(world, tmp_path):
    world.set_calendar(ACME)
    took = hups(world, tmp_path / "daemon.log", 250, random.Random(SEED))
    assert len(took) == 250, f"seed {SEED}"


def test_sigterm_at_a_random_moment_stops_the_daemon_within_seconds(world, tmp_path):
    world.set_calendar(ACME)
    took = terms(world, tmp_path, 6, random.Random(SEED))
    assert max(took) < 10, f"seed {SEED}"
