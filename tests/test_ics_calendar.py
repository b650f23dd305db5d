"""The ``ics`` calendar source: the shared contract, for a file and for a folder, and
what only a file-based source does (paths, several files, caching)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

import interview_followup.integrations.ics_calendar as ics_module
from contracts.calendar_contract import (
    CONTRACT_ICS,
    TIMED_UID,
    WINDOW,
    ZONE,
    CalendarSourceContract,
    context,
    retitled,
    split_by_uid,
)
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.providers import provider_class
from interview_followup.integrations.ics_calendar import IcsCalendar

ICS = Path(__file__).parent / "ics"


def open_calendar(tmp_path: Path, path: str | Path) -> IcsCalendar:
    return IcsCalendar.open(IcsCalendar.Settings(path=Path(path)), context(tmp_path))


class TestIcsFile(CalendarSourceContract):
    def make_source(self, tmp_path: Path, ics: bytes) -> IcsCalendar:
        (tmp_path / "calendar.ics").write_bytes(ics)
        return open_calendar(tmp_path, "calendar.ics")  # relative to the config folder

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        path = tmp_path / "calendar.ics"
        path.write_bytes(retitled(path.read_bytes(), uid, title))


class TestIcsFolder(CalendarSourceContract):
    """The same calendar split into one file per UID, as a folder of saved invites."""

    def make_source(self, tmp_path: Path, ics: bytes) -> IcsCalendar:
        folder = tmp_path / "invites"
        folder.mkdir()
        for i, part in enumerate(split_by_uid(ics)):
            (folder / f"invite-{i}.ics").write_bytes(part)
        return open_calendar(tmp_path, folder)

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        for path in (tmp_path / "invites").iterdir():
            data = path.read_bytes()
            if f"UID:{uid}".encode() in data:
                path.write_bytes(retitled(data, uid, title))


# --- configuration ---------------------------------------------------------------------


def test_is_registered_as_the_ics_calendar_kind() -> None:
    assert provider_class("calendar", "ics") is IcsCalendar


def test_settings_need_a_path_or_a_url() -> None:
    problems: list[str] = []
    settings = schema.build(IcsCalendar.Settings, {"path": "cal.ics"}, "calendar", problems)
    assert problems == [] and settings.path == Path("cal.ics") and settings.url == ""
    schema.build(IcsCalendar.Settings, {}, "calendar", problems)
    (problem,) = problems
    assert problem.startswith("At 'calendar': ")
    assert "'calendar.path'" in problem and "'calendar.url'" in problem


def test_absolute_path_is_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "cal.ics"
    assert open_calendar(tmp_path / "config", elsewhere).path == elsewhere


# --- paths and files ---------------------------------------------------------------


def test_missing_path_needs_the_user_and_names_path_and_key(tmp_path: Path) -> None:
    source = open_calendar(tmp_path, "nowhere.ics")
    with pytest.raises(NeedsUser) as caught:
        source.read(*WINDOW)
    message = str(caught.value)
    assert str(tmp_path / "nowhere.ics") in message and "calendar.path" in message


def test_check_reports_a_missing_path_without_raising(tmp_path: Path) -> None:
    checks = open_calendar(tmp_path, "nowhere.ics").check()
    assert [c.ok for c in checks] == [False]
    assert "calendar.path" in checks[0].detail and "nowhere.ics" in checks[0].detail


def test_one_bad_file_among_good_ones_is_a_problem_and_the_others_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "a-good.ics").write_bytes(CONTRACT_ICS)
    (folder / "b-bad.ics").write_bytes((ICS / "not_icalendar.ics").read_bytes())
    source = open_calendar(tmp_path, folder)
    read = source.read(*WINDOW)
    assert any(e.uid == TIMED_UID for e in read.events)
    (problem,) = read.problems
    assert "b-bad.ics" in problem
    checks = {c.name: c for c in source.check()}
    assert checks["calendar events"].ok is False
    assert "b-bad.ics" in checks["calendar events"].detail


def test_broken_events_in_a_file_are_reported_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "cal.ics").write_bytes((ICS / "broken_dtstart.ics").read_bytes())
    read = open_calendar(tmp_path, "cal.ics").read(
        datetime(2024, 1, 1, tzinfo=ZONE), datetime(2025, 1, 1, tzinfo=ZONE)
    )
    assert [e.uid for e in read.events] == ["good-before@test", "good-after@test"]
    assert read.bad_uids == {"broken-dtstart@test"}
    assert str(tmp_path / "cal.ics") in read.problems[0]


def test_a_calendar_with_nothing_readable_needs_the_user(tmp_path: Path) -> None:
    # An empty read would look as if every interview had been deleted.
    (tmp_path / "cal.ics").write_text("<html>Please sign in</html>")
    with pytest.raises(NeedsUser, match="calendar.path"):
        open_calendar(tmp_path, "cal.ics").read(*WINDOW)


def test_an_empty_folder_is_an_empty_calendar(tmp_path: Path) -> None:
    (tmp_path / "cal").mkdir()
    read = open_calendar(tmp_path, "cal").read(*WINDOW)
    assert (read.events, read.problems) == ([], [])


def test_hidden_and_other_files_in_a_folder_are_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "real.ICS").write_bytes(CONTRACT_ICS)
    (folder / ".#real.ics").write_text("editor lock file")
    (folder / "notes.txt").write_text("not a calendar")
    (folder / "sub.ics").mkdir()
    read = open_calendar(tmp_path, folder).read(*WINDOW)
    assert read.problems == [] and any(e.uid == TIMED_UID for e in read.events)


def test_the_newest_file_wins_for_the_same_occurrence(tmp_path: Path) -> None:
    folder = tmp_path / "cal"
    folder.mkdir()
    original, cancelled = folder / "b-original.ics", folder / "a-cancelled.ics"
    original.write_bytes(CONTRACT_ICS)
    cancelled.write_bytes(
        CONTRACT_ICS.replace(b"DESCRIPTION:role: Backend Engineer", b"STATUS:CANCELLED")
    )
    os.utime(original, ns=(1_000_000_000, 1_000_000_000))
    read = open_calendar(tmp_path, folder).read(*WINDOW)
    (event,) = [e for e in read.events if e.uid == TIMED_UID]
    assert event.status == "cancelled"


# --- cost when idle ----------------------------------------------------------------


@pytest.fixture
def parse_count(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    from interview_followup.daemon.calendar import ical  # imported where a calendar is parsed

    real = ical.parse_calendar

    def counting(data: bytes, *, source: str, **options):
        calls.append(source)
        return real(data, source=source, **options)

    monkeypatch.setattr(ical, "parse_calendar", counting)
    return calls


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path, parse_count: list[str]) -> None:
    (tmp_path / "cal.ics").write_bytes(CONTRACT_ICS)
    source = open_calendar(tmp_path, "cal.ics")
    first = source.read(*WINDOW)
    second = source.read(WINDOW[0], datetime(2030, 3, 15, tzinfo=ZONE))
    source.check()
    assert len(parse_count) == 1
    assert len(second.events) < len(first.events)


def test_a_replaced_file_is_parsed_again_even_with_the_same_size(
    tmp_path: Path, parse_count: list[str]
) -> None:
    path = tmp_path / "cal.ics"
    path.write_bytes(CONTRACT_ICS)
    source = open_calendar(tmp_path, "cal.ics")
    source.read(*WINDOW)
    moved = CONTRACT_ICS.replace(b"20300312T140000", b"20300312T160000").replace(
        b"20300312T150000", b"20300312T170000"
    )
    assert len(moved) == len(CONTRACT_ICS)
    tmp = tmp_path / "cal.ics.tmp"
    tmp.write_bytes(moved)
    os.replace(tmp, path)  # how export tools write: a new file under the old name
    (event,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert event.start.hour == 16
    assert len(parse_count) == 2


def test_a_half_written_file_keeps_its_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_bytes(CONTRACT_ICS)
    source = open_calendar(tmp_path, "cal.ics")
    before = source.read(*WINDOW)
    path.write_bytes(b"")  # caught between truncate and write
    during = source.read(*WINDOW)
    assert [e.uid for e in during.events] == [e.uid for e in before.events]
    assert during.problems and "last good version" in during.problems[0]
