"""The .ics reminder file: the contract, plus what only a shared file can get wrong."""

from __future__ import annotations

import os
import stat
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from contracts.reminder_contract import ReminderSinkContract, make_reminder

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.keys import key_from_uid, reminder_uid
from interview_followup.daemon.model import Reminder
from interview_followup.daemon.providers import ProviderContext, provider_class
from interview_followup.integrations.ics_reminders import IcsReminders, Settings

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 17, 12, 0, tzinfo=timezone.utc)


def context(base: Path, clock: FixedClock | None = None, dry_run: bool = False) -> ProviderContext:
    return ProviderContext(
        timezone=BERLIN,
        base_dir=base,
        data_dir=base / "data",
        user_emails=(),
        clock=clock or FixedClock(T0),
        dry_run=dry_run,
    )


def open_sink(base: Path, clock: FixedClock | None = None, dry_run: bool = False, **settings) -> IcsReminders:
    return IcsReminders.open(Settings(**settings), context(base, clock, dry_run))


def put_now(sink: IcsReminders, reminder: Reminder) -> None:
    """Put ``reminder`` and flush it to the file."""
    sink.put(reminder)
    sink.flush()


def events(path: Path) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


class TestIcsContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path):
        return open_sink(tmp_path)

    def stored_keys(self, sink):
        if not sink.path.exists():
            return []
        return sorted(key_from_uid(str(e["UID"])) for e in events(sink.path) if key_from_uid(str(e["UID"])))


FOREIGN = (
    "BEGIN:VCALENDAR\n"
    "VERSION:2.0\n"
    "PRODID:-//Someone//Their App//EN\n"
    "X-WR-CALNAME:Mine\n"
    "X-CUSTOM;X-PARAM=\"a:b\":kept as is\n"
    "BEGIN:VTIMEZONE\n"
    "TZID:Europe/Berlin\n"
    "BEGIN:STANDARD\n"
    "DTSTART:19701025T030000\n"
    "TZOFFSETFROM:+0200\n"
    "TZOFFSETTO:+0100\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\n"
    "END:STANDARD\n"
    "END:VTIMEZONE\n"
    "BEGIN:VEVENT\n"
    "UID:dentist-42@example.com\n"
    "DTSTAMP:20260101T000000Z\n"
    "DTSTART;TZID=Europe/Berlin:20261120T090000\n"
    "DTEND;TZID=Europe/Berlin:20261120T100000\n"
    "SUMMARY:Dentist\\, upstairs\n"
    "DESCRIPTION:A long description that the other program folded over two li\n"
    " nes\\, exactly like this.\n"
    "X-THEIRS;VALUE=TEXT:whatever\n"
    "END:VEVENT\n"
    "BEGIN:VTODO\n"
    "UID:todo-1@example.com\n"
    "DTSTAMP:20260101T000000Z\n"
    "SUMMARY:Buy milk\n"
    "END:VTODO\n"
    "END:VCALENDAR\n"
)


def test_a_new_file_is_a_valid_calendar_with_an_alarm_that_has_a_description(tmp_path):
    sink = open_sink(tmp_path)
    assert not (tmp_path / "reminders.ics").exists()
    sink.put(make_reminder())
    assert not (tmp_path / "reminders.ics").exists()  # written by the flush
    sink.flush()
    raw = (tmp_path / "reminders.ics").read_bytes()
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["PRODID"]) and str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Interview follow-ups"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == reminder_uid(make_reminder().key)
    assert event.decoded("DTSTART") == datetime(2026, 11, 17, 16, 30, tzinfo=timezone.utc)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=20)
    assert event.decoded("DTSTAMP") == T0
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == make_reminder().title
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=10)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))


def test_an_alarm_has_a_description_even_without_a_title(tmp_path):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder(title=""))
    (alarm,) = events(tmp_path / "reminders.ics")[0].walk("VALARM")
    assert str(alarm["DESCRIPTION"]).strip()


def test_every_uid_stays_unique(tmp_path):
    sink = open_sink(tmp_path)
    for i in range(5):
        for key in ("a.debrief", "b.follow-up-reminder", "c.thank-you-reminder"):
            sink.put(make_reminder(key, title=f"{key} {i % 2}"))
        sink.flush()
    uids = Counter(str(e["UID"]) for e in events(tmp_path / "reminders.ics"))
    assert sorted(uids) == sorted(reminder_uid(k) for k in ("a.debrief", "b.follow-up-reminder", "c.thank-you-reminder"))
    assert set(uids.values()) == {1}


def test_duplicates_found_in_the_file_are_collapsed(tmp_path):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    path = tmp_path / "reminders.ics"
    text = path.read_bytes().decode()
    block = text[text.index("BEGIN:VEVENT"): text.index("END:VEVENT") + len("END:VEVENT\r\n")]
    path.write_bytes(text.replace(block, block + block).encode())
    put_now(sink, make_reminder(title="Changed"))
    assert [str(e["SUMMARY"]) for e in events(path)] == ["Changed"]


def test_foreign_events_and_properties_are_preserved_line_for_line(tmp_path):
    path = tmp_path / "reminders.ics"
    path.write_text(FOREIGN)
    sink = open_sink(tmp_path)
    sink.put(make_reminder())
    sink.put(make_reminder("b.debrief"))
    sink.remove(make_reminder().key)
    sink.flush()
    out = path.read_bytes().decode()
    foreign_lines = FOREIGN.replace("X-WR-CALNAME:Mine\n", "").replace("END:VCALENDAR\n", "")
    assert foreign_lines.replace("\n", "\r\n") in out.replace("X-WR-CALNAME:Interview follow-ups\r\n", "")
    cal = icalendar.Calendar.from_ical(out)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["dentist-42@example.com", reminder_uid("b.debrief")]
    assert [str(t["UID"]) for t in cal.walk("VTODO")] == ["todo-1@example.com"]
    assert str(cal["X-WR-CALNAME"]) == "Interview follow-ups"
    assert str(cal["PRODID"]) == "-//Someone//Their App//EN"
    sink.remove("b.debrief")
    assert sink.find("b.debrief") is None
    sink.flush()
    assert "dentist-42@example.com" in path.read_text() and reminder_uid("b.debrief") not in path.read_text()


def test_an_unchanged_put_writes_nothing(tmp_path, monkeypatch):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    path = tmp_path / "reminders.ics"
    before = path.read_bytes()
    before_stat = path.stat()

    def refuse(*args, **kwargs):
        raise AssertionError("wrote an unchanged file")

    monkeypatch.setattr(os, "replace", refuse)
    later = open_sink(tmp_path, clock=FixedClock(T0 + timedelta(days=1)))
    later.put(make_reminder())
    later.put(make_reminder(start=make_reminder().start.astimezone(timezone.utc)))  # the same instant
    later.remove("not.there")
    later.flush()
    assert path.read_bytes() == before
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before_stat.st_ino, before_stat.st_mtime_ns)


def test_a_changed_put_gets_a_new_stamp_and_a_higher_sequence(tmp_path):
    later = T0 + timedelta(hours=5)
    first, second = open_sink(tmp_path), open_sink(tmp_path, clock=FixedClock(later))
    first.put(make_reminder())
    first.flush()
    second.put(make_reminder(title="Moved"))
    second.flush()
    (event,) = events(tmp_path / "reminders.ics")
    assert event.decoded("DTSTAMP") == later
    assert int(event["SEQUENCE"]) == 1
    assert str(event["SUMMARY"]) == "Moved"


def test_the_calendar_name_follows_the_settings(tmp_path):
    for sink in (open_sink(tmp_path), open_sink(tmp_path, calendar_name="Bewerbungen; Nachfassen")):
        sink.put(make_reminder())
        sink.flush()
    cal = icalendar.Calendar.from_ical((tmp_path / "reminders.ics").read_bytes())
    assert str(cal["X-WR-CALNAME"]) == "Bewerbungen; Nachfassen"
    assert (tmp_path / "reminders.ics").read_text().count("X-WR-CALNAME") == 1


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a calendar",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",  # truncated
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\na line that is no content line\r\nEND:VCALENDAR\r\n",
    ],
)
def test_a_corrupt_file_needs_the_user_and_is_left_untouched(tmp_path, content):
    path = tmp_path / "reminders.ics"
    path.write_bytes(content)
    mtime = path.stat().st_mtime_ns
    sink = open_sink(tmp_path)
    for action in (lambda: sink.put(make_reminder()), lambda: sink.remove("a.b"), lambda: sink.find("a.b")):
        with pytest.raises(NeedsUser) as err:
            action()
        assert str(path) in str(err.value)
        assert "reminders.path" in str(err.value)
    sink.flush()
    assert path.read_bytes() == content and path.stat().st_mtime_ns == mtime
    assert not sink.check()[0].ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reminders.ics"]


def test_an_unreadable_file_needs_the_user(tmp_path, monkeypatch):
    path = tmp_path / "reminders.ics"
    path.write_text(FOREIGN)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(NeedsUser) as err:
        open_sink(tmp_path).find("a.b")
    assert str(path) in str(err.value) and "reminders.path" in str(err.value)


def test_an_empty_file_is_taken_as_a_new_calendar(tmp_path):
    (tmp_path / "reminders.ics").write_text("")
    sink = open_sink(tmp_path)
    assert sink.find("a.b") is None
    sink.put(make_reminder())
    assert sink.find(make_reminder().key) == make_reminder()


def test_dry_run_writes_nothing(tmp_path):
    sink = open_sink(tmp_path, dry_run=True)
    sink.put(make_reminder())
    sink.flush()
    assert not (tmp_path / "reminders.ics").exists()
    real = open_sink(tmp_path)
    real.put(make_reminder())
    real.flush()
    before = (tmp_path / "reminders.ics").read_bytes()
    dry = open_sink(tmp_path, dry_run=True)
    dry.put(make_reminder(title="changed"))
    dry.remove(make_reminder().key)
    dry.flush()
    assert (tmp_path / "reminders.ics").read_bytes() == before
    assert dry.find(make_reminder().key) == make_reminder()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    before = (tmp_path / "reminders.ics").read_bytes()

    def broken(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken)
    sink.put(make_reminder(title="changed"))
    with pytest.raises(Transient):
        sink.flush()
    assert (tmp_path / "reminders.ics").read_bytes() == before
    assert sink.find(make_reminder().key) == make_reminder()  # the change was dropped: read again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reminders.ics"]


def test_the_write_is_fsynced_then_replaced_then_the_folder_fsynced(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode))) or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: calls.append(("replace", Path(b).name)) or real_replace(a, b))
    sink = open_sink(tmp_path)
    sink.put(make_reminder())
    assert calls == []
    sink.flush()
    assert calls == [("fsync", False), ("replace", "reminders.ics"), ("fsync", True)]


def test_a_file_changed_by_someone_else_meanwhile_is_not_clobbered(tmp_path, monkeypatch):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    path = tmp_path / "reminders.ics"
    real_load = IcsReminders._load

    def load_then_someone_writes(self):
        result = real_load(self)
        path.write_text(FOREIGN)
        return result

    monkeypatch.setattr(IcsReminders, "_load", load_then_someone_writes)
    sink.put(make_reminder(title="changed"))
    with pytest.raises(Transient):
        sink.flush()
    assert path.read_text() == FOREIGN


def test_file_mode_is_at_most_0644_and_a_stricter_mode_is_kept(tmp_path):
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    path = tmp_path / "reminders.ics"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.chmod(path, 0o600)
    put_now(sink, make_reminder(title="changed"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o666)
    put_now(sink, make_reminder(title="changed again"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_symlinked_file_is_written_through_the_link(tmp_path):
    real = tmp_path / "synced" / "calendar.ics"
    real.parent.mkdir()
    real.write_text(FOREIGN)
    (tmp_path / "reminders.ics").symlink_to(real)
    sink = open_sink(tmp_path)
    put_now(sink, make_reminder())
    assert (tmp_path / "reminders.ics").is_symlink()
    assert reminder_uid(make_reminder().key) in real.read_text()


def test_a_missing_folder_is_created(tmp_path):
    sink = open_sink(tmp_path, path=Path("out/calendars/reminders.ics"))
    put_now(sink, make_reminder())
    assert (tmp_path / "out" / "calendars" / "reminders.ics").exists()


def test_an_event_of_ours_edited_by_hand_is_still_read(tmp_path):
    path = tmp_path / "reminders.ics"
    uid = reminder_uid("x.debrief")
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Europe/Berlin:20261117T180000\n"
        "DURATION:PT30M\nSUMMARY:Debrief\nBEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Debrief\n"
        "TRIGGER;VALUE=DATE-TIME:20261117T165500Z\nEND:VALARM\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:floating@example.com\nDTSTAMP:20260101T000000Z\nDTSTART:20261117T180000\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    found = open_sink(tmp_path).find("x.debrief")
    assert found == Reminder(
        key="x.debrief", title="Debrief", start=datetime(2026, 11, 17, 18, 0, tzinfo=BERLIN),
        duration=timedelta(minutes=30), alarm_before=timedelta(minutes=5),
    )


def test_an_unreadable_event_of_ours_is_replaced_by_the_next_put(tmp_path):
    path = tmp_path / "reminders.ics"
    uid = reminder_uid(make_reminder().key)
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//EN\n"
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:notadate\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    sink = open_sink(tmp_path)
    assert sink.find(make_reminder().key) is None
    sink.put(make_reminder())
    assert sink.find(make_reminder().key) == make_reminder()
    sink.flush()
    assert len(events(path)) == 1


def test_times_are_kept_to_the_second_and_text_is_cleaned(tmp_path):
    sink = open_sink(tmp_path)
    r = make_reminder(
        start=datetime(2026, 11, 17, 9, 0, 5, 123456, tzinfo=BERLIN),
        title="A\r\nB\x00C",
        description="one\r\ntwo\rthree",
        alarm_before=timedelta(0),
    )
    sink.put(r)
    found = sink.find(r.key)
    assert found.start == datetime(2026, 11, 17, 9, 0, 5, tzinfo=BERLIN)
    assert found.title == "A\nBC"
    assert found.description == "one\ntwo\nthree"
    assert found.alarm_before == timedelta(0)


def test_bad_reminders_are_bugs(tmp_path):
    sink = open_sink(tmp_path)
    with pytest.raises(ValueError):
        sink.put(make_reminder(start=datetime(2026, 11, 17, 9, 0)))
    with pytest.raises(ValueError):
        sink.put(make_reminder("a,b"))
    with pytest.raises(ValueError):
        sink.put(make_reminder(duration=timedelta(minutes=-1)))
    sink.flush()
    assert not (tmp_path / "reminders.ics").exists()


def test_check(tmp_path):
    sink = open_sink(tmp_path)
    (missing,) = sink.check()
    assert missing.ok and "created" in missing.detail
    (tmp_path / "reminders.ics").write_text(FOREIGN)
    put_now(sink, make_reminder())
    (ok,) = sink.check()
    assert ok.ok and "1 reminder(s)" in ok.detail and "3 other" in ok.detail


def test_the_entry_point_names_this_class():
    assert provider_class("reminders", "ics") is IcsReminders


# --- one write per pass (issue 17) -------------------------------------------------------


def test_a_pass_of_many_changes_writes_the_file_once(tmp_path, monkeypatch):
    from interview_followup.integrations import ics_reminders

    path = tmp_path / "reminders.ics"
    path.write_text(FOREIGN)
    writes = []
    real = ics_reminders.replace_file
    monkeypatch.setattr(ics_reminders, "replace_file", lambda *a: writes.append(a[0]) or real(*a))
    sink = open_sink(tmp_path)
    inode = path.stat().st_ino
    keys = [f"{i:08x}.thank-you-reminder" for i in range(40)]
    for key in keys:
        sink.put(make_reminder(key, title=key))
    for key in keys[:5]:
        sink.remove(key)
    sink.put(make_reminder(keys[6], title="changed"))
    assert writes == [] and path.stat().st_ino == inode and path.read_text() == FOREIGN
    assert sink.find(keys[6]).title == "changed" and sink.find(keys[0]) is None  # seen before the flush
    sink.flush()
    assert len(writes) == 1 and path.stat().st_ino != inode
    stored = [key_from_uid(str(e["UID"])) for e in events(path)]
    assert stored == [None, *keys[5:]]  # the dentist, then ours once each
    assert "dentist-42@example.com" in path.read_text()
    sink.flush()  # nothing changed since: nothing written
    sink.put(make_reminder(keys[6], title="changed"))  # unchanged
    sink.flush()
    assert len(writes) == 1


def test_a_file_changed_by_someone_else_between_puts_drops_the_changes_and_the_flush_says_so(tmp_path):
    path = tmp_path / "reminders.ics"
    sink = open_sink(tmp_path)
    sink.put(make_reminder("a.debrief"))
    path.write_text(FOREIGN)  # someone else, before the flush
    with pytest.raises(Transient):
        sink.put(make_reminder("b.debrief"))
    with pytest.raises(Transient):  # a.debrief was never written: it must not pass for written
        sink.flush()
    assert path.read_text() == FOREIGN
    assert sink.find("a.debrief") is None
    sink.flush()  # reported once; nothing left to write
    put_now(sink, make_reminder("a.debrief"))  # the next pass does it again
    assert [str(e["UID"]) for e in events(path)] == ["dentist-42@example.com", reminder_uid("a.debrief")]


def test_a_file_changed_by_someone_else_after_the_last_put_is_not_clobbered(tmp_path):
    path = tmp_path / "reminders.ics"
    sink = open_sink(tmp_path)
    sink.put(make_reminder())
    path.write_text(FOREIGN)
    with pytest.raises(Transient):
        sink.flush()
    assert path.read_text() == FOREIGN
    sink.flush()
    assert sink.find(make_reminder().key) is None


def test_close_drops_changes_not_flushed(tmp_path):
    sink = open_sink(tmp_path)
    sink.put(make_reminder())
    sink.close()
    sink.flush()
    assert not (tmp_path / "reminders.ics").exists()
    assert sink.find(make_reminder().key) is None


def test_a_put_that_fails_keeps_the_changes_before_it(tmp_path):
    sink = open_sink(tmp_path)
    sink.put(make_reminder("a.debrief"))
    with pytest.raises(ValueError):
        sink.put(make_reminder("b.debrief", start=datetime(2026, 11, 17, 9, 0)))  # naive: a bug
    sink.flush()
    assert [key_from_uid(str(e["UID"])) for e in events(tmp_path / "reminders.ics")] == ["a.debrief"]
