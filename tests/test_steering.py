"""The user steers: what close, reopen, snooze, skip, track and ignore do to a loop's plan
(on plain data), and how detection and a pass honour track and ignore."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import ACME, vevent
from interview_followup.daemon.calendar.detection import Detector
from interview_followup.daemon.config import Companies, Detection, Profile, Timing
from interview_followup.daemon.loop.planning import LoopFacts, plan_loop
from interview_followup.daemon.loop.steering import event_says, said_of, steering
from interview_followup.daemon.model import CalendarEvent, Command, Debrief, Interview, Observation, Person
from interview_followup.daemon.store.state import State

BERLIN = ZoneInfo("Europe/Berlin")
TIMING = Timing()
START = datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN)  # a Tuesday
AFTER = datetime(2026, 11, 18, 12, 0, tzinfo=BERLIN)
LOOP = "abcd1234"


def interview(**kw) -> Interview:
    return Interview(loop_id=LOOP, uid="uid-1", recurrence_id="", title="Interview with Acme", company="Acme",
                     role="Backend Engineer", start=START, end=START + timedelta(hours=1),
                     interviewers=(Person("jane@acme.example", "Jane Doe"),), size_reason="test",
                     domains=("acme.example",), **kw)


def cmd(command: str, at: datetime = AFTER, **kw) -> Command:
    return Command(command, at, kw.pop("loop_id", LOOP), kw.pop("event", "uid-1"), **kw)


def plan(now: datetime, *commands: Command, debrief=None, observations=(), iv=None):
    facts = LoopFacts(iv or interview(), START - timedelta(days=3), debrief, tuple(observations), None, commands)
    return plan_loop(facts, now, TIMING, BERLIN)


# --- close and reopen ----------------------------------------------------------------------


def test_close_as_rejected_offers_the_feedback_request():
    p = plan(AFTER, cmd("close", outcome="rejected", note="they hired internally"))
    assert (p.status, p.outcome, p.stage) == ("closed", "rejected", "waiting on you")
    assert "they hired internally" in p.reason
    request = p.step("feedback-request")
    assert request.state == "due" and request.want
    assert p.step("followup").state == "cancelled" and not p.step("followup").want
    assert p.step("followup").detail == "you closed the loop"


def test_close_as_offer_offers_the_request_for_time_to_decide():
    p = plan(AFTER, cmd("close", outcome="offer"))
    assert p.outcome == "offer" and p.step("decision-time").want
    assert p.step("answer-offer").state == "due"


def test_close_as_accepted_asks_for_nothing_more_and_names_your_note():
    p = plan(AFTER, cmd("close", outcome="accepted", note="signed on Friday"))
    assert (p.status, p.outcome, p.stage) == ("closed", "accepted", "closed (accepted)")
    assert p.stage_detail == "closed by you: signed on Friday"
    assert not any(s.want for s in p.steps if s.artifact == "draft")
    assert p.step("feedback-request") is None and p.step("decision-time") is None
    assert [c.command for c in p.decisions] == ["close"]


def test_your_close_wins_over_the_employers_offer_you_then_accepted():
    offer = Observation("m1", LOOP, "reply", datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN), "from jane@acme.example",
                        outcome="offer", phrase="we are happy to offer")
    waiting = plan(AFTER, observations=[offer])
    assert waiting.step("decision-time").want
    accepted = plan(AFTER, cmd("close", outcome="accepted"), observations=[offer])
    assert accepted.outcome == "accepted" and accepted.step("decision-time") is None


def test_withdrawing_before_the_interview_cancels_every_step():
    before = datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN)
    p = plan(before, cmd("close", at=before, outcome="withdrawn"))
    assert p.stage == "closed (withdrawn)"
    assert all(s.state == "cancelled" and not s.want for s in p.steps)


def test_reopen_takes_back_a_close():
    p = plan(AFTER, cmd("close", outcome="rejected"), cmd("reopen"))
    assert p.status == "open" and p.step("feedback-request") is None
    assert p.step("followup").state == "scheduled" and p.decisions == ()


# --- snooze ----------------------------------------------------------------------------------


def test_snoozed_step_waits_until_the_morning_of_the_date():
    p = plan(AFTER, cmd("snooze", step="followup", until=date(2026, 11, 26)))
    follow = p.step("followup")
    assert follow.due == datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
    assert follow.state == "scheduled" and "snoozed by you until Thu 2026-11-26" in follow.detail
    # its reminder goes with it, its nudge keeps its distance (a week after)
    assert p.step("followup-reminder").due == follow.due
    assert p.step("followup-nudge").due == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
    # the other steps stay where they were
    assert p.step("thank-you").due == datetime(2026, 11, 17, 15, 30, tzinfo=BERLIN)


def test_a_snooze_to_a_weekend_waits_for_the_next_working_day():
    p = plan(AFTER, cmd("snooze", step="followup", until=date(2026, 11, 28)))  # a Saturday
    assert p.step("followup").due == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


def test_snoozing_the_loop_moves_every_step_not_yet_done_and_never_earlier():
    debrief = Debrief(LOOP, datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN))
    p = plan(AFTER, cmd("snooze", until=date(2026, 11, 19)), debrief=debrief)
    assert p.step("debrief").state == "done"  # done: stays
    assert p.step("thank-you").due == datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN)
    assert p.step("thank-you").state == "scheduled" and not p.step("thank-you").want
    assert p.step("followup").due == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)  # later already: unmoved
    due_later = plan(datetime(2026, 11, 19, 9, 0, tzinfo=BERLIN), cmd("snooze", until=date(2026, 11, 19)))
    assert due_later.step("thank-you").state == "due" and due_later.step("thank-you").want


def test_a_later_snooze_replaces_the_earlier_one():
    p = plan(AFTER, cmd("snooze", step="followup", until=date(2026, 12, 10)),
             cmd("snooze", step="followup", until=date(2026, 11, 18)))
    assert p.step("followup").due == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    assert "snoozed" not in p.step("followup").detail


# --- skip ------------------------------------------------------------------------------------


def test_skipped_step_is_not_wanted_and_the_drafts_reminders_go_with_it():
    p = plan(AFTER, cmd("skip", step="thank-you"))
    for name in ("thank-you", "thank-you-reminder", "thank-you-nudge"):
        s = p.step(name)
        assert (s.state, s.want, s.detail) == ("skipped", False, "skipped by you"), name
    assert p.stage == "waiting on them"
    assert [(c.command, c.step) for c in p.decisions] == [("skip", "thank-you")]


def test_skipping_a_reminder_leaves_its_draft():
    p = plan(AFTER, cmd("skip", step="thank-you-nudge"))
    assert p.step("thank-you-nudge").state == "skipped"
    assert p.step("thank-you").want


def test_reopening_a_step_takes_back_its_skip():
    p = plan(AFTER, cmd("skip", step="thank-you"), cmd("reopen", step="thank-you"))
    assert p.step("thank-you").want and p.decisions == ()


def test_after_a_skipped_follow_up_the_wait_counts_from_its_day():
    p = plan(datetime(2026, 12, 9, 9, 0, tzinfo=BERLIN), cmd("skip", step="followup"))
    assert p.step("followup").state == "skipped"
    assert (p.status, p.outcome) == ("closed", "no-response")  # give_up_days after Mon 23 November
    assert p.step("move-on").due == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)


# --- ignore, track, corrections ---------------------------------------------------------------


def test_an_ignored_loop_is_cancelled_and_its_artifacts_are_not_wanted():
    p = plan(AFTER, cmd("ignore", loop_id=""))
    assert (p.status, p.stage, p.stage_detail) == ("cancelled", "closed (ignored)", "you ignored it")
    assert not any(s.want for s in p.steps)


def test_reopen_takes_back_an_ignore_even_when_the_state_recorded_it():
    iv = interview(cancelled=True, cancelled_reason="you ignored it")
    p = plan(AFTER, cmd("ignore", loop_id=""), cmd("reopen"), iv=iv)
    assert p.status == "open" and p.step("thank-you").want


def test_track_and_ignore_the_later_one_wins():
    said = event_says([cmd("track", loop_id=""), cmd("ignore", loop_id="")])
    assert said == {"uid-1": "ignore"}
    assert event_says([cmd("ignore", loop_id=""), cmd("reopen")]) == {}
    assert said_of({"Coffee with Bob": "track"}, "other-uid", "coffee with bob") == "track"
    assert steering([cmd("ignore", loop_id=""), cmd("track", loop_id="")]).ignore is None


def test_the_debriefs_corrections_replace_role_and_company():
    d = Debrief(LOOP, AFTER, role="Platform Engineer", company="Acme Robotics")
    p = plan(AFTER, debrief=d)
    assert (p.interview.role, p.interview.company) == ("Platform Engineer", "Acme Robotics")


def test_a_tracked_event_is_an_interview_and_says_why():
    det = Detector(Profile(name="Alex", email="alex@example.org"), Detection(), Companies(), BERLIN)
    coffee = CalendarEvent("c-1", START, START + timedelta(hours=1), summary="Coffee with Bob")
    assert det.interview(coffee) is None
    assert det.interview(coffee, tracked=True).found_by == "tracked by you"
    titled = CalendarEvent("c-2", START, START + timedelta(hours=1), summary="Acme interview")
    assert det.interview(titled).found_by.startswith("the title contains 'interview'")  # then the other reasons


# --- the state and a pass ---------------------------------------------------------------------


def test_commands_history_and_events_are_kept_in_order(tmp_path):
    state = State.open(tmp_path)
    try:
        with state.transaction():
            state.add_command(cmd("snooze", step="followup", until=date(2026, 11, 26)))
            state.add_command(cmd("close", outcome="other", note="n"))
            state.add_history(LOOP, AFTER, "you", "closed it")
            assert state.save_events({"uid-1": ("Interview with Acme", START)})
            assert not state.save_events({"uid-1": ("Interview with Acme", START)})  # unchanged: no write
        assert [c.command for c in state.commands()] == ["snooze", "close"]
        assert state.commands()[0].until == date(2026, 11, 26)
        assert [e.text for e in state.history(LOOP)] == ["closed it"]
        assert state.events() == {"uid-1": ("Interview with Acme", START)}
    finally:
        state.close()


COFFEE = vevent("coffee-1@test", "20261117T100000", "20261117T110000", "Coffee with Bob",
                attendees=(("Bob Smith", "bob@initech.example"),))


def test_ignored_event_cancels_its_loop_and_removes_untouched_drafts(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    assert world.draft_keys() and world.reminder_uids()
    r = world.cli("ignore", "acme – backend engineer interview", now="2026-11-17T16:05:00+01:00")
    assert r.code == 0 and "Ignored the event" in r.out, r.err
    out = world.once("2026-11-17T16:10:00+01:00").out
    assert "cancel the loop for Acme (Backend Engineer): you ignored it" in out
    assert world.draft_keys() == [] and world.reminder_uids() == []
    (loop,) = json.loads(world.cli("status", "--json", now="2026-11-17T16:10:00+01:00").out)["loops"]
    assert (loop["status"], loop["stage"]) == ("cancelled", "closed (ignored)")
    assert [d["command"] for d in loop["decisions"]] == ["ignore"]


def test_an_event_tracked_before_it_was_read_is_followed_up_by_the_next_pass(world):
    r = world.cli("track", "Coffee with Bob", now="2026-11-17T11:30:00+01:00")
    assert r.code == 0 and "No event read so far" in r.out
    world.set_calendar(COFFEE)
    out = world.once("2026-11-17T11:30:00+01:00").out
    assert "add the interview with" in out
    (loop,) = json.loads(world.cli("status", "--json", now="2026-11-17T11:30:00+01:00").out)["loops"]
    assert loop["found_by"] == "tracked by you" and loop["status"] == "open"


def test_a_title_several_events_share_is_refused_with_the_list(world):
    world.set_calendar(ACME, COFFEE, vevent("coffee-2@test", "20261118T100000", "20261118T110000",
                                            "Coffee with Carol", attendees=()))
    world.once("2026-11-17T16:00:00+01:00")
    r = world.cli("track", "coffee", now="2026-11-17T16:00:00+01:00")
    assert r.code == 2
    assert "'Coffee with Bob'" in r.err and "'Coffee with Carol'" in r.err and "coffee-2@test" in r.err


def test_a_snooze_of_the_whole_loop_does_not_hold_what_a_later_close_brings():
    p = plan(AFTER + timedelta(minutes=10), cmd("snooze", until=date(2026, 11, 30)),
             cmd("close", at=AFTER + timedelta(minutes=5), outcome="rejected"))
    assert p.step("feedback-request").state == "due" and p.step("feedback-request").want
    assert p.step("followup").state == "cancelled"  # snoozed past the close: no longer wanted
