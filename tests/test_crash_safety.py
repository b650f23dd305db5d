"""Killed at any instant and restarted, the program never duplicates and never loses.

A scripted scenario (interviews found, drafts due, a debrief that rewrites the untouched
thank-you draft, a moved interview, a reply)
is run once cleanly for reference. Then it is run again with each pass killed by SIGKILL
at random moments and restarted until it finishes. After every pass no draft key and no
reminder UID appears twice; at the end the drafts and reminders are exactly those of the
clean run, and one more pass changes nothing.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from conftest import ACME, REPO, World, vevent

GLOBEX = vevent("globex-1@test", "20261118T100000", "20261118T110000", "Interview: SRE @ Globex",
                attendees=(("Petra Schulz", "petra@globex.example"),))
MOVED_GLOBEX = GLOBEX.replace("20261118T100000", "20261118T120000").replace("20261118T110000", "20261118T130000")

SCENARIO = [
    ("calendar", (ACME, GLOBEX)),
    ("pass", "2026-11-16T09:00:00+01:00"),
    ("pass", "2026-11-17T16:00:00+01:00"),
    ("calendar", (ACME, MOVED_GLOBEX)),
    ("pass", "2026-11-17T17:00:00+01:00"),
    ("debrief", "2026-11-17T18:00:00+01:00"),
    ("pass", "2026-11-18T18:30:00+01:00"),
    ("pass", "2026-11-23T09:00:00+01:00"),
    ("reply", "Mon, 23 Nov 2026 11:00:00 +0100"),
    ("pass", "2026-11-23T12:00:00+01:00"),
    ("pass", "2026-11-25T09:00:00+01:00"),
]


def command(world: World, *args: str, now: str) -> list[str]:
    return [sys.executable, "-m", "interview_followup.daemon", "--config", str(world.config), "--now", now, *args]


def run_to_end(world: World, args: list[str]) -> float:
    start = time.monotonic()
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return time.monotonic() - start


def assert_no_duplicates(world: World) -> None:
    drafts = Counter(world.draft_keys())
    assert all(n == 1 for n in drafts.values()), drafts
    uids = Counter(world.reminder_uids())
    assert all(n == 1 for n in uids.values()), uids


def open_intents(world: World) -> int:
    db = world.state_dir / "state.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM artifacts WHERE status LIKE 'intent-%'").fetchone()[0]
    except sqlite3.OperationalError:  # killed before the schema was in place
        return 0


def play(world: World, rng: random.Random | None, durations: dict[int, float], stats: Counter) -> int:
    kills = 0
    for i, (what, arg) in enumerate(SCENARIO):
        if what == "calendar":
            world.set_calendar(*arg)
            continue
        if what == "reply":
            world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date=arg)
            continue
        if what == "debrief":
            args = command(world, "debrief", "acme", "--answer-by", "2026-11-24", "--note", "went well",
                           "--asked-about", "the data migration", now=arg)
        else:
            args = command(world, "once", now=arg)
        if rng is None:
            durations[i] = run_to_end(world, args)
        else:
            for _ in range(rng.randint(2, 5)):
                proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # most of a pass is start-up: aim most kills at the part that writes (which is
                # short now that the pass writes its reminders at once: aim before its end)
                time.sleep(durations[i] * rng.choice([rng.uniform(0.0, 1.0), rng.uniform(0.6, 0.97)]))
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
                proc.wait()
                stats["open intents after a kill"] += open_intents(world) > 0
                assert_no_duplicates(world)
            if what == "debrief":
                # a debrief is one transaction: killed, it either happened or not; the user re-runs it
                pass
            run_to_end(world, args)
        assert_no_duplicates(world)
    return kills


def snapshot(world: World):
    drafts = sorted((str(d["X-Interview-Followup-Key"]), d.get_content()) for d in world.drafts())
    reminders = sorted((str(e["UID"]), str(e["SUMMARY"]), e.decoded("DTSTART")) for e in world.reminders())
    return drafts, reminders


def test_killed_at_random_moments_it_never_duplicates_or_loses_a_step(tmp_path):
    reference = World(tmp_path / "reference")
    durations: dict[int, float] = {}
    stats: Counter = Counter()
    play(reference, None, durations, stats)
    expected = snapshot(reference)
    assert expected[0] and expected[1]

    crashed = World(tmp_path / "crashed")
    kills = play(crashed, random.Random(20261125), durations, stats)
    assert kills >= 15, f"only {kills} passes were killed: the test lost its teeth"
    assert snapshot(crashed)[1] == expected[1]
    assert [k for k, _ in snapshot(crashed)[0]] == [k for k, _ in expected[0]]

    final = subprocess.run(command(crashed, "once", now=SCENARIO[-1][1]), cwd=REPO, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert "nothing to do" in final.stdout
    assert snapshot(crashed)[1] == expected[1]


def test_killed_just_before_and_just_after_every_write_it_recovers_exactly(tmp_path):
    """Like isync's tests: a kill at every point of the journal, then a restart."""
    reference = World(tmp_path / "reference")
    play(reference, None, {}, Counter())
    expected = snapshot(reference)

    crashed = World(tmp_path / "crashed")
    hook = str(REPO / "tests" / "crashpoint.py")
    recovered_intents = 0
    for what, arg in SCENARIO:
        if what == "calendar":
            crashed.set_calendar(*arg)
            continue
        if what == "reply":
            crashed.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date=arg)
            continue
        args = command(crashed, "debrief", "acme", "--answer-by", "2026-11-24", "--note", "went well",
                       "--asked-about", "the data migration", now=arg) if what == "debrief" \
            else command(crashed, "once", now=arg)
        if what == "pass":
            n = 1
            while True:
                for when in ("before", "after"):
                    killed = subprocess.run([sys.executable, hook, str(n), when, "--", *args[3:]],
                                            cwd=REPO, capture_output=True, text=True, timeout=120)
                    assert_no_duplicates(crashed)
                    recovered_intents += open_intents(crashed) > 0
                    if killed.returncode == 3:  # fewer than n writes: nothing left to kill
                        break
                    assert killed.returncode == -signal.SIGKILL, killed.stderr
                else:
                    n += 1
                    continue
                break
        run_to_end(crashed, args)
        assert_no_duplicates(crashed)
    assert recovered_intents >= 5
    assert snapshot(crashed)[1] == expected[1]
    assert [k for k, _ in snapshot(crashed)[0]] == [k for k, _ in expected[0]]


def test_a_write_whose_outcome_is_unknown_is_looked_up_before_writing_again(world, monkeypatch):
    from interview_followup.daemon.errors import UnknownOutcome
    from interview_followup.integrations.maildir_mailbox import MaildirMailbox

    real = MaildirMailbox.write_draft

    def lost_answer(self, draft):
        real(self, draft)  # the server took it, but the answer never came back
        raise UnknownOutcome("connection lost during the write")

    world.set_calendar(ACME)
    monkeypatch.setattr(MaildirMailbox, "write_draft", lost_answer)
    r = world.cli("once", now="2026-11-17T16:00:00+01:00")
    assert r.code == 75 and "will retry" in r.err
    assert len(world.reminder_uids()) == 4  # the reminders went ahead despite the mailbox
    monkeypatch.setattr(MaildirMailbox, "write_draft", real)
    world.once("2026-11-17T16:05:00+01:00")
    assert len(world.drafts()) == 1


def test_a_failed_write_is_retried_on_the_next_pass(world, monkeypatch):
    from interview_followup.daemon.errors import Transient
    from interview_followup.integrations.maildir_mailbox import MaildirMailbox

    real = MaildirMailbox.write_draft

    def refuse(self, draft):
        raise Transient("server unavailable")

    world.set_calendar(ACME)
    monkeypatch.setattr(MaildirMailbox, "write_draft", refuse)
    assert world.cli("once", now="2026-11-17T16:00:00+01:00").code == 75
    assert world.drafts() == []
    monkeypatch.setattr(MaildirMailbox, "write_draft", real)
    world.once("2026-11-17T16:05:00+01:00")
    assert len(world.drafts()) == 1


# --- the reminders file is written once per pass (issue 17) --------------------------------


def _killed(world: World, point: str, n: int, now: str) -> subprocess.CompletedProcess:
    hook = str(REPO / "tests" / "crashpoint.py")
    args = command(world, "once", now=now)
    return subprocess.run([sys.executable, hook, str(n), point, "--", *args[3:]],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def _reminder_steps(world: World) -> dict[str, str]:
    with sqlite3.connect(world.state_dir / "state.sqlite3") as conn:
        return dict(conn.execute("SELECT key, status FROM artifacts WHERE kind = 'reminder'"))


@pytest.mark.parametrize("points,n", [(("after:put", "after:remove"), 2), (("before:flush",) * 2, 1),
                                      (("after:flush",) * 2, 1)])
def test_killed_between_the_puts_the_flush_and_the_records_the_next_pass_ends_with_one_of_each(tmp_path, points, n):
    """Killed while reminders are put in memory, just before the one write of the pass, or
    after it and before the steps are recorded: the next pass ends with exactly one copy of
    each reminder (as a clean run has them) and every step recorded."""
    passes = [((ACME, GLOBEX), "2026-11-16T09:00:00+01:00"),  # reminders added
              ((ACME,), "2026-11-17T16:00:00+01:00")]  # Globex's removed
    reference, crashed = World(tmp_path / "reference"), World(tmp_path / "crashed")
    for (calendar, now), point in zip(passes, points):
        reference.set_calendar(*calendar)
        run_to_end(reference, command(reference, "once", now=now))
        crashed.set_calendar(*calendar)
        before = crashed.reminders_file.read_bytes() if crashed.reminders_file.exists() else b""
        killed = _killed(crashed, point, n, now)
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        assert_no_duplicates(crashed)
        assert open_intents(crashed) > 0  # the steps of the killed pass are not recorded as done
        after = crashed.reminders_file.read_bytes() if crashed.reminders_file.exists() else b""
        assert (after == before) == (point != "after:flush")  # only the flush writes the file
        run_to_end(crashed, command(crashed, "once", now=now))
        assert_no_duplicates(crashed)
        assert open_intents(crashed) == 0
        assert snapshot(crashed)[1] == snapshot(reference)[1]
        assert _reminder_steps(crashed) == _reminder_steps(reference)
    final = subprocess.run(command(crashed, "once", now=passes[-1][1]), cwd=REPO, capture_output=True, text=True)
    assert final.returncode == 0 and "nothing to do" in final.stdout, final.stdout + final.stderr
    assert snapshot(crashed)[1] == snapshot(reference)[1]


def test_a_failed_flush_leaves_the_reminders_to_the_next_pass_and_claims_none_of_them(world, monkeypatch):
    from interview_followup.daemon.errors import Transient
    from interview_followup.integrations.ics_reminders import IcsReminders

    real = IcsReminders.flush

    def busy(self):
        raise Transient("reminders file busy")

    def refuse(self):
        real(self)  # nothing wrong with the file...
        raise Transient("reminders file busy")  # ...but the answer says otherwise

    world.set_calendar(ACME)
    monkeypatch.setattr(IcsReminders, "flush", busy)
    r = world.cli("once", now="2026-11-17T16:00:00+01:00")
    assert r.code == 75 and "reminders file busy" in r.err + r.out
    assert "the reminder" not in r.out  # nothing said of reminders that were not written
    assert "write the thank-you draft" in r.out  # the mailbox's work is kept
    assert world.reminder_uids() == [] and open_intents(world) == 4
    monkeypatch.setattr(IcsReminders, "flush", refuse)  # written, then an error: taken as not written
    assert world.cli("once", now="2026-11-17T16:01:00+01:00").code == 75
    assert len(world.reminder_uids()) == 4 and open_intents(world) == 4
    monkeypatch.setattr(IcsReminders, "flush", real)
    r = world.once("2026-11-17T16:02:00+01:00")
    assert r.out.count("add the reminder") == 4
    assert len(world.reminder_uids()) == 4 and len(set(world.reminder_uids())) == 4 and open_intents(world) == 0
    assert "nothing to do" in world.once("2026-11-17T16:03:00+01:00").out
