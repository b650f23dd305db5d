"""Google Calendar as calendar source and reminder sink, with the real client library
against the local emulator (tests/google_emulator)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts.calendar_contract import (
    CONTRACT_ICS,
    TIMED_UID,
    USER,
    WINDOW,
    ZONE,
    CalendarSourceContract,
    context,
)
from contracts.reminder_contract import ReminderSinkContract, make_reminder
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.calendar.ical import parse_calendar
from interview_followup.daemon.model import CalendarEvent
from interview_followup.daemon.providers import provider_class
from google_emulator.calendar_api import PRIMARY_ID
from google_emulator.fixtures import *  # noqa: F403 - the fixtures
from google_emulator.fixtures import make_context, write_token
from interview_followup.integrations.google_api import token_path
from interview_followup.integrations.google_calendar import KEY_PROPERTY, GoogleCalendar, GoogleReminders, _event_id

GOOGLE_STATUS = {"accepted": "accepted", "declined": "declined", "tentative": "tentative", "needs-action": "needsAction"}


# --- importing test data as Google holds it ---------------------------------------------


def _id(text: str) -> str:
    return "e" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _google_time(moment: datetime, all_day: bool) -> dict:
    if all_day:
        return {"date": moment.date().isoformat()}
    return {"dateTime": moment.isoformat(), "timeZone": getattr(moment.tzinfo, "key", "UTC")}


def google_body(e: CalendarEvent) -> dict:
    """One occurrence as Google's expanded view (singleEvents) shows it."""
    body: dict = {
        "iCalUID": e.uid,
        "summary": e.summary,
        "status": e.status,
        "start": _google_time(e.start, e.all_day),
        "end": _google_time(e.end, e.all_day),
    }
    if e.description:
        body["description"] = e.description
    if e.attendees:
        body["attendees"] = [
            {"email": a.email, "displayName": a.name, "responseStatus": GOOGLE_STATUS.get(a.partstat, "needsAction"),
             **({"self": True} if a.email.lower() == USER else {})}
            for a in e.attendees
        ]
    if e.organizer:
        body["organizer"] = {"email": e.organizer.email, "displayName": e.organizer.name}
    if e.recurrence_id:
        body["recurringEventId"] = _id(e.uid)
        body["originalStartTime"] = _google_time(e.start, e.all_day)
        body["id"] = f"{_id(e.uid)}_{e.start.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"  # as Google names instances
    else:
        body["id"] = _id(e.uid)
    return body


def import_ics(emulator, ics: bytes, calendar_id: str = "primary") -> None:
    read = parse_calendar(ics, source="test").between(
        datetime(2029, 1, 1, tzinfo=ZONE), datetime(2032, 1, 1, tzinfo=ZONE), ZONE
    )
    assert not read.problems
    for event in read.events:
        emulator.calendar.add_event(calendar_id, google_body(event))


def open_source(tmp_path: Path, emulator, **settings) -> GoogleCalendar:
    ctx = context(tmp_path)
    write_token(token_path(ctx.data_dir), emulator)
    settings.setdefault("api_endpoint", emulator.url)
    return GoogleCalendar.open(GoogleCalendar.Settings(**settings), ctx)


def open_sink(tmp_path: Path, emulator, dry_run: bool = False, **settings) -> GoogleReminders:
    ctx = make_context(tmp_path, dry_run=dry_run)
    path = token_path(ctx.data_dir)
    if not path.exists():
        write_token(path, emulator)
    settings.setdefault("api_endpoint", emulator.url)
    return GoogleReminders.open(GoogleReminders.Settings(**settings), ctx)


def our_keys(emulator, calendar_id: str = "primary") -> list[str]:
    return sorted(
        e["extendedProperties"]["private"][KEY_PROPERTY]
        for e in emulator.calendar.events(calendar_id)
        if KEY_PROPERTY in e.get("extendedProperties", {}).get("private", {})
    )


# --- the contracts -------------------------------------------------------------------------


class TestGoogleCalendarContract(CalendarSourceContract):
    @pytest.fixture(autouse=True)
    def _emulator(self, google_emulator):
        self.emulator = google_emulator

    def make_source(self, tmp_path: Path, ics: bytes) -> GoogleCalendar:
        import_ics(self.emulator, ics)
        return open_source(tmp_path, self.emulator)

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        for event in self.emulator.calendar.events("primary"):
            if event.get("iCalUID") == uid:
                self.emulator.calendar.update_event("primary", event["id"], {"summary": title})


class TestGoogleRemindersContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, google_emulator):
        self.emulator = google_emulator
        return open_sink(tmp_path, google_emulator)

    def stored_keys(self, sink):
        return our_keys(self.emulator)


class TestGoogleRemindersOwnCalendarContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, google_emulator):
        self.emulator = google_emulator
        return open_sink(tmp_path, google_emulator, create_calendar="Interview follow-ups")

    def stored_keys(self, sink):
        calendars = [c for c in self.emulator.calendar.calendars.values() if c.summary == "Interview follow-ups"]
        assert len(calendars) <= 1
        return our_keys(self.emulator, calendars[0].id) if calendars else []


# --- configuration -------------------------------------------------------------------------


def test_the_entry_points_name_these_classes():
    assert provider_class("calendar", "google") is GoogleCalendar
    assert provider_class("reminders", "google") is GoogleReminders


def test_settings_have_defaults_and_are_checked():
    problems: list[str] = []
    s = schema.build(GoogleCalendar.Settings, {}, "calendar", problems)
    assert problems == [] and (s.calendar_id, s.token_file, s.api_endpoint, s.timeout_seconds) == ("primary", None, "", 30)
    r = schema.build(GoogleReminders.Settings, {"create_calendar": "Interview follow-ups", "popup_minutes": 5,
                                                "token_file": "tok.json"}, "reminders", problems)
    assert problems == [] and r.token_file == Path("tok.json") and r.popup_minutes == 5
    schema.build(GoogleReminders.Settings, {"popup_minutes": -1}, "reminders", problems)
    assert problems and "popup_minutes" in problems[0]


def test_open_does_not_touch_the_network(tmp_path):
    ctx = make_context(tmp_path)
    GoogleCalendar.open(GoogleCalendar.Settings(api_endpoint="http://127.0.0.1:9/"), ctx)
    GoogleReminders.open(GoogleReminders.Settings(api_endpoint="http://127.0.0.1:9/", create_calendar="X"), ctx)


# --- the source ----------------------------------------------------------------------------


def test_an_unchanged_calendar_costs_one_request(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    first = source.read(*WINDOW)
    before = google_emulator.count(path_contains="/events")
    again = source.read(*WINDOW)
    assert google_emulator.count(path_contains="/events") == before + 1
    assert again.events == first.events


def test_paging_is_followed_and_the_sync_token_comes_from_the_last_page(tmp_path, google_emulator, monkeypatch):
    import interview_followup.integrations.google_calendar as module

    monkeypatch.setattr(module, "PAGE_SIZE", 2)
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    read = source.read(*WINDOW)
    assert len(read.events) == 7  # timed, all-day, five weekly occurrences
    assert google_emulator.count("GET", "/events") >= 4
    google_emulator.calendar.add_event("primary", {
        "summary": "Interview with Hooli", "start": {"dateTime": "2030-03-25T09:00:00+01:00"},
        "end": {"dateTime": "2030-03-25T10:00:00+01:00"}})
    assert "Interview with Hooli" in {e.summary for e in source.read(*WINDOW).events}


def test_a_change_and_a_new_event_show_up_incrementally(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    source.read(*WINDOW)
    (timed,) = [e for e in google_emulator.calendar.events() if e["iCalUID"] == TIMED_UID]
    google_emulator.calendar.update_event("primary", timed["id"], {
        "start": {"dateTime": "2030-03-13T09:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2030-03-13T10:00:00+01:00", "timeZone": "Europe/Berlin"}})
    read = source.read(*WINDOW)
    (event,) = [e for e in read.events if e.uid == TIMED_UID]
    assert event.start == datetime(2030, 3, 13, 9, tzinfo=ZONE)
    assert event.summary == "Interview with Acme"


def test_no_request_with_a_sync_token_carries_a_time_range(tmp_path, google_emulator, monkeypatch):
    seen = []
    real = google_emulator.dispatch

    def spy(method, raw_path, body, content_type):
        seen.append(raw_path)
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(google_emulator, "dispatch", spy)
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    source.read(*WINDOW)
    source.read(*WINDOW)
    incremental = [p for p in seen if "syncToken=" in p]
    assert incremental and not any("timeMin" in p or "timeMax" in p for p in incremental)


def test_an_expired_sync_token_means_a_full_sync_and_the_events_are_still_there(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    first = source.read(*WINDOW)
    google_emulator.calendar.expire_sync_tokens()
    again = source.read(*WINDOW)
    assert sorted((e.uid, e.recurrence_id, e.status) for e in again.events) == sorted(
        (e.uid, e.recurrence_id, e.status) for e in first.events)
    assert again.events and again.complete
    source.read(*WINDOW)  # and the new token works


def test_a_deleted_event_comes_back_cancelled_with_what_was_known(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    source.read(*WINDOW)
    (timed,) = [e for e in google_emulator.calendar.events() if e["iCalUID"] == TIMED_UID]
    google_emulator.calendar.delete_event("primary", timed["id"])
    (event,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert event.status == "cancelled"
    assert event.summary == "Interview with Acme" and event.start == datetime(2030, 3, 12, 14, tzinfo=ZONE)
    # and it stays cancelled, also after a restart (the cache file) and after a full sync
    (event,) = [e for e in open_source(tmp_path, google_emulator).read(*WINDOW).events if e.uid == TIMED_UID]
    assert event.status == "cancelled"
    google_emulator.calendar.expire_sync_tokens()
    (event,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert event.status == "cancelled"


def test_a_restart_reads_incrementally_from_the_cache_file(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    first = open_source(tmp_path, google_emulator).read(*WINDOW)
    before = google_emulator.count(path_contains="/events")
    again = open_source(tmp_path, google_emulator).read(*WINDOW)
    assert google_emulator.count(path_contains="/events") == before + 1
    assert again.events == first.events
    cache = next((tmp_path / "data").glob("google-calendar-*.json"))
    assert cache.stat().st_mode & 0o777 == 0o600


def test_a_window_beyond_the_synced_range_syncs_in_full(tmp_path, google_emulator):
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    source.read(*WINDOW)
    later = source.read(WINDOW[0], datetime(2030, 7, 1, tzinfo=ZONE))
    assert "contract-later@interview-followup.test" in {e.uid for e in later.events}


def test_a_declined_event_keeps_the_users_answer_and_detection_ignores_it(tmp_path, google_emulator):
    google_emulator.calendar.add_event("primary", {
        "summary": "Interview with Acme", "start": {"dateTime": "2030-03-12T14:00:00+01:00"},
        "end": {"dateTime": "2030-03-12T15:00:00+01:00"},
        "attendees": [
            {"email": "jane@acme.example", "displayName": "Jane", "responseStatus": "accepted"},
            {"email": USER, "self": True, "responseStatus": "declined"},
        ]})
    (event,) = open_source(tmp_path, google_emulator).read(*WINDOW).events
    assert {(a.email, a.partstat) for a in event.attendees} == {
        ("jane@acme.example", "accepted"), (USER, "declined")}
    from interview_followup.daemon.config import Companies, Detection, Profile
    from interview_followup.daemon.calendar.detection import Detector

    detector = Detector(Profile(name="Alex", email=USER), Detection(), Companies(), ZONE)
    assert detector.declined(event)
    assert detector.detect([event]) == []


def test_the_accounts_own_entry_is_the_user_even_under_another_address(tmp_path, google_emulator):
    from interview_followup.daemon.config import Companies, Detection, Profile
    from interview_followup.daemon.calendar.detection import Detector

    google_emulator.calendar.add_event("primary", {
        "summary": "Interview with Acme", "start": {"dateTime": "2030-03-12T14:00:00+01:00"},
        "end": {"dateTime": "2030-03-12T15:00:00+01:00"},
        "organizer": {"email": "alex.private@gmail.example", "self": True},
        "attendees": [
            {"email": "jane@acme.example", "responseStatus": "accepted"},
            {"email": "alex.private@gmail.example", "self": True, "responseStatus": "declined"},
        ]})
    (event,) = open_source(tmp_path, google_emulator).read(*WINDOW).events
    assert {(a.email, a.partstat) for a in event.attendees} == {
        ("jane@acme.example", "accepted"), (USER, "declined")}
    assert event.organizer.email == USER
    assert Detector(Profile(name="Alex", email=USER), Detection(), Companies(), ZONE).detect([event]) == []


def test_all_day_events_and_our_own_reminders(tmp_path, google_emulator):
    google_emulator.calendar.add_event("primary", {
        "summary": "Assessment", "start": {"date": "2030-03-30"}, "end": {"date": "2030-04-01"}})
    google_emulator.calendar.add_event("primary", {
        "summary": "Send the thank-you", "start": {"dateTime": "2030-03-12T16:00:00Z"},
        "end": {"dateTime": "2030-03-12T16:15:00Z"},
        "extendedProperties": {"private": {KEY_PROPERTY: "abcdefab.thank-you-reminder"}}})
    (event,) = open_source(tmp_path, google_emulator).read(*WINDOW).events
    assert event.all_day and event.summary == "Assessment"
    assert event.start == datetime(2030, 3, 30, tzinfo=ZONE)  # across the DST change
    assert event.end == datetime(2030, 4, 1, tzinfo=ZONE)


def test_a_bad_event_is_a_problem_not_a_crash(tmp_path, google_emulator):
    google_emulator.calendar.add_event("primary", {
        "summary": "Odd", "start": {"dateTime": "2030-03-12T14:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2030-03-12T15:00:00", "timeZone": "Europe/Berlin"}})
    google_emulator.calendar.add_event("primary", {
        "summary": "Broken", "start": {"dateTime": "2030-03-12T14:00:00Z", "timeZone": "Mars/Olympus"},
        "end": {"dateTime": "2030-03-12T15:00:00Z"}})
    read = open_source(tmp_path, google_emulator).read(*WINDOW)
    assert [e.summary for e in read.events] == ["Odd"]
    assert read.events[0].start == datetime(2030, 3, 12, 14, tzinfo=ZONE)
    assert len(read.problems) == 1 and "Broken" in read.problems[0]


@pytest.mark.parametrize("status,reason", [(429, ""), (503, ""), (403, "rateLimitExceeded"), (403, "")])
def test_busy_answers_on_a_read_are_retried(tmp_path, google_emulator, monkeypatch, status, reason):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    import_ics(google_emulator, CONTRACT_ICS)
    google_emulator.fail(status, "/events", times=2, reason=reason)
    read = open_source(tmp_path, google_emulator).read(*WINDOW)
    assert len(read.events) == 7


def test_a_calendar_that_stays_busy_is_transient(tmp_path, google_emulator, monkeypatch):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    google_emulator.fail(503, "/events", times=50)
    with pytest.raises(Transient):
        open_source(tmp_path, google_emulator).read(*WINDOW)


def test_an_unknown_calendar_needs_the_user(tmp_path, google_emulator):
    with pytest.raises(NeedsUser) as caught:
        open_source(tmp_path, google_emulator, calendar_id="nobody@example.org").read(*WINDOW)
    assert "calendar_id" in str(caught.value)


def test_a_revoked_token_needs_init_and_is_not_retried(tmp_path, google_emulator):
    google_emulator.invalid_grant = True
    source = open_source(tmp_path, google_emulator)
    for _ in range(3):
        with pytest.raises(NeedsUser) as caught:
            source.read(*WINDOW)
        assert "init" in str(caught.value)
    assert google_emulator.token_refreshes == 3  # one refusal per read: never retried
    checks = source.check()
    assert checks and not all(c.ok for c in checks)
    assert google_emulator.count(path_contains="/events") == 0


def test_check_without_a_token_says_init_and_does_not_raise(tmp_path, google_emulator):
    source = GoogleCalendar.open(GoogleCalendar.Settings(api_endpoint=google_emulator.url), make_context(tmp_path))
    checks = source.check()
    assert [c.ok for c in checks] == [False, False] and "init" in checks[0].detail
    sink = GoogleReminders.open(GoogleReminders.Settings(api_endpoint=google_emulator.url), make_context(tmp_path))
    assert not sink.check()[0].ok


def test_check_passes_on_a_working_account(tmp_path, google_emulator):
    assert all(c.ok for c in open_source(tmp_path, google_emulator).check())
    assert all(c.ok for c in open_sink(tmp_path, google_emulator).check())
    assert all(c.ok for c in open_sink(tmp_path, google_emulator, create_calendar="Follow-ups").check())


# --- the reminders -------------------------------------------------------------------------


def test_a_reminder_event_is_what_google_needs(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, popup_minutes=7)
    sink.put(make_reminder())
    (event,) = google_emulator.calendar.events()
    assert event["start"]["dateTime"] == "2026-11-17T16:30:00Z"
    assert event["end"]["dateTime"] == "2026-11-17T16:50:00Z"
    assert event["reminders"] == {"useDefault": False, "overrides": [{"method": "popup", "minutes": 7}]}
    assert event["transparency"] == "transparent"
    assert event["extendedProperties"]["private"][KEY_PROPERTY] == make_reminder().key
    assert sink.find(make_reminder().key) == make_reminder()  # the reminder's own alarm is kept


def test_an_unchanged_put_writes_nothing(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    writes = google_emulator.count("POST") + google_emulator.count("PUT") + google_emulator.count("PATCH")
    sink.put(make_reminder())
    assert google_emulator.count("POST") + google_emulator.count("PUT") + google_emulator.count("PATCH") == writes


def test_a_held_answer_to_the_look_up_is_retried_and_makes_one_event(tmp_path, google_emulator, monkeypatch):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1)
    sink.find("warm.up")  # the token is refreshed before the fault is armed
    google_emulator.hold_seconds = 2
    google_emulator.timeout_after_write("/events", times=1)  # the look-up before the insert is held
    sink.put(make_reminder())
    sink.put(make_reminder())
    assert our_keys(google_emulator) == [make_reminder().key]
    assert sink.find(make_reminder().key) == make_reminder()


def test_a_lost_insert_answer_is_settled_by_looking_again(tmp_path, google_emulator, monkeypatch):
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1)
    sink.find("warm.up")  # the token is refreshed before the fault is armed
    real = google_emulator.dispatch

    def hold_inserts(method, raw_path, body, content_type):
        if method == "POST" and raw_path.split("?")[0].endswith("/events"):
            google_emulator.timeout_after_write("/events", times=1)
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(google_emulator, "dispatch", hold_inserts)
    google_emulator.hold_seconds = 2
    sink.put(make_reminder())  # the answer is lost, but the look-up after it finds the event
    monkeypatch.setattr(google_emulator, "dispatch", real)
    sink.put(make_reminder())
    assert our_keys(google_emulator) == [make_reminder().key]
    assert google_emulator.count("POST", "/events") == 1


def test_a_second_insert_of_the_same_key_updates_instead(tmp_path, google_emulator):
    """Even when the look-up misses it (an index that lags), the id derived from the key
    makes the second insert a 409, settled by an update: still one event."""
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    sink._tagged = lambda calendar_id, key: []  # the look-up sees nothing
    sink.put(make_reminder(title="Moved"))
    (event,) = google_emulator.calendar.events()
    assert event["summary"] == "Moved"


def test_a_removed_reminder_can_be_put_again(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    sink.remove(make_reminder().key)
    sink.put(make_reminder(title="Back"))
    assert sink.find(make_reminder().key) == make_reminder(title="Back")
    assert our_keys(google_emulator) == [make_reminder().key]


def test_duplicates_found_in_the_calendar_are_collapsed(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    (event,) = google_emulator.calendar.events()
    copy = {k: v for k, v in event.items() if k not in ("id", "iCalUID", "etag")}
    google_emulator.calendar.add_event("primary", copy)
    assert len(our_keys(google_emulator)) == 2
    sink.put(make_reminder(title="Changed"))
    assert our_keys(google_emulator) == [make_reminder().key]
    assert sink.find(make_reminder().key).title == "Changed"
    sink.remove(make_reminder().key)
    assert our_keys(google_emulator) == []


def test_dry_run_writes_nothing(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, dry_run=True, create_calendar="Follow-ups")
    sink.put(make_reminder())
    sink.remove(make_reminder().key)
    assert sink.find(make_reminder().key) is None
    methods = {m for m, _ in google_emulator.requests if not _.endswith("/token")}
    assert methods <= {"GET"}
    assert len(google_emulator.calendar.calendars) == 1


def test_the_own_calendar_is_created_once_and_remembered(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, create_calendar="Interview follow-ups")
    assert sink.find("a.b") is None
    assert len(google_emulator.calendar.calendars) == 1  # a look-up creates nothing
    sink.put(make_reminder())
    (created,) = [c for c in google_emulator.calendar.calendars.values() if not c.primary]
    assert created.summary == "Interview follow-ups" and created.time_zone == "Europe/Berlin"
    assert our_keys(google_emulator, created.id) == [make_reminder().key]
    remembered = json.loads((tmp_path / "data" / "google-reminders-calendar.json").read_text())
    assert remembered["id"] == created.id
    # a fresh process uses the remembered id; with the file lost, it finds the calendar by name
    lists = google_emulator.count("GET", "/calendarList")
    open_sink(tmp_path, google_emulator, create_calendar="Interview follow-ups").put(make_reminder("x.debrief"))
    assert google_emulator.count("GET", "/calendarList") == lists
    (tmp_path / "data" / "google-reminders-calendar.json").unlink()
    open_sink(tmp_path, google_emulator, create_calendar="Interview follow-ups").put(make_reminder("y.debrief"))
    assert len(google_emulator.calendar.calendars) == 2
    assert our_keys(google_emulator, created.id) == sorted([make_reminder().key, "x.debrief", "y.debrief"])
    assert our_keys(google_emulator, PRIMARY_ID) == []


def test_a_write_refused_as_busy_is_transient(tmp_path, google_emulator, monkeypatch):
    sink = open_sink(tmp_path, google_emulator)
    sink.find("warm.up")
    real = google_emulator.dispatch

    def busy_inserts(method, raw_path, body, content_type):
        if method == "POST" and "/events" in raw_path:
            google_emulator.fail(503, "/events", times=1)
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(google_emulator, "dispatch", busy_inserts)
    with pytest.raises(Transient):
        sink.put(make_reminder())
    assert google_emulator.count("POST", "/events") == 1  # not retried
    monkeypatch.setattr(google_emulator, "dispatch", real)
    sink.put(make_reminder())
    assert our_keys(google_emulator) == [make_reminder().key]


def test_bad_reminders_are_bugs(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    with pytest.raises(ValueError):
        sink.put(make_reminder(start=datetime(2026, 11, 17, 9, 0)))
    with pytest.raises(ValueError):
        sink.put(make_reminder(duration=timedelta(minutes=-1)))
    assert google_emulator.calendar.events() == []


# --- never sends -----------------------------------------------------------------------------


def test_nothing_ever_goes_to_a_send_path(tmp_path, google_emulator, monkeypatch):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    import_ics(google_emulator, CONTRACT_ICS)
    source = open_source(tmp_path, google_emulator)
    source.read(*WINDOW)
    source.check()
    sink = open_sink(tmp_path, google_emulator, create_calendar="Follow-ups")
    sink.put(make_reminder())
    sink.put(make_reminder(title="again"))
    sink.find(make_reminder().key)
    sink.remove(make_reminder().key)
    sink.check()
    assert google_emulator.requests
    assert not [p for _, p in google_emulator.requests if "/send" in p]
    assert google_emulator.calendar.notified == []  # no guest is ever emailed
    # and no event carries attendees, so Google has no one to invite
    assert all(not e.get("attendees") for c in google_emulator.calendar.calendars
               for e in google_emulator.calendar.events(c, deleted=True)
               if KEY_PROPERTY in e.get("extendedProperties", {}).get("private", {}))


# --- the emulator keeps Google's rules (checked with the real client) ------------------------


def _client(tmp_path, emulator):
    from interview_followup.integrations.google_api import GoogleApi

    path = write_token(tmp_path / "token.json", emulator)
    api = GoogleApi(path, emulator.url, timeout_seconds=5)
    # the statuses these tests look at are let through as the library raises them
    return lambda make, write=False: api.call("calendar", "v3", make, write=write, what="test",
                                              expect=(400, 404, 409, 410))


def _status(run) -> int:
    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as caught:
        run()
    return caught.value.resp.status


def test_emulator_sync_tokens_paging_and_refusals(tmp_path, google_emulator):
    call = _client(tmp_path, google_emulator)
    for day in range(1, 6):
        google_emulator.calendar.add_event("primary", {
            "summary": f"E{day}", "start": {"date": f"2030-03-0{day}"}, "end": {"date": f"2030-03-0{day + 1}"}})
    first = call(lambda s: s.events().list(calendarId="primary", maxResults=2))
    assert len(first["items"]) == 2 and "nextPageToken" in first and "nextSyncToken" not in first
    pages, token = [first], first["nextPageToken"]
    while token:
        pages.append(call(lambda s, t=token: s.events().list(calendarId="primary", maxResults=2, pageToken=t)))
        token = pages[-1].get("nextPageToken")
    assert sum(len(p["items"]) for p in pages) == 5 and "nextSyncToken" in pages[-1]
    sync = pages[-1]["nextSyncToken"]
    assert call(lambda s: s.events().list(calendarId="primary", syncToken=sync))["items"] == []
    assert _status(lambda: call(lambda s: s.events().list(
        calendarId="primary", syncToken=sync, timeMin="2030-03-01T00:00:00Z"))) == 400
    assert _status(lambda: call(lambda s: s.events().list(
        calendarId="primary", syncToken=sync, privateExtendedProperty="a=b"))) == 400
    victim = first["items"][0]["id"]
    call(lambda s: s.events().delete(calendarId="primary", eventId=victim), write=True)
    changed = call(lambda s: s.events().list(calendarId="primary", syncToken=sync))["items"]
    assert [(i["id"], i["status"]) for i in changed] == [(victim, "cancelled")] and "summary" not in changed[0]
    assert _status(lambda: call(lambda s: s.events().delete(calendarId="primary", eventId=victim), write=True)) == 410
    google_emulator.calendar.expire_sync_tokens()
    assert _status(lambda: call(lambda s: s.events().list(calendarId="primary", syncToken=sync))) == 410
    window = call(lambda s: s.events().list(calendarId="primary", timeMin="2030-03-02T23:00:00Z",
                                            timeMax="2030-03-04T00:00:00+01:00"))
    assert [i["summary"] for i in window["items"]] == ["E3"]  # all-day days in the calendar's zone


def test_emulator_checks_what_an_insert_needs_and_records_guest_mail(tmp_path, google_emulator):
    call = _client(tmp_path, google_emulator)
    assert _status(lambda: call(lambda s: s.events().insert(
        calendarId="primary", body={"summary": "no end", "start": {"date": "2030-03-01"}}), write=True)) == 400
    body = {"id": "abcdef0123", "summary": "x", "start": {"dateTime": "2030-03-01T10:00:00Z"},
            "end": {"dateTime": "2030-03-01T11:00:00Z"}, "attendees": [{"email": "guest@example.org"}]}
    made = call(lambda s: s.events().insert(calendarId="primary", body=body, sendUpdates="all"), write=True)
    assert made["attendees"][0]["responseStatus"] == "needsAction"
    assert google_emulator.calendar.notified == [("POST", "/calendar/v3/calendars/primary/events")]
    assert _status(lambda: call(lambda s: s.events().insert(calendarId="primary", body=body), write=True)) == 409
    assert _status(lambda: call(lambda s: s.events().get(calendarId="nobody", eventId="abcdef0123"))) == 404
    cal = call(lambda s: s.calendars().insert(body={"summary": "Mine"}), write=True)
    listed = call(lambda s: s.calendarList().list())["items"]
    assert {c["summary"] for c in listed} == {PRIMARY_ID, "Mine"}
    assert call(lambda s: s.calendars().get(calendarId=cal["id"]))["summary"] == "Mine"


def test_a_lost_answer_to_creating_the_own_calendar_never_makes_a_second_calendar(tmp_path, google_emulator,
                                                                                  monkeypatch):
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1, create_calendar="Interview follow-ups")
    sink.find("warm.up")  # the token is refreshed before the fault is armed
    real = google_emulator.dispatch

    def hold_calendar_inserts(method, raw_path, body, content_type):
        if method == "POST" and raw_path.split("?")[0].endswith("/calendars"):
            google_emulator.timeout_after_write("/calendars", times=1)
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(google_emulator, "dispatch", hold_calendar_inserts)
    google_emulator.hold_seconds = 2
    sink.put(make_reminder())  # the calendar was made, its answer lost: the look-up by name finds it
    monkeypatch.setattr(google_emulator, "dispatch", real)
    sink.put(make_reminder("x.debrief"))
    assert len([c for c in google_emulator.calendar.calendars.values() if not c.primary]) == 1
    assert [p for m, p in google_emulator.requests if m == "POST" and p.split("?")[0].endswith("/calendars")] != []
    assert len([p for m, p in google_emulator.requests if m == "POST" and p.split("?")[0].endswith("/calendars")]) == 1


# --- a server that does not behave like Google (issue 13) ----------------------------------


@pytest.fixture
def odd_emulator(request):
    """An emulator departing from Google in the quirks the test is parametrised with."""
    from google_emulator import calendar_api as calendar_module, tasks_api as tasks_module
    from google_emulator.fixtures import running_emulator

    yield from running_emulator(calendar_module.install, tasks_module.install, quirks=frozenset(request.param))


def _user_events(emulator) -> dict[str, dict]:
    """The user's own events, as a dentist appointment and an interview the user added."""
    return {e["id"]: e for e in emulator.calendar.events("primary", deleted=True) if e["id"].startswith("user")}


def _add_user_events(emulator) -> None:
    emulator.calendar.add_event("primary", {
        "id": "userdentist1", "summary": "Dentist", "start": {"dateTime": "2026-11-17T16:30:00Z"},
        "end": {"dateTime": "2026-11-17T16:50:00Z"}})
    emulator.calendar.add_event("primary", {
        "id": "userinterview1", "summary": "Interview with Acme", "start": {"dateTime": "2026-11-18T09:00:00Z"},
        "end": {"dateTime": "2026-11-18T10:00:00Z"},
        # even a private property of another program's is not ours
        "extendedProperties": {"private": {"other_app_key": make_reminder().key}}})


@pytest.mark.parametrize("odd_emulator", [{"ignore_private_filter"}], indirect=True)
def test_a_server_that_ignores_the_filter_never_gets_the_users_events_changed(tmp_path, odd_emulator):
    _add_user_events(odd_emulator)
    before = _user_events(odd_emulator)
    sink = open_sink(tmp_path, odd_emulator)
    assert sink.find(make_reminder().key) is None  # every event answered; none is ours
    sink.put(make_reminder())
    sink.put(make_reminder(title="Moved"))
    assert sink.find(make_reminder().key) == make_reminder(title="Moved")
    sink.put(make_reminder("other.debrief"))
    sink.remove(make_reminder().key)
    sink.remove("absent.debrief")
    assert our_keys(odd_emulator) == ["other.debrief"]
    assert _user_events(odd_emulator) == before
    assert not [p for m, p in odd_emulator.writes if "user" in p]


@pytest.mark.parametrize("odd_emulator", [{"ignore_private_filter", "drop_extended_properties", "ignore_event_ids"}],
                         indirect=True)
def test_a_server_that_drops_the_key_gets_one_write_then_none_and_a_clear_problem(tmp_path, odd_emulator):
    _add_user_events(odd_emulator)
    before = _user_events(odd_emulator)
    sink = open_sink(tmp_path, odd_emulator)
    with pytest.raises(NeedsUser) as caught:
        sink.put(make_reminder())
    said = str(caught.value)
    assert "no more reminders are written to the calendar 'primary'" in said
    assert "private key" in said and "the id it was given" in said and "duplicated" in said
    assert "google-reminders-unkept.json" in said  # how to try again
    assert odd_emulator.count("POST", "/events") == 1
    # the event just written, which nothing could find again, is gone; the user's are untouched
    assert [e["id"] for e in odd_emulator.calendar.events("primary")] == list(before)
    assert _user_events(odd_emulator) == before
    (deleted,) = [p for m, p in odd_emulator.writes if m == "DELETE"]
    assert "user" not in deleted

    for again in (sink, open_sink(tmp_path, odd_emulator)):  # this process, and the next
        with pytest.raises(NeedsUser):
            again.put(make_reminder("x.debrief"))
        again.remove(make_reminder().key)  # finds nothing of ours: deletes nothing
    assert len(odd_emulator.writes) == 2
    token, calendar = open_sink(tmp_path, odd_emulator).check()
    assert token.ok and not calendar.ok and "no more reminders" in calendar.detail

    # another calendar is tried afresh; deleting the file tries this one again
    other = odd_emulator.calendar.add_calendar("Elsewhere")
    with pytest.raises(NeedsUser):
        open_sink(tmp_path, odd_emulator, calendar_id=other).put(make_reminder())
    assert odd_emulator.count("POST", "/events") == 2
    (tmp_path / "data" / "google-reminders-unkept.json").unlink()
    with pytest.raises(NeedsUser):
        open_sink(tmp_path, odd_emulator).put(make_reminder())
    assert odd_emulator.count("POST", "/events") == 3
    assert _user_events(odd_emulator) == before


@pytest.mark.parametrize("odd_emulator", [{"ignore_event_ids"}], indirect=True)
def test_a_server_that_ignores_ids_is_found_out_too(tmp_path, odd_emulator):
    sink = open_sink(tmp_path, odd_emulator)
    with pytest.raises(NeedsUser) as caught:
        sink.put(make_reminder())
    assert "the id it was given" in str(caught.value) and "private key" not in str(caught.value)
    assert odd_emulator.calendar.events("primary") == []


def test_the_first_write_is_read_back_once(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    sink.put(make_reminder("x.debrief"))
    event_gets = [p for m, p in google_emulator.requests if m == "GET" and "/events/" in p]
    assert event_gets == [f"/calendar/v3/calendars/primary/events/{_event_id(make_reminder().key)}"]
    assert not (tmp_path / "data" / "google-reminders-unkept.json").exists()


def test_a_reminder_carries_a_footer_that_is_left_out_when_read(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())
    (event,) = google_emulator.calendar.events()
    assert event["description"].endswith("\n\n(interview-followup reminder 3f2a9c1b.thank-you-reminder)")
    assert sink.find(make_reminder().key) == make_reminder()
    sink.put(make_reminder(description=""))
    (event,) = google_emulator.calendar.events()
    assert event["description"] == "(interview-followup reminder 3f2a9c1b.thank-you-reminder)"
    assert sink.find(make_reminder().key).description == ""
    # a reminder written before the footer existed gets it with its next put
    google_emulator.calendar.update_event("primary", event["id"], {"description": "Old text"})
    sink.put(make_reminder(description="Old text"))
    (event,) = google_emulator.calendar.events()
    assert event["description"] == "Old text\n\n(interview-followup reminder 3f2a9c1b.thank-you-reminder)"


def test_our_reminders_are_never_read_as_interviews_even_without_their_key(tmp_path, google_emulator):
    interview = {"start": {"dateTime": "2030-03-12T14:00:00Z"}, "end": {"dateTime": "2030-03-12T15:00:00Z"},
                 "attendees": [{"email": "jane@acme.example"}, {"email": USER, "self": True}]}
    google_emulator.calendar.add_event("primary", {  # a server dropped the key and the id: the footer tells
        **interview, "summary": "Debrief: your interview with Acme",
        "description": "How did it go?\n\n(interview-followup reminder 3f2a9c1b.debrief)"})
    google_emulator.calendar.add_event("primary", {  # the key dropped, the id kept
        **interview, "id": _event_id("3f2a9c1b.thank-you-reminder"), "summary": "Send the interview thank-you"})
    google_emulator.calendar.add_event("primary", {  # the user's own
        **interview, "summary": "Interview with Acme", "description": "Bring the (interview-followup reminder) notes"})
    events = open_source(tmp_path, google_emulator).read(*WINDOW).events
    assert [e.summary for e in events] == ["Interview with Acme"]


@pytest.mark.parametrize("odd_emulator", [{"plain_not_found"}], indirect=True)
def test_an_unexpected_answer_is_sorted_and_names_the_request(tmp_path, odd_emulator):
    odd_emulator.fail(400, "/calendar/v3/calendars/primary/events")
    with pytest.raises(NeedsUser) as caught:
        open_source(tmp_path, odd_emulator).read(*WINDOW)
    said = str(caught.value)
    assert "reading the calendar (calendar.events.list)" in said and "400" in said and odd_emulator.url in said
    # a route the server lacks, answered in plain text: still a sentence, never a traceback
    odd_emulator._routes = [r for r in odd_emulator._routes if "calendarList" not in r[1].pattern]
    with pytest.raises(NeedsUser) as caught:
        open_sink(tmp_path, odd_emulator, create_calendar="Follow-ups").put(make_reminder())
    assert "calendar.calendarList.list" in str(caught.value) and "404" in str(caught.value)


def test_a_403_without_a_reason_on_a_write_is_a_rate_limit(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.find("warm.up")
    real = google_emulator.dispatch

    def refuse_inserts(method, raw_path, body, content_type):
        if method == "POST" and "/events" in raw_path:
            google_emulator.fail(403, "/events", times=1)
        return real(method, raw_path, body, content_type)

    google_emulator.dispatch = refuse_inserts
    with pytest.raises(Transient) as caught:
        sink.put(make_reminder())
    assert not isinstance(caught.value, NeedsUser) and "rate limit" in str(caught.value)
    google_emulator.dispatch = real
    google_emulator.fail(403, "/events", times=1, reason="forbidden")  # a reason: a refusal, for the user
    with pytest.raises(NeedsUser):
        sink.put(make_reminder())


def test_an_answer_that_is_not_json_is_transient(tmp_path, google_emulator, monkeypatch):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    real = google_emulator.dispatch

    def portal(method, raw_path, body, content_type):
        if "/events" in raw_path and (method == "POST" or not writes_only):
            real(method, raw_path, body, content_type)  # the request is served; its answer is garbled
            return 200, "<html>Sign in to the hotel wifi</html>"
        return real(method, raw_path, body, content_type)

    writes_only = False

    monkeypatch.setattr(google_emulator, "dispatch", portal)
    with pytest.raises(Transient) as caught:
        open_source(tmp_path, google_emulator).read(*WINDOW)
    assert "not JSON" in str(caught.value)
    writes_only = True
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder())  # the answer was unreadable: looking again finds the event written
    sink.put(make_reminder())
    assert our_keys(google_emulator) == [make_reminder().key]
