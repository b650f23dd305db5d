"""The calendar corpus: every file in tests/calendars/ read through daemon.calendar.ical, compared with
what tests/calendars/expected.toml says it holds (its header explains the format)."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from conftest import World
from interview_followup.daemon.config import Companies, Detection, Profile, Timing
from interview_followup.daemon.calendar.detection import Detector
from interview_followup.daemon.calendar.ical import read_calendar
from interview_followup.daemon.model import CalendarEvent, CalendarRead
from interview_followup.daemon.loop.planning import followup_time

CALENDARS = Path(__file__).parent / "calendars"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads((CALENDARS / "expected.toml").read_text("utf-8"))
USER = "alex@example.org"
DEFAULT_TZ = "Europe/Berlin"
DEFAULT_WINDOW = ("2024-01-01", "2025-01-01")
FLAGS = ("cancelled", "declined", "all_day")
UTC_NAMES = {"UTC", "Etc/UTC"}


def read(name: str) -> tuple[CalendarRead, ZoneInfo]:
    spec = MANIFEST[name]
    tz = ZoneInfo(spec.get("tz", DEFAULT_TZ))
    first, after = (date.fromisoformat(d) for d in spec.get("window", DEFAULT_WINDOW))
    start, end = (datetime.combine(d, time(0), tzinfo=tz) for d in (first, after))
    data = (CALENDARS / name).read_bytes()
    return read_calendar(data, start=start, end=end, tz=tz, source=name), tz


def detector(tz: ZoneInfo) -> Detector:
    return Detector(Profile(email=USER, timezone=tz.key), Detection(), Companies(), tz)


def seen(event: CalendarEvent, wanted: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """What was read of ``event``, in the manifest's terms, for the keys ``wanted`` names."""
    found: dict[str, Any] = {
        "summary": event.summary,
        "start": event.start.astimezone(tz).isoformat(),
        "end": event.end.astimezone(tz).isoformat(),
        "cancelled": event.status == "cancelled",
        "declined": detector(tz).declined(event),
        "all_day": event.all_day,
    }
    if "zone" in wanted or event.timezone in UTC_NAMES:
        found["zone"] = event.timezone
    if "recurrence_id" in wanted:
        found["recurrence_id"] = event.recurrence_id
    if "description" in wanted:
        found["description"] = event.description
    if "description_min_length" in wanted:
        found["description_min_length"] = min(len(event.description), wanted["description_min_length"])
    if "followup" in wanted:
        interview = detector(tz).interview(event)
        assert interview is not None, f"{event.summary!r} is not detected as an interview"
        due, _ = followup_time(interview, None, Timing(), tz)
        found["followup"] = due.isoformat()
    return found


def expected(wanted: dict[str, Any]) -> dict[str, Any]:
    return {**{flag: False for flag in FLAGS}, **wanted}


def _order(entry: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(entry["start"]), entry["summary"]


# --- the manifest and the folder agree ---------------------------------------------------


def test_the_corpus_has_at_least_forty_files_each_with_its_expectations() -> None:
    files = {p.name for p in CALENDARS.glob("*.ics")}
    assert len(files) >= 40
    assert sorted(files - MANIFEST.keys()) == [], "files without an entry in expected.toml"
    assert sorted(MANIFEST.keys() - files) == [], "entries in expected.toml without a file"
    assert all(spec.get("about") for spec in MANIFEST.values())


# --- each file ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_calendar_file_reads_as_its_manifest_says(name: str) -> None:
    result, tz = read(name)
    wanted = sorted(MANIFEST[name].get("events", []), key=_order)
    events = sorted(result.events, key=lambda e: (e.start, e.summary))
    # zone is always shown when it is UTC: a UTC the manifest does not expect is a fallback
    assert [seen(e, w, tz) for e, w in zip(events, wanted)] == [expected(w) for w in wanted[: len(events)]]
    assert len(events) == len(wanted), [e.summary for e in events]
    assert all(e.start.tzinfo is not None and e.end >= e.start for e in events)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_problem_is_expected_and_names_its_file_and_event(name: str) -> None:
    result, _ = read(name)
    unclaimed = list(result.problems)
    for entry in MANIFEST[name].get("problems", []):
        parts = [entry] if isinstance(entry, str) else entry
        match = next((p for p in unclaimed if all(part in p for part in parts)), None)
        assert match is not None, f"no problem with {parts} in {unclaimed}"
        unclaimed.remove(match)
    assert unclaimed == []
    assert all(p.startswith(f"{name}: ") for p in result.problems)


def test_a_customized_time_zone_read_again_after_another_keeps_its_definition() -> None:
    # icalendar caches zones by TZID for the whole process; Outlook calls every custom zone
    # "Customized Time Zone". Alternate the two files: each keeps its own offsets.
    names = ["outlook_customized_time_zone.ics", "outlook_customized_time_zone_fixed_offset.ics"] * 2
    starts = [read(n)[0].events[0].start.utcoffset() for n in names]
    assert [s.total_seconds() / 3600 for s in starts] == [2, 5.5, 2, 5.5]


def test_line_endings_do_not_change_what_is_read() -> None:
    reads = [read(f"line_endings_{kind}.ics")[0] for kind in ("crlf", "lf", "mixed")]
    crlf, lf, mixed = ([replace(e, source="") for e in r.events] for r in reads)
    assert crlf == lf == mixed and len(crlf) == 1


# --- through the engine: an interview cancelled after its thank-you draft was written ------


def test_an_interview_cancelled_after_its_draft_exists_cancels_its_loop(tmp_path: Path) -> None:
    world = World(tmp_path)
    shutil.copyfile(CALENDARS / "cancelled_after_draft.v1.ics", world.calendar)
    world.once("2024-06-12T16:00:00+02:00")
    (draft,) = world.drafts()
    assert "jane.doe@acme.example" in draft["To"]
    assert world.reminder_uids()
    shutil.copyfile(CALENDARS / "cancelled_after_draft.v2.ics", world.calendar)
    r = world.once("2024-06-12T17:00:00+02:00")
    assert "cancel" in r.out
    assert world.drafts() == []  # untouched, so removed with its loop
    status = world.cli("status", "--all", now="2024-06-12T17:00:00+02:00")  # closed ones with --all
    assert "closed (cancelled)" in status.out
