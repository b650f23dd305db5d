"""The soak, short enough for CI (about 40 s): the real daemon survives each kind of fault
in turn (server restarted, killed, connections dropped, API errors, a revoked sign-in, a
lost answer), closes every loop, writes nothing twice, and its memory and open files stay
flat. ``bench/soak.py`` runs the long one and prints its figures."""

from __future__ import annotations

from servers.fixtures import require_dovecot
from soak_world import FAULTS, Soak


def test_the_daemon_survives_every_kind_of_fault_and_stays_flat(tmp_path):
    require_dovecot()
    soak = Soak(tmp_path / "soak", loops=3)
    rounds = len(FAULTS)
    try:
        figures = soak.run(rounds=rounds, per_round_seconds=60)
    finally:
        soak.close()
    print(figures.summary())
    assert figures.problems == [], figures.summary()
    assert figures.rounds == rounds and len(figures.close_seconds) == rounds
    flat, text = figures.flat(rss_kb_margin=6 * 1024, fd_margin=1)
    assert flat, text
    assert len(figures.appended) >= rounds  # the drafts were really written (and each once)
