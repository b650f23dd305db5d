"""What every ``ReminderSink`` must do, whatever calendar is behind it.

A provider's test module subclasses ``ReminderSinkContract`` (name it ``Test...``) and
provides:

- fixture ``sink``: an open sink on an empty calendar;
- method ``stored_keys(sink)``: the keys of every reminder actually stored, one entry per
  stored object (so that duplicates show), read from the calendar itself.

Puts and removes are durable once ``flush`` returned (a sink may keep them until then, as
the .ics file does to write once per pass); ``find`` sees them at once. The tests flush
before they read the calendar itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.model import Reminder
from interview_followup.daemon.providers import ReminderSink

BERLIN = ZoneInfo("Europe/Berlin")


def make_reminder(key: str = "3f2a9c1b.thank-you-reminder", **changes) -> Reminder:
    base = Reminder(
        key=key,
        title="Send the thank-you to Zoë Ångström",
        start=datetime(2026, 11, 17, 17, 30, tzinfo=BERLIN),
        description="Check the draft in Drafts.\nThen send it; names, commas \\ and all.",
        duration=timedelta(minutes=20),
        alarm_before=timedelta(minutes=10),
    )
    return replace(base, **changes)


class ReminderSinkContract:
    @pytest.fixture
    def sink(self) -> ReminderSink:
        raise NotImplementedError("the provider's test module provides the sink fixture")

    def stored_keys(self, sink: ReminderSink) -> list[str]:
        raise NotImplementedError

    def test_it_names_where_reminders_go_on_one_line(self, sink):
        place = sink.place()
        assert place.strip() and "\n" not in place

    def test_it_is_a_reminder_sink(self, sink):
        assert isinstance(sink, ReminderSink)

    def test_put_then_find_round_trips(self, sink):
        reminder = make_reminder()
        sink.put(reminder)
        found = sink.find(reminder.key)
        assert found == reminder  # aware datetimes compare as instants
        assert found.start.utcoffset() is not None

    def test_round_trip_of_defaults_and_a_utc_start(self, sink):
        reminder = Reminder(key="aaaaaaaa.debrief", title="Debrief", start=datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc))
        sink.put(reminder)
        assert sink.find(reminder.key) == reminder

    def test_a_task_with_a_link_to_its_draft_round_trips(self, sink):
        task = make_reminder(task=True, link="https://mail.google.com/mail/#search/rfc822msgid%3Aabc%40example.org")
        sink.put(task)
        assert sink.find(task.key) == task
        plain = replace(task, task=False, link="")
        sink.put(plain)
        assert sink.find(task.key) == plain
        sink.flush()
        assert self.stored_keys(sink) == [task.key]

    def test_put_twice_keeps_one_and_updates_it(self, sink):
        sink.put(make_reminder())
        moved = make_reminder(title="Moved", start=datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN), alarm_before=timedelta(0))
        sink.put(moved)
        sink.put(moved)
        assert sink.find(moved.key) == moved
        sink.flush()
        assert self.stored_keys(sink) == [moved.key]

    def test_reminders_are_told_apart_by_key(self, sink):
        a = make_reminder("aaaaaaaa.debrief", title="A")
        b = make_reminder("bbbbbbbb.follow-up-reminder", title="B")
        sink.put(a)
        sink.put(b)
        sink.remove(a.key)
        assert sink.find(a.key) is None
        assert sink.find(b.key) == b
        sink.flush()
        assert self.stored_keys(sink) == [b.key]

    def test_remove(self, sink):
        reminder = make_reminder()
        sink.put(reminder)
        sink.remove(reminder.key)
        assert sink.find(reminder.key) is None
        sink.flush()
        assert self.stored_keys(sink) == []

    def test_removing_an_absent_reminder_is_fine(self, sink):
        sink.remove("00000000.nothing")
        sink.put(make_reminder())
        sink.remove("00000000.nothing")
        sink.remove(make_reminder().key)
        sink.remove(make_reminder().key)
        assert sink.find(make_reminder().key) is None

    def test_an_unknown_key_finds_nothing(self, sink):
        assert sink.find("00000000.nothing") is None
        sink.put(make_reminder())
        assert sink.find("00000000.nothing") is None

    def test_puts_and_removes_are_stored_once_flushed(self, sink):
        a = make_reminder("aaaaaaaa.debrief", title="A")
        b = make_reminder("bbbbbbbb.follow-up-reminder", title="B")
        c = make_reminder("cccccccc.thank-you-reminder", title="C")
        sink.put(a)
        sink.put(b)
        sink.put(c)
        sink.remove(a.key)
        moved = replace(b, title="B moved")
        sink.put(moved)
        # seen before the flush
        assert sink.find(a.key) is None
        assert sink.find(b.key) == moved
        sink.flush()
        assert sorted(self.stored_keys(sink)) == sorted([b.key, c.key])
        assert sink.find(b.key) == moved and sink.find(c.key) == c
        sink.remove(c.key)
        sink.flush()
        assert self.stored_keys(sink) == [b.key]

    def test_a_flush_with_nothing_to_write_is_fine(self, sink):
        sink.flush()
        sink.flush()
        sink.put(make_reminder())
        sink.flush()
        sink.flush()
        assert self.stored_keys(sink) == [make_reminder().key]
