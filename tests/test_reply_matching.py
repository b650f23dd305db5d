"""Which loop a message concerns, and why: the matching order of ``replies.understand``
(thread headers, the provider's thread, a person of the loop, the company's domain,
a tracking system or agency naming the company), on small hand-built messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from interview_followup.daemon.employers.agencies import on_behalf, where_named
from interview_followup.daemon.mail.classify import Rule, Rules
from interview_followup.daemon.model import Debrief, Person
from interview_followup.daemon.mail.replies import BEHALF_WINDOW, match, understand
from reply_world import (
    ACME,
    BILL,
    GLOBEX,
    INITECH,
    JANE,
    KIM,
    PRIYA,
    SAM,
    TOM,
    USER,
    at,
    draft_id,
    interview,
    known,
    message,
)

NOW = at("2026-12-20", 12)
GREENHOUSE = Person("no-reply@us.greenhouse-mail.io", "Recruiting Team")
AUTO_REPLY = (("auto-submitted", "auto-replied"),)


def rules(**phrases: str) -> Rules:
    """Rules with one phrase per outcome, so these tests do not depend on the shipped ones."""
    return Rules(tuple(Rule(outcome.replace("_", "-"), 0, p, "test")
                       for outcome, p in phrases.items()))


RULES = rules(rejection="other candidates", offer="offer you", next_round="second interview")


def loop_of(msg, world=None) -> str | None:
    obs = understand(msg, world or known(), NOW, RULES)
    return obs.loop_id if obs else None


# --- the order of the rules -------------------------------------------------------------


def test_a_reply_in_the_thread_of_a_draft_matches_that_loop_whoever_writes() -> None:
    msg = message("someone@elsewhere.example", in_reply_to=(draft_id("globex", "followup"),))
    obs = understand(msg, known(), NOW, RULES)
    assert obs.loop_id == "globex"
    assert obs.reason == "a reply from someone@elsewhere.example, in the thread of the follow-up draft"


def test_the_thread_beats_the_senders_address() -> None:
    # Jane (acme) answering in the thread of Globex's thank-you: the thread decides.
    msg = message(JANE, references=("<x@elsewhere>", draft_id("globex", "thank-you")))
    obs = understand(msg, known(), NOW, RULES)
    assert obs.loop_id == "globex"
    assert obs.reason == "a reply from jane.doe@acme.example, in the thread of the thank-you draft"


def test_a_draft_whose_message_id_has_another_domain_still_names_its_loop() -> None:
    # The user changed address since the draft was written: the loop id in it still counts.
    old = draft_id("initech", "thank-you").replace("@example.org>", "@old-address.example>")
    assert loop_of(message("x@elsewhere.example", in_reply_to=(old,))) == "initech"


def test_a_reply_to_mail_the_user_wrote_themselves_matches_by_its_message_id() -> None:
    msg = message("assistant@elsewhere.example", in_reply_to=("<20261117093012.4411@mail.example.org>",))
    obs = understand(msg, known(), NOW, RULES)
    assert obs.loop_id == "acme"
    assert obs.reason.endswith("in the thread of a message you sent them")


def test_the_providers_thread_id_matches_mail_from_anyone() -> None:
    msg = message("desk@agency-x.example", thread_id="18f3c2a9b7d4e001")
    obs = understand(msg, known(), NOW, RULES)
    assert obs.loop_id == "globex"
    assert "mail provider's thread" in obs.reason


def test_a_reply_with_stripped_references_matches_by_the_interviewers_address() -> None:
    msg = message(JANE, subject="Next step", body="We would like a second interview.")
    obs = understand(msg, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.outcome) == ("acme", "reply", "next-round")
    assert obs.reason == "a reply from Jane Doe, who interviewed you"


def test_the_contact_from_the_debrief_matches_by_address() -> None:
    obs = understand(message(SAM), known(), NOW, RULES)
    assert obs.loop_id == "initech"
    assert obs.reason == "a reply from Sam Carter, your contact"


def test_a_colleague_at_the_company_or_a_subdomain_matches_by_domain() -> None:
    obs = understand(message("hr@jobs.acme.example"), known(), NOW, RULES)
    assert obs.loop_id == "acme"
    assert obs.reason == "a reply from hr@jobs.acme.example, at the company's domain (a subdomain of acme.example)"
    assert loop_of(message("max@acme.example")) == "acme"
    assert loop_of(message("max@notacme.example")) is None


def test_a_person_of_the_loop_beats_the_domain_of_a_later_loop() -> None:
    later = interview("acme2", "Acme GmbH", at("2026-11-20", 10), (KIM,), ("acme.example",))
    world = known(ACME, later)
    after_both = at("2026-11-21", 9)
    assert loop_of(message(JANE, date=after_both), world) == "acme"  # Jane interviewed in the first one only
    assert loop_of(message("hr@acme.example", date=after_both), world) == "acme2"  # the domain: the most recent


def test_among_equal_reasons_the_most_recent_interview_wins() -> None:
    later = interview("acme2", "Acme GmbH", at("2026-11-18", 10), (JANE,), ("acme.example",))
    assert loop_of(message(JANE, date=at("2026-11-19", 9)), known(ACME, later)) == "acme2"
    # ... among the interviews that had started when the message was written
    assert loop_of(message(JANE, date=at("2026-11-17", 9)), known(ACME, later)) == "acme"


def test_a_reply_from_greenhouse_naming_the_company_matches_its_loop() -> None:
    msg = message(GREENHOUSE, subject="Your application to Globex Corporation",
                  body="We have decided to move on with other candidates.")
    obs = understand(msg, known(), NOW, RULES)
    assert (obs.loop_id, obs.outcome) == ("globex", "rejection")
    assert obs.reason == ("a reply from Greenhouse, an applicant tracking system, "
                          "naming Globex Corporation in the subject")


def test_ats_mail_naming_no_known_company_matches_nothing() -> None:
    msg = message(GREENHOUSE, subject="Your application to Vandelay Industries",
                  body="Thank you for interviewing with Vandelay.")
    assert understand(msg, known(), NOW, RULES) is None


def test_ats_mail_names_the_company_in_whole_words_without_case_accents_or_legal_suffix() -> None:
    societe = interview("sg", "Société Générale S.A.", at("2026-11-16", 9), (), ("socgen.example",))
    world = known(societe)
    assert loop_of(message(GREENHOUSE, subject="Candidature chez SOCIETE GENERALE"), world) == "sg"
    assert loop_of(message(GREENHOUSE, subject="Your application", body="Greetings from societe-generale!"), world) == "sg"
    assert loop_of(message(GREENHOUSE, subject="Société Généraliste du Nord"), world) is None
    acme = known(ACME)
    assert loop_of(message(GREENHOUSE, subject="Welcome to Acmeville"), acme) is None
    assert loop_of(message(GREENHOUSE, subject="Your interview at ACME"), acme) == "acme"


def test_ats_mail_is_read_for_the_company_only_in_its_first_2000_characters() -> None:
    late = message(GREENHOUSE, subject="Update", body="x " * 1100 + "Globex")
    assert loop_of(late) is None
    assert loop_of(replace(late, body="Globex " + "x " * 1100)) == "globex"


def test_the_company_named_by_the_sender_beats_one_named_in_the_body() -> None:
    # Sent by Acme's Greenhouse account; the text mentions Globex. Globex's interview is
    # older, Acme is named more strongly.
    msg = message(Person("no-reply@greenhouse.io", "Acme Hiring"), subject="An update",
                  body="You mentioned your interview at Globex; we can wait for it.")
    assert loop_of(msg) == "acme"


def test_the_sender_address_of_a_tracking_system_can_name_the_company() -> None:
    assert loop_of(message(Person("globex@myworkday.com"), subject="Ihre Bewerbung")) == "globex"
    assert loop_of(message(Person("jobs@globex.teamtailor-mail.com"), subject="Hi")) == "globex"
    # the service's own domain is no company's name
    workday = interview("wd", "Workday", at("2026-11-16", 9), (), ("workday-inc.example",))
    assert loop_of(message(Person("acme@myworkday.com"), subject="Hello"), known(workday)) is None


def test_ats_mail_counts_only_from_the_interview_until_90_days_after_it() -> None:
    msg = message(GREENHOUSE, subject="Globex: your application")
    assert loop_of(replace(msg, date=GLOBEX.start - timedelta(minutes=1))) is None
    assert loop_of(replace(msg, date=GLOBEX.start + BEHALF_WINDOW)) == "globex"
    assert loop_of(replace(msg, date=GLOBEX.start + BEHALF_WINDOW + timedelta(hours=1))) is None
    assert BEHALF_WINDOW == timedelta(days=90)


def test_an_agency_colleague_matches_only_when_naming_the_company() -> None:
    colleague = Person("rachel.green@talentbridge.example", "Rachel Green")
    assert loop_of(message(colleague, body="Initech has decided to hire someone else.")) == "initech"
    assert loop_of(message(colleague, body="Hooli is hiring, interested?")) is None


def test_an_agency_domain_is_never_the_companys_domain() -> None:
    # Detection took the domain from the agency's contact: the agency's other mail must
    # still name the company.
    with_agency_domain = replace(INITECH, domains=("initech.example", "talentbridge.example"))
    world = known(ACME, GLOBEX, with_agency_domain)
    colleague = Person("rachel.green@talentbridge.example")
    assert loop_of(message(colleague, body="Hooli is hiring, interested?"), world) is None
    assert loop_of(message(SAM, body="Hooli is hiring, interested?"), world) == "initech"  # the contact


def test_no_agency_configured_means_agency_mail_matches_only_by_person() -> None:
    world = known(agency_domains=())
    assert loop_of(message("rachel.green@talentbridge.example", body="Initech said no."), world) is None
    assert loop_of(message(SAM), world) == "initech"


def test_tracking_systems_are_recognised_by_domain_and_subdomain() -> None:
    assert on_behalf("us.greenhouse-mail.io").name == "Greenhouse"
    assert on_behalf("hire.lever.co").name == "Lever"
    assert on_behalf("globex.wd3.myworkday.com").name == "Workday"
    assert on_behalf("performancemanager5.successfactors.eu").name == "SAP SuccessFactors"
    assert on_behalf("mail.softgarden.io").name == "softgarden"
    assert on_behalf("breezy.hr").name == "Breezy HR"
    assert on_behalf("acme.example") is None
    assert on_behalf("notgreenhouse.io") is None
    agency = on_behalf("mail.talentbridge.example", ("talentbridge.example",))
    assert (agency.kind, agency.describe()) == ("agency", "the agency at talentbridge.example")


def test_where_named_ranks_sender_subject_body() -> None:
    assert where_named("Globex Corporation", message(Person("a@x.io", "Globex"), subject="Globex")) == "sender"
    assert where_named("Globex Corporation", message(GREENHOUSE, subject="Globex", body="Globex")) == "subject"
    assert where_named("Globex Corporation", message(GREENHOUSE, subject="Hi", body="at Globex.")) == "body"
    assert where_named("Initech Systems", message(GREENHOUSE, subject="InitechSystems")) == "subject"
    assert where_named("", message(GREENHOUSE)) == ""


# --- what never counts ------------------------------------------------------------------


def test_mail_from_before_the_interview_never_counts() -> None:
    early = message(JANE, date=ACME.start - timedelta(minutes=5), in_reply_to=(draft_id("acme", "thank-you"),))
    assert understand(early, known(), NOW, RULES) is None
    assert understand(replace(early, date=ACME.start), known(), NOW, RULES).loop_id == "acme"


def test_the_users_own_mail_never_counts() -> None:
    own = message(Person(USER, "Alex Example"), in_reply_to=(draft_id("acme", "thank-you"),),
                  body="We would like to offer you")
    assert understand(own, known(), NOW, RULES) is None


def test_a_cancelled_interview_matches_nothing() -> None:
    world = known(replace(ACME, cancelled=True))
    assert understand(message(JANE), world, NOW, RULES) is None


def test_lists_and_invitation_answers_never_count_even_from_the_interviewer() -> None:
    listed = message(JANE, headers=(("list-id", "<users.lists.example>"),))
    assert understand(listed, known(), NOW, RULES) is None
    accepted = replace(message(JANE, subject="Accepted: Coffee"), calendar_method="REPLY")
    assert understand(accepted, known(), NOW, RULES) is None


def test_a_person_without_an_address_is_no_reply() -> None:
    assert understand(replace(message(JANE), sender=None), known(), NOW, RULES) is None


# --- absences and bounces ---------------------------------------------------------------


def test_an_out_of_office_notice_with_a_return_day_is_an_absence_of_the_loop() -> None:
    msg = message(PRIYA, subject="Automatic reply: Thank you", headers=AUTO_REPLY,
                  body="I am away and will be back on 7 December 2026.")
    obs = understand(msg, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.returns_on, obs.address) == (
        "globex", "out-of-office", date(2026, 12, 7), PRIYA.email)
    assert obs.reason == "an out-of-office notice from Priya Raman, who interviewed you"
    assert obs.outcome == ""


def test_an_out_of_office_notice_without_a_date_or_a_loop_is_ignored() -> None:
    undated = message(PRIYA, subject="Automatic reply: Thank you", headers=AUTO_REPLY,
                      body="I am out of the office with limited access to email.")
    assert understand(undated, known(), NOW, RULES) is None
    stranger = message("art@vandelay.example", subject="Automatic reply", headers=AUTO_REPLY,
                       body="I will be back on 7 December 2026.")
    assert understand(stranger, known(), NOW, RULES) is None


def test_a_bounce_naming_one_of_the_loops_people_is_a_bounce_of_that_loop() -> None:
    bounce = replace(message("mailer-daemon@mail.example.org", subject="Undelivered Mail Returned to Sender"),
                     failed_recipients=(TOM.email,))
    obs = understand(bounce, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.address) == ("globex", "bounce", TOM.email)
    assert obs.reason == f"a bounce: your mail to {TOM.email}, who interviewed you, could not be delivered"


def test_a_bounce_in_the_thread_of_a_draft_names_the_address_it_reports() -> None:
    bounce = replace(message("postmaster@globex.example", subject="Undeliverable: Thank you",
                             in_reply_to=(draft_id("globex", "thank-you"),)),
                     failed_recipients=("sre-hiring@globex.example",))
    obs = understand(bounce, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.address) == ("globex", "bounce", "sre-hiring@globex.example")


def test_a_bounce_of_other_mail_or_without_an_address_is_ignored() -> None:
    other = replace(message("mailer-daemon@mail.example.org", subject="Mail delivery failed"),
                    failed_recipients=("friend@oldcompany.example",))
    assert understand(other, known(), NOW, RULES) is None
    nameless = replace(message("mailer-daemon@mail.example.org", subject="Mail delivery failed",
                               in_reply_to=(draft_id("acme", "thank-you"),), body="It failed."))
    assert understand(nameless, known(), NOW, RULES) is None


def test_a_bounce_before_the_interview_is_ignored() -> None:
    bounce = replace(message("mailer-daemon@mail.example.org", subject="Undelivered Mail Returned to Sender",
                             date=ACME.start - timedelta(days=1)), failed_recipients=(JANE.email,))
    assert understand(bounce, known(), NOW, RULES) is None


# --- what a reply says ------------------------------------------------------------------


def test_a_persons_reply_carries_the_outcome_and_the_words_that_decided() -> None:
    obs = understand(message(BILL, body="We would like to offer you the role."), known(), NOW, RULES)
    assert (obs.kind, obs.outcome, obs.phrase) == ("reply", "offer", "offer you")
    assert obs.address == BILL.email  # whom an answer goes to
    obs = understand(message(BILL, body="Thanks, talk soon."), known(), NOW, RULES)
    assert (obs.outcome, obs.phrase) == ("other", "")


def test_the_observation_keeps_the_message_id_and_the_date() -> None:
    msg = message(JANE, ref="r9", date=at("2026-11-20", 8))
    obs = understand(msg, known(), NOW, RULES)
    assert (obs.ref, obs.message_id, obs.at) == ("r9", "<r9@mail.example>", at("2026-11-20", 8))
    assert understand(replace(msg, date=None), known(), NOW, RULES).at == NOW


# --- sent mail and the older entry point --------------------------------------------------


def test_sent_mail_with_a_drafts_key_marks_its_step_and_keeps_its_thread() -> None:
    sent = message(Person(USER), folder="sent", key="acme.thank-you", to=(JANE,), thread_id="t-42")
    obs = understand(sent, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.step, obs.thread_id) == ("acme", "sent", "thank-you", "t-42")


def test_sent_mail_to_a_loops_people_after_the_interview_counts_for_the_latest_loop() -> None:
    sent = message(Person(USER), folder="sent", to=(TOM,), date=at("2026-11-19", 9))
    obs = understand(sent, known(), NOW, RULES)
    assert (obs.loop_id, obs.kind, obs.step) == ("globex", "sent", "")
    assert understand(replace(sent, date=at("2026-11-01", 9)), known(), NOW, RULES) is None


def test_match_still_answers_with_the_loop_and_no_outcome() -> None:
    obs = match(message(JANE, body="We would like to offer you the role."), known(), NOW)
    assert (obs.loop_id, obs.kind, obs.outcome) == ("acme", "reply", "")
    assert match(message(JANE, headers=AUTO_REPLY), known(), NOW) is None
    assert match(message(GREENHOUSE, subject="Globex: next steps"), known(), NOW).loop_id == "globex"


@pytest.mark.parametrize("step, words", [
    ("thank-you", "the thank-you draft"),
    ("followup", "the follow-up draft"),
    ("followup-2", "the follow-up no. 2 draft"),
    ("feedback-request", "the feedback request draft"),
])
def test_the_reason_names_the_draft_whose_thread_it_is(step: str, words: str) -> None:
    obs = understand(message(KIM, in_reply_to=(draft_id("acme", step),)), known(), NOW, RULES)
    assert obs.reason == f"a reply from Kim Lee, who interviewed you, in the thread of {words}"


def test_debrief_contact_and_interviewers_are_the_loops_people() -> None:
    world = known(debriefs={"acme": Debrief("acme", ACME.end, contact=Person("boss@acme-holding.example", "Boss"))})
    obs = understand(message(Person("boss@acme-holding.example", "Boss")), world, NOW, RULES)
    assert (obs.loop_id, obs.reason) == ("acme", "a reply from Boss, your contact")
