"""The whole follow-up loop on the Google providers alone: interviews read from Google
Calendar, drafts in Gmail, reminders in a Google calendar of their own, all on the local
emulator (tests/google_emulator) and driven through the real command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from conftest import World
from interview_followup.daemon.cli.main import EX_USER
from interview_followup.daemon.keys import KEY_HEADER
from google_emulator import calendar_api, gmail_api
from google_emulator.fixtures import USER, running_emulator, write_token
from google_emulator.server import Emulator
from interview_followup.integrations.google_api import SCOPES
from interview_followup.integrations.google_calendar import KEY_PROPERTY

REMINDERS_CALENDAR = "Interview follow-ups"
INTERVIEW_ID = "acmeinterview1"
AFTER = "2026-11-17T18:00:00+01:00"  # the interview ended at 15:00
FOLLOWUP_DAY = "2026-11-23T09:00:00+01:00"  # Tue 17 + 4 days is Saturday: Monday morning
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# what `init` asks for with these settings (the program's own reminders calendar needs its own scopes)
CALENDAR_SCOPES = SCOPES["calendar"] + SCOPES.get("own_calendar", [])


def interview_event(**changes) -> dict:
    """An interview as Google Calendar holds it: the user's own entry is marked ``self``."""
    body = {
        "id": INTERVIEW_ID,
        "iCalUID": "acme-1@test",
        "summary": "Acme – Backend Engineer",
        "description": "Second round with the platform team. #interview",
        "start": {"dateTime": "2026-11-17T14:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-11-17T15:00:00+01:00", "timeZone": "Europe/Berlin"},
        "organizer": {"email": "jane.doe@acme.example", "displayName": "Jane Doe"},
        "attendees": [
            {"email": "jane.doe@acme.example", "displayName": "Jane Doe", "responseStatus": "accepted",
             "organizer": True},
            {"email": USER, "displayName": "Alex Example", "responseStatus": "accepted", "self": True},
        ],
    }
    body.update(changes)
    return body


def config(endpoint: str, mail_token: str = "google-token.json", timeout: int = 1,
           reminders: str = f'create_calendar = "{REMINDERS_CALENDAR}"') -> str:
    """The user's config with all three providers on Google at ``endpoint``; ``reminders``:
    where the reminders go (their own calendar by default)."""
    account = f'api_endpoint = "{endpoint}"\ntimeout_seconds = {timeout}\n'
    return f"""\
[profile]
name = "Alex Example"
email = "{USER}"
timezone = "Europe/Berlin"
fit = "my years of backend work match what the team needs."

[state]
dir = "state"

[calendar]
kind = "google"
token_file = "google-token.json"
{account}
[mailbox]
kind = "gmail"
token_file = "{mail_token}"
{account}
[reminders]
kind = "google"
{reminders}
token_file = "google-token.json"
{account}"""


@pytest.fixture
def google() -> Iterator[Emulator]:
    """One emulator serving Calendar v3 and Gmail v1, as one Google account."""
    yield from running_emulator(calendar_api.install, lambda emulator: gmail_api.install(emulator, USER))


@pytest.fixture
def world(tmp_path: Path, google: Emulator) -> World:
    w = World(tmp_path, config(google.url))
    write_token(tmp_path / "google-token.json", google, CALENDAR_SCOPES + SCOPES["gmail"])
    google.calendar.add_event("primary", interview_event())
    return w


# --- looking at the emulator ---------------------------------------------------------------


def drafts(google: Emulator) -> dict[str, EmailMessage]:
    """Gmail's drafts by draft id, each parsed from its raw bytes."""
    return {d: message_from_bytes(raw, policy=default) for d, raw in google.gmail.drafts_raw().items()}


def steps_of(found: dict[str, EmailMessage]) -> set[str]:
    return {str(m[KEY_HEADER]).partition(".")[2] for m in found.values()}


def draft_for(google: Emulator, step: str) -> tuple[str, EmailMessage]:
    (found,) = [(d, m) for d, m in drafts(google).items() if str(m[KEY_HEADER]).endswith(f".{step}")]
    return found


def reminders(google: Emulator) -> dict[str, dict]:
    """Our reminder events in the reminders calendar, by key."""
    (cal,) = [c for c in google.calendar.calendars.values() if c.summary == REMINDERS_CALENDAR]
    out = {}
    for event in google.calendar.events(cal.id):
        key = event.get("extendedProperties", {}).get("private", {}).get(KEY_PROPERTY)
        assert key, f"an untagged event in the reminders calendar: {event}"
        assert key not in out, f"two events for {key}"
        out[key] = event
    return out


def steps(keys) -> set[str]:
    return {k.partition(".")[2] for k in keys}


def writes(google: Emulator, since: int = 0) -> list[tuple[str, str]]:
    return [(m, p) for m, p in google.requests[since:] if m in WRITES and p != "/token"]


def status(world: World, now: str) -> dict:
    (loop,) = json.loads(world.cli("status", "--json", now=now).out)["loops"]
    return loop


def reply_from_jane(to_message: EmailMessage, date: str) -> bytes:
    msgid = str(to_message["Message-ID"])
    return (
        "From: Jane Doe <jane.doe@acme.example>\r\nTo: Alex Example <alex@example.org>\r\n"
        f"Subject: Re: {to_message['Subject']}\r\nDate: {date}\r\n"
        "Message-ID: <jane-answer-1@acme.example>\r\n"
        f"In-Reply-To: {msgid}\r\nReferences: {msgid}\r\n\r\n"
        # an answer; a courtesy or a promise alone would keep the loop open
        "Thank you, Alex. Unfortunately we have decided to move forward with other candidates.\r\n"
    ).encode()


@pytest.fixture(autouse=True)
def never_sends(google: Emulator):
    yield
    assert google.gmail.send_attempts == []
    assert not [p for _, p in google.requests if p.endswith("/send")]
    assert google.calendar.notified == []  # no guest was ever emailed


# --- the loop -------------------------------------------------------------------------------


def test_interview_in_google_calendar_gets_thank_you_draft_in_gmail_and_reminders_in_google_calendar(world, google):
    r = world.once(AFTER)
    assert "write the thank-you draft for Acme (Backend Engineer) to Jane Doe <jane.doe@acme.example>" in r.out
    draft_id, draft = draft_for(google, "thank-you")
    assert len(drafts(google)) == 1
    assert draft["To"] == "Jane Doe <jane.doe@acme.example>"
    assert draft["From"] == "Alex Example <alex@example.org>"
    assert draft["Subject"].startswith("Thank you for our conversation")
    assert "Jane" in draft.get_body(("plain",)).get_content()
    assert google.gmail.message(google.gmail.drafts[draft_id]).labels == {"DRAFT"}
    loop_id = str(draft[KEY_HEADER]).partition(".")[0]
    found = reminders(google)
    assert steps(found) == {"debrief", "thank-you-reminder", "thank-you-nudge", "followup-reminder"}
    assert all(k.startswith(loop_id + ".") for k in found)
    assert found[f"{loop_id}.thank-you-reminder"]["start"]["dateTime"] == "2026-11-17T14:30:00Z"
    assert found[f"{loop_id}.followup-reminder"]["start"]["dateTime"] == "2026-11-23T08:00:00Z"
    assert all(e["transparency"] == "transparent" for e in found.values())
    # the interview calendar holds the interview only
    assert [e["id"] for e in google.calendar.events("primary")] == [INTERVIEW_ID]

    before = len(google.requests)
    again = world.once("2026-11-17T18:30:00+01:00")
    assert "nothing to do" in again.out
    assert writes(google, before) == []
    assert len(drafts(google)) == 1 and reminders(google).keys() == found.keys()
    assert len(google.gmail.messages) == 1


def test_the_sent_thank_you_is_followed_up_in_its_thread_and_the_answer_closes_the_loop(world, google):
    world.once(AFTER)
    draft_id, thank_you = draft_for(google, "thank-you")
    loop_id = str(thank_you[KEY_HEADER]).partition(".")[0]
    sent = google.gmail.user_sends_draft(draft_id)  # the user presses Send in Gmail

    r = world.once("2026-11-17T19:00:00+01:00")
    assert "note mail you sent about Acme" in r.out
    assert drafts(google) == {}
    assert f"{loop_id}.thank-you-nudge" not in reminders(google)
    assert {s["name"]: s["state"] for s in status(world, "2026-11-17T19:00:00+01:00")["steps"]}["thank-you"] == "done"

    assert "nothing to do" in world.once("2026-11-22T12:00:00+01:00").out  # Sunday: not yet
    r = world.once(FOLLOWUP_DAY)
    assert "write the followup draft" in r.out
    followup_id, followup = draft_for(google, "followup")
    assert followup["In-Reply-To"] == thank_you["Message-ID"] == followup["References"]
    assert followup["Subject"] == f"Re: {thank_you['Subject']}"  # Gmail threads under one subject only
    assert google.gmail.message(google.gmail.drafts[followup_id]).thread_id == sent.thread_id
    assert f"{loop_id}.followup-reminder" in reminders(google)

    answer = google.gmail.deliver(reply_from_jane(thank_you, "Mon, 23 Nov 2026 11:00:00 +0100"))
    assert answer.thread_id == sent.thread_id
    r = world.once("2026-11-23T12:00:00+01:00")
    assert "remove the untouched followup draft" in r.out
    assert steps_of(drafts(google)) == {"feedback-request"}  # what the rejection asks for, nothing else
    loop = status(world, "2026-11-23T12:00:00+01:00")
    assert loop["status"] == "closed"
    assert loop["reason"].startswith("closed") and "thread" in loop["reason"]  # why: Jane answered in the thread
    before = len(google.requests)
    assert "nothing to do" in world.once("2026-11-24T09:00:00+01:00").out
    assert writes(google, before) == []


def test_an_answer_before_the_followup_date_removes_the_future_reminders(world, google):
    world.once(AFTER)
    draft_id, thank_you = draft_for(google, "thank-you")
    google.gmail.user_sends_draft(draft_id)
    world.once("2026-11-17T19:00:00+01:00")
    google.gmail.deliver(reply_from_jane(thank_you, "Wed, 18 Nov 2026 10:00:00 +0100"))
    r = world.once("2026-11-18T11:00:00+01:00")
    assert "note the answer for Acme" in r.out
    assert "remove the reminder for followup-reminder" in r.out
    # the debrief and the thank-you's reminders are in the past; the rejection asks for feedback
    assert steps(reminders(google)) == {"debrief", "thank-you-reminder", "feedback-request-reminder"}
    loop = status(world, "2026-11-18T11:00:00+01:00")
    assert loop["status"] == "closed"
    assert loop["reason"].startswith("closed") and "thread" in loop["reason"]
    assert {s["name"]: s["state"] for s in loop["steps"]}["followup"] == "cancelled"
    assert "nothing to do" in world.once(FOLLOWUP_DAY).out
    assert steps_of(drafts(google)) == {"feedback-request"}
    assert steps(reminders(google)) == {"debrief", "thank-you-reminder", "feedback-request-reminder"}


def test_an_interview_cancelled_in_google_calendar_cancels_the_loop_and_removes_its_drafts_and_reminders(world, google):
    world.once(AFTER)
    assert len(drafts(google)) == 1 and len(reminders(google)) == 4
    google.calendar.delete_event("primary", INTERVIEW_ID)
    r = world.once("2026-11-17T19:00:00+01:00")
    assert "cancel the loop for Acme (Backend Engineer): the event was cancelled" in r.out
    assert drafts(google) == {}
    assert reminders(google) == {}
    loop = status(world, "2026-11-17T19:00:00+01:00")
    assert loop["status"] == "cancelled" and "cancelled" in loop["reason"]
    before = len(google.requests)
    assert "nothing to do" in world.once("2026-11-17T20:00:00+01:00").out
    assert writes(google, before) == []


# --- faults ---------------------------------------------------------------------------------


def reminder_path(google: Emulator, key: str) -> str:
    """The path of the reminder event for ``key`` (its id derives from the key)."""
    (event,) = [e for k, e in reminders(google).items() if k == key]
    return f"/events/{event['id']}"


def test_failures_and_lost_answers_never_duplicate_a_draft_or_an_event_and_nothing_is_sent(world, google):
    google.fail(503, "/calendars/primary/events")  # a read: retried at once
    google.fail(429, "/profile", reason="rateLimitExceeded")
    google.fail(503, "/calendarList")
    google.timeout_after_write("/drafts")  # Gmail saves the thank-you; its answer never comes
    r = world.cli("once", now=AFTER)
    assert r.code == 75, r.out + r.err  # try again later
    assert "mailbox" in r.err and "no answer" in r.err
    assert google.count("POST", "/drafts") == 1 and len(drafts(google)) == 1
    assert len(reminders(google)) == 4  # the reminders did not wait for the mailbox

    r = world.once("2026-11-17T18:30:00+01:00")  # the draft is found, not written again
    assert google.count("POST", "/drafts") == 1 and len(drafts(google)) == 1
    draft_id, thank_you = draft_for(google, "thank-you")
    loop_id = str(thank_you[KEY_HEADER]).partition(".")[0]
    assert "nothing to do" in world.once("2026-11-17T18:45:00+01:00").out

    google.gmail.user_sends_draft(draft_id)
    nudge = reminder_path(google, f"{loop_id}.thank-you-nudge")
    google.fail(503, nudge)  # removing the nudge fails once
    r = world.cli("once", now="2026-11-17T19:00:00+01:00")
    assert r.code == 75 and "reminders" in r.err
    assert f"{loop_id}.thank-you-nudge" in reminders(google)
    world.once("2026-11-17T19:30:00+01:00")
    assert f"{loop_id}.thank-you-nudge" not in reminders(google)
    assert google.count("DELETE", nudge) == 2

    google.fail(429, "/drafts", reason="rateLimitExceeded")  # the follow-up's write is refused once
    r = world.cli("once", now=FOLLOWUP_DAY)
    assert r.code == 75 and drafts(google) == {}
    world.once("2026-11-23T09:30:00+01:00")
    assert google.count("POST", "/drafts") == 3  # thank-you once; follow-up refused, then written
    assert steps(str(m[KEY_HEADER]) for m in drafts(google).values()) == {"followup"}
    assert google.count("POST", "/events") == 4  # every reminder inserted exactly once
    assert len(reminders(google)) == 3

    before = len(google.requests)
    assert "nothing to do" in world.once("2026-11-23T10:00:00+01:00").out
    assert writes(google, before) == []


def test_a_revoked_mail_token_stops_the_mailbox_only_and_asks_for_the_user_once_per_pass(tmp_path, google):
    accounts = Emulator().start()  # the mail account signs in elsewhere, and was revoked there
    try:
        accounts.invalid_grant = True
        world = World(tmp_path, config(google.url, mail_token="gmail-token.json"))
        write_token(tmp_path / "google-token.json", google, CALENDAR_SCOPES)
        write_token(tmp_path / "gmail-token.json", accounts, SCOPES["gmail"])
        google.calendar.add_event("primary", interview_event())

        r = world.cli("once", now=AFTER)
        assert r.code == EX_USER, r.out + r.err
        assert "add the interview with Acme (Backend Engineer)" in r.out
        assert "re-authorisation" in r.err and "interview-followup init" in r.err
        found = reminders(google)
        # calendar and reminders did their work, and one reminder asks the user to sign in again
        assert len(found) == 5 and "account.mailbox-sign-in" in found
        assert found["account.mailbox-sign-in"]["summary"].startswith("Sign in again")
        assert google.count(path_contains="/gmail/") == 0 and drafts(google) == {}
        assert accounts.token_refreshes == 1  # tried once in the pass: no retry, no second try for the draft

        r = world.cli("once", now="2026-11-17T18:30:00+01:00")
        assert r.code == EX_USER
        assert accounts.token_refreshes == 2  # once more in the next pass, and that is all
        assert google.token_refreshes == 1  # the calendar's token was refreshed once and kept

        status = world.cli("status", now="2026-11-17T18:30:00+01:00").out
        assert "mailbox:    NEEDS RE-AUTHORISATION since Tue 2026-11-17 18:00" in status  # the first failing pass
        assert "calendar:   ok" in status and "reminders:  ok" in status
        doctor = world.cli("doctor").out
        assert "FAIL  mailbox: last passes: needs re-authorisation" in doctor
    finally:
        accounts.stop()
