"""The ``caldav`` reminder sink against a real Radicale: the shared contract (with and
without to-dos), and what only a CalDAV sink does (its calendar, lost answers, sign-in)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import niquests
import pytest

from contracts.reminder_contract import ReminderSinkContract, make_reminder
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.errors import NeedsUser, SignInExpired, UnknownOutcome
from interview_followup.daemon.keys import key_from_uid, reminder_uid
from interview_followup.daemon.providers import ProviderContext, provider_class
from interview_followup.integrations.caldav_account import task_uid
from interview_followup.integrations.caldav_reminders import CalDavReminders, Settings
from servers.fixtures import caldav_user, radicale_server  # noqa: F401
from servers.radicale import Radicale

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 17, 12, 0, tzinfo=timezone.utc)
PASSWORD_ENV = "TEST_CALDAV_PASSWORD"
CALENDAR = "Interview follow-ups"


def make_context(base: Path, clock: FixedClock | None = None, dry_run: bool = False) -> ProviderContext:
    return ProviderContext(timezone=BERLIN, base_dir=base, data_dir=base / "data", user_emails=(),
                           clock=clock or FixedClock(T0), dry_run=dry_run)


def open_sink(tmp_path: Path, server: Radicale, user: str, clock: FixedClock | None = None,
              dry_run: bool = False, **settings) -> CalDavReminders:
    settings.setdefault("password_env", PASSWORD_ENV)
    settings.setdefault("timeout_seconds", 10)
    return CalDavReminders.open(Settings(url=server.url, username=user, **settings),
                                make_context(tmp_path, clock, dry_run))


def components(server: Radicale, user: str, name: str = CALENDAR, kind: str = "VEVENT") -> list:
    url = server.calendars_of(user).get(name)
    if url is None:
        return []
    return [c for text in server.objects(url, user).values()
            for c in icalendar.Calendar.from_ical(text).walk(kind)]


def stored_keys(server: Radicale, user: str, name: str = CALENDAR) -> list[str]:
    return sorted(key_from_uid(str(e["UID"])) or "" for e in components(server, user, name))


@pytest.fixture(autouse=True)
def password(monkeypatch, radicale_server):
    monkeypatch.setenv(PASSWORD_ENV, radicale_server.password)


@pytest.fixture
def server(radicale_server) -> Radicale:
    return radicale_server


# --- the contract ------------------------------------------------------------------------


class TestCalDavRemindersContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, radicale_server, caldav_user):
        self.server, self.user = radicale_server, caldav_user
        return open_sink(tmp_path, radicale_server, caldav_user)

    def stored_keys(self, sink):
        return stored_keys(self.server, self.user)


class TestCalDavRemindersWithTasksContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, radicale_server, caldav_user):
        self.server, self.user = radicale_server, caldav_user
        return open_sink(tmp_path, radicale_server, caldav_user, tasks=True)

    def stored_keys(self, sink):
        todos = [str(t["UID"]) for t in components(self.server, self.user, kind="VTODO")]
        assert len(todos) == len(set(todos)), todos  # never two to-dos for one key
        return stored_keys(self.server, self.user)


class TestCalDavRemindersInAnExistingCalendarContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, radicale_server, caldav_user):
        self.server, self.user = radicale_server, caldav_user
        radicale_server.make_calendar(caldav_user, "Personal")
        return open_sink(tmp_path, radicale_server, caldav_user, calendar="Personal", create_calendar=False)

    def stored_keys(self, sink):
        return stored_keys(self.server, self.user, "Personal")


def test_the_entry_point_names_this_class():
    assert provider_class("reminders", "caldav") is CalDavReminders


# --- the event ---------------------------------------------------------------------------


def test_a_reminder_is_an_event_in_utc_with_an_alarm_that_has_a_description(tmp_path, server, caldav_user):
    open_sink(tmp_path, server, caldav_user).put(make_reminder(link="https://mail.example/d/1"))
    (event,) = components(server, caldav_user)
    assert str(event["UID"]) == reminder_uid(make_reminder().key)
    assert event.decoded("DTSTART") == datetime(2026, 11, 17, 16, 30, tzinfo=timezone.utc)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=20)
    assert event.decoded("DTSTAMP") == T0 and str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["URL"]) == "https://mail.example/d/1"
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"]) == make_reminder().title
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=10)


def test_an_unchanged_put_writes_nothing_and_a_change_raises_the_sequence(tmp_path, server, caldav_user):
    open_sink(tmp_path, server, caldav_user).put(make_reminder())
    later = open_sink(tmp_path, server, caldav_user, clock=FixedClock(T0 + timedelta(hours=5)))
    mark = server.mark()
    later.put(make_reminder())
    assert "PUT" not in [m for m, _ in server.requests_since(mark)]
    later.put(make_reminder(title="Moved"))
    (event,) = components(server, caldav_user)
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTAMP") == T0 + timedelta(hours=5)


def test_the_calendar_is_made_once_and_found_again_by_name(tmp_path, server, caldav_user):
    open_sink(tmp_path / "a", server, caldav_user).put(make_reminder("a.debrief"))
    open_sink(tmp_path / "b", server, caldav_user).put(make_reminder("b.debrief"))
    assert list(server.calendars_of(caldav_user)) == [CALENDAR]
    assert stored_keys(server, caldav_user) == ["a.debrief", "b.debrief"]


def test_find_and_remove_before_the_calendar_exists_make_nothing(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user)
    assert sink.find("a.debrief") is None
    sink.remove("a.debrief")
    (check,) = sink.check()
    assert check.ok and "made on first use" in check.detail
    assert server.calendars_of(caldav_user) == {}


def test_without_create_calendar_a_missing_calendar_needs_the_user(tmp_path, server, caldav_user):
    server.make_calendar(caldav_user, "Personal")
    sink = open_sink(tmp_path, server, caldav_user, create_calendar=False)
    with pytest.raises(NeedsUser) as err:
        sink.put(make_reminder())
    assert "'Interview follow-ups'" in str(err.value) and "'Personal'" in str(err.value)
    assert "reminders.create_calendar" in str(err.value)


def test_a_calendar_of_to_dos_only_is_refused(tmp_path, server, caldav_user):
    server.make_calendar(caldav_user, "Chores", components=("VTODO",))
    with pytest.raises(NeedsUser) as err:
        open_sink(tmp_path, server, caldav_user, calendar="Chores").put(make_reminder())
    assert "takes no events" in str(err.value)


def test_dry_run_writes_nothing(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user, dry_run=True)
    sink.put(make_reminder())
    sink.remove(make_reminder().key)
    assert server.calendars_of(caldav_user) == {}


def test_duplicates_found_on_the_server_are_collapsed(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user)
    sink.put(make_reminder())
    url = server.calendars_of(caldav_user)[CALENDAR]
    (text,) = server.objects(url, caldav_user).values()
    server.store_directly(url, "copy.ics", text.replace("SUMMARY:", "SUMMARY:Copy of "))
    assert len(components(server, caldav_user)) == 2
    sink.put(make_reminder(title="Changed"))
    assert [str(e["SUMMARY"]) for e in components(server, caldav_user)] == ["Changed"]
    sink.remove(make_reminder().key)
    assert components(server, caldav_user) == []


def test_bad_reminders_are_bugs(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user)
    for bad in (make_reminder(start=datetime(2026, 11, 17, 9, 0)), make_reminder("a,b"),
                make_reminder(duration=timedelta(minutes=-1))):
        with pytest.raises(ValueError):
            sink.put(bad)
    assert server.calendars_of(caldav_user) == {}


# --- answers that never came -------------------------------------------------------------


def lose_answers(sink: CalDavReminders, monkeypatch, method: str = "PUT", times: int = 1) -> list[str]:
    """The next ``times`` requests of ``method`` reach the server, but their answers are
    lost (as with a connection dropped after sending)."""
    kind = type(sink.account.client().session)  # every session: the sink opens a new one after a failure
    real = kind.request
    lost: list[str] = []

    def request(self, verb, url, *args, **kwargs):
        response = real(self, verb, url, *args, **kwargs)
        if verb == method and len(lost) < times:
            lost.append(url)
            raise niquests.exceptions.ReadTimeout("read timed out")
        return response

    monkeypatch.setattr(kind, "request", request)
    return lost


def test_a_lost_put_answer_never_makes_a_second_reminder(tmp_path, server, caldav_user, monkeypatch):
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    sink.find("x.warm-up")  # the calendar's session exists; nothing is made yet
    lost = lose_answers(sink, monkeypatch, times=1)
    task = make_reminder(task=True)
    sink.put(task)  # the answer was lost: the sink looked, and found it written
    assert len(lost) == 1
    sink.put(task)  # as the engine does after a crash: put again
    assert stored_keys(server, caldav_user) == [task.key]
    assert [str(t["UID"]) for t in components(server, caldav_user, kind="VTODO")] == [task_uid(task.key)]
    assert sink.find(task.key) == task


def test_a_lost_answer_to_a_change_never_makes_a_second_reminder(tmp_path, server, caldav_user, monkeypatch):
    sink = open_sink(tmp_path, server, caldav_user)
    sink.put(make_reminder())
    lose_answers(sink, monkeypatch, times=1)
    moved = make_reminder(start=datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN))
    sink.put(moved)
    assert stored_keys(server, caldav_user) == [moved.key] and sink.find(moved.key) == moved


def test_a_put_whose_answer_and_check_are_lost_is_unknown_then_settled_by_the_next_put(
        tmp_path, server, caldav_user, monkeypatch):
    sink = open_sink(tmp_path, server, caldav_user)
    sink.find("x.warm-up")
    kind = type(sink.account.client().session)
    real = kind.request
    seen: list[str] = []

    def request(self, verb, url, *args, **kwargs):  # the PUT arrives, then the line goes dead
        if seen:
            seen.append(verb)
            raise niquests.exceptions.ConnectionError("connection reset")
        response = real(self, verb, url, *args, **kwargs)
        if verb == "PUT":
            seen.append(verb)
            raise niquests.exceptions.ReadTimeout("read timed out")
        return response

    monkeypatch.setattr(kind, "request", request)
    with pytest.raises(UnknownOutcome):
        sink.put(make_reminder())
    assert seen == ["PUT", "REPORT"]  # it looked again before saying "unknown"
    monkeypatch.setattr(kind, "request", real)
    sink.put(make_reminder())
    assert stored_keys(server, caldav_user) == [make_reminder().key]


# --- to-dos ------------------------------------------------------------------------------


def test_a_task_reminder_is_also_a_to_do_due_at_its_start(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    sink.put(make_reminder(task=True, link="https://mail.example/d/1"))
    sink.put(make_reminder("b.debrief"))  # no task: no to-do
    (todo,) = components(server, caldav_user, kind="VTODO")
    assert str(todo["UID"]) == task_uid(make_reminder().key)
    assert todo.decoded("DUE") == make_reminder().start
    assert str(todo["SUMMARY"]) == make_reminder().title and str(todo["URL"]) == "https://mail.example/d/1"
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert str(todo["RELATED-TO"]) == reminder_uid(make_reminder().key)


def test_a_to_do_goes_when_its_reminder_is_no_task_or_is_removed(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    sink.put(make_reminder(task=True))
    sink.put(make_reminder(task=False))
    assert components(server, caldav_user, kind="VTODO") == []
    sink.put(make_reminder(task=True))
    sink.remove(make_reminder().key)
    assert components(server, caldav_user, kind="VTODO") == [] and stored_keys(server, caldav_user) == []


def test_a_completed_to_do_stays_completed_while_its_text_follows_the_plan(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    sink.put(make_reminder(task=True))
    url = server.calendars_of(caldav_user)[CALENDAR]
    name, text = next((n, t) for n, t in server.objects(url, caldav_user).items() if "VTODO" in t)
    server.put(url, text.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED\r\nCOMPLETED:20261117T170000Z\r\n"
                                                        "PERCENT-COMPLETE:100"), name=name)
    sink.put(make_reminder(task=True, title="Send the thank-you today"))
    (todo,) = components(server, caldav_user, kind="VTODO")
    assert str(todo["STATUS"]) == "COMPLETED" and str(todo["SUMMARY"]) == "Send the thank-you today"


def test_a_calendar_without_to_dos_keeps_the_events_and_says_so(tmp_path, server, caldav_user, caplog):
    server.make_calendar(caldav_user, CALENDAR, components=("VEVENT",))
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    with caplog.at_level(logging.WARNING):
        sink.put(make_reminder(task=True))
        sink.put(make_reminder("b.send-follow-up-reminder", task=True))
    assert stored_keys(server, caldav_user) == sorted([make_reminder().key, "b.send-follow-up-reminder"])
    assert components(server, caldav_user, kind="VTODO") == []
    assert sum("takes no to-dos" in r.getMessage() for r in caplog.records) == 1
    calendar, tasks = sink.check()
    assert calendar.ok and not tasks.ok and "reminders.tasks" in tasks.detail


def test_a_new_calendar_takes_to_dos_when_tasks_are_on(tmp_path, server, caldav_user):
    sink = open_sink(tmp_path, server, caldav_user, tasks=True)
    sink.put(make_reminder(task=True))
    assert [c.ok for c in sink.check()] == [True, True]


# --- signing in --------------------------------------------------------------------------


def test_a_wrong_password_is_a_sign_in_problem_without_the_password_in_any_message(
        tmp_path, server, caldav_user, monkeypatch, caplog):
    wrong = "not-the-password-51f0"
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    sink = open_sink(tmp_path, server, caldav_user)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SignInExpired) as err:
            sink.put(make_reminder())
        (check,) = sink.check()
    assert "401" in str(err.value) and "reminders.password_command" in str(err.value)
    assert not check.ok
    text = str(err.value) + check.detail + caplog.text
    assert wrong not in text and server.password not in text


def test_the_reminders_calendar_can_be_named_by_its_address(tmp_path, server, caldav_user):
    url = server.make_calendar(caldav_user, "Mine")
    sink = CalDavReminders.open(Settings(url=url, username=caldav_user, password_env=PASSWORD_ENV),
                                make_context(tmp_path))
    sink.put(make_reminder())
    assert stored_keys(server, caldav_user, "Mine") == [make_reminder().key]
    assert sink.find(make_reminder().key) == make_reminder()
    assert replace(make_reminder(), title="x") != sink.find(make_reminder().key)


def test_a_reminders_calendar_deleted_meanwhile_is_made_again(tmp_path, server, caldav_user):
    from interview_followup.daemon.errors import Transient

    sink = open_sink(tmp_path, server, caldav_user)
    sink.put(make_reminder("a.debrief"))
    server.delete(server.calendars_of(caldav_user)[CALENDAR], caldav_user)
    with pytest.raises(Transient):
        sink.put(make_reminder("b.debrief"))
    sink.put(make_reminder("b.debrief"))  # the next pass
    assert stored_keys(server, caldav_user) == ["b.debrief"]
