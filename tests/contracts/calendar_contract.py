"""The contract every calendar source keeps, as tests.

A provider's test module subclasses ``CalendarSourceContract`` and implements
``make_source(tmp_path, ics)``: put the VCALENDAR data ``ics`` where the source reads it
(a file, a CalDAV collection, a Google calendar by importing each VEVENT) and return the
opened source. ``split_by_uid`` cuts the data into one VCALENDAR per UID for servers that
store one object per event. The source must read floating and all-day times in ``ZONE``, the
``timezone`` of ``context(tmp_path)``. Server-backed subclasses run against a local test
server (Radicale, Xandikos); CI never skips them (see tests/run.sh).

The data is fixed in 2030 so that a real server's "now" never matters; the window
crosses the European DST change of 31 March 2030.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.model import CalendarEvent, CalendarRead, Check
from interview_followup.daemon.providers import CalendarSource, ProviderContext

ZONE = ZoneInfo("Europe/Berlin")
USER = "alex@example.org"
WINDOW = (datetime(2030, 3, 1, tzinfo=ZONE), datetime(2030, 4, 8, tzinfo=ZONE))

TIMED_UID = "contract-timed@interview-followup.test"
ALL_DAY_UID = "contract-all-day@interview-followup.test"
WEEKLY_UID = "contract-weekly@interview-followup.test"
LATER_UID = "contract-later@interview-followup.test"

CONTRACT_ICS = f"""\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//interview-followup//contract tests//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:{TIMED_UID}
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/Berlin:20300312T140000
DTEND;TZID=Europe/Berlin:20300312T150000
SUMMARY:Interview with Acme
DESCRIPTION:role: Backend Engineer
ORGANIZER;CN=Rita Recruiter:mailto:rita@acme.example
ATTENDEE;CN=Jane Doe;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:Jane.Doe@acme.example
ATTENDEE;CN=Alex Example;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:{USER}
END:VEVENT
BEGIN:VEVENT
UID:{ALL_DAY_UID}
DTSTAMP:20300101T000000Z
DTSTART;VALUE=DATE:20300320
DTEND;VALUE=DATE:20300321
SUMMARY:Assessment day at Initech
END:VEVENT
BEGIN:VEVENT
UID:{WEEKLY_UID}
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/Berlin:20300221T100000
DTEND;TZID=Europe/Berlin:20300221T103000
RRULE:FREQ=WEEKLY;COUNT=8
SUMMARY:Weekly interview practice
END:VEVENT
BEGIN:VEVENT
UID:{WEEKLY_UID}
DTSTAMP:20300101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20300314T100000
DTSTART;TZID=Europe/Berlin:20300314T100000
DTEND;TZID=Europe/Berlin:20300314T103000
STATUS:CANCELLED
SUMMARY:Weekly interview practice
END:VEVENT
BEGIN:VEVENT
UID:{LATER_UID}
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/Berlin:20300601T090000
DTEND;TZID=Europe/Berlin:20300601T100000
SUMMARY:Interview with Globex
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


def context(tmp_path: Path) -> ProviderContext:
    """The context a source under test is opened with."""
    return ProviderContext(
        timezone=ZONE,
        base_dir=tmp_path,
        data_dir=tmp_path / "data",
        user_emails=(USER,),
        clock=FixedClock(datetime(2030, 3, 10, 12, tzinfo=ZONE)),
    )


class CalendarSourceContract:
    """Inherit, implement ``make_source``, and every test below runs for your source."""

    def make_source(self, tmp_path: Path, ics: bytes) -> CalendarSource:
        raise NotImplementedError

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        """Give the event ``uid`` the SUMMARY ``title`` where the source made by
        ``make_source`` reads it (as a user editing the event would)."""
        raise NotImplementedError

    @pytest.fixture
    def source(self, tmp_path: Path) -> Iterator[CalendarSource]:
        src = self.make_source(tmp_path, CONTRACT_ICS)
        yield src
        src.close()

    @pytest.fixture
    def read(self, source: CalendarSource) -> CalendarRead:
        return source.read(*WINDOW)

    def test_is_a_calendar_source(self, source: CalendarSource) -> None:
        assert isinstance(source, CalendarSource)

    def test_reads_the_contract_calendar_without_problems(self, read: CalendarRead) -> None:
        assert read.problems == [] and read.bad_uids == set()

    def test_reads_a_timed_event_with_its_people(self, read: CalendarRead) -> None:
        (event,) = _by_uid(read, TIMED_UID)
        assert event.start == datetime(2030, 3, 12, 14, tzinfo=ZONE)
        assert event.end == datetime(2030, 3, 12, 15, tzinfo=ZONE)
        assert (event.summary, event.description) == (
            "Interview with Acme",
            "role: Backend Engineer",
        )
        assert not event.all_day and event.recurrence_id == "" and event.status == "confirmed"
        people = {(a.email.lower(), a.name, a.partstat) for a in event.attendees}
        assert people == {
            ("jane.doe@acme.example", "Jane Doe", "accepted"),
            (USER, "Alex Example", "needs-action"),
        }
        assert event.organizer is not None
        assert (event.organizer.email.lower(), event.organizer.name) == (
            "rita@acme.example",
            "Rita Recruiter",
        )

    def test_reads_an_all_day_event_from_local_midnight_to_local_midnight(
        self, read: CalendarRead
    ) -> None:
        (event,) = _by_uid(read, ALL_DAY_UID)
        assert event.all_day
        assert event.start == datetime(2030, 3, 20, tzinfo=ZONE)
        assert event.end == datetime(2030, 3, 21, tzinfo=ZONE)

    def test_expands_a_recurring_event_within_the_window_only(self, read: CalendarRead) -> None:
        occurrences = _by_uid(read, WEEKLY_UID)
        days = [e.start.date().isoformat() for e in occurrences]
        assert days == ["2030-03-07", "2030-03-14", "2030-03-21", "2030-03-28", "2030-04-04"]
        # the same local hour on both sides of the DST change
        assert {e.start.astimezone(ZONE).hour for e in occurrences} == {10}
        assert len({e.recurrence_id for e in occurrences}) == 5
        assert all(e.recurrence_id for e in occurrences)

    def test_reports_a_cancelled_occurrence_as_cancelled(self, read: CalendarRead) -> None:
        statuses = {e.start.date().isoformat(): e.status for e in _by_uid(read, WEEKLY_UID)}
        assert statuses["2030-03-14"] == "cancelled"
        assert statuses["2030-03-07"] == statuses["2030-03-21"] == "confirmed"

    def test_leaves_out_events_outside_the_window(self, read: CalendarRead) -> None:
        assert _by_uid(read, LATER_UID) == []

    def test_times_are_time_zone_aware(self, read: CalendarRead) -> None:
        assert read.events
        assert all(e.start.tzinfo is not None and e.end.tzinfo is not None for e in read.events)
        assert all(e.end >= e.start for e in read.events)

    def test_a_second_read_gives_the_same_events(
        self, source: CalendarSource, read: CalendarRead
    ) -> None:
        again = source.read(*WINDOW)
        assert _keys(again.events) == _keys(read.events)

    def test_a_narrower_window_gives_fewer_occurrences(self, source: CalendarSource) -> None:
        start = WINDOW[0] + timedelta(days=20)  # 21 March
        read = source.read(start, WINDOW[1])
        assert [e.start.day for e in _by_uid(read, WEEKLY_UID)] == [21, 28, 4]
        assert _by_uid(read, TIMED_UID) == []

    def test_the_change_token_stays_the_same_while_nothing_changes(self, source: CalendarSource) -> None:
        source.read(*WINDOW)  # (before a first read a source may not know: None)
        token = source.change_token()
        assert token is None or isinstance(token, str)
        assert source.change_token() == token
        source.read(*WINDOW)
        assert source.change_token() == token

    def test_the_change_token_differs_once_an_event_changed(self, source: CalendarSource, tmp_path: Path) -> None:
        source.read(*WINDOW)
        token = source.change_token()
        self.retitle(tmp_path, TIMED_UID, "Interview with Acme (second round)")
        after = source.change_token()
        assert after is None or after != token  # None: the source cannot tell, every pass reads it
        (event,) = _by_uid(source.read(*WINDOW), TIMED_UID)
        assert event.summary == "Interview with Acme (second round)"
        assert source.change_token() == after

    def test_check_returns_check_items(self, source: CalendarSource) -> None:
        checks = source.check()
        assert checks and all(isinstance(c, Check) for c in checks)
        assert all(c.ok for c in checks), checks


def retitled(ics: bytes, uid: str, title: str) -> bytes:
    """``ics`` with the SUMMARY of the events of ``uid`` replaced by ``title``."""
    chunks = ics.split(b"BEGIN:VEVENT")
    for i, chunk in enumerate(chunks[1:], 1):
        block, end, rest = chunk.partition(b"END:VEVENT")
        if f"UID:{uid}".encode() in block:
            lines = [f"SUMMARY:{title}".encode() if line.startswith(b"SUMMARY:") else line
                     for line in block.split(b"\r\n" if b"\r\n" in block else b"\n")]
            block = (b"\r\n" if b"\r\n" in chunk else b"\n").join(lines)
        chunks[i] = block + end + rest
    return b"BEGIN:VEVENT".join(chunks)


def split_by_uid(ics: bytes) -> list[bytes]:
    """One VCALENDAR per UID (with the time zones), as CalDAV stores events."""
    cal = icalendar.Calendar.from_ical(ics)
    zones = cal.walk("VTIMEZONE")
    uids = list(dict.fromkeys(str(e["UID"]) for e in cal.walk("VEVENT")))
    parts = []
    for uid in uids:
        part = icalendar.Calendar()
        part.add("VERSION", "2.0")
        part.add("PRODID", "-//tests//split//EN")
        for component in [*zones, *(e for e in cal.walk("VEVENT") if str(e["UID"]) == uid)]:
            part.add_component(component)
        parts.append(part.to_ical())
    return parts


def _by_uid(read: CalendarRead, uid: str) -> list[CalendarEvent]:
    return sorted((e for e in read.events if e.uid == uid), key=lambda e: e.start)


def _keys(events: list[CalendarEvent]) -> list[tuple[str, str, datetime, str]]:
    return sorted((e.uid, e.recurrence_id, e.start, e.status) for e in events)
