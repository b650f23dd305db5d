"""What every ``Mailbox`` must do, whatever the server behind it.

A provider's test module subclasses ``MailboxContract`` (name the subclass ``Test...``)
and provides:

- fixture ``mailbox``: an open mailbox on an account with empty inbox, sent and drafts;
- fixture ``deliver``: a callable ``deliver(raw: bytes, folder="inbox")`` that puts a
  message into the server-side inbox or sent folder the way the real world would
  (Maildir: a file written to tmp/ and renamed into new/; IMAP: APPEND; Gmail: insert);
- method ``assert_flagged_draft(mailbox, stored)``: the provider's own proof that the
  stored draft sits in the Drafts folder flagged as a draft.

``make_message`` builds the test messages (LF line endings; providers that need CRLF
convert in ``deliver``). Dates are relative to the real clock, because servers stamp
arrival times with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid

import pytest

from interview_followup.daemon.keys import KEY_HEADER, message_id
from interview_followup.daemon.mail.parse import body_digest
from interview_followup.daemon.model import Draft, StoredDraft
from interview_followup.daemon.providers import Mailbox

Deliver = Callable[..., None]
NOW = datetime.now(timezone.utc).replace(microsecond=0)
SINCE = NOW - timedelta(days=2)
OLD = NOW - timedelta(days=10)
RECENT = NOW - timedelta(hours=1)


def make_message(
    subject: str = "Re: your interview",
    sender: str = "Jane Doe <jane.doe@acme.example>",
    to: str = "Alex Example <alex@example.org>",
    date: datetime = RECENT,
    body: str = "Thanks for your note. We will be in touch.\n",
    headers: dict[str, str] | None = None,
    msgid: str | None = None,
) -> bytes:
    msg = EmailMessage(policy=default)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msgid or make_msgid(domain="test.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def make_draft(key: str = "3f2a9c1b.thank-you", subject: str = "Thank you for today",
               body: str = "Dear Jane,\n\nthank you for your time today.\n\nAlex\n") -> Draft:
    msg = EmailMessage(policy=default)
    msg["From"] = "Alex Example <alex@example.org>"
    msg["To"] = "Jane Doe <jane.doe@acme.example>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = message_id(key, "example.org")
    msg[KEY_HEADER] = key
    msg.set_content(body)
    return Draft(key=key, message=msg.as_bytes())


# Message-IDs as Exchange Online writes them: longer than a 78-character line with its name
OUTLOOK_IDS = (
    "<AM0PR10MB3201A5B2C5D7E8F90A1B2C3D4E5F6A7B8C9D0E@AM0PR10MB3201.EURPRD10.PROD.OUTLOOK.COM>",
    "<DB9PR10MB7777C0FFEE00111142228333444455556666@DB9PR10MB7777.EURPRD10.PROD.OUTLOOK.COM>",
)


def subjects(messages) -> list[str]:
    return sorted(m.subject for m in messages)


class MailboxContract:
    @pytest.fixture
    def mailbox(self) -> Mailbox:
        raise NotImplementedError("the provider's test module provides the mailbox fixture")

    @pytest.fixture
    def deliver(self) -> Deliver:
        raise NotImplementedError("the provider's test module provides the deliver fixture")

    def assert_flagged_draft(self, mailbox: Mailbox, stored: StoredDraft) -> None:
        raise NotImplementedError

    # --- drafts -----------------------------------------------------------------------

    def test_a_draft_link_is_an_address_or_nothing(self, mailbox):
        link = mailbox.draft_link("3f2a9c1b.thank-you")
        assert isinstance(link, str) and "\n" not in link and " " not in link

    def test_it_names_where_drafts_go_on_one_line(self, mailbox):
        place = mailbox.place()
        assert place.strip() and "\n" not in place

    def test_it_is_a_mailbox(self, mailbox):
        assert isinstance(mailbox, Mailbox)

    def test_a_written_draft_is_found_by_its_key(self, mailbox):
        stored = mailbox.write_draft(make_draft())
        assert stored.key == "3f2a9c1b.thank-you"
        found = mailbox.find_draft("3f2a9c1b.thank-you")
        assert found is not None
        assert found.key == stored.key and found.ref == stored.ref
        assert b"3f2a9c1b.thank-you" in found.message
        assert body_digest(found.message) == body_digest(make_draft().message)

    def test_a_written_draft_is_flagged_as_a_draft_in_the_drafts_folder(self, mailbox):
        stored = mailbox.write_draft(make_draft())
        self.assert_flagged_draft(mailbox, stored)

    def test_an_unknown_key_finds_nothing(self, mailbox):
        mailbox.write_draft(make_draft())
        assert mailbox.find_draft("00000000.thank-you") is None

    def test_drafts_are_told_apart_by_key(self, mailbox):
        mailbox.write_draft(make_draft("aaaaaaaa.thank-you", body="first\n"))
        mailbox.write_draft(make_draft("bbbbbbbb.follow-up", body="second\n"))
        a = mailbox.find_draft("aaaaaaaa.thank-you")
        b = mailbox.find_draft("bbbbbbbb.follow-up")
        assert a is not None and b is not None and a.ref != b.ref
        assert b"first" in a.message and b"second" in b.message

    def test_a_removed_draft_is_gone(self, mailbox):
        mailbox.write_draft(make_draft("bbbbbbbb.follow-up"))
        stored = mailbox.write_draft(make_draft())
        mailbox.remove_draft(stored)
        assert mailbox.find_draft(stored.key) is None
        assert mailbox.find_draft("bbbbbbbb.follow-up") is not None

    def test_removing_an_absent_draft_is_fine(self, mailbox):
        stored = mailbox.write_draft(make_draft())
        mailbox.remove_draft(stored)
        mailbox.remove_draft(stored)
        mailbox.remove_draft(StoredDraft("00000000.nothing", "no-such-ref", b"Subject: x\n\nx\n"))
        assert mailbox.find_draft(stored.key) is None

    def test_drafts_are_not_read_as_new_mail(self, mailbox):
        _, cursor = mailbox.read_new(None, SINCE)
        mailbox.write_draft(make_draft())
        messages, _ = mailbox.read_new(cursor, SINCE)
        assert messages == []

    def test_a_non_ascii_draft_round_trips(self, mailbox):
        draft = make_draft(subject="Merci — entretien chez Zoë", body="Grüße, Zoë!\n")
        mailbox.write_draft(draft)
        found = mailbox.find_draft(draft.key)
        assert found is not None
        assert body_digest(found.message) == body_digest(draft.message)
        from interview_followup.daemon.mail.parse import parse_message

        parsed = parse_message(found.message, ref="", folder="drafts")
        assert parsed.subject == "Merci — entretien chez Zoë"
        assert parsed.body.strip() == "Grüße, Zoë!"
        assert parsed.key == draft.key

    def test_thread_headers_of_a_draft_are_stored_as_written(self, mailbox):
        """Outlook's Message-IDs run past 77 characters: In-Reply-To and References must
        reach the Drafts folder byte for byte, never RFC 2047-encoded (or the reply does
        not thread)."""
        from interview_followup.daemon.loop.compose import build_message
        from interview_followup.daemon.model import Person

        raw, _ = build_message(key="3f2a9c1b.feedback-request", sender=Person("alex@example.org", "Alex Example"),
                               to=[Person("jane.doe@acme.example", "Jane Doe")], subject="Re: Your application",
                               body="Dear Jane,\n\nthank you.\n", when=NOW, in_reply_to=OUTLOOK_IDS[-1],
                               references=OUTLOOK_IDS)
        mailbox.write_draft(Draft("3f2a9c1b.feedback-request", raw))
        found = mailbox.find_draft("3f2a9c1b.feedback-request")
        assert found is not None
        head = found.message.replace(b"\r\n", b"\n").partition(b"\n\n")[0]
        assert b"\nIn-Reply-To: " + OUTLOOK_IDS[-1].encode() + b"\n" in head
        assert b"\nReferences: " + " ".join(OUTLOOK_IDS).encode() + b"\n" in head
        assert b"=?" not in head.partition(b"\nIn-Reply-To:")[2].partition(b"\nX-")[0]

    # --- reading ----------------------------------------------------------------------

    def test_first_read_returns_inbox_and_sent_mail_after_since(self, mailbox, deliver):
        deliver(make_message("old reply", date=OLD))
        deliver(make_message("new reply", date=RECENT))
        deliver(make_message("old sent", sender="alex@example.org", to="jane.doe@acme.example", date=OLD), "sent")
        deliver(make_message("new sent", sender="alex@example.org", to="jane.doe@acme.example", date=RECENT), "sent")
        messages, cursor = mailbox.read_new(None, SINCE)
        assert isinstance(cursor, str)
        assert sorted((m.folder, m.subject) for m in messages) == [("inbox", "new reply"), ("sent", "new sent")]
        assert len({m.ref for m in messages}) == 2

    def test_a_second_read_with_the_cursor_returns_nothing(self, mailbox, deliver):
        deliver(make_message("new reply"))
        deliver(make_message("new sent", sender="alex@example.org"), "sent")
        first, cursor = mailbox.read_new(None, SINCE)
        assert len(first) == 2
        again, _ = mailbox.read_new(cursor, SINCE)
        assert again == []

    def test_mail_delivered_later_appears_exactly_once(self, mailbox, deliver):
        deliver(make_message("before"))
        _, cursor = mailbox.read_new(None, SINCE)
        deliver(make_message("after"))
        deliver(make_message("sent after", sender="alex@example.org"), "sent")
        messages, cursor = mailbox.read_new(cursor, SINCE)
        assert sorted((m.folder, m.subject) for m in messages) == [("inbox", "after"), ("sent", "sent after")]
        for _ in range(2):
            messages, cursor = mailbox.read_new(cursor, SINCE)
            assert messages == []

    def test_mail_delivered_later_is_reported_even_if_dated_before_since(self, mailbox, deliver):
        _, cursor = mailbox.read_new(None, SINCE)
        deliver(make_message("late delivery", date=OLD))
        messages, _ = mailbox.read_new(cursor, SINCE)
        assert subjects(messages) == ["late delivery"]

    def test_threading_and_address_fields_are_read(self, mailbox, deliver):
        deliver(make_message(
            "Re: Thank you",
            sender="Jane Doe <Jane.Doe@ACME.example>",
            to="Alex <alex@example.org>, bob@example.org",
            msgid="<reply-1@acme.example>",
            headers={"In-Reply-To": "<draft-1@example.org>", "References": "<a@x> <draft-1@example.org>",
                     "Cc": "Ravi <ravi@acme.example>"},
        ))
        (m,), _ = mailbox.read_new(None, SINCE)
        assert m.folder == "inbox"
        assert m.message_id == "<reply-1@acme.example>"
        assert m.in_reply_to == ("<draft-1@example.org>",)
        assert m.references == ("<a@x>", "<draft-1@example.org>")
        assert m.sender is not None and m.sender.email == "jane.doe@acme.example" and m.sender.name == "Jane Doe"
        assert [p.email for p in m.to] == ["alex@example.org", "bob@example.org"]
        assert [p.email for p in m.cc] == ["ravi@acme.example"]
        assert m.date == RECENT
        assert "be in touch" in m.body

    def test_non_ascii_names_and_subjects_round_trip(self, mailbox, deliver):
        deliver(make_message("Réponse — entretien 面接", sender="Zoë Ångström <zoe@acme.example>"))
        (m,), _ = mailbox.read_new(None, SINCE)
        assert m.subject == "Réponse — entretien 面接"
        assert m.sender is not None and m.sender.name == "Zoë Ångström"

    def test_sent_mail_carrying_our_key_is_recognised(self, mailbox, deliver):
        deliver(make_message("Thank you", sender="alex@example.org", headers={KEY_HEADER: "3f2a9c1b.thank-you"}), "sent")
        (m,), _ = mailbox.read_new(None, SINCE)
        assert (m.folder, m.key) == ("sent", "3f2a9c1b.thank-you")

    def test_headers_of_automatic_mail_are_available(self, mailbox, deliver):
        deliver(make_message("Automatic reply: Thank you", headers={
            "Auto-Submitted": "auto-replied", "X-Autoreply": "yes", "Precedence": "auto_reply",
            "Return-Path": "<>", "X-Auto-Response-Suppress": "All"}))
        deliver(bounce_message())
        messages, _ = mailbox.read_new(None, SINCE)
        by_subject = {m.subject: m for m in messages}
        auto = by_subject["Automatic reply: Thank you"]
        assert auto.header("auto-submitted") == "auto-replied"
        assert auto.header("x-autoreply") == "yes"
        assert auto.header("precedence") == "auto_reply"
        assert auto.header("x-auto-response-suppress") == "All"
        bounce = by_subject["Undelivered Mail Returned to Sender"]
        assert "multipart/report" in bounce.header("content-type")
        assert "report-type=delivery-status" in bounce.header("content-type")
        assert bounce.header("x-failed-recipients") == "nobody@acme.example"

    # --- never sends ------------------------------------------------------------------

    def test_the_mailbox_has_nothing_named_send(self, mailbox):
        names = [n for n in (*dir(type(mailbox)), *dir(mailbox)) if "send" in n.lower()]
        assert names == []


def bounce_message() -> bytes:
    boundary = "BOUNDARY-1"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n"
        "To: alex@example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"Date: {format_datetime(RECENT)}\n"
        "Message-ID: <bounce-1@mx.example.org>\n"
        "X-Failed-Recipients: nobody@acme.example\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n boundary="{boundary}"\n'
        "\n"
        f"--{boundary}\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n"
        f"--{boundary}\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mx.example.org\n"
        "\n"
        "Final-Recipient: rfc822; nobody@acme.example\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        f"--{boundary}--\n"
    ).encode()
