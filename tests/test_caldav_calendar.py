"""The ``caldav`` calendar source against a real Radicale: the shared contract, and what
only a CalDAV source does (incremental sync, deleted objects, expired tokens, sign-in)."""

from __future__ import annotations

import logging
import stat
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from contracts.calendar_contract import (
    CONTRACT_ICS,
    TIMED_UID,
    WEEKLY_UID,
    WINDOW,
    ZONE,
    CalendarSourceContract,
    context,
    retitled,
    split_by_uid,
)
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import NeedsUser, SignInExpired
from interview_followup.daemon.keys import reminder_uid
from interview_followup.daemon.providers import provider_class
from interview_followup.integrations.caldav_calendar import CalDavCalendar, Settings
from servers.fixtures import caldav_user, radicale_server  # noqa: F401
from servers.radicale import Radicale

PASSWORD_ENV = "TEST_CALDAV_PASSWORD"


def open_source(tmp_path: Path, server: Radicale, user: str, **settings) -> CalDavCalendar:
    settings.setdefault("password_env", PASSWORD_ENV)
    settings.setdefault("timeout_seconds", 10)
    return CalDavCalendar.open(Settings(url=server.url, username=user, **settings), context(tmp_path))


def event_ics(uid: str, start: str, summary: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture(autouse=True)
def password(monkeypatch, radicale_server):
    monkeypatch.setenv(PASSWORD_ENV, radicale_server.password)


@pytest.fixture
def server(radicale_server) -> Radicale:
    return radicale_server


@pytest.fixture
def interviews(server, caldav_user) -> str:
    """A calendar "Interviews" holding the contract calendar, one object per UID."""
    url = server.make_calendar(caldav_user, "Interviews")
    for part in split_by_uid(CONTRACT_ICS):
        server.put(url, part, name=f"{abs(hash(part))}.ics")
    return url


# --- the contract ------------------------------------------------------------------------


class TestCalDavCalendarContract(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _server(self, radicale_server, caldav_user):
        self.server, self.user = radicale_server, caldav_user

    def make_source(self, tmp_path: Path, ics: bytes) -> CalDavCalendar:
        self.url = self.server.make_calendar(self.user, "Interviews")
        self.parts = split_by_uid(ics)
        for i, part in enumerate(self.parts):
            self.server.put(self.url, part, name=f"event-{i}.ics")
        return open_source(tmp_path, self.server, self.user)

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        for i, part in enumerate(self.parts):
            if f"UID:{uid}".encode() in part:
                self.server.put(self.url, retitled(part, uid, title), name=f"event-{i}.ics")


# --- configuration -----------------------------------------------------------------------


def test_the_entry_point_names_this_class():
    assert provider_class("calendar", "caldav") is CalDavCalendar


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"url": "http://cal.example.org/", "username": "a", "password_env": "X"}, "loopback"),
        ({"url": "https://alex:secret@cal.example.org/", "username": "a", "password_env": "X"}, "password"),
        ({"url": "cal.example.org", "username": "a", "password_env": "X"}, "full address"),
        ({"url": "https://cal.example.org/", "username": "a"}, "password_command"),
        ({"url": "https://cal.example.org/", "username": "a", "password_env": "X", "timeout_seconds": 0},
         "timeout_seconds"),
        ({"url": "https://cal.example.org/", "calendars": [""]}, "calendars"),
    ],
)
def test_settings_are_checked(settings, problem):
    problems: list[str] = []
    schema.build(Settings, settings, "calendar", problems)
    assert len(problems) == 1 and problem in problems[0], problems
    assert "secret" not in problems[0]


def test_settings_need_only_a_url_for_a_server_without_sign_in():
    problems: list[str] = []
    built = schema.build(Settings, {"url": "http://localhost:5232/"}, "calendar", problems)
    assert problems == [] and built.calendars == () and built.username == ""


# --- cheap when idle ---------------------------------------------------------------------


def test_an_unchanged_calendar_costs_at_most_two_requests(tmp_path, server, caldav_user, interviews):
    server.make_calendar(caldav_user, "Private")  # a second calendar costs nothing more
    source = open_source(tmp_path, server, caldav_user)
    first = source.read(*WINDOW)
    assert first.events

    mark = server.mark()
    again = source.read(*WINDOW)
    assert server.requests_since(mark) == [("PROPFIND", f"/{caldav_user}/")]  # one, in a running process
    assert again.events == first.events

    # a new process, from the cache file: the sign-in challenge and the same one request
    restarted = open_source(tmp_path, server, caldav_user)
    mark = server.mark()
    after_restart = restarted.read(*WINDOW)
    seen = server.requests_since(mark)
    assert len(seen) <= 2 and {method for method, _ in seen} == {"PROPFIND"}, seen
    assert [(e.uid, e.recurrence_id, e.start, e.status) for e in after_restart.events] == \
        [(e.uid, e.recurrence_id, e.start, e.status) for e in first.events]


def test_a_change_is_fetched_alone(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    server.put(interviews, event_ics("new@test", "20300315T090000Z", "Interview with Initech"))
    mark = server.mark()
    read = source.read(*WINDOW)
    # the listing, the changes since the token, and the one new object
    assert [m for m, _ in server.requests_since(mark)] == ["PROPFIND", "REPORT", "REPORT"]
    assert "Interview with Initech" in {e.summary for e in read.events}


def test_the_cache_file_is_private(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    (cache,) = (tmp_path / "data").glob("caldav-calendar-*.json")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert server.password not in cache.read_text()


def test_an_unreadable_cache_file_means_a_full_read(tmp_path, server, caldav_user, interviews):
    open_source(tmp_path, server, caldav_user).read(*WINDOW)
    (cache,) = (tmp_path / "data").glob("caldav-calendar-*.json")
    cache.write_text("{not json")
    read = open_source(tmp_path, server, caldav_user).read(*WINDOW)
    assert TIMED_UID in {e.uid for e in read.events}


# --- deleted and changed objects ---------------------------------------------------------


def test_an_event_deleted_on_the_server_is_reported_cancelled(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    before = source.read(*WINDOW)
    (timed,) = [e for e in before.events if e.uid == TIMED_UID]
    assert timed.status == "confirmed"
    name = next(n for n, text in server.objects(interviews).items() if TIMED_UID in text)
    server.delete(interviews + name)

    after = source.read(*WINDOW)
    (gone,) = [e for e in after.events if e.uid == TIMED_UID]
    assert gone.status == "cancelled" and gone.start == timed.start and gone.summary == timed.summary
    # and so it stays, in a new process too
    again = open_source(tmp_path, server, caldav_user).read(*WINDOW)
    assert [e.status for e in again.events if e.uid == TIMED_UID] == ["cancelled"]


def test_a_deleted_recurring_event_cancels_every_occurrence(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    name = next(n for n, text in server.objects(interviews).items() if WEEKLY_UID in text)
    server.delete(interviews + name)
    weekly = [e for e in source.read(*WINDOW).events if e.uid == WEEKLY_UID]
    assert len(weekly) == 5 and {e.status for e in weekly} == {"cancelled"}


def test_an_event_moved_to_another_calendar_is_not_cancelled(tmp_path, server, caldav_user, interviews):
    other = server.make_calendar(caldav_user, "Work")
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    name, text = next((n, t) for n, t in server.objects(interviews).items() if TIMED_UID in t)
    server.put(other, text)
    server.delete(interviews + name)
    (moved,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert moved.status == "confirmed"


def test_a_deleted_calendar_cancels_its_events(tmp_path, server, caldav_user, interviews):
    server.make_calendar(caldav_user, "Private")  # one is left: the account was not emptied by mistake
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    server.delete(interviews)
    read = source.read(*WINDOW)
    assert read.events and {e.status for e in read.events} == {"cancelled"}


def test_an_expired_sync_token_leads_to_a_full_resync(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    name = next(n for n, text in server.objects(interviews).items() if TIMED_UID in text)
    server.delete(interviews + name)
    server.put(interviews, event_ics("new@test", "20300315T090000Z", "Interview with Initech"))
    assert server.forget_sync_tokens(interviews) >= 1

    mark = server.mark()
    read = source.read(*WINDOW)
    path = interviews[len(server.url) - 1:]
    # the kept token is refused (403, DAV:valid-sync-token); a sync from no token follows
    assert server.requests_since(mark) == [("PROPFIND", f"/{caldav_user}/"), ("REPORT", path), ("REPORT", path),
                                           ("REPORT", path)]
    assert "invalid sync token" in server.log()
    statuses = {e.uid: e.status for e in read.events}
    assert statuses["new@test"] == "confirmed"
    assert statuses[TIMED_UID] == "cancelled"  # deleted while the token was lost: still noticed
    mark = server.mark()
    source.read(*WINDOW)
    assert len(server.requests_since(mark)) == 1  # and back to one request


def test_an_edited_event_is_read_again(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    name, text = next((n, t) for n, t in server.objects(interviews).items() if TIMED_UID in t)
    server.put(interviews, text.replace("20300312T140000", "20300313T100000").replace("20300312T150000",
                                                                                   "20300313T110000"), name=name)
    (moved,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert moved.start == datetime(2030, 3, 13, 10, tzinfo=ZONE)


# --- what is read ------------------------------------------------------------------------


def test_only_the_named_calendars_are_read(tmp_path, server, caldav_user, interviews):
    private = server.make_calendar(caldav_user, "Private")
    server.put(private, event_ics("dentist@test", "20300316T090000Z", "Dentist"))
    both = {e.uid for e in open_source(tmp_path / "a", server, caldav_user).read(*WINDOW).events}
    assert "dentist@test" in both and TIMED_UID in both
    named = open_source(tmp_path / "b", server, caldav_user, calendars=("Interviews",)).read(*WINDOW)
    assert "dentist@test" not in {e.uid for e in named.events}


def test_an_unknown_calendar_name_needs_the_user_and_lists_the_calendars(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user, calendars=("Interviwes",))
    with pytest.raises(NeedsUser) as err:
        source.read(*WINDOW)
    assert "'Interviwes'" in str(err.value) and "'Interviews'" in str(err.value)
    assert "calendar.calendars" in str(err.value)
    assert not source.check()[0].ok


def test_a_calendar_of_to_dos_only_is_not_read(tmp_path, server, caldav_user, interviews):
    todos = server.make_calendar(caldav_user, "Tasks", components=("VTODO",))
    server.put(todos, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t1@test\r\n"
                      "DTSTAMP:20300101T000000Z\r\nSUMMARY:Buy milk\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    mark = server.mark()
    open_source(tmp_path, server, caldav_user).read(*WINDOW)
    assert all(todos[len(server.url) - 1:] != path for _, path in server.requests_since(mark))


def test_the_programs_own_reminders_are_not_read_as_interviews(tmp_path, server, caldav_user, interviews):
    uid = reminder_uid("3f2a9c1b.debrief")
    server.put(interviews, event_ics(uid, "20300312T150000Z", "Debrief: interview with Acme"))
    read = open_source(tmp_path, server, caldav_user).read(*WINDOW)
    assert uid not in {e.uid for e in read.events} and TIMED_UID in {e.uid for e in read.events}


def test_a_broken_object_is_a_problem_and_its_uid_is_not_taken_for_gone(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    server.put(interviews, event_ics("broken@test", "20300315T090000", "Interview with Hooli").replace(
        "DTSTART:", "DTSTART;TZID=Mars/Olympus_Mons:"))
    read = source.read(*WINDOW)
    assert any("broken@test" in p for p in read.problems)
    assert "broken@test" in read.bad_uids and TIMED_UID in {e.uid for e in read.events}


def test_a_calendar_url_works_as_well_as_the_server_address(tmp_path, server, caldav_user, interviews):
    source = CalDavCalendar.open(
        Settings(url=interviews, username=caldav_user, password_env=PASSWORD_ENV), context(tmp_path))
    assert TIMED_UID in {e.uid for e in source.read(*WINDOW).events}


# --- signing in --------------------------------------------------------------------------


def test_a_wrong_password_is_a_sign_in_problem_without_the_password_in_any_message(
        tmp_path, server, caldav_user, interviews, monkeypatch, caplog):
    wrong = "not-the-password-8c1e"
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    source = open_source(tmp_path, server, caldav_user)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SignInExpired) as err:
            source.read(*WINDOW)
        checks = source.check()
    text = str(err.value) + "".join(c.detail for c in checks) + caplog.text
    assert "401" in str(err.value) and caldav_user in str(err.value)
    assert "calendar.password_command" in str(err.value)
    assert not checks[0].ok
    assert wrong not in text and server.password not in text

    monkeypatch.setenv(PASSWORD_ENV, server.password)  # corrected: the same source recovers
    assert TIMED_UID in {e.uid for e in source.read(*WINDOW).events}


def test_a_password_command_is_used(tmp_path, server, caldav_user, interviews):
    source = open_source(tmp_path, server, caldav_user, password_env="",
                         password_command=f"printf '%s\\n' '{server.password}'")
    assert TIMED_UID in {e.uid for e in source.read(*WINDOW).events}


def test_a_server_that_is_down_is_transient(tmp_path, caldav_user):
    from interview_followup.daemon.errors import Transient
    from servers.radicale import free_port

    source = CalDavCalendar.open(
        Settings(url=f"http://127.0.0.1:{free_port()}/", username=caldav_user, password_env=PASSWORD_ENV,
                 timeout_seconds=2), context(tmp_path))
    with pytest.raises(Transient):
        source.read(*WINDOW)
    assert not source.check()[0].ok


def test_a_window_must_be_aware(tmp_path, server, caldav_user):
    with pytest.raises(ValueError):
        open_source(tmp_path, server, caldav_user).read(datetime(2030, 3, 1), datetime(2030, 3, 2))


def test_tombstones_are_forgotten_after_a_while(tmp_path, server, caldav_user, interviews):
    from interview_followup.daemon.clock import FixedClock
    from interview_followup.integrations import caldav_calendar

    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    name = next(n for n, text in server.objects(interviews).items() if TIMED_UID in text)
    server.delete(interviews + name)
    assert [e.status for e in source.read(*WINDOW).events if e.uid == TIMED_UID] == ["cancelled"]
    now = source.context.clock.now()
    source.context = replace(source.context, clock=FixedClock(now + timedelta(days=caldav_calendar.TOMBSTONE_DAYS + 1)))
    assert [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID] == []


def test_a_sync_that_fails_halfway_loses_no_change(tmp_path, server, caldav_user, interviews, monkeypatch):
    from interview_followup.daemon.errors import Transient

    source = open_source(tmp_path, server, caldav_user)
    source.read(*WINDOW)
    server.put(interviews, event_ics("new@test", "20300315T090000Z", "Interview with Initech"))
    real = CalDavCalendar._multiget

    def broken(self, url, wanted):
        raise Transient("the connection dropped")

    monkeypatch.setattr(CalDavCalendar, "_multiget", broken)
    with pytest.raises(Transient):
        source.read(*WINDOW)
    monkeypatch.setattr(CalDavCalendar, "_multiget", real)
    assert "new@test" in {e.uid for e in source.read(*WINDOW).events}


def test_an_account_without_calendars_is_never_an_empty_read(tmp_path, server, caldav_user):
    with pytest.raises(NeedsUser) as err:
        open_source(tmp_path, server, caldav_user).read(*WINDOW)
    assert "no calendar with events" in str(err.value) and "calendar.url" in str(err.value)


@pytest.mark.parametrize("newer_first", [True, False])
def test_one_uid_in_two_calendars_keeps_the_higher_sequence_and_says_so(tmp_path, server, caldav_user, interviews,
                                                                         newer_first):
    """As in .ics files: SEQUENCE decides (never which object was read first), and a
    warning names both copies."""
    uid = "dup-sequence@test"
    newer = event_ics(uid, "20300305T100000Z", "Interview – Contoso (moved)", extra="SEQUENCE:2\r\n")
    older = event_ics(uid, "20300304T100000Z", "Interview – Contoso", extra="SEQUENCE:0\r\n")
    other = server.make_calendar(caldav_user, "Work")
    first, second = (newer, older) if newer_first else (older, newer)
    server.put(interviews, first, name="a-newer.ics" if newer_first else "b-older.ics")
    server.put(other, second, name="b-older.ics" if newer_first else "a-newer.ics")
    read = open_source(tmp_path, server, caldav_user).read(*WINDOW)
    (event,) = [e for e in read.events if e.uid == uid]
    assert event.summary == "Interview – Contoso (moved)"
    (said,) = [p for p in read.problems if uid in p]
    assert "SEQUENCE 2" in said and "SEQUENCE 0" in said and "b-older.ics" in said and "a-newer.ics" in said
