"""Issue 16, items 4-6 through the command line on a Maildir: drafts never answer a robot,
their thread headers survive whatever their length, and only the follow-up's key or
thread makes the follow-up sent."""

from __future__ import annotations

import json
import mailbox
from email.message import EmailMessage

from conftest import ACME, vevent
from interview_followup.daemon.keys import KEY_HEADER

OUTLOOK_ID = "<AM0PR10MB3201A5B2C5D7E8F90A1B2C3D4E5F6A7B8C9D0E@AM0PR10MB3201.EURPRD10.PROD.OUTLOOK.COM>"
REJECTION = ("Dear Alex,\n\nthank you for your time. Unfortunately we have decided to move forward with "
             "other candidates.\n\nBest regards")


def put(world, folder, *, sender, subject, date, body, message_id, to="alex@example.org", in_reply_to=""):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, date
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(body)
    md = mailbox.Maildir(world.maildir, factory=None, create=True)
    target = md if folder == "INBOX" else (md.get_folder(folder) if folder in md.list_folders() else md.add_folder(folder))
    target.add(mailbox.MaildirMessage(msg.as_bytes()))


def inbox(world, **mail):
    put(world, "INBOX", **mail)


def draft_files(world):
    folder = world.maildir / ".Drafts"
    return {p.read_bytes().split(f"{KEY_HEADER}: ".encode())[1].split(b"\n")[0].strip().decode().partition(".")[2]:
            p.read_bytes() for sub in ("new", "cur") if (folder / sub).is_dir() for p in (folder / sub).iterdir()}


def loop(world, now):
    return json.loads(world.cli("status", "--json", now=now).out)["loops"][0]


def test_a_draft_answering_an_outlook_message_keeps_its_long_message_id_byte_for_byte(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    inbox(world, sender="Jane Doe <jane.doe@acme.example>", subject="Your application",
          date="Thu, 19 Nov 2026 11:00:00 +0100", body=REJECTION, message_id=OUTLOOK_ID)
    world.once("2026-11-19T12:00:00+01:00")
    raw = draft_files(world)["feedback-request"].replace(b"\r\n", b"\n")
    head = raw.partition(b"\n\n")[0]
    assert f"\nIn-Reply-To: {OUTLOOK_ID}\n".encode() in head
    assert f"\nReferences: {OUTLOOK_ID}\n".encode() in head
    assert b"=?" not in head


def test_a_rejection_from_a_tracking_system_is_answered_to_the_interviewers(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    inbox(world, sender="Acme Recruiting <acme-recruiting@greenhouse-mail.io>", subject="Your application at Acme",
          date="Thu, 19 Nov 2026 11:00:00 +0100", body=REJECTION, message_id="<gh.123@greenhouse-mail.io>")
    world.once("2026-11-19T12:00:00+01:00")
    assert loop(world, "2026-11-19T12:00:00+01:00")["outcome"] == "rejected"
    feedback = next(m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".feedback-request"))
    assert "jane.doe@acme.example" in feedback["To"] and "greenhouse" not in feedback["To"]


def test_with_no_person_to_answer_the_draft_has_no_recipient_and_its_reminder_says_so(world):
    robots = vevent("acme-2@test", "20261117T140000", "20261117T150000", "Acme – Backend Engineer interview",
                    attendees=(("Acme via Greenhouse", "scheduling@greenhouse.io"),))
    world.set_calendar(robots)
    world.once("2026-11-17T16:00:00+01:00")
    inbox(world, sender="Acme <no-reply@greenhouse.io>", subject="Your application at Acme",
          date="Thu, 19 Nov 2026 11:00:00 +0100", body=REJECTION, message_id="<gh.456@greenhouse.io>")
    world.once("2026-11-19T12:00:00+01:00")
    feedback = next(m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".feedback-request"))
    assert feedback["To"] is None
    reminder = next(e for e in world.reminders() if str(e["SUMMARY"]) == "Ask Acme for feedback")
    assert "add the recruiter's address" in str(reminder["DESCRIPTION"])


def sent(world, *, to, date, message_id, in_reply_to=""):
    put(world, "Sent", sender="Alex Example <alex@example.org>", to=to, subject="Re: Backend Engineer", date=date,
        body="Hello,\n\nAlex\n", message_id=message_id, in_reply_to=in_reply_to)


def test_mail_to_an_interviewer_after_the_due_date_is_not_the_followup(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    world.once("2026-11-23T09:00:00+01:00")  # the follow-up draft is written
    sent(world, to="jane.doe@acme.example", date="Mon, 23 Nov 2026 10:00:00 +0100",
         message_id="<other.1@example.org>")  # about something else
    world.once("2026-11-23T11:00:00+01:00")
    state = loop(world, "2026-11-23T11:00:00+01:00")
    assert "send the follow-up" in state["stage_detail"]
    assert "followup" in {str(m[KEY_HEADER]).partition(".")[2] for m in world.drafts()}


def test_mail_sent_in_the_followups_thread_is_the_followup(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    sent(world, to="jane.doe@acme.example", date="Tue, 17 Nov 2026 18:00:00 +0100",
         message_id="<thanks.1@example.org>")  # a thank-you written by hand
    world.once("2026-11-17T19:00:00+01:00")
    world.once("2026-11-23T09:00:00+01:00")
    followup = next(m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".followup"))
    assert followup["In-Reply-To"] is not None  # the thread the follow-up is written in
    sent(world, to="jane.doe@acme.example", date="Mon, 23 Nov 2026 10:00:00 +0100",
         message_id="<follow.1@example.org>", in_reply_to=str(followup["In-Reply-To"]))
    world.once("2026-11-23T11:00:00+01:00")
    steps = {s["name"]: s["state"] for s in loop(world, "2026-11-23T11:00:00+01:00")["steps"]}
    assert steps["followup"] == "done"


def test_mail_to_someone_else_at_the_company_is_tied_to_the_loop(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    sent(world, to="office@acme.example", date="Wed, 18 Nov 2026 10:00:00 +0100",
         message_id="<docs.1@example.org>")
    r = world.once("2026-11-18T11:00:00+01:00")
    assert "office@acme.example" in r.out
    inbox(world, sender="Office <office@acme-services.example>", subject="Re: Backend Engineer",
          date="Wed, 18 Nov 2026 14:00:00 +0100", body="Hi Alex,\n\nreceived, thanks.\n",
          message_id="<o.2@acme-services.example>", in_reply_to="<docs.1@example.org>")
    r = world.once("2026-11-18T15:00:00+01:00")
    assert "Acme" in r.out and "answer" in r.out


def test_a_full_mailbox_asks_to_try_again_later_not_to_check_the_address(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    inbox(world, sender="Mail Delivery System <MAILER-DAEMON@mail.example.org>",
          subject="Undelivered Mail Returned to Sender", date="Tue, 17 Nov 2026 16:40:00 +0100",
          message_id="<b.1@mail.example.org>",
          body="I'm sorry to have to inform you that your message could not be delivered.\n\n"
               "<ravi@acme.example>: host mx.acme.example said: 552 5.2.2 Mailbox full\n")
    r = world.once("2026-11-17T17:00:00+01:00")
    assert "your mail to ravi@acme.example was not delivered: their mailbox is full" in r.out
    state = loop(world, "2026-11-17T17:00:00+01:00")
    assert state["flags"] == ["your mail to ravi@acme.example bounced — their mailbox is full: try again in a few "
                              "days, or write to another contact"]
    reminder = next(e for e in world.reminders() if "bounced" in str(e["SUMMARY"]))
    assert str(reminder["SUMMARY"]) == "Mail to Acme bounced: their mailbox is full"
    assert "ravi@acme.example" in str(reminder["DESCRIPTION"]) and "Check the address" not in str(reminder["DESCRIPTION"])


def test_a_delay_notice_changes_nothing(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    inbox(world, sender="Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
          subject="Delivery Status Notification (Delay)", date="Tue, 17 Nov 2026 16:40:00 +0100",
          message_id="<d.1@mx.google.com>",
          body="** Delivery incomplete **\n\nThere was a temporary problem delivering your message to "
               "ravi@acme.example. Gmail will retry for 46 more hours.\n")
    world.once("2026-11-17T17:00:00+01:00")
    assert loop(world, "2026-11-17T17:00:00+01:00")["flags"] == []
    assert not any("bounced" in str(e["SUMMARY"]) for e in world.reminders())
