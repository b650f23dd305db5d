"""The whole loop with the calendar and the reminders on a real Radicale (CalDAV) and the
drafts in a local Maildir, through the command line."""

from __future__ import annotations

import json
from datetime import timedelta

import icalendar
import pytest

from conftest import ACME, World, config, vcalendar
from interview_followup.daemon.keys import key_from_uid
from servers.fixtures import caldav_user, radicale_server  # noqa: F401
from servers.radicale import Radicale

BEFORE = "2026-11-16T09:00:00+01:00"
AFTER = "2026-11-17T16:00:00+01:00"
PASSWORD_ENV = "TEST_CALDAV_PASSWORD"
REMINDERS = "Interview follow-ups"


class CalDavWorld(World):
    """A user whose interviews and reminders live on a CalDAV server."""

    def __init__(self, root, server: Radicale, user: str):
        self.server, self.user = server, user
        account = f'url = "{server.url}"\nusername = "{user}"\npassword_env = "{PASSWORD_ENV}"\ntimeout_seconds = 10\n'
        self.interviews = server.make_calendar(user, "Interviews")
        super().__init__(root, config(
            calendar=f'kind = "caldav"\n{account}calendars = ["Interviews"]\n',
            reminders=f'kind = "caldav"\n{account}calendar = "{REMINDERS}"\ntasks = true\n',
        ))

    def set_calendar(self, *events: str) -> None:
        """The events, one object each, replacing what the calendar held."""
        for name in self.server.objects(self.interviews, self.user):
            self.server.delete(self.interviews + name, self.user)
        for i, event in enumerate(events):
            self.server.put(self.interviews, vcalendar(event).replace("\n", "\r\n"), name=f"event-{i}.ics")

    def stored(self, kind: str = "VEVENT") -> list:
        url = self.server.calendars_of(self.user).get(REMINDERS)
        if url is None:
            return []
        return [c for text in self.server.objects(url, self.user).values()
                for c in icalendar.Calendar.from_ical(text).walk(kind)]

    def reminder_keys(self) -> list[str]:
        return sorted(key_from_uid(str(e["UID"])) or "" for e in self.stored())

    def loop_status(self, now: str) -> str:
        return json.loads(self.cli("status", "--json", now=now).out)["loops"][0]["status"]


@pytest.fixture
def world(tmp_path, radicale_server, caldav_user, monkeypatch) -> CalDavWorld:
    monkeypatch.setenv(PASSWORD_ENV, radicale_server.password)
    w = CalDavWorld(tmp_path / "home", radicale_server, caldav_user)
    w.set_calendar(ACME)
    return w


def test_the_whole_loop_runs_on_caldav(world):
    r = world.once(BEFORE)
    assert "add the interview with Acme" in r.out
    before = world.reminder_keys()
    assert any(k.endswith(".debrief") for k in before)  # reminders planned ahead, in the CalDAV calendar

    world.once(AFTER)
    assert [k.endswith(".thank-you") for k in world.draft_keys()] == [True]
    keys = world.reminder_keys()
    assert any(k.endswith(".thank-you-reminder") for k in keys)
    todos = sorted(str(t["UID"]).split("@")[0] for t in world.stored("VTODO"))
    # each reminder that asks for an action has a to-do beside it; the debrief has none
    assert todos and set(todos) < set(keys) and any(t.endswith(".thank-you-reminder") for t in todos)
    assert not any(t.endswith(".debrief") for t in todos)
    assert "nothing to do" in world.once(AFTER).out
    assert world.reminder_keys() == keys and len(world.stored("VTODO")) == len(todos)

    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
                  date="Tue, 17 Nov 2026 16:30:00 +0100", body="Thank you, Alex. It was a pleasure to meet you too. We have decided to move forward "
                       "with other candidates, though.")
    r = world.once("2026-11-17T17:00:00+01:00")
    assert world.loop_status("2026-11-17T17:00:00+01:00") == "closed", r.out
    # the follow-up is no longer needed: its reminder and its to-do are gone
    assert not any(k.endswith(".followup-reminder") for k in world.reminder_keys())
    assert not any(".followup-reminder" in str(t["UID"]) for t in world.stored("VTODO"))


def test_a_moved_interview_moves_its_reminders_without_duplicating_them(world):
    world.once(BEFORE)
    before = world.reminder_keys()
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in world.stored()}
    world.set_calendar(ACME.replace("20261117T140000", "20261118T140000").replace("20261117T150000", "20261118T150000"))
    r = world.once("2026-11-16T10:00:00+01:00")
    assert "move" in r.out
    assert world.reminder_keys() == before
    moved = {str(e["UID"]): e.decoded("DTSTART") for e in world.stored()}
    debrief = next(uid for uid in starts if ".debrief@" in uid)
    assert moved[debrief] - starts[debrief] == timedelta(days=1)


def test_an_event_deleted_on_the_server_cancels_its_loop(world):
    world.once(AFTER)  # after the interview: only the deletion, reported as cancelled, can tell
    assert world.draft_keys() and world.reminder_keys()
    world.set_calendar()
    r = world.once("2026-11-17T16:30:00+01:00")
    assert "cancel the loop for Acme" in r.out, r.out
    assert world.loop_status("2026-11-17T16:30:00+01:00") == "cancelled"
    assert world.reminder_keys() == [] and world.stored("VTODO") == []


def test_doctor_shows_both_caldav_providers_and_never_the_password(world):
    r = world.cli("doctor")
    assert r.code == 0, r.out + r.err
    assert "caldav calendar" in r.out and "'Interviews'" in r.out
    assert "caldav reminders calendar" in r.out
    assert world.server.password not in r.out + r.err


def test_a_wrong_password_marks_the_calendar_for_re_authorisation_while_the_rest_keeps_working(
        world, monkeypatch, tmp_path):
    world.once(BEFORE)
    monkeypatch.setenv(PASSWORD_ENV, "not the password")
    r = world.cli("once", now=AFTER)
    assert r.code == 2
    status = json.loads(world.cli("status", "--json", now=AFTER).out)
    assert status["providers"]["calendar"]["problem"] == "sign-in"
    assert status["providers"]["mailbox"]["ok"]
    assert world.draft_keys(), "the drafts were written all the same"
    assert "not the password" not in r.out + r.err
