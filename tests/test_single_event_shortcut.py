"""An event that does not repeat is read without building a series for it
(``ical.SINGLE_EVENT_SHORTCUT``): what every calendar of the test corpora reads must be
exactly what the library's whole way reads — the same occurrences, problems and unreadable
UIDs — over windows that cut events at their edges."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.calendar import ical

TESTS = Path(__file__).parent
FILES = sorted({*TESTS.glob("calendars/**/*.ics"), *TESTS.glob("ics/**/*.ics")})  # not tests/blind: nobody uses it but its bench
BERLIN = ZoneInfo("Europe/Berlin")
WINDOWS = [
    (datetime(2020, 1, 1, tzinfo=BERLIN), datetime(2031, 1, 1, tzinfo=BERLIN)),
    (datetime(2026, 11, 16, 10, tzinfo=BERLIN), datetime(2026, 11, 18, 11, 30, tzinfo=BERLIN)),
    (datetime(2027, 2, 1, tzinfo=ZoneInfo("America/New_York")), datetime(2027, 3, 1, tzinfo=BERLIN)),
]


def read(data: bytes, name: str, start: datetime, end: datetime, shortcut: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(ical, "SINGLE_EVENT_SHORTCUT", shortcut)
    ical.clear_expansion_cache()
    got = ical.read_calendar(data, start=start, end=end, tz=BERLIN, source=name)
    return got.events, got.problems, got.bad_uids, got.complete


def test_the_corpora_are_there() -> None:
    assert len(FILES) > 300


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_a_single_event_reads_as_the_library_expands_it(path: Path, monkeypatch) -> None:
    data = path.read_bytes()
    for start, end in WINDOWS:
        assert read(data, path.name, start, end, True, monkeypatch) == read(data, path.name, start, end, False, monkeypatch)


@pytest.mark.parametrize("dtend", ["", "DTEND:20261117T100000Z\r\n", "DURATION:PT45M\r\n", "DTEND:20261117T090000Z\r\n"])
@pytest.mark.parametrize("start,end", [
    ("20261117T090000Z", "20261117T093000Z"), ("20261117T100000Z", "20261118T000000Z"),
    ("20261116T000000Z", "20261117T090000Z"), ("20261117T094500Z", "20261117T094500Z"),
])
def test_the_edges_of_a_window_cut_a_single_event_as_the_library_does(dtend, start, end, monkeypatch) -> None:
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e@x\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART:20261117T090000Z\r\n{dtend}SUMMARY:Interview\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    a, b = (datetime.strptime(x, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC")) for x in (start, end))
    assert read(data, "e.ics", a, b, True, monkeypatch) == read(data, "e.ics", a, b, False, monkeypatch)


@pytest.mark.parametrize("dtstart", ["DTSTART;VALUE=DATE:20261117", "DTSTART:20261117T090000",
                                     "DTSTART;TZID=Europe/Berlin:20261117T090000"])
def test_all_day_and_floating_single_events_are_cut_as_the_library_does(dtstart, monkeypatch) -> None:
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e@x\r\nDTSTAMP:20261101T000000Z\r\n"
            f"{dtstart}\r\nSUMMARY:Interview\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    for hours in range(-30, 31, 3):
        a = datetime(2026, 11, 17, tzinfo=BERLIN) + timedelta(hours=hours)
        b = a + timedelta(hours=2)
        assert read(data, "e.ics", a, b, True, monkeypatch) == read(data, "e.ics", a, b, False, monkeypatch)
