"""Time travel never destroys (issue 14, item 6).

- ``--now`` later than the real clock is a preview: it writes nothing (no state change, no
  draft, no reminder) unless ``--commit`` is given, and says it is a preview.
- ``--now`` in the past replays it (README's "Try it" does, on a fresh state).
- The state never goes backwards: a pass at a moment before the last one it records writes
  nothing and says why (exit 0).
- The dates given to ``debrief`` are checked: not before the interview, not more than a
  year after it (exit 2, with the reason).

These tests use moments relative to the real clock where the rule depends on it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import ACME, World, vevent
from interview_followup.daemon.cli import main as cli_main
from interview_followup.daemon.keys import KEY_HEADER

BERLIN = ZoneInfo("Europe/Berlin")


def snapshot(world: World) -> tuple:
    """Everything a pass may write: the state's rows, the drafts, the reminders file."""
    db = world.state_dir / "state.sqlite3"
    rows = []
    if db.exists():
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
                rows.append((table, sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))))
        finally:
            conn.close()
    drafts = sorted(hashlib.sha256(m.as_bytes()).hexdigest() for m in world.drafts())
    reminders = world.reminders_file.read_bytes() if world.reminders_file.exists() else b""
    return rows, drafts, reminders


def steps(world: World, now: str) -> dict[str, dict]:
    (loop,) = json.loads(world.cli("status", "--json", now=now).out)["loops"]
    return {s["name"]: s for s in loop["steps"]}


def real_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(BERLIN).isoformat(timespec="minutes")


def an_interview_days_ago(days: int) -> str:
    """The Acme interview ``days`` days before today (real days), 10:00-11:00 in Berlin."""
    day = (real_now().astimezone(BERLIN) - timedelta(days=days)).date()
    return vevent("acme-rt@test", f"{day:%Y%m%d}T100000", f"{day:%Y%m%d}T110000",
                  "Acme – Backend Engineer interview",
                  attendees=(("Jane Doe", "jane.doe@acme.example"),))


def test_a_later_now_is_a_preview_that_writes_nothing_and_a_real_pass_after_it_destroys_nothing(world):
    # the reproduction: an interview two days ago; a real pass; a preview ten days ahead
    # (the follow-up then due); a real pass again: nothing may be removed, and the
    # follow-up must still be written when its day comes
    world.set_calendar(an_interview_days_ago(2))
    first = world.cli("once")  # the real clock
    assert first.code == 0, first.out + first.err
    before = snapshot(world)
    ahead = iso(real_now() + timedelta(days=10))
    preview = world.cli("once", now=ahead, commit=False)
    assert preview.code == 0, preview.out + preview.err
    assert preview.out.startswith("Preview of "), preview.out
    assert "nothing is written" in preview.out and "--commit" in preview.out
    assert "would write the followup draft" in preview.out  # what that moment calls for, shown
    assert snapshot(world) == before  # no state change, no draft, no reminder

    again = world.cli("once")
    assert again.code == 0 and "remove" not in again.out, again.out
    followup = steps(world, iso(real_now()))["followup"]
    assert followup["state"] == "scheduled" and followup["written"] is None

    later = world.cli("once", now=ahead)  # committed: the follow-up's day, for real
    assert "write the followup draft" in later.out, later.out
    assert any(str(m[KEY_HEADER]).endswith(".followup") for m in world.drafts())
    assert steps(world, ahead)["followup"]["written"] == "created"


def test_commit_makes_a_later_moment_real(world):
    world.set_calendar(an_interview_days_ago(2))
    ahead = iso(real_now() + timedelta(days=10))
    r = world.cli("once", now=ahead, commit=True)
    assert r.code == 0 and r.out.startswith("Pass at "), r.out
    assert "write the followup draft" in r.out
    assert any(str(m[KEY_HEADER]).endswith(".followup") for m in world.drafts())


def test_a_debrief_at_a_later_moment_is_a_preview_too(world):
    world.set_calendar(an_interview_days_ago(2))
    world.cli("once")
    before = snapshot(world)
    ahead = iso(real_now() + timedelta(days=3))
    day = (real_now().astimezone(BERLIN) + timedelta(days=5)).date().isoformat()
    r = world.cli("debrief", "acme", "--answer-by", day, now=ahead, commit=False)
    assert r.code == 0, r.out + r.err
    assert r.out.startswith("Preview of ") and "would be recorded" in r.out
    assert "Follow-up:" in r.out  # what the debrief would change, shown
    assert snapshot(world) == before


def test_run_at_a_later_moment_is_a_dry_run_unless_committed(world, monkeypatch, capsys):
    from interview_followup.daemon.service import runner

    calls = []
    monkeypatch.setattr(runner, "run_forever", lambda config, clock, dry_run=False, stop=None: calls.append(dry_run) or 0)
    ahead = iso(real_now() + timedelta(days=3))
    assert cli_main.main(["--config", str(world.config), "--now", ahead, "run"]) == 0
    assert "Preview of " in capsys.readouterr().err
    assert cli_main.main(["--config", str(world.config), "--now", ahead, "--commit", "run"]) == 0
    assert cli_main.main(["--config", str(world.config), "--now", "2026-11-17T16:00:00+01:00", "run"]) == 0
    assert calls == [True, False, False]


def test_commit_without_now_is_refused(world):
    r = world.cli("--commit", "once")
    assert r.code == 2 and "--commit goes with --now" in r.err


def test_a_past_now_on_a_fresh_state_is_a_replay_that_writes(world):
    world.set_calendar(ACME)
    r = world.cli("once", now="2026-11-17T16:00:00+01:00", commit=False)  # past: no --commit needed
    assert r.code == 0 and r.out.startswith("Pass at "), r.out
    assert "write the thank-you draft" in r.out and len(world.drafts()) == 1


def test_the_readme_try_it_command_works_as_written(tmp_path, monkeypatch):
    """README's "Try it": the example configuration, `--now 2026-11-20T18:00:00+01:00 once`
    (a moment in the past: a replay on a fresh state), then a later moment."""
    import shutil

    repo = Path(__file__).resolve().parent.parent
    shutil.copy(repo / "config.example.toml", tmp_path / "config.example.toml")
    shutil.copytree(repo / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    argv = ["--config", "config.example.toml", "--now", "2026-11-20T18:00:00+01:00", "once"]
    assert cli_main.main(argv) == 0
    assert list((tmp_path / "Mail" / ".Drafts").glob("*/*")), "no thank-you draft was written"
    assert (tmp_path / "reminders.ics").exists()
    assert cli_main.main(["--config", "config.example.toml", "--now", "2026-11-25T09:00:00+01:00", "once"]) == 0


def test_a_pass_before_the_last_recorded_one_writes_nothing_and_says_why(world):
    # the follow-up is written on its day (Mon 23 Nov); a pass back on the 18th would take
    # it for "not yet due" and remove it: it is refused, and everything stays
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    r = world.once("2026-11-23T09:30:00+01:00")
    assert "write the followup draft" in r.out
    before = snapshot(world)
    back = world.cli("once", now="2026-11-18T10:00:00+01:00")
    assert back.code == 0, back.out + back.err
    assert "did nothing" in back.out and "before the last pass recorded in the state" in back.out
    assert "Mon 2026-11-23 09:30" in back.out  # the moment it would go back from
    assert "remove" not in back.out
    assert snapshot(world) == before
    # a dry run at that moment says the same, and the state goes on from its last pass
    dry = world.cli("once", "--dry-run", now="2026-11-18T10:00:00+01:00")
    assert dry.code == 0 and "would do nothing" in dry.out
    onward = world.cli("once", now="2026-11-23T09:30:00+01:00")
    assert onward.code == 0 and "did nothing" not in onward.out
    assert steps(world, "2026-11-23T09:30:00+01:00")["followup"]["written"] == "created"


def test_the_same_moment_twice_is_no_going_back(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    r = world.once("2026-11-17T16:00:00+01:00")
    assert "did nothing" not in r.out and "nothing to do" in r.out


def test_the_daemon_refuses_a_pass_before_the_last_one_and_waits_for_it(world):
    from interview_followup.daemon.clock import FixedClock
    from interview_followup.daemon.config import load
    from interview_followup.daemon.engine.reconcile import one_pass

    world.set_calendar(ACME)
    world.once("2026-11-23T09:30:00+01:00")
    report = one_pass(load(world.config), FixedClock(datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)))
    assert report.refused and report.warnings == [report.refused] and not report.actions
    assert report.next_due == datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)  # when passes may go on


@pytest.mark.parametrize("day, words", [
    ("2026-11-10", "--answer-by 2026-11-10 is before the interview (Tue 2026-11-17)"),
    ("2027-11-18", "--answer-by 2027-11-18 is more than a year after the interview (Tue 2026-11-17): check the year"),
    ("2062-11-20", "more than a year after the interview"),
])
def test_a_debrief_answer_date_before_the_interview_or_years_away_is_refused(world, day, words):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    before = snapshot(world)
    r = world.cli("debrief", "acme", "--answer-by", day, now="2026-11-17T16:10:00+01:00")
    assert r.code == 2, r.out + r.err
    assert words in r.err
    assert snapshot(world) == before  # nothing recorded


def test_a_debrief_answer_date_on_the_interview_day_or_within_the_year_is_taken(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    assert world.cli("debrief", "acme", "--answer-by", "2026-11-17", now="2026-11-17T16:10:00+01:00").code == 0
    r = world.cli("debrief", "acme", "--answer-by", "2027-11-17", now="2026-11-17T16:10:00+01:00")
    assert r.code == 0 and "Debrief recorded" in r.out, r.err
