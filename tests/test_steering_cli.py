"""The user steers through the command line, end to end: every steering command on a
user's world (calendar .ics, Maildir, reminders .ics), with the drafts and reminders on
disk and `status --json` checked after each."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from conftest import ACME, vevent
from interview_followup.daemon.keys import KEY_HEADER

BERLIN = ZoneInfo("Europe/Berlin")
T1 = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview
COFFEE = vevent("coffee-1@test", "20261117T100000", "20261117T110000", "Coffee with Bob",
                attendees=(("Bob Smith", "bob@initech.example"),))
# (issue 15: a "Mock interview" is no interview any more, so the event ignored here is a real one)
MOCK = vevent("mock-1@test", "20261117T110000", "20261117T120000", "Second interview with Sam",
              attendees=(("Sam Lee", "sam@friends.example"),))


def test_every_steering_command_end_to_end(world):
    def cli(*args: str, now: str = T1, code: int = 0):
        r = world.cli(*args, now=now)
        assert r.code == code, r.out + r.err
        return r

    def loops(now: str = T1) -> dict[str, dict]:
        return {x["title"]: x for x in json.loads(cli("status", "--json", now=now).out)["loops"]}

    def keys(title: str) -> list[str]:
        loop_id = loops()[title]["loop_id"]
        return [k.removeprefix(f"{loop_id}.") for k in world.draft_keys() if k.startswith(loop_id)]

    def reminders(loop_id: str) -> dict[str, datetime]:
        return {str(e["UID"]).split("@")[0].removeprefix(f"{loop_id}."): e.decoded("DTSTART")
                for e in world.reminders() if str(e["UID"]).startswith(loop_id)}

    acme_title, mock_title = "Acme – Backend Engineer interview", "Second interview with Sam"
    world.set_calendar(ACME, COFFEE, MOCK)
    world.once(T1)
    before = loops()
    assert set(before) == {acme_title, mock_title}  # coffee is no interview, by its text
    acme, mock = before[acme_title]["loop_id"], before[mock_title]["loop_id"]
    assert keys(acme_title) == ["thank-you"] and keys(mock_title) == ["thank-you"]

    # track: by a part of its title; the next pass starts its loop
    r = cli("track", "coffee with")
    assert "Tracked the event 'Coffee with Bob' (UID coffee-1@test)" in r.out and "next pass" in r.out
    assert "Coffee with Bob" not in loops()
    world.once(T1)
    coffee = loops()["Coffee with Bob"]
    assert coffee["found_by"] == "tracked by you" and coffee["status"] == "open"
    assert [d["command"] for d in coffee["decisions"]] == ["track"]
    assert keys("Coffee with Bob") == ["thank-you"]

    # ignore: the loop is cancelled at once; the pass removes its untouched draft and its reminders
    r = cli("ignore", "SECOND INTERVIEW WITH SAM")
    assert "Now: closed (ignored): you ignored it." in r.out
    assert (loops()[mock_title]["status"], loops()[mock_title]["stage"]) == ("cancelled", "closed (ignored)")
    assert reminders(mock)
    world.once(T1)
    assert keys(mock_title) == [] and reminders(mock) == {}

    # reopen: takes the ignore back; the pass writes its draft again
    assert "took back your ignore" in cli("reopen", mock).out
    assert loops()[mock_title]["status"] == "open" and loops()[mock_title]["decisions"] == []
    world.once(T1)
    assert keys(mock_title) == ["thank-you"] and "debrief" in reminders(mock)

    # skip: the thank-you draft and its reminders are no longer wanted
    assert cli("skip", "acme", "nope", code=2).err.count("thank-you-reminder") == 1  # the valid names, listed
    cli("skip", "acme", "thank-you")
    steps = {s["name"]: s for s in loops()[acme_title]["steps"]}
    assert (steps["thank-you"]["state"], steps["thank-you"]["detail"]) == ("skipped", "skipped by you")
    assert [(d["command"], d["step"]) for d in loops()[acme_title]["decisions"]] == [("skip", "thank-you")]
    world.once(T1)
    assert keys(acme_title) == []
    assert "thank-you-reminder" not in reminders(acme) and "thank-you-nudge" not in reminders(acme)

    # reopen STEP: takes the skip back
    cli("reopen", "acme", "thank-you")
    world.once(T1)
    assert keys(acme_title) == ["thank-you"] and "thank-you-nudge" in reminders(acme)

    # snooze one step: the follow-up and its reminder wait for the morning of the day
    cli("snooze", "acme", "followup", "--until", "2026-11-26")
    steps = {s["name"]: s for s in loops()[acme_title]["steps"]}
    assert steps["followup"]["due"] == "2026-11-26T09:00:00+01:00"
    assert steps["followup"]["detail"] == "snoozed by you until Thu 2026-11-26"
    world.once(T1)
    assert reminders(acme)["followup-reminder"] == datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
    assert cli("snooze", "acme", "--until", "2026-11-10", code=2).err.startswith("error: --until 2026-11-10 is in the past")

    # snooze a whole loop: its due thank-you leaves Drafts until then (untouched), its reminders move
    cli("snooze", "coffee", "--until", "2026-11-19")
    assert loops()["Coffee with Bob"]["stage"] == "waiting on them"
    world.once(T1)
    coffee_id = loops()["Coffee with Bob"]["loop_id"]
    assert keys("Coffee with Bob") == []
    assert reminders(coffee_id)["thank-you-reminder"] == datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN)

    # an out-of-office notice from the interviewer: matched to the loop, closes nothing
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Out of Office: back Monday",
                  date="Tue, 17 Nov 2026 16:30:00 +0100")
    world.once("2026-11-17T17:00:00+01:00")

    # debrief corrections, shown; a wrong one cleared
    later = "2026-11-17T17:10:00+01:00"
    cli("debrief", "acme", "--role", "Platform Engineer", "--company", "Acme Robotics", "--language", "de", now=later)
    shown = cli("debrief", "acme", "--show", now=later).out
    assert "Platform Engineer (corrected; the calendar says 'Backend Engineer')" in shown
    assert "language:       de" in shown
    shown = cli("debrief", "acme", "--clear", "language", "--clear", "company", "--note", "ask about on-call",
                "--show", now=later).out
    assert "language:       -" in shown and "company:        -" in shown and "ask about on-call" in shown
    assert (loops(later)[acme_title]["role"], loops(later)[acme_title]["company"]) == ("Platform Engineer", "Acme")
    assert cli("debrief", "acme", "--language", "not a code", now=later, code=2).err

    # the snoozed follow-up is written on its day, for the corrected role
    world.once("2026-11-26T09:00:00+01:00")
    assert keys(acme_title) == ["followup", "thank-you"]
    followup = next(d for d in world.drafts() if str(d[KEY_HEADER]) == f"{acme}.followup")
    assert "Platform Engineer" in followup.get_content() + str(followup["Subject"])

    # a preview (a --now later than the clock) writes nothing
    r = world.cli("close", "acme", "--outcome", "offer", now="2031-01-05T10:00:00+01:00", commit=False)
    assert r.code == 0 and r.out.startswith("Preview of") and "it would be recorded" in r.out
    assert loops("2026-11-26T09:05:00+01:00")[acme_title]["status"] == "open"

    # close: rejected; the untouched follow-up goes, the feedback request is offered
    now = "2026-11-26T10:00:00+01:00"
    r = cli("close", "acme", "--outcome", "rejected", "--note", "they hired internally", now=now)
    assert "Now: waiting on you: send the feedback request." in r.out
    closed = loops(now)[acme_title]
    assert (closed["status"], closed["outcome"]) == ("closed", "rejected")
    assert closed["reason"] == "closed by you: rejected (they hired internally)"
    assert [(d["command"], d["step"], d["outcome"], d["note"]) for d in closed["decisions"]] == [
        ("snooze", "followup", "", ""), ("close", "", "rejected", "they hired internally")]
    world.once(now)
    assert keys(acme_title) == ["feedback-request"]  # the untouched thank-you goes too, as after their answer
    assert "feedback-request-reminder" in reminders(acme)  # (the follow-up's reminder, past, stays)

    # history: why it is an interview, each mail matched and why, each artifact, each command
    text = cli("history", "acme", now=now).out
    assert "an interview because the title contains 'interview'" in text
    assert "matched:" in text
    assert "wrote the thank-you draft" in text and "removed the followup draft" in text
    assert "you       closed it: rejected (they hired internally)" in text
    assert "Planned now:" in text
    data = json.loads(cli("history", "acme", "--json", now=now).out)
    kinds = {e["kind"] for e in data["entries"]}
    assert {"found", "you", "draft", "reminder", "mail"} <= kinds
    assert [e["at"] for e in data["entries"]] == sorted(e["at"] for e in data["entries"])
    assert data["found_by"].startswith("the title contains 'interview'")  # then the other reasons
    coffee_history = json.loads(cli("history", "coffee", "--json", now=now).out)
    assert coffee_history["entries"][0]["text"].endswith("an interview because tracked by you")
