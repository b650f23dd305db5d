"""States that tell the truth (issue 14, item 3): what `status` says and what the loop does
match what really happened — mail really sent (seen in Sent), a promise of an answer, a
request from the employer, declined and cancelled interviews, loops found late."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import ACME, vevent
from interview_followup.daemon.config import Timing
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.loop.planning import DUE, LoopFacts, plan_loop
from interview_followup.daemon.mail.promise import promised_answer
from interview_followup.daemon.model import Debrief, Interview, Observation, Person

BERLIN = ZoneInfo("Europe/Berlin")
AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview ended
GLOBEX = vevent("globex-1@test", "20261118T100000", "20261118T110000", "Globex – Data Analyst interview",
                attendees=(("Tom Smith", "tom@globex.example"),))


def loops(world, now):
    return {x["company"]: x for x in json.loads(world.cli("status", "--json", now=now).out)["loops"]}


def drafts_by_step(world, company_loop=None):
    out = {}
    for m in world.drafts():
        loop, _, step = str(m[KEY_HEADER]).partition(".")
        if company_loop is None or loop == company_loop:
            out[step] = m
    return out


def reminder_titles(world):
    return [str(e["SUMMARY"]) for e in world.reminders()]


def send(world, draft, date_header):
    """The user sends ``draft`` as it is: it shows up in Sent with its key and a Message-ID
    of the mail program's."""
    world.deliver("Sent", sender="Alex Example <alex@example.org>", to=str(draft["To"]),
                  subject=str(draft["Subject"]), date=date_header, headers={KEY_HEADER: str(draft[KEY_HEADER])})


def no_due_step_when_closed(loop):
    if loop["stage"].startswith("closed"):
        assert [s["name"] for s in loop["steps"] if s["state"] == "due"] == [], loop


# --- "no response" only after a follow-up you really sent ------------------------------


def test_two_unsent_followups_are_never_given_up_on_their_drafts_stay_and_a_nudge_comes(world):
    world.set_calendar(ACME, GLOBEX)
    world.once(AFTER)
    world.once("2026-11-18T12:00:00+01:00")
    world.once("2026-11-23T09:00:00+01:00")
    world.once("2026-11-24T09:00:00+01:00")
    before = {k for k in world.draft_keys() if ".followup" in k}
    assert len(before) == 2
    three_weeks = "2026-12-10T09:00:00+01:00"
    r = world.once(three_weeks)
    assert "remove the untouched" not in r.out
    assert {k for k in world.draft_keys() if ".followup" in k} == before  # nothing deleted
    titles = reminder_titles(world)
    assert not any("move on" in t for t in titles)
    assert "Your follow-up to Acme is still in Drafts" in titles
    assert "Your follow-up to Globex is still in Drafts" in titles
    for loop in loops(world, three_weeks).values():
        assert loop["status"] == "open" and loop["outcome"] == ""
        assert loop["stage"] == "waiting on you" and "send the follow-up" in loop["stage_detail"]
        assert "no response" not in loop["reason"]
    text = world.cli("status", now=three_weeks).out
    assert "no response" not in text and "waiting on you: send the follow-up" in text


def test_a_followup_really_sent_and_then_silence_closes_as_no_response_without_deleting_drafts(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")
    send(world, drafts_by_step(world)["followup"], "Mon, 23 Nov 2026 09:30:00 +0100")
    world.once("2026-11-30T09:00:00+01:00")
    send(world, drafts_by_step(world)["followup-2"], "Mon, 30 Nov 2026 09:30:00 +0100")
    world.once("2026-12-14T09:00:00+01:00")
    loop = loops(world, "2026-12-14T09:00:00+01:00")["Acme"]
    assert loop["status"] == "closed" and loop["outcome"] == "no-response"
    assert loop["stage"] == "closed (no response)" and "2026-11-30" in loop["stage_detail"]
    assert "thank-you" in drafts_by_step(world)  # the give-up removed no draft (the missed thank-you stays)
    no_due_step_when_closed(loop)


def plan_at(now, observations=(), first_seen=None, written=None, debrief=None, start=None):
    start = start or datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN)
    iv = Interview("abcd1234", "uid-1", "", "Interview with Acme", "Acme", "Backend Engineer", start,
                   start + timedelta(hours=1), (Person("jane@acme.example", "Jane Doe"),), size_reason="test",
                   domains=("acme.example",))
    facts = LoopFacts(iv, first_seen or start - timedelta(days=3), debrief, tuple(observations), written)
    return plan_loop(facts, now, Timing(), BERLIN)


def sent(at, step=""):
    return Observation(f"sent-{at.isoformat()}", "abcd1234", "sent", at, "you sent it", step)


def test_no_response_only_after_a_followup_the_user_really_sent():
    late = datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN)
    unsent = plan_at(late)
    assert unsent.status == "open" and unsent.outcome == "" and unsent.step("move-on") is None
    assert unsent.step("followup").want and unsent.step("followup-nudge").want
    assert unsent.stage == "waiting on you"
    followup = datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
    once = plan_at(late, [sent(followup, "followup")])
    assert once.step("followup-2").want and once.status == "open"  # the gentle second one, unsent: no give-up
    both = plan_at(late, [sent(followup, "followup"), sent(followup + timedelta(days=7), "followup-2")])
    assert both.status == "closed" and both.outcome == "no-response" and both.step("move-on").want


def test_a_nudge_reminder_is_written_only_once_it_is_due():
    p = plan_at(datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN))
    nudge = p.step("followup-nudge")
    assert nudge.due == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN) and not nudge.want
    sent_in_time = plan_at(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN),
                           [sent(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN), "followup")])
    assert not sent_in_time.step("followup-nudge").want and sent_in_time.step("followup-nudge").state == "done"


# --- found late: no thank-you, and no draft that assumes one --------------------------


def test_a_loop_found_after_its_thank_you_window_says_found_late_and_its_followup_does_not_thank_again(world):
    world.set_calendar(ACME)
    now = "2026-11-27T10:00:00+01:00"  # first run ten days after the interview
    world.once(now)
    drafts = drafts_by_step(world)
    assert set(drafts) == {"followup"}
    body = drafts["followup"].get_content()
    assert "again" not in body.lower() and "Thank you for taking the time to meet me" in body
    loop = loops(world, now)["Acme"]
    assert loop["found_late"] is True and loop["stage"] == "waiting on you"
    assert "found late" in world.cli("status", now=now).out


def test_catching_up_ten_days_late_writes_no_late_thank_you_and_no_followup_that_thanks_again(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")  # seen the day before; then nothing ran for ten days
    reminders_before = set(world.reminder_uids())
    r = world.once("2026-11-27T10:00:00+01:00")
    assert reminders_before <= set(world.reminder_uids())  # past reminders stay where they were
    assert "write the thank-you draft" not in r.out
    drafts = drafts_by_step(world)
    assert set(drafts) == {"followup"} and "again" not in drafts["followup"].get_content().lower()
    loop = loops(world, "2026-11-27T10:00:00+01:00")["Acme"]
    steps = {s["name"]: s for s in loop["steps"]}
    assert loop["found_late"] is True and steps["thank-you"]["state"] == "skipped"
    assert "found late" in steps["thank-you"]["detail"]


def test_a_followup_after_a_thank_you_really_sent_thanks_again(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    send(world, drafts_by_step(world)["thank-you"], "Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-23T09:00:00+01:00")
    assert "Thank you again" in drafts_by_step(world)["followup"].get_content()


def test_a_missed_thank_you_is_not_thanked_again_either(world):
    world.set_calendar(ACME)
    world.once(AFTER)  # the thank-you draft was written, and never sent
    world.once("2026-11-23T09:00:00+01:00")
    body = drafts_by_step(world)["followup"].get_content()
    assert "again" not in body.lower()
    loop = loops(world, "2026-11-23T09:00:00+01:00")["Acme"]
    assert loop["found_late"] is False
    assert {s["name"]: s["state"] for s in loop["steps"]}["thank-you-reminder"] == "missed"


def test_a_users_own_followup_template_stays_theirs_for_a_first_followup(world):
    (world.root / "templates").mkdir()
    (world.root / "templates" / "followup.txt").write_text("Subject: Mine\n\nMy own words.\n", encoding="utf-8")
    world.config.write_text(world.config.read_text() + '\n[drafts]\ntemplates_dir = "templates"\n', encoding="utf-8")
    world.set_calendar(ACME)
    world.once("2026-11-27T10:00:00+01:00")
    assert drafts_by_step(world)["followup"].get_content().strip() == "My own words."


# --- a promise of an answer keeps the loop waiting ------------------------------------


PROMISE = "Hi Alex,\n\nthanks for your note. We are meeting two more candidates and will get back to you " \
          "by Friday 4 December.\n\nJane"


def test_a_reply_promising_an_answer_by_a_date_keeps_the_loop_waiting_and_moves_the_followup(world):
    r = world.mail_after_the_interview(
        "2026-11-19T12:00:00+01:00", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
        date="Thu, 19 Nov 2026 11:00:00 +0100", body=PROMISE)
    assert "note a promise for Acme (Backend Engineer): they will answer by 2026-12-04" in r.out
    loop = loops(world, "2026-11-19T12:00:00+01:00")["Acme"]
    assert loop["status"] == "open" and loop["outcome"] == ""
    assert loop["stage"] == "waiting on them"
    assert loop["stage_detail"] == "their answer, promised by Fri 2026-12-04; follow-up on Mon 2026-12-07"
    assert "will get back to you" in loop["reason"]
    steps = {s["name"]: s for s in loop["steps"]}
    assert steps["followup"]["due"] == "2026-12-07T09:00:00+01:00"
    assert "2026-12-04" in steps["followup"]["detail"]
    world.once("2026-11-23T09:00:00+01:00")
    assert "followup" not in drafts_by_step(world)
    world.once("2026-12-07T09:00:00+01:00")
    assert "followup" in drafts_by_step(world)


def test_a_promise_after_the_followup_was_written_takes_it_back_and_writes_it_again_when_due(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")
    assert "followup" in drafts_by_step(world)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
                  date="Mon, 23 Nov 2026 11:00:00 +0100", body=PROMISE)
    world.once("2026-11-23T12:00:00+01:00")
    assert "followup" not in drafts_by_step(world)  # untouched: taken back until after the promised day
    world.once("2026-12-07T09:00:00+01:00")
    assert "followup" in drafts_by_step(world)


def test_a_reply_that_only_says_they_will_get_back_to_you_is_no_closure(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    send(world, drafts_by_step(world)["thank-you"], "Tue, 17 Nov 2026 17:00:00 +0100")
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
                  date="Wed, 18 Nov 2026 11:00:00 +0100",
                  body="Thank you, Alex. We are still meeting candidates and will be in touch as soon as we have news.")
    world.once("2026-11-18T12:00:00+01:00")
    loop = loops(world, "2026-11-18T12:00:00+01:00")["Acme"]
    assert loop["status"] == "open" and loop["stage"] == "waiting on them"
    assert "they answered" not in world.cli("status", now="2026-11-18T12:00:00+01:00").out
    steps = {s["name"]: s for s in loop["steps"]}
    assert steps["followup"]["due"] == "2026-11-23T09:00:00+01:00" and steps["followup"]["state"] == "scheduled"


@pytest.mark.parametrize("text, by", [
    ("We will get back to you by Friday 4 December.", date(2026, 12, 4)),
    ("Thanks Alex! We're seeing two more candidates this week and will get back to you by Friday next week.",
     date(2026, 11, 27)),
    ("You will hear from us within two weeks.", date(2026, 12, 2)),
    ("We'll let you know next week.", date(2026, 11, 27)),
    ("By 4 December, we will let you know.", date(2026, 12, 4)),
    ("Wir melden uns bis Freitag, 4. Dezember bei Ihnen.", date(2026, 12, 4)),
    ("Nous reviendrons vers vous d'ici le 4 décembre.", date(2026, 12, 4)),
    ("Nos pondremos en contacto antes del 4 de diciembre.", date(2026, 12, 4)),
    ("Wir melden uns bis Ende Januar verbindlich bei Ihnen.", date(2027, 1, 31)),
    ("We will get back to you by the end of the month.", date(2026, 11, 30)),
    ("Nous reviendrons vers vous d'ici fin décembre.", date(2026, 12, 31)),
    ("Ti faremo sapere entro la fine di gennaio.", date(2027, 1, 31)),
    ("We nemen voor 3 februari een besluit en laten het je dan meteen weten.", date(2027, 2, 3)),
    ("Before 3 December we will let you know our decision.", date(2026, 12, 3)),
    ("We will get back to you by the 25th.", date(2026, 11, 25)),
    ("We will be in touch as soon as we have news.", None),
    ("Thanks for meeting us on Tuesday 17 November. We will be in touch.", None),  # a date, but not the promised one
    ("We'll be in touch. On 4 December we have our team meeting.", None),  # another sentence
])
def test_a_promised_answer_and_its_day_are_read_from_the_reply(text, by):
    promise = promised_answer(text, date(2026, 11, 18))
    assert promise is not None and promise.phrase and promise.by == by


@pytest.mark.parametrize("text", ["Thanks, talk soon.", "We will not get back to you before the new year.",
                                  "Thanks for your note."])
def test_a_reply_that_promises_nothing_is_no_promise(text):
    assert promised_answer(text, date(2026, 11, 18)) is None


# --- a request from the employer waits on you ----------------------------------------


def test_a_request_from_the_employer_waits_on_you_until_you_answer_it(world):
    world.mail_after_the_interview(
        "2026-11-19T12:00:00+01:00", sender="Ravi Patel <ravi@acme.example>", subject="References",
        date="Thu, 19 Nov 2026 11:00:00 +0100",
        body="Hi Alex,\n\ncould you please send us two references from previous employers?\n\nRavi")
    loop = loops(world, "2026-11-19T12:00:00+01:00")["Acme"]
    assert loop["status"] == "open" and loop["outcome"] == "info"
    assert loop["stage"] == "waiting on you" and loop["stage_detail"] == "answer their request"
    assert "waiting on you: answer their request" in world.cli("status", now="2026-11-19T12:00:00+01:00").out
    world.deliver("Sent", sender="Alex Example <alex@example.org>", to="ravi@acme.example", subject="Re: References",
                  date="Thu, 19 Nov 2026 15:00:00 +0100")
    world.once("2026-11-19T16:00:00+01:00")
    loop = loops(world, "2026-11-19T16:00:00+01:00")["Acme"]
    assert loop["status"] == "open" and loop["stage"] == "waiting on them"
    assert "what you sent" in loop["stage_detail"]
    # and if nothing comes back: no response after your answer (not "after your follow-ups")
    world.once("2026-12-04T09:00:00+01:00")
    loop = loops(world, "2026-12-04T09:00:00+01:00")["Acme"]
    assert loop["outcome"] == "no-response" and "after you answered their request" in loop["reason"]
    no_due_step_when_closed(loop)


# --- declined and cancelled interviews are listed with their reason -------------------


def test_declined_and_cancelled_interviews_are_listed_with_their_reason(world):
    declined = ACME.replace("CN=Alex Example;PARTSTAT=ACCEPTED", "CN=Alex Example;PARTSTAT=DECLINED")
    cancelled = GLOBEX.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT")
    world.set_calendar(declined, cancelled)
    r = world.once("2026-11-16T09:00:00+01:00")
    assert "as cancelled (you declined it)" in r.out and "as cancelled (the event was cancelled)" in r.out
    assert world.drafts() == [] and world.reminder_uids() == []
    found = loops(world, "2026-11-16T09:00:00+01:00")
    assert found["Acme"]["status"] == "cancelled" and found["Acme"]["stage"] == "closed (declined)"
    assert "you declined it" in found["Acme"]["reason"]
    assert found["Globex"]["stage"] == "closed (cancelled)" and "the event was cancelled" in found["Globex"]["reason"]
    text = world.cli("status", "--all", now="2026-11-16T09:00:00+01:00").out
    assert "closed (declined): you declined it" in text and "closed (cancelled): the event was cancelled" in text


def test_declining_an_interview_already_followed_cancels_its_loop_and_says_why(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    assert world.reminder_uids()
    world.set_calendar(ACME.replace("CN=Alex Example;PARTSTAT=ACCEPTED", "CN=Alex Example;PARTSTAT=DECLINED"))
    r = world.once("2026-11-16T10:00:00+01:00")
    assert "cancel the loop for Acme (Backend Engineer): you declined it" in r.out
    assert world.reminder_uids() == []
    assert loops(world, "2026-11-16T10:00:00+01:00")["Acme"]["stage"] == "closed (declined)"


def test_an_event_removed_from_the_calendar_is_listed_as_cancelled_with_that_reason(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    world.set_calendar()
    world.once("2026-11-16T10:00:00+01:00")
    loop = loops(world, "2026-11-16T10:00:00+01:00")["Acme"]
    assert loop["stage"] == "closed (cancelled)" and "no longer in the calendar" in loop["stage_detail"]


# --- a closed loop shows no due step; status at a glance -----------------------------


def test_a_courtesy_reply_keeps_the_loop_open_and_is_shown_as_maybe_their_answer(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")  # the follow-up is due
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Mon, 23 Nov 2026 11:00:00 +0100",
                  body="Thanks for your note, Alex. Have a good week!")
    world.once("2026-11-23T12:00:00+01:00")
    loop = loops(world, "2026-11-23T12:00:00+01:00")["Acme"]
    assert loop["status"] == "open" and loop["stage"] == "waiting on you"
    assert "a message from Jane Doe on Mon 2026-11-23 may be their answer" in loop["reason"]
    assert "followup" in drafts_by_step(world)  # the follow-up stays
    text = world.cli("status", now="2026-11-23T12:00:00+01:00").out
    assert "a message from Jane Doe on Mon 2026-11-23 may be their answer" in text
    history = world.cli("history", "Acme", now="2026-11-23T12:00:00+01:00").out
    assert "a message from Jane Doe may be their answer" in history


def test_a_closed_loop_shows_no_due_step(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")  # the debrief, thank-you and follow-up reminders are past
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Mon, 23 Nov 2026 11:00:00 +0100")
    world.cli("close", "Acme", "--outcome", "other", now="2026-11-23T11:30:00+01:00")
    world.once("2026-11-23T12:00:00+01:00")
    loop = loops(world, "2026-11-23T12:00:00+01:00")["Acme"]
    assert loop["status"] == "closed" and loop["stage"] == "closed (other)"
    no_due_step_when_closed(loop)
    steps = {s["name"]: s for s in loop["steps"]}
    assert steps["debrief"]["state"] == "skipped" and "no longer needed" in steps["debrief"]["detail"]
    assert steps["debrief"]["written"] == "created"  # a past reminder stays where it was
    text = world.cli("status", now="2026-11-23T12:00:00+01:00").out
    assert " due " not in text


@pytest.mark.parametrize("outcome", ["rejection", "offer", "other", "next-round", "info"])
@pytest.mark.parametrize("days", [1, 3, 9, 30])
def test_no_closed_stage_ever_shows_a_due_step(outcome, days):
    reply = Observation("r", "abcd1234", "reply", datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN), "a reply",
                        outcome=outcome, phrase="x" if outcome != "other" else "")
    p = plan_at(datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN) + timedelta(days=days), [reply])
    if p.stage.startswith("closed"):
        assert not [s.name for s in p.steps if s.state == DUE]
    else:
        assert p.stage == "waiting on you" or p.status == "open"


def test_a_rejection_waits_on_you_for_the_feedback_request_then_closes(world):
    world.mail_after_the_interview(
        "2026-11-19T12:00:00+01:00", sender="Jane Doe <jane.doe@acme.example>", subject="Your application",
        date="Thu, 19 Nov 2026 11:00:00 +0100",
        body="Dear Alex,\n\nunfortunately we have decided to move forward with other candidates.\n\nJane")
    loop = loops(world, "2026-11-19T12:00:00+01:00")["Acme"]
    assert loop["status"] == "closed" and loop["outcome"] == "rejected"
    assert loop["stage"] == "waiting on you" and loop["stage_detail"] == "send the feedback request"
    later = loops(world, "2026-11-30T12:00:00+01:00")["Acme"]
    assert later["stage"] == "closed (rejected)" and "other candidates" in later["stage_detail"]
    no_due_step_when_closed(later)
    assert "feedback-request" in drafts_by_step(world)  # missed, never removed


def test_status_says_where_each_loop_stands_in_words_read_at_a_glance(world):
    world.set_calendar(ACME, GLOBEX)
    before = "2026-11-16T09:00:00+01:00"
    world.once(before)
    assert {x["stage"] for x in loops(world, before).values()} == {"upcoming"}
    world.once(AFTER)
    now = "2026-11-17T16:00:00+01:00"
    stages = {c: x["stage"] for c, x in loops(world, now).items()}
    assert stages == {"Acme": "waiting on you", "Globex": "upcoming"}
    send(world, drafts_by_step(world)["thank-you"], "Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-17T18:00:00+01:00")
    acme = loops(world, "2026-11-17T18:00:00+01:00")["Acme"]
    assert acme["stage"] == "waiting on them" and acme["stage_detail"] == "their answer; follow-up on Mon 2026-11-23"
    text = world.cli("status", now="2026-11-17T18:00:00+01:00").out
    assert "waiting on them: their answer; follow-up on Mon 2026-11-23" in text
    assert "Globex — Data Analyst" in text and "upcoming: the interview tomorrow 10:00" in text
    detail = world.cli("status", "Globex", now="2026-11-17T18:00:00+01:00").out
    assert "Globex — Data Analyst  [" in detail and "Wed 2026-11-18 10:00  upcoming\n" in detail
    data = json.loads(world.cli("status", "--json", now="2026-11-17T18:00:00+01:00").out)
    assert {"status", "reason", "outcome", "stage", "stage_detail", "found_late"} <= set(data["loops"][0])


# --- the second follow-up answers the first, as sent ---------------------------------


def test_the_second_followup_answers_in_the_thread_of_the_first_followup_as_sent(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    send(world, drafts_by_step(world)["thank-you"], "Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-23T09:00:00+01:00")
    first = drafts_by_step(world)["followup"]
    send(world, first, "Mon, 23 Nov 2026 09:30:00 +0100")
    world.once("2026-11-30T09:00:00+01:00")
    sent_ids = {}
    folder = world.folder("Sent")
    for key in folder.keys():
        m = folder.get_message(key)
        sent_ids[str(m[KEY_HEADER]).partition(".")[2]] = str(m["Message-ID"])
    second = drafts_by_step(world)["followup-2"]
    assert second["In-Reply-To"] == sent_ids["followup"]
    assert str(second["References"]).split() == [sent_ids["thank-you"], sent_ids["followup"]]
    assert first["In-Reply-To"] == sent_ids["thank-you"]  # the first one answers the thank-you


def test_a_debrief_answer_date_still_sets_the_followup_day():
    debrief = Debrief("abcd1234", datetime(2026, 11, 17, 16, 0, tzinfo=BERLIN), answer_by=date(2026, 11, 25))
    p = plan_at(datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN), debrief=debrief)
    assert p.step("followup").due == datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)


# --- what the mail says: a promise, a draft sent without its key -----------------------


def test_a_promising_reply_is_other_with_its_words_and_day_and_a_decisive_one_keeps_its_outcome():
    from reply_world import ACME as ACME_LOOP, JANE, at, known
    from interview_followup.daemon.mail.classify import Rules
    from interview_followup.daemon.mail.replies import understand
    from interview_followup.daemon.model import MailMessage

    def reply(body):
        msg = MailMessage("r1", "inbox", "<r1@acme.example>", sender=JANE, to=(Person("alex@example.org"),),
                          subject="Re: Thank you", date=at("2026-11-18", 11), body=body)
        return understand(msg, known(ACME_LOOP), at("2026-11-20"), Rules.builtin())

    promise = reply("Thanks Alex. We will get back to you by Friday 4 December.")
    assert (promise.outcome, promise.returns_on, promise.promises_answer) == ("other", date(2026, 12, 4), True)
    assert promise.phrase == "We will get back to you"
    plain = reply("Thanks for your note.")
    assert (plain.outcome, plain.phrase, plain.returns_on, plain.promises_answer) == ("other", "", None, False)
    rejection = reply("Unfortunately we have decided to move forward with other candidates. "
                      "We will be in touch should another role open up.")
    assert rejection.outcome == "rejection" and not rejection.promises_answer and rejection.returns_on is None


def test_a_draft_sent_without_its_key_but_with_its_message_id_counts_as_that_step_sent():
    from reply_world import ACME as ACME_LOOP, JANE, at, known
    from interview_followup.daemon.keys import message_id
    from interview_followup.daemon.mail.classify import Rules
    from interview_followup.daemon.mail.replies import understand
    from interview_followup.daemon.model import MailMessage

    msg = MailMessage("s1", "sent", message_id("acme.followup", "example.org"), sender=Person("alex@example.org"),
                      to=(JANE,), subject="Following up", date=at("2026-11-23", 9, 30))
    obs = understand(msg, known(ACME_LOOP), at("2026-11-24"), Rules.builtin())
    assert (obs.kind, obs.loop_id, obs.step) == ("sent", "acme", "followup")


def test_a_promise_is_announced_as_an_answer_to_come_not_as_an_answer(world):
    from interview_followup.daemon.engine.attention import notices
    from interview_followup.daemon.store.state import State

    world.mail_after_the_interview(
        "2026-11-19T12:00:00+01:00", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
        date="Thu, 19 Nov 2026 11:00:00 +0100", body=PROMISE)
    state = State.open(world.state_dir)
    try:
        titles = [n.title for key, n in notices(state).items() if key.startswith("reply:")]
    finally:
        state.close()
    assert titles == ["Acme will answer by Fri 04 Dec"]
