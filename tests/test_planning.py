"""The planner's rules, on plain data: no files, no clock."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from daemon.config import Timing
from daemon.model import Debrief, Interview, Person
from daemon.planning import LoopFacts, Observation, next_due, plan_loop

BERLIN = ZoneInfo("Europe/Berlin")
TIMING = Timing()


def interview(start=datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN), size="small", **kw):
    return Interview(
        loop_id="abcd1234",
        uid="uid-1",
        recurrence_id="",
        title="Interview with Acme",
        company="Acme",
        role="Backend Engineer",
        start=start,
        end=start + timedelta(hours=1),
        interviewers=(Person("jane@acme.example", "Jane Doe"),),
        size=size,
        size_reason="test",
        domains=("acme.example",),
        **kw,
    )


def plan_at(now, iv=None, debrief=None, observations=(), first_seen=None, timing=TIMING):
    iv = iv or interview()
    facts = LoopFacts(iv, first_seen or iv.start - timedelta(days=3), debrief, tuple(observations))
    return plan_loop(facts, now, timing, BERLIN)


def test_debrief_reminder_falls_when_the_interview_ends():
    p = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN))
    step = p.step("debrief")
    assert step.due == datetime(2026, 11, 17, 15, 0, tzinfo=BERLIN)
    assert step.state == "scheduled" and step.want


def test_thank_you_draft_is_wanted_thirty_minutes_after_the_end_not_before():
    before = plan_at(datetime(2026, 11, 17, 15, 29, tzinfo=BERLIN)).step("thank-you")
    after = plan_at(datetime(2026, 11, 17, 15, 30, tzinfo=BERLIN)).step("thank-you")
    assert not before.want and before.state == "scheduled"
    assert after.want and after.state == "due"


def test_thank_you_nudge_comes_the_next_evening_and_then_it_is_missed():
    p = plan_at(datetime(2026, 11, 18, 18, 0, tzinfo=BERLIN))
    assert p.step("thank-you-nudge").due == datetime(2026, 11, 18, 18, 0, tzinfo=BERLIN)
    assert p.step("thank-you-nudge").state == "due"
    late = plan_at(datetime(2026, 11, 19, 0, 0, tzinfo=BERLIN))
    assert late.step("thank-you").state == "missed"
    assert late.step("thank-you").want  # the draft stays: it can still be sent


def test_thank_you_sent_marks_the_step_done_and_drops_the_nudge():
    sent = Observation("m1", "abcd1234", "sent", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), "sent")
    p = plan_at(datetime(2026, 11, 17, 17, 0, tzinfo=BERLIN), observations=[sent])
    assert p.step("thank-you").state == "done"
    assert not p.step("thank-you").want
    assert not p.step("thank-you-nudge").want


def test_interview_found_after_the_thank_you_deadline_skips_the_thank_you():
    iv = interview()
    p = plan_at(datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN), iv=iv, first_seen=datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN))
    assert p.step("thank-you").state == "skipped" and not p.step("thank-you").want
    assert p.step("thank-you-reminder").state == "skipped"


def test_followup_for_small_company_is_four_days_later_on_a_working_morning():
    # Tuesday 17 Nov + 4 days = Saturday 21 Nov -> Monday 23 Nov, 09:00
    p = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN))
    assert p.step("followup").due == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_followup_for_large_company_is_eight_days_later():
    # Tuesday 17 Nov + 8 days = Wednesday 25 Nov
    p = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), iv=interview(size="large"))
    assert p.step("followup").due == datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)


def test_followup_waits_for_answer_date_from_debrief():
    d = Debrief("abcd1234", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), answer_by=date(2026, 11, 26))
    p = plan_at(datetime(2026, 11, 17, 17, 0, tzinfo=BERLIN), debrief=d)
    # the working day after Thursday 26 Nov is Friday 27 Nov
    assert p.step("followup").due == datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    assert "2026-11-26" in p.step("followup").detail


def test_followup_after_an_answer_date_on_friday_moves_to_monday():
    d = Debrief("abcd1234", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), answer_by=date(2026, 11, 27))
    p = plan_at(datetime(2026, 11, 17, 17, 0, tzinfo=BERLIN), debrief=d)
    assert p.step("followup").due == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


def test_followup_keeps_the_local_morning_across_a_dst_change():
    # Thursday 22 Oct 2026 (CEST) + 4 days = Monday 26 Oct (CET, after the change on 25 Oct)
    iv = interview(start=datetime(2026, 10, 22, 14, 0, tzinfo=BERLIN))
    due = plan_at(datetime(2026, 10, 22, 9, 0, tzinfo=BERLIN), iv=iv).step("followup").due
    assert due.astimezone(BERLIN).hour == 9
    assert due.utcoffset() == timedelta(hours=1)
    assert iv.start.utcoffset() == timedelta(hours=2)


def test_phone_channel_plans_a_call_reminder_instead_of_a_draft():
    from dataclasses import replace

    p = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), timing=replace(TIMING, followup_channel="phone"))
    assert p.step("followup") is None
    assert p.step("followup-call").artifact == "reminder"


def test_reply_closes_the_loop_and_cancels_what_is_pending():
    reply = Observation("r1", "abcd1234", "reply", datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN), "from Jane")
    p = plan_at(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN), observations=[reply])
    assert p.status == "closed" and "from Jane" in p.reason
    assert p.step("followup").state == "cancelled" and not p.step("followup").want
    assert not p.step("followup-reminder").want
    assert not p.step("thank-you").want  # the untouched draft goes
    assert p.step("debrief").want  # past reminders stay in the calendar


def test_reply_dated_before_the_interview_does_not_close_it():
    early = Observation("r0", "abcd1234", "reply", datetime(2026, 11, 10, 10, 0, tzinfo=BERLIN), "old")
    p = plan_at(datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN), observations=[early])
    assert p.status == "open"


def test_cancelled_interview_cancels_every_step():
    p = plan_at(datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN), iv=interview(cancelled=True))
    assert p.status == "cancelled"
    assert all(s.state == "cancelled" and not s.want for s in p.steps)


def test_moved_interview_moves_every_step():
    a = plan_at(datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN))
    b = plan_at(datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN), iv=interview(start=datetime(2026, 11, 18, 14, 0, tzinfo=BERLIN)))
    assert b.step("debrief").due - a.step("debrief").due == timedelta(days=1)


def test_planning_is_pure_the_same_facts_give_the_same_steps():
    now = datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN)
    assert plan_at(now) == plan_at(now)


def test_next_due_is_the_earliest_future_step():
    now = datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN)
    assert next_due([plan_at(now)], now) == datetime(2026, 11, 17, 15, 0, tzinfo=BERLIN)
