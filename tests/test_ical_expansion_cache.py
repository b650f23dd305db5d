"""Expansions are kept per event version: reading an unchanged calendar again expands
nothing, and a changed event re-expands only itself (issue 17)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import recurring_ical_events
import pytest

from interview_followup.daemon.calendar import ical

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
START, END = datetime(2026, 10, 21, tzinfo=UTC), datetime(2027, 2, 18, tzinfo=UTC)


def event(i: int, summary: str = "") -> str:
    rule = "RRULE:FREQ=WEEKLY;COUNT=20\n" if i % 3 == 0 else ""
    return (f"BEGIN:VEVENT\nUID:ev-{i}@test\nDTSTAMP:20260101T000000Z\n"
            f"DTSTART;TZID=Europe/Berlin:202611{1 + i % 28:02d}T100000\n"
            f"DTEND;TZID=Europe/Berlin:202611{1 + i % 28:02d}T110000\n{rule}"
            f"SUMMARY:{summary or f'Meeting {i}'}\nEND:VEVENT")


def calendar(events: list[str]) -> bytes:
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "\n".join(events) + "\nEND:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def expanded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The UIDs ``recurring_ical_events.of`` is asked to expand (the library still runs)."""
    ical.clear_expansion_cache()
    calls: list[str] = []
    real = recurring_ical_events.of

    def spy(calendar, *args, **kwargs):  # noqa: ANN001, ANN202
        calls.extend(str(e.get("UID")) for e in calendar.walk("VEVENT")[:1])
        return real(calendar, *args, **kwargs)

    monkeypatch.setattr(recurring_ical_events, "of", spy)
    yield calls
    ical.clear_expansion_cache()


def read(data: bytes):  # noqa: ANN201
    parsed = ical.parse_calendar(data, source="cache.ics", window=ical.parse_window(START, END))
    return parsed, parsed.between(START, END, BERLIN)


def test_an_unchanged_calendar_is_not_expanded_again(expanded: list[str]) -> None:
    data = calendar([event(i) for i in range(30)])
    parsed, first = read(data)
    # the series (every third event); an event that does not repeat needs no expansion
    assert sorted(expanded) == sorted(f"ev-{i}@test" for i in range(30) if i % 3 == 0)
    expanded.clear()
    again = parsed.between(START, END, BERLIN)  # the same parse
    assert expanded == [] and again.events == first.events
    later = parsed.between(START.replace(hour=5), END.replace(hour=5), BERLIN)  # the clock moved
    assert expanded == [] and [e.uid for e in later.events] == [e.uid for e in first.events]
    _, reparsed = read(data)  # the file parsed again, unchanged
    assert expanded == [] and reparsed.events == first.events


def test_a_changed_event_re_expands_only_itself(expanded: list[str]) -> None:
    events = [event(i) for i in range(30)]
    read(calendar(events))
    expanded.clear()
    events[6] = event(6, summary="Interview with Acme")  # a weekly series
    _, changed = read(calendar(events))
    assert expanded == ["ev-6@test"]
    assert {e.summary for e in changed.events if e.uid == "ev-6@test"} == {"Interview with Acme"}
    ical.clear_expansion_cache()
    expanded.clear()
    _, plain = read(calendar(events))  # the same read with nothing kept
    assert plain.events == changed.events and plain.problems == changed.problems
