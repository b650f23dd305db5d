"""daemon.calendar.ical: one small .ics file per calendar edge case, in tests/ics/."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.calendar.ical import parse_calendar, read_calendar
from interview_followup.daemon.model import Attendee, CalendarRead, Person

ICS = Path(__file__).parent / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = UTC
YEAR_2024 = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))


def read(name: str, *, tz: ZoneInfo = BERLIN, window=YEAR_2024) -> CalendarRead:
    return read_bytes((ICS / name).read_bytes(), tz=tz, window=window, source=name)


def read_bytes(data: bytes, *, tz: ZoneInfo = BERLIN, window=YEAR_2024, source="test.ics"):
    start, end = window
    return read_calendar(data, start=start, end=end, tz=tz, source=source)


def only(read_result: CalendarRead, uid: str):
    (event,) = [e for e in read_result.events if e.uid == uid]
    return event


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


# --- time zones -------------------------------------------------------------------


def test_floating_time_is_the_users_local_time() -> None:
    for tz in (BERLIN, NEW_YORK):
        event = only(read("floating.ics", tz=tz), "floating-1@test")
        assert event.start == at(tz, 2024, 6, 10, 10)
        assert event.end == at(tz, 2024, 6, 10, 11)
        assert event.floating and not event.all_day
        assert event.timezone == tz.key


def test_all_day_event_runs_from_local_midnight_to_local_midnight_after_its_last_day() -> None:
    result = read("all_day.ics")
    two_days = only(result, "allday-two-days@test")
    assert two_days.all_day and not two_days.floating
    assert two_days.start == at(BERLIN, 2024, 6, 10)
    assert two_days.end == at(BERLIN, 2024, 6, 12)  # DTEND is exclusive
    assert two_days.start.utcoffset() == timedelta(hours=2)  # local, not UTC, midnight


def test_all_day_event_without_dtend_lasts_one_day() -> None:
    event = only(read("all_day.ics", tz=NEW_YORK), "allday-no-dtend@test")
    assert (event.start, event.end) == (at(NEW_YORK, 2024, 6, 14), at(NEW_YORK, 2024, 6, 15))


def test_google_export_with_x_wr_timezone_is_read_in_that_zone() -> None:
    result = read("google_x_wr_timezone.ics")
    event = only(result, "google-single@google.com")
    assert event.start == at(NEW_YORK, 2024, 6, 10, 10)
    assert event.timezone == "America/New_York"
    weekly = [e for e in result.events if e.uid == "google-weekly@google.com"]
    # the weekly event stays at 10:00 New York time across the US DST change of 10 March
    assert [e.start.astimezone(NEW_YORK).hour for e in weekly] == [10, 10, 10]


def test_windows_zone_name_without_vtimezone_is_mapped_to_its_iana_zone() -> None:
    result = read("windows_zone.ics")
    (event,) = result.events
    assert event.start == at(BERLIN, 2024, 6, 10, 10)
    assert event.start.utcoffset() == timedelta(hours=2)
    assert event.timezone == "Europe/Berlin"
    assert event.summary == "Vorstellungsgespräch bei Acme GmbH"


def test_windows_zone_name_with_vtimezone_uses_the_definition() -> None:
    (event,) = read("windows_zone_with_vtimezone.ics").events
    assert event.start.utcoffset() == timedelta(hours=1)  # December: standard time
    assert event.start.astimezone(UTC) == datetime(2024, 12, 10, 9, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"


def test_two_customized_time_zones_keep_their_own_definitions_in_one_process() -> None:
    # icalendar caches VTIMEZONEs by TZID for the whole process; Outlook names every
    # custom zone "Customized Time Zone". Each file must still use its own definition.
    for _ in range(2):
        berlin = only(read("customized_zone_berlin.ics"), "customized-berlin@test")
        new_york = only(read("customized_zone_new_york.ics"), "customized-new-york@test")
        assert berlin.start.astimezone(UTC) == datetime(2024, 6, 10, 8, tzinfo=UTC)
        assert new_york.start.astimezone(UTC) == datetime(2024, 6, 10, 14, tzinfo=UTC)
        assert berlin.timezone == new_york.timezone == "Customized Time Zone"


def test_tzone_microsoft_utc_is_read_as_utc_quoted_or_not() -> None:
    result = read("microsoft_utc.ics")
    assert result.problems == []
    quoted = only(result, "ms-utc-quoted@test")
    unquoted = only(result, "ms-utc-unquoted@test")
    assert quoted.start == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert unquoted.start == datetime(2024, 6, 11, 8, tzinfo=UTC)
    assert unquoted.end == datetime(2024, 6, 11, 9, tzinfo=UTC)
    assert unquoted.description == "Written as ;TZID=tzone://Microsoft/Utc: in the text"


def test_unknown_tzid_is_reported_and_never_read_as_utc_or_floating() -> None:
    result = read("unknown_tzid.ics")
    assert [e.uid for e in result.events] == ["fine@test"]
    assert result.bad_uids == {"unknown-tz@test"}
    (problem,) = result.problems
    assert "unknown_tzid.ics" in problem and "Interview on Mars" in problem
    assert "unknown-tz@test" in problem and "Mars Standard Time" in problem


# --- recurrence -------------------------------------------------------------------


def test_weekly_event_keeps_its_local_hour_across_a_dst_change() -> None:
    events = read("weekly_across_dst.ics").events
    assert [e.start for e in events] == [
        at(BERLIN, 2024, m, d, 10) for m, d in ((3, 21), (3, 28), (4, 4), (4, 11))
    ]
    assert [e.start.utcoffset() for e in events] == [timedelta(hours=h) for h in (1, 1, 2, 2)]


def test_recurring_event_is_expanded_within_the_window_only() -> None:
    window = (at(BERLIN, 2024, 3, 27), at(BERLIN, 2024, 4, 5))
    events = read("weekly_across_dst.ics", window=window).events
    assert [e.start.date().isoformat() for e in events] == ["2024-03-28", "2024-04-04"]


def test_exdate_removes_occurrences() -> None:
    events = read("exdate.ics").events
    assert [e.start.day for e in events] == [3, 5, 7]


def test_occurrences_of_a_recurring_event_are_named_by_their_original_start_in_utc() -> None:
    events = read("weekly_across_dst.ics").events
    assert events[0].recurrence_id == "2024-03-21T09:00:00+00:00"
    assert len({e.recurrence_id for e in events}) == 4


def test_single_event_has_no_recurrence_id() -> None:
    assert only(read("floating.ics"), "floating-1@test").recurrence_id == ""


def test_override_moved_into_another_zone_replaces_its_occurrence() -> None:
    events = read("override_other_zone.ics").events
    assert [e.start.astimezone(BERLIN).date().isoformat() for e in events] == [
        "2024-06-03",
        "2024-06-11",
        "2024-06-17",
    ]
    moved = events[1]
    assert moved.summary == "Interview loop with Acme (moved)"
    assert moved.start == at(NEW_YORK, 2024, 6, 11, 11)
    assert moved.timezone == "America/New_York"


def test_override_names_the_same_occurrence_as_the_master_would() -> None:
    # The loop id must survive the occurrence being moved, whatever zone the mover used.
    text = (ICS / "override_other_zone.ics").read_text()
    master_only = text[: text.index("BEGIN:VEVENT", text.index("END:VEVENT"))] + "END:VCALENDAR\n"
    before = [e.recurrence_id for e in read_bytes(master_only.encode()).events]
    after = [e.recurrence_id for e in read("override_other_zone.ics").events]
    assert before == after
    assert after[1] == "2024-06-10T13:00:00+00:00"


def test_cancelled_occurrence_is_read_as_cancelled() -> None:
    events = read("cancelled_occurrence.ics").events
    assert [e.status for e in events] == ["confirmed", "cancelled", "confirmed"]
    assert events[1].recurrence_id == "2024-06-10T13:00:00+00:00"


def test_status_is_lower_case_and_an_itip_cancel_cancels() -> None:
    tentative = _one_event("STATUS:TENTATIVE")
    assert read_bytes(tentative).events[0].status == "tentative"
    cancel = _one_event("STATUS:CONFIRMED").replace(b"VERSION:2.0", b"VERSION:2.0\nMETHOD:CANCEL")
    assert read_bytes(cancel).events[0].status == "cancelled"


# --- people and text --------------------------------------------------------------


def test_attendees_organizer_and_categories_are_read() -> None:
    event = only(read("declined_attendee.ics"), "attendees@test")
    assert event.attendees == (
        Attendee(email="John.Doe@Acme.com", name="Doe, John", partstat="accepted"),
        Attendee(email="me@example.org", name="Me Myself", partstat="declined"),
        Attendee(email="hm@acme.com", name="Hiring Manager", partstat="needs-action"),
    )  # the room is not a person
    assert event.organizer == Person(email="Jane.Recruiter@Acme.com", name="Jane Recruiter")
    assert event.categories == ("Jobs", "#interview", "Follow-up")
    assert event.source == "declined_attendee.ics"


def test_text_with_line_breaks_is_kept_as_data() -> None:
    event = only(read("declined_attendee.ics"), "attendees@test")
    assert event.description == "Line one\nLine two"
    injected = read_bytes(_one_event("SUMMARY:Interview\\nBcc: x@evil.example")).events[0]
    assert injected.summary == "Interview\nBcc: x@evil.example"  # the core sanitises


def test_text_in_windows_1252_is_decoded() -> None:
    data = _one_event("SUMMARY:Entretien à Québec").decode().encode("cp1252")
    assert read_bytes(data).events[0].summary == "Entretien à Québec"


# --- robustness -------------------------------------------------------------------


def test_event_without_uid_is_read_under_a_key_from_its_content_and_reported() -> None:
    result = read("no_uid.ics")
    keyed = [e.uid for e in result.events if e.uid != "with-uid@test"]
    assert len(result.events) == 2 and len(keyed) == 1 and keyed[0].startswith("no-uid-")
    assert [e.uid for e in read("no_uid.ics").events] == [e.uid for e in result.events]  # stable
    (problem,) = result.problems
    assert "no_uid.ics" in problem and "Event without a UID" in problem and "no UID" in problem
    assert keyed[0] in problem


def test_broken_dtstart_is_reported_and_the_others_are_read() -> None:
    result = read("broken_dtstart.ics")
    assert [e.uid for e in result.events] == ["good-before@test", "good-after@test"]
    assert result.bad_uids == {"broken-dtstart@test"}
    (problem,) = result.problems
    for part in ("broken_dtstart.ics", "Broken start", "broken-dtstart@test", "DTSTART"):
        assert part in problem


def test_broken_override_makes_the_whole_series_unreadable() -> None:
    # Dropping only the override would bring back the occurrence it moved.
    result = read("broken_override.ics")
    assert [e.uid for e in result.events] == ["fine@test"]
    assert result.bad_uids == {"broken-override@test"}


def test_date_start_with_date_time_end_is_reported() -> None:
    result = read("mixed_date_types.ics")
    assert [e.uid for e in result.events] == ["fine@test"]
    assert result.bad_uids == {"mixed-types@test"}
    assert "date-time" in result.problems[0]


def test_an_event_that_fails_to_expand_does_not_stop_the_others() -> None:
    result = read("year_9999.ics")
    assert [e.uid for e in result.events] == ["fine@test"]
    assert result.bad_uids == {"year-9999@test"}
    assert "Ends after the year 9999" in result.problems[0]


@pytest.mark.parametrize(
    "data",
    [
        (ICS / "not_icalendar.ics").read_bytes(),
        b"",
        b"\x00\xff\xfe binary",
        b"BEGIN:VCALENDAR\nthis is not\n a calendar",
        b"BEGIN:VCARD\nVERSION:3.0\nFN:Jane\nEND:VCARD\n",
    ],
)
def test_data_that_is_not_icalendar_is_one_problem_naming_the_file(data: bytes) -> None:
    result = read_bytes(data, source="/home/me/calendar.ics")
    assert result.events == []
    assert len(result.problems) == 1
    assert "/home/me/calendar.ics" in result.problems[0]


def test_a_parse_can_be_expanded_for_several_windows() -> None:
    parsed = parse_calendar((ICS / "weekly_across_dst.ics").read_bytes(), source="x.ics")
    assert parsed.event_count == 1
    march = parsed.between(at(BERLIN, 2024, 3, 1), at(BERLIN, 2024, 4, 1), BERLIN)
    april = parsed.between(at(BERLIN, 2024, 4, 1), at(BERLIN, 2024, 5, 1), BERLIN)
    assert (len(march.events), len(april.events)) == (2, 2)


def test_every_sample_file_is_used_by_a_test() -> None:
    source = Path(__file__).read_text()
    unused = [p.name for p in ICS.glob("*.ics") if f'"{p.name}"' not in source]
    assert unused == []


def _one_event(line: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:one@test\n"
        f"DTSTART:20240610T080000Z\nDTEND:20240610T090000Z\n{line}\nEND:VEVENT\nEND:VCALENDAR\n"
    ).encode()


def test_an_unknown_x_wr_timezone_is_reported_and_utc_times_still_count() -> None:
    data = _one_event("SUMMARY:Interview").replace(
        b"VERSION:2.0", b"VERSION:2.0\nX-WR-TIMEZONE:Mars/Olympus"
    )
    result = read_bytes(data)
    assert result.events[0].start == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert "Mars/Olympus" in result.problems[0]


# --- what is parsed ---------------------------------------------------------------------


def _event(uid: str, start: str, end: str = "", extra: str = "", summary: str = "") -> str:
    lines = [f"BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20240101T000000Z", f"DTSTART:{start}"]
    if end:
        lines.append(f"DTEND:{end}")
    if extra:
        lines.append(extra)
    lines += [f"SUMMARY:{summary or uid}", "END:VEVENT"]
    return "\r\n".join(lines)


def _calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + "\r\n".join(events) + "\r\nEND:VCALENDAR\r\n").encode()


def test_single_events_far_outside_the_window_are_not_parsed() -> None:
    from interview_followup.daemon.calendar.ical import parse_window

    data = _calendar(
        _event("old@t", "20100101T100000Z", "20100101T110000Z"),
        _event("future@t", "20300101T100000Z", "20300101T110000Z"),
        _event("weekly@t", "20100104T100000Z", "20100104T110000Z", "RRULE:FREQ=WEEKLY"),
        _event("long@t", "20100101T100000Z", "20250101T100000Z"),
        _event("moved@t", "20100101T100000Z", "20100101T110000Z", "SEQUENCE:0", "Old time"),
        _event("moved@t", "20240610T100000Z", "20240610T110000Z", "SEQUENCE:1", "New time"),
        _event("inside@t", "20240611T100000Z", "20240611T110000Z"),
        _event("edge@t", "20240429T100000Z", "20240429T110000Z"),  # a day before the window
    )
    start, end = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 9, 1, tzinfo=UTC)
    parsed = parse_calendar(data, source="t.ics", window=parse_window(start, end))
    assert sorted(uid for uid, _ in parsed.groups) == ["edge@t", "inside@t", "long@t", "moved@t", "weekly@t"]
    read = parsed.between(start, end, BERLIN)
    assert [e.summary for e in read.events if e.uid == "moved@t"] == ["New time"]
    assert parsed.serves(start + timedelta(days=20), end + timedelta(days=20))
    assert not parsed.serves(start + timedelta(days=40), end + timedelta(days=40))
    assert not parsed.serves(start - timedelta(days=2), end)
    everything = parse_calendar(data, source="t.ics")
    assert len(everything.groups) == 7 and everything.serves(start - timedelta(days=9999), end)


def test_an_event_repeated_with_the_same_text_is_parsed_once() -> None:
    same = _event("dup@t", "20240610T100000Z", "20240610T110000Z")
    parsed = parse_calendar(_calendar(*[same] * 2000), source="t.ics")
    ((uid, group),) = parsed.groups
    assert uid == "dup@t" and len(group.subcomponents) == 1 and parsed.problems == []
