"""The whole loop against a Google server that does not behave like Google (issue 13): a
third-party emulator that ignores the ``privateExtendedProperty`` filter, drops
``extendedProperties``, ignores the event ids a client gives and has no
``users.getProfile`` (a missing route answered 404 in plain text).

The reminders go to the very calendar the interviews are read from, beside the user's own
events (an interview and a dentist appointment). What must hold: no traceback, no write to
an event that is not ours, no duplicate, a clear reminders problem in ``status`` (text and
JSON) and ``doctor``, and the calendar and the mailbox keep working (drafts are written,
mail is read)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from conftest import World
from google_emulator import calendar_api, gmail_api
from google_emulator.fixtures import USER, running_emulator, write_token
from google_emulator.server import QUIRKS_OF_THE_REPORTED_SERVER, Emulator
from interview_followup.daemon.cli.main import EX_USER
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.integrations.google_api import SCOPES
from test_google_flow import AFTER, INTERVIEW_ID, interview_event
from test_google_flow import config as flow_config

DENTIST_ID = "dentistappt1"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def dentist_event() -> dict:
    return {
        "id": DENTIST_ID,
        "summary": "Dentist",
        "description": "Check-up with Dr. Weiss",
        "start": {"dateTime": "2026-11-18T09:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-11-18T09:30:00+01:00", "timeZone": "Europe/Berlin"},
    }


def config(endpoint: str) -> str:
    """The Google flow's config, reminders in the primary calendar, a little more patience."""
    return flow_config(endpoint, timeout=2, reminders='calendar_id = "primary"')


@pytest.fixture
def odd() -> Iterator[Emulator]:
    """One non-conforming server for Calendar and Gmail, departing from Google as the one of the report."""
    yield from running_emulator(calendar_api.install, lambda emulator: gmail_api.install(emulator, USER),
                                quirks=QUIRKS_OF_THE_REPORTED_SERVER)


@pytest.fixture
def world(tmp_path: Path, odd: Emulator) -> World:
    w = World(tmp_path, config(odd.url))
    write_token(tmp_path / "google-token.json", odd, SCOPES["calendar"] + SCOPES["gmail"])
    odd.calendar.add_event("primary", interview_event())
    odd.calendar.add_event("primary", dentist_event())
    return w


def users_events(odd: Emulator) -> dict[str, dict]:
    return {e["id"]: e for e in odd.calendar.events("primary", deleted=True) if e["id"] in (INTERVIEW_ID, DENTIST_ID)}


def drafts(odd: Emulator) -> dict[str, object]:
    return {d: message_from_bytes(raw, policy=default) for d, raw in odd.gmail.drafts_raw().items()}


def test_a_server_that_drops_the_key_gets_no_duplicate_and_the_users_events_are_never_touched(world, odd):
    before = users_events(odd)

    r = world.cli("once", now=AFTER)
    assert r.code == EX_USER, r.out + r.err  # the reminders need the user; nothing crashed
    assert "Traceback" not in r.out + r.err
    assert "add the interview with Acme (Backend Engineer)" in r.out
    assert "write the thank-you draft for Acme" in r.out  # the mailbox kept working
    assert "reminders" in r.err and "did not keep" in r.err
    (draft,) = drafts(odd).values()
    assert str(draft[KEY_HEADER]).endswith(".thank-you")
    # Gmail started without getProfile: the newest message's history id (an empty mailbox here)
    assert odd.count("GET", "/profile") >= 1

    # one reminder was written, read back without its key, deleted again; nothing else
    assert odd.count("POST", "/calendar/v3/calendars/primary/events") == 1
    live = [e for e in odd.calendar.events("primary") if e["id"] not in (INTERVIEW_ID, DENTIST_ID)]
    assert live == []

    # later passes write nothing to the calendar: no duplicate, ever
    for now in ("2026-11-17T18:30:00+01:00", "2026-11-17T19:00:00+01:00", "2026-11-18T12:00:00+01:00"):
        r = world.cli("once", now=now)
        assert r.code == EX_USER and "Traceback" not in r.out + r.err, r.out + r.err
        assert "did not keep" in r.err
    calendar_writes = [(m, p) for m, p in odd.writes if p.startswith("/calendar/")]
    assert [m for m, _ in calendar_writes] == ["POST", "DELETE"]  # the one reminder, and its removal
    (_, deleted), = [(m, p) for m, p in calendar_writes if m == "DELETE"]
    assert INTERVIEW_ID not in deleted and DENTIST_ID not in deleted

    # no write ever touched the user's events: not by path, and they are as they were
    for method, path in odd.writes:
        assert INTERVIEW_ID not in path and DENTIST_ID not in path, (method, path)
    assert users_events(odd) == before
    assert len(drafts(odd)) == 1  # the thank-you once, not again

    # status: one loop (our reminder was never read as an interview), the reminders problem said clearly
    data = json.loads(world.cli("status", "--json", now="2026-11-18T12:00:00+01:00").out)
    assert [loop["company"] for loop in data["loops"]] == ["Acme"]
    providers = data["providers"]
    assert providers["calendar"]["ok"] and providers["mailbox"]["ok"]
    assert not providers["reminders"]["ok"] and providers["reminders"]["problem"] == "user"
    assert "did not keep" in providers["reminders"]["detail"] and "primary" in providers["reminders"]["detail"]
    text = world.cli("status", now="2026-11-18T12:00:00+01:00").out
    assert "reminders:  NEEDS YOU since" in text and "did not keep" in text
    assert "calendar:   ok" in text and "mailbox:    ok" in text
    doctor = world.cli("doctor").out
    assert "FAIL  reminders: google reminders calendar:" in doctor and "did not keep" in doctor
    assert "ok    mailbox: gmail:" in doctor


def test_mail_is_still_read_from_a_history_id_found_without_get_profile(world, odd):
    world.cli("once", now=AFTER)
    (draft_id,) = odd.gmail.drafts
    odd.gmail.user_sends_draft(draft_id)  # the user presses Send in the emulator's "Gmail"
    r = world.cli("once", now="2026-11-17T19:00:00+01:00")
    assert "Traceback" not in r.out + r.err
    assert "note mail you sent about Acme" in r.out
    assert odd.count("GET", "/gmail/v1/users/me/history") >= 1  # read incrementally
    loop = json.loads(world.cli("status", "--json", now="2026-11-17T19:00:00+01:00").out)["loops"][0]
    assert {s["name"]: s["state"] for s in loop["steps"]}["thank-you"] == "done"


def test_a_reminder_left_behind_without_its_key_is_never_read_as_an_interview(world, odd, monkeypatch):
    real = odd.dispatch

    def deletes_fail(method, raw_path, body, content_type):
        if method == "DELETE":
            return 503, {"error": {"code": 503, "message": "backend error"}}
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(odd, "dispatch", deletes_fail)  # the reminder just written cannot be deleted again
    r = world.cli("once", now=AFTER)
    assert r.code == EX_USER and "Traceback" not in r.out + r.err, r.out + r.err
    (left,) = [e for e in odd.calendar.events("primary") if e["id"] not in (INTERVIEW_ID, DENTIST_ID)]
    assert "extendedProperties" not in left and not left["id"].startswith("ifu")  # only its footer tells
    assert left["description"].endswith(")") and "(interview-followup reminder " in left["description"]

    for now in ("2026-11-17T18:30:00+01:00", "2026-11-18T12:00:00+01:00"):
        r = world.cli("once", now=now)
        assert r.code == EX_USER and "add the interview" not in r.out, r.out + r.err
    data = json.loads(world.cli("status", "--json", now="2026-11-18T12:00:00+01:00").out)
    assert [loop["company"] for loop in data["loops"]] == ["Acme"]
    assert odd.count("POST", "/calendar/v3/calendars/primary/events") == 1
