"""What happens after the employer writes, through the command line on the embedded
providers: rejections, offers, requests, absences, bounces, silence, next rounds."""

from __future__ import annotations

import json

from conftest import ACME, vevent
from interview_followup.daemon.keys import KEY_HEADER

AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview ended


def loop(world, now, index=0):
    return json.loads(world.cli("status", "--json", now=now).out)["loops"][index]


def drafts_by_step(world):
    return {str(m[KEY_HEADER]).partition(".")[2]: m for m in world.drafts()}


def reminder_titles(world):
    return [str(e["SUMMARY"]) for e in world.reminders()]


def mail_after_the_interview(world, now, **mail):
    return world.mail_after_the_interview(now, **mail)


def test_a_rejection_closes_the_loop_and_leaves_a_feedback_request_in_its_thread(world):
    r = mail_after_the_interview(world, "2026-11-19T12:00:00+01:00",
                                 sender="Jane Doe <jane.doe@acme.example>", subject="Your application",
                                 date="Thu, 19 Nov 2026 11:00:00 +0100",
                                 body="Dear Alex,\n\nthank you for your time. Unfortunately we have decided to "
                                      "move forward with other candidates.\n\nBest,\nJane")
    assert "note the answer for Acme (Backend Engineer): rejection" in r.out
    state = loop(world, "2026-11-19T12:00:00+01:00")
    assert state["status"] == "closed" and state["outcome"] == "rejected"
    assert "move forward with other candidates" in state["reason"]
    drafts = drafts_by_step(world)
    assert "thank-you" not in drafts  # the untouched thank-you went
    feedback = drafts["feedback-request"]
    assert feedback["To"] == "Jane Doe <jane.doe@acme.example>"
    assert feedback.get_content().splitlines()[0] == "Dear Jane,"  # the one person it goes to
    assert feedback["In-Reply-To"].startswith("<") and "test.example" in feedback["In-Reply-To"]
    assert "feedback" in feedback.get_content().lower()
    titles = reminder_titles(world)
    assert "Ask Acme for feedback" in titles
    assert "nothing to do" in world.once("2026-11-19T12:05:00+01:00").out


def test_a_rejection_from_a_no_reply_robot_is_answered_to_the_interviewers(world):
    mail_after_the_interview(world, "2026-11-19T12:00:00+01:00",
                             sender="Acme Careers <no-reply@acme.example>", subject="Update on your application",
                             date="Thu, 19 Nov 2026 11:00:00 +0100",
                             body="Hello Alex,\n\nafter careful consideration we regret to inform you that we "
                                  "will not be moving forward with your application.\n")
    feedback = drafts_by_step(world)["feedback-request"]
    assert "jane.doe@acme.example" in feedback["To"] and "no-reply" not in feedback["To"]


def test_an_offer_leaves_a_draft_asking_for_time_until_a_working_day(world):
    mail_after_the_interview(world, "2026-11-20T12:00:00+01:00",
                             sender="Jane Doe <jane.doe@acme.example>", subject="Offer",
                             date="Fri, 20 Nov 2026 11:00:00 +0100",
                             body="Hi Alex,\n\nwe are delighted to offer you the position of Backend Engineer.\n\nJane")
    state = loop(world, "2026-11-20T12:00:00+01:00")
    assert state["outcome"] == "offer"
    decision = drafts_by_step(world)["decision-time"]
    assert "Friday, 27 November 2026" in decision.get_content()
    assert "Answer the offer from Acme" in reminder_titles(world)


def test_a_request_for_documents_cancels_the_followup_and_reminds_to_answer(world):
    mail_after_the_interview(world, "2026-11-19T12:00:00+01:00",
                             sender="Ravi Patel <ravi@acme.example>", subject="References",
                             date="Thu, 19 Nov 2026 11:00:00 +0100",
                             body="Hi Alex,\n\ncould you please send us two references from previous "
                                  "employers?\n\nRavi")
    assert loop(world, "2026-11-19T12:00:00+01:00")["outcome"] == "info"
    titles = reminder_titles(world)
    assert "Acme asked you for something" in titles
    assert not any("follow-up" in t.lower() for t in titles)


def test_an_absence_notice_with_a_return_date_moves_the_followup_and_keeps_the_loop_open(world):
    r = mail_after_the_interview(world, "2026-11-17T17:00:00+01:00",
                                 sender="Jane Doe <jane.doe@acme.example>", subject="Automatic reply: Thank you",
                                 date="Tue, 17 Nov 2026 16:30:00 +0100", headers={"Auto-Submitted": "auto-replied"},
                                 body="I am out of the office and will be back on 30 November 2026.")
    assert "back on 2026-11-30" in r.out
    state = loop(world, "2026-11-17T17:00:00+01:00")
    assert state["status"] == "open"
    followup = next(s for s in state["steps"] if s["name"] == "followup")
    assert followup["due"] == "2026-12-01T09:00:00+01:00"
    world.once("2026-11-23T09:00:00+01:00")
    assert "followup" not in drafts_by_step(world)


def test_a_bounce_flags_the_loop_and_asks_to_check_the_address(world):
    mail_after_the_interview(world, "2026-11-17T17:00:00+01:00",
                             sender="Mail Delivery System <MAILER-DAEMON@mail.example.org>",
                             subject="Undelivered Mail Returned to Sender", date="Tue, 17 Nov 2026 16:40:00 +0100",
                             headers={"Auto-Submitted": "auto-replied"},
                             body="I'm sorry to have to inform you that your message could not be delivered.\n\n"
                                  "<ravi@acme.example>: host mx.acme.example said: 550 5.1.1 User unknown\n")
    state = loop(world, "2026-11-17T17:00:00+01:00")
    assert state["status"] == "open"
    assert state["flags"] == ["your mail to ravi@acme.example bounced — check the address"]
    assert "Mail to Acme bounced: check the address" in reminder_titles(world)
    assert "! your mail to ravi@acme.example bounced" in world.cli("status", now="2026-11-17T17:00:00+01:00").out


def test_silence_brings_one_gentle_followup_then_closes_as_no_response(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")
    followup = drafts_by_step(world)["followup"]
    world.deliver("Sent", sender="alex@example.org", to="jane.doe@acme.example", subject=str(followup["Subject"]),
                  date="Mon, 23 Nov 2026 09:30:00 +0100", headers={KEY_HEADER: str(followup[KEY_HEADER])})
    world.once("2026-11-30T09:00:00+01:00")
    second = drafts_by_step(world)["followup-2"]
    assert second["Subject"].startswith("Re: ")
    world.deliver("Sent", sender="alex@example.org", to="jane.doe@acme.example", subject=str(second["Subject"]),
                  date="Mon, 30 Nov 2026 09:30:00 +0100", headers={KEY_HEADER: str(second[KEY_HEADER])})
    world.once("2026-12-07T09:00:00+01:00")
    assert "followup-3" not in drafts_by_step(world)  # never more than configured
    world.once("2026-12-14T09:00:00+01:00")
    state = loop(world, "2026-12-14T09:00:00+01:00")
    assert state["status"] == "closed" and state["outcome"] == "no-response"
    assert "No answer from Acme: time to move on" in reminder_titles(world)


def test_after_an_invitation_the_next_interview_is_round_two_of_the_same_application(world):
    mail_after_the_interview(world, "2026-11-19T12:00:00+01:00",
                             sender="Jane Doe <jane.doe@acme.example>", subject="Next steps",
                             date="Thu, 19 Nov 2026 11:00:00 +0100",
                             body="Hi Alex,\n\nwe would like to invite you to a second interview with the "
                                  "team.\n\nJane")
    first = loop(world, "2026-11-19T12:00:00+01:00")
    assert first["status"] == "open" and first["outcome"] == "next-round"
    second = vevent("acme-2@test", "20261126T100000", "20261126T110000", "Acme – Backend Engineer interview",
                    attendees=(("Jane Doe", "jane.doe@acme.example"),))
    world.set_calendar(ACME, second)
    world.once("2026-11-26T12:00:00+01:00")
    loops = json.loads(world.cli("status", "--json", now="2026-11-26T12:00:00+01:00").out)["loops"]
    by_round = {x["round"]: x for x in loops}
    assert by_round[2]["application"] == by_round[1]["loop_id"]
    assert by_round[1]["status"] == "closed" and "next round on Thu 2026-11-26" in by_round[1]["reason"]
    assert by_round[2]["status"] == "open"
    text = world.cli("status", now="2026-11-26T12:00:00+01:00").out
    assert text.count("Acme — Backend Engineer") == 1 and "  round 2  " in text  # one application, its round
    detail = world.cli("status", "Acme", now="2026-11-26T12:00:00+01:00").out  # every round of it
    assert "  round 2: Acme" in detail and "next round on Thu 2026-11-26" in detail
