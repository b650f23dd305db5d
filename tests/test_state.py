"""The state database: versioned, migrated forward, never wiped."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from interview_followup.daemon.store import state as st
from interview_followup.daemon.model import Observation


def test_a_version_1_database_is_migrated_and_keeps_its_records(tmp_path):
    db = tmp_path / st.DB_NAME
    conn = sqlite3.connect(db)
    for statement in st._statements(st.MIGRATIONS[1]):
        conn.execute(statement)
    conn.execute("INSERT INTO observations(ref, loop_id, kind, at, reason, step) VALUES "
                 "('inbox/1', 'abcd1234', 'reply', '2026-11-17T10:00:00+00:00', 'from Jane', '')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    state = st.State.open(tmp_path)
    assert state.conn.execute("PRAGMA user_version").fetchone()[0] == st.SCHEMA_VERSION
    (obs,) = state.observations()
    assert obs.reason == "from Jane" and obs.message_id == ""
    state.close()


def test_observations_are_recorded_once(tmp_path):
    state = st.State.open(tmp_path)
    o = Observation("inbox/1", "abcd1234", "reply", datetime(2026, 11, 17, tzinfo=timezone.utc), "x", "", "<m@x>")
    with state.transaction():
        assert state.add_observation(o)
        assert not state.add_observation(o)
    assert state.observations() == [o]
    state.close()


def test_migrations_run_in_order_from_an_empty_file(tmp_path):
    state = st.State.open(tmp_path)
    assert state.conn.execute("PRAGMA user_version").fetchone()[0] == len(st.MIGRATIONS)
    state.close()


def test_provider_health_keeps_when_a_failure_began_and_when_it_last_worked(tmp_path):
    from datetime import timedelta

    s = st.State.open(tmp_path)
    t0 = datetime(2026, 11, 17, 9, 0, tzinfo=timezone.utc)
    assert s.record_health("mailbox", None, t0) is None
    s.record_health("mailbox", None, t0 + timedelta(minutes=5))  # too soon to refresh: nothing written
    assert s.health()["mailbox"].last_ok == t0
    s.record_health("mailbox", ("sign-in", "token revoked"), t0 + timedelta(hours=1))
    before = s.record_health("mailbox", ("sign-in", "token revoked"), t0 + timedelta(hours=2))
    h = s.health()["mailbox"]
    assert not before.ok and not h.ok and h.problem == "sign-in"
    assert h.since == t0 + timedelta(hours=1) and h.last_ok == t0
    before = s.record_health("mailbox", None, t0 + timedelta(hours=3))
    assert not before.ok  # the caller tells "works again"
    h = s.health()["mailbox"]
    assert h.ok and h.since == h.last_ok == t0 + timedelta(hours=3)
    s.close()


def test_an_intent_waits_for_the_disk_and_what_follows_it_does_not(tmp_path):
    """The intent before an outside write is on the disk when ``record`` returns
    (``synchronous=FULL``); the status after the write and the history line are committed
    without waiting (a power cut may lose them; the intent is then settled by its key)."""
    s = st.State.open(tmp_path)
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    said: list[str] = []
    s.conn.set_trace_callback(said.append)

    def settings_when(statement: str) -> str:
        at = next(i for i, text in enumerate(said) if text.startswith(statement))
        pragmas = [t for t in said[:at] if t.startswith("PRAGMA synchronous")]
        return pragmas[-1] if pragmas else "PRAGMA synchronous=FULL"

    intent = st.Artifact("k1", "loop1", "thank-you", "draft", st.INTENT_CREATE)
    s.record(intent, now)
    assert settings_when("INSERT INTO artifacts") == "PRAGMA synchronous=FULL"
    said.clear()
    s.record(st.Artifact("k1", "loop1", "thank-you", "draft", st.CREATED, "ref"), now)
    assert settings_when("INSERT INTO artifacts") == "PRAGMA synchronous=NORMAL"
    assert said[-1] == "PRAGMA synchronous=FULL"  # back for the next intent
    said.clear()
    s.add_history("loop1", now, "draft", "wrote the thank-you draft")
    assert settings_when("INSERT INTO history") == "PRAGMA synchronous=NORMAL"
    assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert s.artifacts()["k1"].status == st.CREATED
    s.close()
