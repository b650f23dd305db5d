"""A pass costs what changed: when nothing changed since the daemon's last pass (the same
calendar files, no new mail, no command, no step falling due), the daemon leaves the pass
out after the providers' checks: no expansion, no planning, no reconciling. Anything that
did change makes the next pass run whole."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

import interview_followup.daemon.service.runner as service
from conftest import ACME, vevent
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.config import load
from interview_followup.daemon.model import Command
from interview_followup.daemon.store.state import State, exclusive

AFTER_ACME = datetime.fromisoformat("2026-11-17T16:00:00+01:00")  # the thank-you draft is written
GLOBEX = vevent("globex-1@test", "20261124T100000", "20261124T110000", "Interview with Globex",
                attendees=(("Sam Lee", "sam@globex.example"),))


class Daemon:
    """The daemon's passes as its loop runs them (``Daemon.work``), on a clock the test sets,
    counting the passes that ran whole (the real ``one_pass``, spied on)."""

    def __init__(self, world, monkeypatch, at: datetime = AFTER_ACME):
        self.world = world
        self.clock = FixedClock(at)
        self.whole: list[datetime] = []
        real = service.one_pass

        def spy(config, clock, *args, **kwargs):
            self.whole.append(clock.now())
            return real(config, clock, *args, **kwargs)

        monkeypatch.setattr(service, "one_pass", spy)
        self.daemon = service.Daemon(load(world.config), self.clock)

    def pass_at(self, moment: datetime | None = None) -> bool:
        """One pass at ``moment`` (else the clock's); True when it ran whole."""
        if moment is not None:
            self.clock.set(moment)
        before = len(self.whole)
        self.daemon.work()
        return len(self.whole) > before

    def close(self) -> None:
        self.daemon._close()


@pytest.fixture
def daemon(world, monkeypatch):
    world.set_calendar(ACME)
    d = Daemon(world, monkeypatch)
    assert d.pass_at(), "the first pass of a process always runs whole"
    yield d
    d.close()


def test_a_pass_where_nothing_changed_is_left_out_after_the_checks(daemon, world, caplog):
    drafts = world.draft_keys()
    assert drafts, "the first pass wrote the thank-you draft"
    caplog.set_level(logging.DEBUG, logger="interview_followup.daemon.service.runner")
    for minutes in (1, 5, 10):
        assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=minutes))
    assert "nothing changed since the last pass" in caplog.text
    assert world.draft_keys() == drafts


def test_a_changed_event_makes_the_next_pass_run(daemon, world):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    world.set_calendar(ACME, GLOBEX)
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=2))
    loops = [iv.company for iv, _ in _loops(world)]
    assert "Globex" in " ".join(loops)
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=3)), "and then it is quiet again"


def test_new_mail_makes_the_next_pass_run_and_read_it_once(daemon, world):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Next steps",
                  date="Tue, 17 Nov 2026 16:01:00 +0100",
                  body="Unfortunately we decided to move forward with other candidates.")
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=2))
    state = State.open(world.state_dir)
    try:
        kinds = [o.kind for o in state.observations()]
    finally:
        state.close()
    assert kinds, "the reply was read"
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=3))


def test_a_step_falling_due_makes_the_next_pass_run(world, monkeypatch):
    world.set_calendar(ACME)
    d = Daemon(world, monkeypatch, at=datetime.fromisoformat("2026-11-17T15:29:00+01:00"))
    try:
        assert d.pass_at()
        assert world.drafts() == [], "the thank-you draft is due at 15:30"
        assert not d.pass_at(datetime.fromisoformat("2026-11-17T15:29:30+01:00"))
        assert d.pass_at(datetime.fromisoformat("2026-11-17T15:30:00+01:00"))
        assert len(world.drafts()) == 1
    finally:
        d.close()


def test_a_user_command_makes_the_next_pass_run(daemon, world):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    with exclusive(world.state_dir):  # as `ignore` records it
        state = State.open(world.state_dir)
        try:
            state.add_command(Command("ignore", AFTER_ACME + timedelta(minutes=1), event="acme-1@test"))
        finally:
            state.close()
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=2))
    assert world.drafts() == [], "the ignored interview's untouched draft is removed"


def test_a_configuration_reload_makes_the_next_pass_run(daemon):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    assert daemon.daemon._reload()
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=2))


def test_a_new_process_starts_with_a_whole_pass(daemon, world, monkeypatch):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    again = Daemon(world, monkeypatch, at=AFTER_ACME + timedelta(minutes=2))  # after a crash, say
    try:
        assert again.pass_at()
    finally:
        again.close()


def test_a_whole_pass_runs_at_least_every_quarter_of_an_hour_and_at_midnight(daemon):
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=14))
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=15))
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=16))
    assert daemon.pass_at(datetime.fromisoformat("2026-11-17T23:50:00+01:00"))
    assert not daemon.pass_at(datetime.fromisoformat("2026-11-17T23:59:00+01:00"))
    assert daemon.pass_at(datetime.fromisoformat("2026-11-18T00:00:00+01:00")), "a new day"


def test_after_a_pass_that_failed_every_pass_runs_until_one_works(daemon, world):
    world.calendar.unlink()
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=1))
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=2)), "the calendar still missing: tried again"
    world.set_calendar(ACME)
    assert daemon.pass_at(AFTER_ACME + timedelta(minutes=3))
    assert not daemon.pass_at(AFTER_ACME + timedelta(minutes=4))


def _loops(world):
    state = State.open(world.state_dir)
    try:
        return state.loops()
    finally:
        state.close()


def test_the_reply_rules_are_compiled_once_the_daemon_is_ready(daemon):
    """The first reply after a start is read as fast as the next ones: what reading a
    reply compiles on first use is compiled after the first pass (``Daemon._warm_up``)."""
    from interview_followup.daemon.mail import classify

    classify._compiled.cache_clear()
    daemon.daemon._warm_up()
    phrases = {rule.phrase for rule in classify.Rules.from_config(daemon.daemon.config.replies).rules}
    assert classify._compiled.cache_info().currsize >= len(phrases) > 0
    misses = classify._compiled.cache_info().misses
    for rule in classify.Rules.from_config(daemon.daemon.config.replies).rules:
        rule.pattern
    assert classify._compiled.cache_info().misses == misses
