"""Nothing dropped in silence (issue 15, item 4): declined and cancelled interviews are
listed, an event without UID keeps one key, a cut-off file gives what it holds, a broken
time zone costs only its own events, copies of one UID are chosen by their version (never
by file time alone), and what the user should know is said once per file."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import ACME, World, vevent
from interview_followup.daemon.calendar.ical import parse_calendar, read_calendar
from interview_followup.integrations.ics_calendar import IcsCalendar

CALENDARS = Path(__file__).parent / "calendars"
BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2024, 5, 1, tzinfo=timezone.utc), datetime(2024, 9, 1, tzinfo=timezone.utc))
AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview ended
BEFORE = "2026-11-16T10:00:00+01:00"


def ics(*events: str) -> bytes:
    body = "\n".join(events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tests//EN\n{body}\nEND:VCALENDAR\n".replace("\n", "\r\n").encode()


def event(uid: str, start: str, summary: str, *extra: str) -> str:
    head = [f"UID:{uid}"] if uid else []
    return "\n".join(["BEGIN:VEVENT", *head, f"DTSTART:{start}", "DURATION:PT1H",
                      f"SUMMARY:{summary}", *extra, "END:VEVENT"])


def write(path: Path, data: bytes, mtime: float) -> None:
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


# --- declined and cancelled interviews ------------------------------------------------------


def test_a_declined_interview_is_listed_in_status_and_gets_no_steps(world: World) -> None:
    world.set_calendar(ACME.replace("CN=Alex Example;PARTSTAT=ACCEPTED", "CN=Alex Example;PARTSTAT=DECLINED"))
    world.once(BEFORE)
    assert world.drafts() == [] and world.reminder_uids() == []
    status = world.cli("status", "--all", now=BEFORE).out  # closed ones are listed with --all
    assert "Acme" in status and "declined" in status
    assert "Acme" not in world.cli("status", now=BEFORE).out.partition("Applications")[2]


def test_an_interview_declined_after_its_reminders_exist_cancels_them(world: World) -> None:
    world.set_calendar(ACME)
    world.once(BEFORE)
    assert world.reminder_uids()
    world.set_calendar(ACME.replace("CN=Alex Example;PARTSTAT=ACCEPTED", "CN=Alex Example;PARTSTAT=DECLINED"))
    r = world.once(BEFORE)
    assert "cancel" in r.out
    assert world.reminder_uids() == [] and world.drafts() == []


def test_an_interview_cancelled_before_it_was_ever_seen_is_listed_as_cancelled(world: World) -> None:
    world.set_calendar(ACME.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT"))
    r = world.once(BEFORE)
    assert "as cancelled" in r.out
    assert world.reminder_uids() == [] and world.drafts() == []
    assert "cancelled" in world.cli("status", "--all", now=BEFORE).out


# --- an event without UID ---------------------------------------------------------------------


def test_an_event_without_uid_gets_the_same_key_on_every_read_and_one_line_saying_so() -> None:
    data = ics(event("", "20240612T080000Z", "Interview with Nakatomi", "ORGANIZER:mailto:hr@nakatomi.example",
                     "DESCRIPTION:first text"))
    first = read_calendar(data, start=WINDOW[0], end=WINDOW[1], tz=BERLIN, source="a.ics")
    again = read_calendar(data.replace(b"first text", b"edited text"), start=WINDOW[0], end=WINDOW[1],
                          tz=BERLIN, source="a.ics")
    (one,), (two,) = first.events, again.events
    assert one.uid == two.uid and one.uid.startswith("no-uid-")
    (problem,) = first.problems
    assert problem.startswith("a.ics: event 'Interview with Nakatomi' (no UID)") and one.uid in problem
    moved = read_calendar(data.replace(b"20240612T08", b"20240613T08"), start=WINDOW[0], end=WINDOW[1],
                          tz=BERLIN, source="a.ics")
    assert moved.events[0].uid != one.uid  # another start: another event


def test_an_interview_without_uid_keeps_its_loop_across_passes(world: World) -> None:
    no_uid = ACME.replace("UID:acme-1@test\n", "")
    world.set_calendar(no_uid)
    first = world.once(BEFORE)
    assert "no UID" in first.out
    reminders = world.reminder_uids()
    assert reminders
    r = world.once(AFTER)
    assert "cancel" not in r.out
    assert len(world.drafts()) == 1 and set(reminders) <= set(world.reminder_uids())


# --- a file cut off, a broken time zone ---------------------------------------------------------


def test_a_file_cut_off_gives_its_complete_events_and_a_problem_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.ics"
    shutil.copyfile(CALENDARS / "truncated_inside_an_event.ics", path)
    read = IcsCalendar(path, BERLIN).read(*WINDOW)  # no earlier good version to fall back on
    assert [e.summary for e in read.events] == ["Interview with Zürich Insurance",
                                               "Second interview with Zürich Insurance"]
    assert read.complete is False and read.bad_uids == {"cut-third@corpus.test"}
    assert any(p.startswith(f"{path}: ") and "cut off" in p for p in read.problems)
    assert not any("Windows-1252" in p for p in read.problems)  # cut inside a letter: still UTF-8


def test_a_malformed_time_zone_nobody_uses_costs_no_event() -> None:
    data = (CALENDARS / "malformed_vtimezones_used_and_unused.ics").read_bytes()
    read = read_calendar(data, start=WINDOW[0], end=WINDOW[1], tz=BERLIN, source="z.ics")
    assert sorted(e.uid for e in read.events) == ["zone-ok-berlin@corpus.test", "zone-ok-utc@corpus.test"]
    assert read.bad_uids == {"zone-broken@corpus.test"} and read.complete


# --- copies of one UID ------------------------------------------------------------------------


MOVED = event("moved@test", "20240612T120000Z", "Interview with Vandelay (moved)", "SEQUENCE:2",
              "DTSTAMP:20240605T000000Z")
ORIGINAL = event("moved@test", "20240612T080000Z", "Interview with Vandelay", "SEQUENCE:0",
                 "DTSTAMP:20240601T000000Z")


def test_the_older_invite_saved_again_in_another_file_does_not_move_the_interview_back(tmp_path: Path) -> None:
    write(tmp_path / "a-update.ics", ics(MOVED), 1_000_000)
    write(tmp_path / "b-invite.ics", ics(ORIGINAL), 2_000_000)  # saved later, but older
    read = IcsCalendar(tmp_path, BERLIN).read(*WINDOW)
    (chosen,) = read.events
    assert chosen.summary == "Interview with Vandelay (moved)"
    (problem,) = read.problems
    assert problem.startswith(f"{tmp_path / 'a-update.ics'}: event 'Interview with Vandelay (moved)' (UID 'moved@test')")
    assert "b-invite.ics" in problem and "SEQUENCE 2 from a-update.ics is used" in problem
    assert "b-invite.ics has SEQUENCE 0" in problem


def test_copies_in_two_files_are_told_apart_by_last_modified_then_dtstamp(tmp_path: Path) -> None:
    new = MOVED.replace("SEQUENCE:2", "SEQUENCE:0")
    write(tmp_path / "a.ics", ics(new), 1_000_000)
    write(tmp_path / "b.ics", ics(ORIGINAL), 2_000_000)
    source = IcsCalendar(tmp_path, BERLIN)
    read = source.read(*WINDOW)
    assert [e.summary for e in read.events] == ["Interview with Vandelay (moved)"]
    assert "DTSTAMP 2024-06-05 00:00:00 UTC from a.ics is used" in read.problems[0]
    write(tmp_path / "b.ics", ics(ORIGINAL.replace("DTSTAMP", "LAST-MODIFIED:20240610T000000Z\nDTSTAMP")), 2_000_001)
    read = source.read(*WINDOW)
    assert [e.summary for e in read.events] == ["Interview with Vandelay"]
    assert "LAST-MODIFIED 2024-06-10 00:00:00 UTC from b.ics is used" in read.problems[0]


def test_copies_with_the_same_version_fall_back_to_the_file_changed_last_and_say_so(tmp_path: Path) -> None:
    same = ORIGINAL.replace("Interview with Vandelay", "Interview with Vandelay (retitled)")
    write(tmp_path / "a.ics", ics(same), 2_000_000)
    write(tmp_path / "b.ics", ics(ORIGINAL), 1_000_000)
    read = IcsCalendar(tmp_path, BERLIN).read(*WINDOW)
    assert [e.summary for e in read.events] == ["Interview with Vandelay (retitled)"]
    (problem,) = read.problems
    assert "nothing tells which is newer" in problem and "a.ics, the file changed last" in problem


def test_the_same_invite_saved_twice_is_one_event_and_no_warning(tmp_path: Path) -> None:
    write(tmp_path / "invite.ics", ics(ORIGINAL), 1_000_000)
    write(tmp_path / "invite (1).ics", ics(ORIGINAL), 2_000_000)
    read = IcsCalendar(tmp_path, BERLIN).read(*WINDOW)
    assert len(read.events) == 1 and read.problems == []


def test_a_cancellation_saved_in_another_file_wins_by_sequence_whatever_the_file_times(tmp_path: Path) -> None:
    cancel = ORIGINAL.replace("SEQUENCE:0", "SEQUENCE:1\nSTATUS:CANCELLED")
    write(tmp_path / "cancel.ics", ics(cancel), 1_000_000)
    write(tmp_path / "invite.ics", ics(ORIGINAL), 2_000_000)
    (chosen,) = IcsCalendar(tmp_path, BERLIN).read(*WINDOW).events
    assert chosen.status == "cancelled"


# --- said once per file -----------------------------------------------------------------------


def test_floating_times_and_a_legacy_charset_are_one_line_each_per_file() -> None:
    floating = [event(f"f{i}@test", f"2024061{i}T100000", f"Interview round {i} with Umbrella ä") for i in (2, 3, 4)]
    data = ics(*floating).decode().encode("cp1252")
    parsed = parse_calendar(data, source="u.ics")
    reads = [parsed.between(*WINDOW, BERLIN) for _ in range(2)]
    assert reads[0].problems == reads[1].problems  # the same words on every read of the file
    (charset,) = [p for p in reads[0].problems if "Windows-1252" in p]
    (floats,) = [p for p in reads[0].problems if "floating" in p]
    assert charset.startswith("u.ics: the file is not UTF-8")
    assert floats.startswith("u.ics: event 'Interview round 2 with Umbrella ä' (UID 'f2@test')")
    assert "read in your time zone, Europe/Berlin; so are 2 other event(s)" in floats
    assert [e.summary for e in reads[0].events][0] == "Interview round 2 with Umbrella ä"


def test_a_floating_time_is_logged_once_by_the_daemon_not_on_every_poll(world: World, caplog) -> None:
    from interview_followup.daemon.clock import FixedClock
    from interview_followup.daemon.config import load
    from interview_followup.daemon.service.runner import Daemon

    world.set_calendar(vevent("float-1@test", "20261117T140000", "20261117T150000", "Interview with Acme",
                              tzid=""))
    d = Daemon(load(world.config), FixedClock(datetime.fromisoformat(BEFORE)))
    try:
        with caplog.at_level(logging.WARNING, logger="interview_followup.daemon.service.runner"):
            for _ in range(3):  # three polls of the unchanged file
                d.work()
    finally:
        d.watcher_stop.set()
        d._close()
    said = [r.getMessage() for r in caplog.records if "floating time" in r.getMessage()]
    assert len(said) == 1, said
    assert "calendar.ics: event 'Interview with Acme' (UID 'float-1@test')" in said[0]


def test_many_events_without_uid_in_one_file_are_one_line() -> None:
    data = ics(*(event("", f"2024061{i}T080000Z", f"Interview round {i}") for i in range(2, 7)))
    read = read_calendar(data, start=WINDOW[0], end=WINDOW[1], tz=BERLIN, source="n.ics")
    assert len({e.uid for e in read.events}) == 5
    (problem,) = read.problems
    assert problem.startswith("n.ics: event 'Interview round 2' (no UID)")
    assert "so are 4 other event(s) without UID" in problem
