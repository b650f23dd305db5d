"""The planner's rules, on plain data: no files, no clock."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from interview_followup.daemon.config import Timing
from interview_followup.daemon.model import Debrief, Interview, Person
from interview_followup.daemon.loop.planning import LoopFacts, Observation, next_due, plan_loop

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
    reply = Observation("r1", "abcd1234", "reply", datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN), "from Jane",
                        outcome="rejection", phrase="other candidates")
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


# --- after the answer -------------------------------------------------------------------

def reply(at, outcome="other", phrase="", **kw):
    return Observation(f"ref-{at.isoformat()}", "abcd1234", "reply", at, "a message from Jane Doe", outcome=outcome,
                       phrase=phrase, **kw)


def sent(at, step=""):
    return Observation(f"sent-{at.isoformat()}", "abcd1234", "sent", at, "you sent it", step)


REPLY_AT = datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN)


def test_a_rejection_closes_the_loop_and_wants_a_feedback_request_draft():
    p = plan_at(REPLY_AT + timedelta(minutes=5), observations=[reply(REPLY_AT, "rejection", "other candidates")])
    assert p.status == "closed" and p.outcome == "rejected"
    assert '"other candidates"' in p.reason
    assert p.step("feedback-request").want and p.step("feedback-request-reminder").want
    assert not p.step("followup").want and p.step("followup").state == "cancelled"


def test_a_sent_feedback_request_is_done():
    p = plan_at(REPLY_AT + timedelta(days=1), observations=[
        reply(REPLY_AT, "rejection"), sent(REPLY_AT + timedelta(hours=2), "feedback-request")])
    assert p.step("feedback-request").state == "done" and not p.step("feedback-request").want


def test_an_offer_asks_for_time_to_decide_until_a_working_day():
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN)
    p = plan_at(friday, observations=[reply(friday, "offer", "pleased to offer you")],
                timing=Timing(decision_days=8))
    assert p.outcome == "offer"
    assert p.step("decision-time").want
    assert "until 2026-11-30" in p.step("answer-offer").detail  # Saturday the 28th -> Monday


def test_a_request_for_information_cancels_the_followup_and_reminds_to_answer():
    p = plan_at(REPLY_AT, observations=[reply(REPLY_AT, "info", "could you send")])
    assert p.outcome == "info" and p.step("answer-info").want
    assert p.step("followup").state == "cancelled"


def test_a_courtesy_reply_does_not_close_the_loop():
    polite = Observation("r1", "abcd1234", "reply", REPLY_AT, "a reply from Jane Doe, who interviewed you",
                         outcome="other", address="jane@acme.example")
    p = plan_at(REPLY_AT, observations=[polite])
    assert p.status == "open" and p.outcome == "" and p.closed_at is None
    assert p.step("followup").state == "scheduled" and p.step("followup").due == datetime(2026, 11, 23, 9, 0,
                                                                                          tzinfo=BERLIN)
    assert "a message from Jane Doe on Thu 2026-11-19 may be their answer" in p.reason
    assert p.stage == "waiting on them" and "a message from Jane Doe on Thu 2026-11-19 may be it" in p.stage_detail


def test_the_followup_after_a_courtesy_reply_is_still_drafted_when_due():
    polite = reply(REPLY_AT)
    p = plan_at(datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN), observations=[polite])
    assert p.step("followup").state == "due" and p.step("followup").want


def test_silence_after_a_courtesy_reply_counts_from_that_reply():
    timing = Timing(extra_followups=0)
    sent_followup = sent(datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN), "followup")
    polite = reply(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    then = datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN) + timedelta(days=timing.give_up_days)
    silent = plan_at(then, observations=[sent_followup], timing=timing)
    assert silent.outcome == "no-response"
    p = plan_at(then, observations=[sent_followup, polite], timing=timing)
    assert p.status == "open" and p.outcome == ""


def test_a_later_decisive_reply_decides_after_an_earlier_polite_one():
    later = REPLY_AT + timedelta(days=3)
    p = plan_at(later, observations=[reply(REPLY_AT), reply(later, "rejection", "not to proceed")])
    assert p.outcome == "rejected" and p.step("feedback-request").want
    assert p.closed_at == later


# --- absences, bounces, silence ---------------------------------------------------------

def test_out_of_office_with_a_return_date_moves_the_followup_to_the_working_day_after():
    notice = Observation("ooo", "abcd1234", "out-of-office", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN),
                         "an automatic reply from Jane Doe", returns_on=date(2026, 11, 26))
    p = plan_at(datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN), observations=[notice])
    assert p.status == "open"
    assert p.step("followup").due == datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    assert "2026-11-26" in p.step("followup").detail


def test_a_return_date_before_the_followup_moves_nothing():
    notice = Observation("ooo", "abcd1234", "out-of-office", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN),
                         "auto", returns_on=date(2026, 11, 18))
    p = plan_at(datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN), observations=[notice])
    assert p.step("followup").due == datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_a_bounce_flags_the_loop_and_reminds_to_check_the_address():
    bounce = Observation("b", "abcd1234", "bounce", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), "a bounce",
                         address="jane@acme.example")
    p = plan_at(datetime(2026, 11, 17, 16, 5, tzinfo=BERLIN), observations=[bounce])
    assert p.flags == ("your mail to jane@acme.example bounced — check the address",)
    assert p.step("check-address").want and p.status == "open"


def test_silence_after_the_followup_brings_one_gentle_followup_then_closes_as_no_response():
    followup_sent = datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
    facts = [sent(datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), "thank-you"), sent(followup_sent, "followup")]
    p = plan_at(datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN), observations=facts)
    second = p.step("followup-2")
    assert second.due == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN) and second.want
    assert p.step("followup-2-reminder").want and p.step("followup-3") is None
    again_sent = datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)
    facts.append(sent(again_sent, "followup-2"))
    quiet = plan_at(datetime(2026, 12, 14, 9, 0, tzinfo=BERLIN), observations=facts)
    assert quiet.status == "closed" and quiet.outcome == "no-response"
    assert quiet.step("move-on").want and quiet.step("followup-3") is None


def test_never_more_followups_than_configured():
    facts = [sent(datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN), "followup")]
    p = plan_at(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN), observations=facts, timing=Timing(extra_followups=0))
    assert p.step("followup-2") is None
    late = plan_at(datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN), observations=facts, timing=Timing(extra_followups=0))
    assert late.outcome == "no-response"


def test_an_unsent_followup_brings_no_second_one():
    p = plan_at(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    assert p.step("followup").want and p.step("followup-2") is None


# --- rounds -----------------------------------------------------------------------------

def facts_for(iv, first_seen, observations=()):
    return LoopFacts(iv, first_seen, None, tuple(observations))


def second_interview(start=datetime(2026, 11, 26, 11, 0, tzinfo=BERLIN)):
    from dataclasses import replace

    return replace(interview(), loop_id="ffff0000", uid="uid-2", start=start, end=start + timedelta(hours=1))


def test_a_next_round_reply_keeps_the_loop_open_until_the_next_interview():
    p = plan_at(REPLY_AT, observations=[reply(REPLY_AT, "next-round", "second interview")])
    assert p.status == "open" and p.outcome == "next-round"
    assert p.step("followup").state == "cancelled"


def test_the_next_interview_with_the_same_company_is_round_two_of_the_same_application():
    from interview_followup.daemon.loop.planning import plan

    first = facts_for(interview(), datetime(2026, 11, 10, tzinfo=BERLIN), [reply(REPLY_AT, "next-round")])
    second = facts_for(second_interview(), REPLY_AT + timedelta(hours=1))
    p1, p2 = plan([first, second], datetime(2026, 11, 26, 13, 0, tzinfo=BERLIN), TIMING, BERLIN)
    assert (p1.application, p1.round) == ("abcd1234", 1)
    assert (p2.application, p2.round) == ("abcd1234", 2)
    assert p1.status == "closed" and "next round on Thu 2026-11-26" in p1.reason
    assert p2.status == "open" and p2.step("thank-you").want


def test_a_scheduled_next_round_cancels_the_pending_followup_even_without_a_reply():
    from interview_followup.daemon.loop.planning import plan

    first = facts_for(interview(), datetime(2026, 11, 10, tzinfo=BERLIN))
    second = facts_for(second_interview(), datetime(2026, 11, 19, 8, 0, tzinfo=BERLIN))
    p1, _ = plan([first, second], datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN), TIMING, BERLIN)
    assert p1.step("followup").state == "cancelled" and p1.outcome == "next-round"
    assert p1.step("thank-you").state != "cancelled"


def test_a_new_interview_after_a_rejection_is_a_new_application():
    from interview_followup.daemon.loop.planning import plan

    first = facts_for(interview(), datetime(2026, 11, 10, tzinfo=BERLIN), [reply(REPLY_AT, "rejection")])
    second = facts_for(second_interview(datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)), datetime(2027, 1, 20, tzinfo=BERLIN))
    p1, p2 = plan([first, second], datetime(2027, 1, 21, tzinfo=BERLIN), TIMING, BERLIN)
    assert p2.round == 1 and p2.application == "ffff0000"
    assert p1.outcome == "rejected"


def test_another_role_at_the_same_company_is_another_application():
    from dataclasses import replace
    from interview_followup.daemon.loop.planning import plan

    first = facts_for(interview(), datetime(2026, 11, 10, tzinfo=BERLIN))
    other = facts_for(replace(second_interview(), role="Data Engineer"), datetime(2026, 11, 19, tzinfo=BERLIN))
    _, p2 = plan([first, other], datetime(2026, 11, 20, tzinfo=BERLIN), TIMING, BERLIN)
    assert p2.round == 1


def test_the_thank_you_counts_elapsed_time_across_the_end_of_summer_time():
    # 25 Oct 2026: 03:00 summer time becomes 02:00; the interview ends at the second 02:15
    end = datetime(2026, 10, 25, 2, 15, tzinfo=BERLIN, fold=1)
    iv = interview(start=end - timedelta(hours=1))
    from dataclasses import replace

    iv = replace(iv, end=end)
    p = plan_at(end, iv=iv, timing=Timing(waking_hours="00:00-24:00"))  # awake all night
    assert p.step("thank-you").due - end == timedelta(minutes=30)
    assert p.step("thank-you").due.astimezone(ZoneInfo("UTC")) == datetime(2026, 10, 25, 1, 45, tzinfo=ZoneInfo("UTC"))
