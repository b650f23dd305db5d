"""Issue 16, items 3-6 on plain data: what kind of failure a bounce reports and the advice
it brings, how a bounce and the mail you sent find their loop, what counts as the
follow-up, and who a draft answering a robot goes to."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from interview_followup.daemon.config import Timing  # noqa: E402
from interview_followup.daemon.keys import KEY_HEADER  # noqa: E402
from interview_followup.daemon.loop.drafting import addressees, draft_recipients, robot_reason  # noqa: E402
from interview_followup.daemon.loop.planning import LoopFacts, Observation, plan_loop  # noqa: E402
from interview_followup.daemon.mail.automatic import examine  # noqa: E402
from interview_followup.daemon.mail.classify import Rules  # noqa: E402
from interview_followup.daemon.mail.parse import parse_message  # noqa: E402
from interview_followup.daemon.mail.replies import understand  # noqa: E402
from interview_followup.daemon.model import Debrief, Person  # noqa: E402
from reply_world import ACME, GLOBEX, INITECH, JANE, SAM, USER, at, draft_id, known, message  # noqa: E402

RULES = Rules.builtin()
NOW = at("2026-12-20", 12)
BERLIN = ZoneInfo("Europe/Berlin")
DAEMON = Person("mailer-daemon@mail.example.org", "Mail Delivery System")


def report(text: str, *, subject: str = "Undelivered Mail Returned to Sender", failed: tuple[str, ...] = (),
           delivery=(), returned_ids=(), in_reply_to=(), date=None):
    msg = message(DAEMON, subject=subject, body=text, in_reply_to=in_reply_to, date=date,
                  headers=(("auto-submitted", "auto-replied"),))
    return replace(msg, failed_recipients=failed, delivery=delivery, returned_ids=returned_ids)


# --- the kind of failure ----------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    # status codes decide when they are specific
    ("<jane.doe@acme.example>: host mx said: 550 5.1.1 User unknown", "address"),
    ("<jane.doe@acme.example>: 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException", "full"),
    ("<jane.doe@acme.example>: 552 5.3.4 Message size exceeds fixed limit", "too-large"),
    ("<jane.doe@acme.example>: 550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
     "too-large"),
    ("<jane.doe@acme.example>: Host or domain name not found. Name service error for name=acme.exmaple", "address"),
    # else the words, as the usual servers write them
    ("The email account that you tried to reach is over quota. jane.doe@acme.example", "full"),
    ("jane.doe@acme.example\n    mailbox is full: retry timeout exceeded", "full"),  # Exim
    ("The following message to <jane.doe@acme.example> was undeliverable.\n"
     "The reason for the problem:\n5.1.0 - Unknown address error 550 'No such user'", "address"),  # SendGrid
    ("Your message to jane.doe@acme.example is too big for the receiving server.", "too-large"),
    ("jane.doe@acme.example: 550 5.7.1 Message rejected by organization policy", "other"),
    ("jane.doe@acme.example: delivery failed", "address"),  # says nothing: check the address
])
def test_the_kind_of_failure_comes_from_the_status_code_then_the_words(text, kind):
    auto = examine(report("I'm sorry to have to inform you that your message could not be delivered.\n\n" + text))
    assert auto is not None and auto.kind == "bounce"
    assert auto.bounced == ("jane.doe@acme.example",) and auto.failures == (kind,)


def test_each_failed_recipient_of_a_report_keeps_its_own_kind():
    auto = examine(report("Delivery has failed to these recipients.",
                          failed=("jane.doe@acme.example", "kim.lee@acme.example"),
                          delivery=(("jane.doe@acme.example", "failed", "5.2.2", "smtp; 552 5.2.2 over quota"),
                                    ("kim.lee@acme.example", "failed", "5.1.1", "smtp; 550 5.1.1 user unknown"))))
    assert auto.failures == ("full", "address")
    assert auto.failure_words == ("smtp; 552 5.2.2 over quota", "smtp; 550 5.1.1 user unknown")


@pytest.mark.parametrize("subject, text", [
    ("Delivery Status Notification (Delay)", "There was a temporary problem delivering your message."),
    ("Delayed: Thank you", "Delivery is delayed to these recipients or groups: jane.doe@acme.example"),
    ("Warning: message 1tDq9z-0004Bc-3L delayed 24 hours", "jane.doe@acme.example 452 4.2.2 Mailbox full"),
    ("Undelivered Mail Returned to Sender",  # a failure subject on a warning: the words tell
     "####### THIS IS A WARNING ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE. #######\n"
     "<jane.doe@acme.example>: 451 4.3.0 temporary failure; will retry"),
])
def test_a_delay_is_no_failure(subject, text):
    auto = examine(report(text, subject=subject))
    assert auto is not None and auto.kind == "system" and auto.bounced == ()
    assert understand(report(text, subject=subject), known(), NOW, RULES) is None


def test_a_report_whose_recipients_are_only_delayed_is_no_failure():
    msg = replace(report("Delivery is delayed."), headers=(
        ("content-type", "multipart/report; report-type=delivery-status"),))
    msg = replace(msg, delivery=(("jane.doe@acme.example", "delayed", "4.4.7", "400 4.4.7 Message delayed"),))
    assert examine(msg).kind == "system"


# --- which loop a bounce concerns -------------------------------------------------------

def test_a_bounce_without_thread_headers_finds_its_loop_by_the_message_it_returns():
    """A team alias at another domain: no person, no domain, no In-Reply-To; the returned
    original carries the Message-ID of mail you sent about the loop."""
    bounce = report("<recruiting@acme-holding.example>: 550 5.1.1 user unknown",
                    returned_ids=("<20261117093012.4411@mail.example.org>",))
    obs = understand(bounce, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.address, obs.outcome) == ("acme", "bounce", "recruiting@acme-holding.example",
                                                                 "address")
    assert "the message it returns is a message you sent them" in obs.reason


def test_a_bounce_quoting_the_original_headers_in_plain_text_finds_its_loop():
    text = ("This is a permanent error. The following address(es) failed:\n\n  team@lists.example\n"
            "    550 5.1.1 No such user\n\n------ This is a copy of the message, including all the headers. ------\n\n"
            f"From: Alex <{USER}>\nTo: team@lists.example\nMessage-ID:\n {draft_id('initech', 'followup')}\n"
            "Subject: Following up\n")
    bounce = report(text, subject="Mail delivery failed: returning message to sender", failed=("team@lists.example",))
    obs = understand(bounce, known(), NOW, RULES)
    assert (obs.loop_id, obs.address) == ("initech", "team@lists.example")
    assert "the message it returns is the follow-up draft" in obs.reason


def test_the_key_header_of_the_returned_draft_finds_its_loop_when_the_message_id_was_replaced():
    text = ("An error occurred while trying to deliver the mail to the following recipients:\nx@elsewhere.example\n\n"
            f"Original message headers:\nMessage-ID: <0102018f3e5a@eu-west-1.amazonses.com>\n"
            f"{KEY_HEADER}: globex.feedback-request\n")
    obs = understand(report(text, failed=("x@elsewhere.example",)), known(), NOW, RULES)
    assert obs.loop_id == "globex" and "feedback request draft" in obs.reason


def test_a_misspelt_company_domain_finds_its_loop():
    obs = understand(report("<jane.doe@acme.exmaple>: Host or domain name not found"), known(), NOW, RULES)
    assert (obs.loop_id, obs.address) == ("acme", "jane.doe@acme.exmaple")
    assert "a misspelling of acme.example" in obs.reason


def test_an_unrelated_domain_is_no_misspelling():
    assert understand(report("<jane.doe@apex.example>: 550 5.1.1 user unknown"), known(), NOW, RULES) is None
    assert understand(report("<a@initech.exam>: 550 5.1.1 user unknown"), known(), NOW, RULES) is None


def test_a_bounce_at_the_agency_domain_of_the_loops_contact_is_that_loops():
    obs = understand(report("<s.carter@talentbridge.example>: 552 5.2.2 over quota"), known(), NOW, RULES)
    assert (obs.loop_id, obs.outcome) == ("initech", "full")
    assert "the agency's domain talentbridge.example" in obs.reason


def test_a_bounce_at_the_company_domain_is_that_companys():
    obs = understand(report("<hr@globex.example>: 550 5.1.1 user unknown"), known(), NOW, RULES)
    assert (obs.loop_id, obs.address) == ("globex", "hr@globex.example")


# --- mail you sent ------------------------------------------------------------------------

def sent(to, **kw):
    return message(Person(USER), folder="sent", to=tuple(Person(a) for a in to), **kw)


def test_mail_you_send_to_anyone_at_the_company_is_tied_to_the_loop():
    obs = understand(sent(["office@acme.example"]), known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.step, obs.outcome) == ("acme", "sent", "", "domain")
    sub = understand(sent(["people@hr.globex.example"]), known(), NOW, RULES)
    assert (sub.loop_id, sub.outcome) == ("globex", "domain")


def test_mail_you_send_to_the_agency_is_tied_to_the_loop_it_works_for():
    obs = understand(sent(["anna.berg@talentbridge.example"]), known(), NOW, RULES)
    assert (obs.loop_id, obs.outcome) == ("initech", "domain")


def test_mail_to_a_person_and_in_a_thread_say_so():
    assert understand(sent([JANE.email]), known(), NOW, RULES).outcome == "person"
    in_thread = understand(sent(["someone@elsewhere.example"], in_reply_to=(draft_id("globex", "thank-you"),)),
                           known(), NOW, RULES)
    assert (in_thread.loop_id, in_thread.outcome) == ("globex", "thread")


def test_mail_to_no_one_of_a_loop_is_not_tied():
    assert understand(sent(["friend@gmail.com"]), known(), NOW, RULES) is None


def test_a_reply_in_the_thread_of_mail_sent_to_the_company_matches_through_it():
    first = understand(sent(["office@acme.example"], ref="s1"), known(), NOW, RULES)
    world = known(sent_ids={"acme": {first.message_id}})
    reply = message(Person("anyone@partner.example"), in_reply_to=(first.message_id,))
    assert understand(reply, world, NOW, RULES).loop_id == "acme"


# --- what counts as the follow-up ---------------------------------------------------------

def plan(observations, now=at("2026-11-27", 12)):
    facts = LoopFacts(ACME, ACME.start - timedelta(days=3), None, tuple(observations))
    return plan_loop(facts, now, Timing(), BERLIN)


def sent_obs(day, **kw):
    return Observation(f"s-{day}-{kw.get('outcome', '')}", "acme", "sent", at(day, 10), "sent", **kw)


def test_mail_to_a_loop_person_after_the_due_date_is_not_the_followup():
    p = plan([sent_obs("2026-11-16", step="thank-you"), sent_obs("2026-11-24", outcome="person")])
    assert p.step("followup").state != "done"


@pytest.mark.parametrize("how", [dict(step="followup"), dict(outcome="thread")])
def test_the_followup_is_sent_by_its_key_or_in_its_thread(how):
    p = plan([sent_obs("2026-11-16", step="thank-you"), sent_obs("2026-11-24", **how)])
    assert p.step("followup").state == "done"


def test_mail_to_someone_else_at_the_company_is_not_the_thank_you():
    assert plan([sent_obs("2026-11-16", outcome="domain")], at("2026-11-18", 12)).step("thank-you").state != "done"
    assert plan([sent_obs("2026-11-16", outcome="person")], at("2026-11-18", 12)).step("thank-you").state == "done"


# --- the advice of a bounce ---------------------------------------------------------------

@pytest.mark.parametrize("kind, step, advice", [
    ("address", "check-address", "check the address"),
    ("", "check-address", "check the address"),  # recorded before the kind was kept
    ("full", "retry-later", "their mailbox is full: try again in a few days, or write to another contact"),
    ("too-large", "resend-smaller", "the message was too large: send it again without the attachment"),
])
def test_the_kind_of_failure_decides_the_reminder_and_the_flag(kind, step, advice):
    bounce = Observation("b", "acme", "bounce", at("2026-11-17", 16), "a bounce", address=JANE.email, outcome=kind)
    p = plan([bounce], at("2026-11-17", 17))
    assert p.step(step).want
    assert p.flags[0].startswith(f"your mail to {JANE.email} bounced — {advice}")


# --- never answer a robot -----------------------------------------------------------------

@pytest.mark.parametrize("address", ["no-reply@greenhouse.io", "jobs@acme.greenhouse-mail.io",
                                     "notifications@myworkday.com", "donotreply@acme.example",
                                     "calendar-notification@google.com", "mailer-daemon@acme.example",
                                     "noreply+candidates@acme.example", "acme@hire.lever.co"])
def test_tracking_systems_and_no_reply_shapes_are_robots(address):
    assert robot_reason(address, ACME)


@pytest.mark.parametrize("address", ["jane.doe@acme.example", "careers@acme.example", "sam@talentbridge.example"])
def test_people_and_team_boxes_are_not(address):
    assert not robot_reason(address, ACME)


def test_interviewing_at_a_tracking_system_company_its_people_are_no_robots():
    greenhouse = replace(ACME, domains=("greenhouse.io",), interviewers=(Person("ana@greenhouse.io", "Ana"),))
    assert not robot_reason("ana@greenhouse.io", greenhouse)


def test_an_answer_from_a_tracking_system_goes_to_the_loops_people():
    to, note = draft_recipients(INITECH, Debrief("initech", INITECH.end, contact=SAM), (USER,),
                                "no-reply@greenhouse.io")
    assert [p.email for p in to] == [p.email for p in (*INITECH.interviewers, SAM)] and note == ""


def test_an_answer_from_a_person_goes_back_to_them():
    to, note = draft_recipients(GLOBEX, None, (USER,), "recruiting@globex.example")
    assert [p.email for p in to] == ["recruiting@globex.example"] and not note


def test_with_no_person_left_the_draft_has_no_recipient_and_says_so():
    robots = replace(ACME, interviewers=(Person("scheduling@greenhouse.io", "Acme via Greenhouse"),))
    assert addressees(robots, None, (USER,)) == []
    to, note = draft_recipients(robots, None, (USER,), "no-reply@greenhouse.io")
    assert to == [] and "add the recruiter's address" in note and "Greenhouse" in note


# --- threading that survives ---------------------------------------------------------------

def test_thread_headers_are_written_as_they_came_whatever_their_length():
    from interview_followup.daemon.loop.compose import build_message

    ids = tuple(f"<AM0PR10MB{n:04d}A5B2C5D7E8F90A1B2C3D4E5F6A7B8C9D0E@AM0PR10MB3201.EURPRD10.PROD.OUTLOOK.COM>"
                for n in range(30))  # References far past 998 characters
    raw, _ = build_message(key="acme.followup-2", sender=Person(USER, "Alex Example"), to=[JANE], subject="Re: x",
                           body="Dear Jane,\n", when=NOW, in_reply_to=ids[-1], references=ids)
    head = raw.partition(b"\r\n\r\n")[0]
    assert b"=?" not in head
    assert f"\r\nIn-Reply-To: {ids[-1]}\r\n".encode() in head
    refs = head.split(b"\r\nReferences: ")[1].split(b"\r\nX-")[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert refs.replace(b"\r\n", b"").split() == [i.encode() for i in ids]  # folded between ids only
    parsed = parse_message(raw, ref="d", folder="drafts")
    assert parsed.in_reply_to == (ids[-1],) and parsed.references == ids


def test_only_message_ids_go_into_the_thread_headers():
    from interview_followup.daemon.loop.compose import thread_headers

    assert thread_headers("<a@b>\r\nBcc: x@y", ("junk", "<c@d>")) == b"In-Reply-To: <a@b>\r\nReferences: <c@d>\r\n"
    assert thread_headers("", ()) == b""


def test_an_answer_from_a_tracking_system_goes_to_its_reply_to_person():
    from interview_followup.daemon.mail.replies import answer_address

    ats = replace(message(Person("no-reply@greenhouse.io", "Globex Recruiting via Greenhouse"),
                          subject="Your application at Globex", body="We regret to inform you."),
                  reply_to=(Person("priya.raman@globex.example"),))
    assert answer_address(ats, known()) == "priya.raman@globex.example"
    assert answer_address(replace(ats, reply_to=()), known()) == "no-reply@greenhouse.io"  # drafting replaces it
    person = replace(ats, sender=JANE, reply_to=(Person("hr@acme.example"),))
    assert answer_address(person, known()) == JANE.email


def test_reply_to_is_read():
    raw = (b"From: Globex via Greenhouse <no-reply@greenhouse.io>\nReply-To: Priya Raman <priya.raman@globex.example>\n"
           b"To: alex@example.org\nSubject: x\n\nhello\n")
    assert parse_message(raw, ref="r", folder="inbox").reply_to == (Person("priya.raman@globex.example", "Priya Raman"),)
