"""Mail no person wrote: bounces, receipts, invitation answers, auto-replies and lists, and
the day an absent person is back."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from interview_followup.daemon.mail.automatic import examine, return_date
from interview_followup.daemon.mail.parse import parse_message

SENT = date(2026, 11, 20)  # a Friday


def mail(subject: str = "Re: Thank you for our conversation", body: str = "Thanks, Alex!\n",
         sender: str = "Jane Doe <jane.doe@acme.example>", date_: str = "Fri, 20 Nov 2026 10:00:00 +0100",
         **headers: str):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Alex Example <alex@example.org>"
    msg["Subject"] = subject
    msg["Date"] = date_
    msg["Message-ID"] = "<m1@acme.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return parse_message(msg.as_bytes(), ref="inbox/1", folder="inbox")


def raw(text: str):
    return parse_message(text.replace("\n", "\r\n").encode("utf-8"), ref="inbox/1", folder="inbox")


# --- people ----------------------------------------------------------------------------


def test_a_plain_reply_from_a_person_is_nobody_s_machine():
    assert examine(mail()) is None


def test_auto_submitted_no_is_a_person():
    assert examine(mail(Auto_Submitted="no")) is None


def test_x_auto_response_suppress_alone_is_ordinary_outlook_mail():
    # Outlook and Exchange put it on ordinary mail to ask *others* not to auto-reply.
    assert examine(mail(X_Auto_Response_Suppress="All")) is None


def test_a_message_an_exchange_inbox_rule_forwarded_is_still_a_person_s():
    # Exchange adds the loop header to forwarded and redirected mail, not only to auto-replies.
    assert examine(mail(X_MS_Exchange_Inbox_Rules_Loop="jane.doe@acme.example")) is None


# --- auto-replies ----------------------------------------------------------------------


def test_exchange_out_of_office_with_a_german_return_date_moves_nothing_but_reports_the_day():
    m = mail(
        subject="Automatische Antwort: Vielen Dank für das Gespräch",
        body="Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 04.12.2026 abwesend.\n"
             "In dringenden Fällen wenden Sie sich an recruiting@acme.example.\n",
        Auto_Submitted="auto-generated", X_Auto_Response_Suppress="All",
        X_MS_Exchange_Inbox_Rules_Loop="jane.doe@acme.example", Return_Path="<>",
    )
    auto = examine(m)
    assert auto is not None
    assert (auto.kind, auto.returns_on, auto.bounced) == ("auto-reply", date(2026, 12, 5), ())
    assert auto.reason == "an out-of-office subject"


@pytest.mark.parametrize("subject", [
    "Automatic reply: Thank you", "Auto: Thank you", "Out of Office: back Monday", "AutoReply: Thanks",
    "Automatische Antwort: Danke", "Abwesenheitsnotiz: Danke", "Réponse automatique : Merci",
    "Absence du bureau", "Respuesta automática: Gracias", "Fuera de la oficina", "Risposta automatica: Grazie",
    "Automatisch antwoord: Bedankt", "[EXTERNAL] Automatic reply: Thank you", "Jane Doe is out of the office.",
    "Automatic response to: Thank you for the interview",  # Dovecot sieve vacation
])
def test_out_of_office_subjects_in_every_language_are_auto_replies(subject):
    auto = examine(mail(subject=subject))
    assert auto is not None and auto.kind == "auto-reply"


@pytest.mark.parametrize("headers, reason", [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
    ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
    ({"X_Autoreply": "yes"}, "an x-autoreply header"),
    ({"X_Autorespond": "On vacation"}, "an x-autorespond header"),
    ({"X_Apple_Action": "vacation"}, "X-Apple-Action: vacation"),
])
def test_auto_reply_headers_are_named_as_the_reason(headers, reason):
    auto = examine(mail(subject="Re: Thank you", **headers))
    assert auto is not None and (auto.kind, auto.reason) == ("auto-reply", reason)


def test_a_gmail_vacation_reply_is_an_auto_reply_not_a_list_despite_precedence_bulk():
    auto = examine(mail(body="I'm on holiday and will be back in the office on 7 December 2026.\n",
                        Auto_Submitted="auto-replied", Precedence="bulk", X_Autoreply="yes"))
    assert auto is not None and (auto.kind, auto.returns_on) == ("auto-reply", date(2026, 12, 7))


def test_mail_generated_by_a_system_with_no_absence_in_it_is_system_mail():
    auto = examine(mail(subject="Your password was changed", Auto_Submitted="auto-generated"))
    assert auto is not None and auto.kind == "system"


def test_an_empty_return_path_alone_is_system_mail():
    auto = examine(mail(subject="Hello", Return_Path="<>"))
    assert auto is not None and (auto.kind, auto.reason) == ("system", "an empty return path")


def test_an_out_of_office_without_a_date_has_no_return_day():
    auto = examine(mail(subject="Out of office", body="I am out of the office with limited access to email.\n"))
    assert auto is not None and auto.kind == "auto-reply" and auto.returns_on is None


# --- the return day --------------------------------------------------------------------


@pytest.mark.parametrize("text, back", [
    ("I will be back on 3 December.", date(2026, 12, 3)),
    ("I am out of the office, returning Monday, December 7th.", date(2026, 12, 7)),
    ("I'll be back at my desk on Wednesday, 2 December 2026.", date(2026, 12, 2)),
    ("I return to work on 1 December 2026.", date(2026, 12, 1)),
    ("Out of office until Friday.", date(2026, 11, 27)),
    ("I'm out until Mon., Dec. 7", date(2026, 12, 7)),
    ("I'm away through December 4.", date(2026, 12, 5)),
    ("I'm out until 4 December inclusive.", date(2026, 12, 5)),
    ("I am away from 30 November to 4 December.", date(2026, 12, 5)),
    ("Out of office until 2026-11-27, back on 2026-11-30.", date(2026, 11, 30)),
    ("Ich bin bis einschließlich 04.12.2026 abwesend.", date(2026, 12, 5)),
    ("Ab dem 7. Dezember bin ich wieder im Büro.", date(2026, 12, 7)),
    ("Ab Montag, dem 30. November 2026 bin ich wieder für Sie erreichbar.", date(2026, 11, 30)),
    ("Vom 23.11. bis 4.12. bin ich im Urlaub.", date(2026, 12, 5)),
    ("Je serai de retour le 7 décembre.", date(2026, 12, 7)),
    ("Je suis absente jusqu’au vendredi 4 décembre inclus.", date(2026, 12, 5)),
    ("Estaré de vuelta el 7 de diciembre.", date(2026, 12, 7)),
    ("Estoy fuera de la oficina hasta el 4 de diciembre de 2026.", date(2026, 12, 5)),
    ("Rientrerò in ufficio giovedì 3 dicembre 2026.", date(2026, 12, 3)),
    ("Vanaf maandag 7 december 2026 ben ik weer op kantoor.", date(2026, 12, 7)),
])
def test_the_return_day_is_read_in_english_german_french_spanish_italian_and_dutch(text, back):
    assert return_date(text, SENT, "acme.example") == back


@pytest.mark.parametrize("text, back", [
    ("I'm away at a conference with patchy email, and\nback on the 25th.", date(2026, 11, 25)),
    ("Back on Wednesday the 25th.", date(2026, 11, 25)),
    ("I'm back on 2nd.", date(2026, 12, 2)),  # the 2nd of this month is past: next month's
    ("Out of office until the 31st.", date(2026, 12, 31)),  # November has none
    ("Ab dem 25. bin ich wieder im Büro.", date(2026, 11, 25)),
    ("Ich bin bis zum 25. abwesend.", date(2026, 11, 26)),
    ("Je serai de retour le 25.", date(2026, 11, 25)),
    ("Je suis absente jusqu'au 1er inclus.", date(2026, 12, 2)),
    ("Estaré de vuelta el día 25.", date(2026, 11, 25)),
    ("Sono fuori sede fino al 25.", date(2026, 11, 26)),
    ("Rientrerò il 25.", date(2026, 11, 25)),
    ("Ik ben terug op de 25e.", date(2026, 11, 25)),
])
def test_a_day_of_the_month_alone_is_the_next_such_day_after_the_message(text, back):
    assert return_date(text, SENT, "acme.example") == back


@pytest.mark.parametrize("text", [
    "I am back after the 25 candidates have been seen.",  # "the 25" without an ordinal
    "Ich bin am 25 Uhr zurück.", "Je serai de retour le 25 %.",
    "Je serai de retour le 9h30.",
])
def test_a_number_that_is_no_day_of_the_month_is_no_return_day(text):
    assert return_date(text, SENT, "acme.example") is None


def test_a_date_without_a_year_is_the_next_such_date_after_the_message():
    assert return_date("I will be back on 5 January.", date(2026, 12, 20)) == date(2027, 1, 5)
    assert return_date("I will be back on 21 December.", date(2026, 12, 20)) == date(2026, 12, 21)


def test_a_weekday_alone_is_the_next_such_day_after_the_message():
    assert return_date("I'm back on Friday.", SENT) == date(2026, 11, 27)  # sent on a Friday


@pytest.mark.parametrize("domain, back", [
    ("acme.com", None),  # 12/01/2027: 12 January or 1 December? Nothing says.
    ("acme.co.uk", date(2027, 1, 12)),
    ("acme.us", date(2027, 12, 1)),
])
def test_an_ambiguous_numeric_date_follows_the_sender_s_country_or_is_not_guessed(domain, back):
    assert return_date("I'll be back in the office on 12/01/2027.", SENT, domain) == back


def test_a_written_weekday_decides_an_ambiguous_numeric_date():
    assert return_date("Back in the office on Tuesday 12/01/2027.", SENT, "acme.com") == date(2027, 1, 12)


def test_a_reading_that_lies_before_the_message_is_not_the_return_day():
    # 12/07/2026 sent in November: 12 July is past, so it is 7 December.
    assert return_date("I'm back in the office on 12/07/2026.", SENT, "acme.com") == date(2026, 12, 7)


def test_day_first_languages_read_numeric_dates_day_first():
    assert return_date("Je serai de retour le 01/12/2026.", SENT, "acme.com") == date(2026, 12, 1)


def test_times_of_day_and_undated_absences_give_no_day():
    assert return_date("Ich bin bis 10.11 Uhr in einem Termin.", SENT, "acme.de") is None
    assert return_date("I am away from 30 November.", SENT) is None
    assert return_date("I'm travelling with limited access to email.", SENT) is None


# --- bounces ---------------------------------------------------------------------------

DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.acme.example>
To: alex@example.org
Subject: Undelivered Mail Returned to Sender
Date: Fri, 20 Nov 2026 10:00:00 +0100
Auto-Submitted: auto-replied
Return-Path: <>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.example

Final-Recipient: rfc822; Kim.Lee@acme.example
Original-Recipient: rfc822;kim.lee@acme.example
Action: failed
Status: 5.1.1

Final-Recipient: rfc822; jane.doe@acme.example
Action: {second}
Status: 4.4.1

--B
Content-Type: message/rfc822

From: alex@example.org
To: kim.lee@acme.example, jane.doe@acme.example
Subject: Thank you

Thank you.
--B--
"""


def test_a_delivery_report_is_a_bounce_of_the_failed_recipient_only_even_with_auto_submitted():
    auto = examine(raw(DSN.format(second="delayed")))
    assert auto is not None
    assert (auto.kind, auto.bounced) == ("bounce", ("kim.lee@acme.example",))


def test_a_report_that_only_delays_is_system_mail_not_a_bounce():
    report = DSN.format(second="delayed").replace("Action: failed", "Action: delayed")
    report = report.replace("Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)")
    auto = examine(raw(report))
    assert auto is not None and (auto.kind, auto.bounced) == ("system", ())


def test_x_failed_recipients_is_a_bounce():
    auto = examine(mail(subject="Mail delivery failed: returning message to sender",
                        sender="Mail Delivery System <Mailer-Daemon@mx.acme.example>",
                        body="This message was created automatically by mail delivery software.\n",
                        X_Failed_Recipients="kim.lee@acme.example"))
    assert auto is not None and (auto.kind, auto.bounced) == ("bounce", ("kim.lee@acme.example",))


def test_a_text_only_bounce_names_the_addresses_in_its_text_but_not_the_returned_message():
    body = (
        "Hi. This is the qmail-send program at mx.acme.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<kim.lee@acme.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n"
        "From: alex@example.org\nTo: kim.lee@acme.example, jane.doe@acme.example\n"
    )
    auto = examine(mail(subject="failure notice", sender="MAILER-DAEMON@mx.acme.example", body=body))
    assert auto is not None and (auto.kind, auto.bounced) == ("bounce", ("kim.lee@acme.example",))


def test_an_exchange_non_delivery_report_subject_is_a_bounce():
    auto = examine(mail(subject="Undeliverable: Thank you", sender="postmaster@acme.example",
                        body="Delivery has failed to these recipients or groups:\n\nkim.lee@acme.example\n"))
    assert auto is not None and (auto.kind, auto.bounced) == ("bounce", ("kim.lee@acme.example",))


def test_other_notices_from_the_mail_system_are_system_mail():
    auto = examine(mail(subject="Your mailbox is almost full", sender="postmaster@example.org"))
    assert auto is not None and auto.kind == "system"


def test_a_read_receipt_is_system_mail():
    auto = examine(mail(subject="Read: Thank you for our conversation"))
    assert auto is not None and auto.kind == "system"


# --- invitation answers ----------------------------------------------------------------


def calendar_mail(method: str, subject: str):
    msg = EmailMessage()
    msg["From"] = "Jane Doe <jane.doe@acme.example>"
    msg["To"] = "alex@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 20 Nov 2026 10:00:00 +0100"
    msg.set_content("See the attached event.\n")
    ics = f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    msg.add_alternative(ics, subtype="calendar", params={"method": method})
    return parse_message(msg.as_bytes(), ref="inbox/1", folder="inbox")


def test_an_answer_to_an_invitation_is_calendar_mail():
    auto = examine(calendar_mail("REPLY", "Accepted: Interview with Acme"))
    assert auto is not None and auto.kind == "calendar"


@pytest.mark.parametrize("subject", ["Accepted: Interview", "Declined: Interview", "Tentative: Interview",
                                     "Angenommen: Interview", "Abgelehnt: Interview", "Accepté : Entretien",
                                     "Refusé : Entretien", "Aceptado: Entrevista", "Rechazado: Entrevista"])
def test_invitation_answer_subjects_are_calendar_mail(subject):
    auto = examine(mail(subject=subject))
    assert auto is not None and auto.kind == "calendar"


def test_an_invitation_to_the_next_round_is_a_person_s_act():
    assert examine(calendar_mail("REQUEST", "Invitation: Second interview with Acme")) is None


def test_a_cancelled_meeting_is_a_person_s_act_whatever_its_subject():
    assert examine(calendar_mail("CANCEL", "Abgelehnt: Interview")) is None


# --- lists -----------------------------------------------------------------------------


def test_a_list_id_is_a_list():
    auto = examine(mail(subject="Acme engineering digest", List_Id="<news.acme.example>"))
    assert auto is not None and auto.kind == "list"


def test_precedence_bulk_is_a_list():
    auto = examine(mail(subject="Our new office", Precedence="bulk"))
    assert auto is not None and (auto.kind, auto.reason) == ("list", "Precedence: bulk")


def test_a_company_newsletter_from_its_own_domain_is_never_a_reply():
    auto = examine(mail(subject="Acme news: we are hiring!", sender="Acme <news@acme.example>",
                        body="Read about our new product and the people behind it.\n",
                        List_Unsubscribe="<https://acme.example/unsubscribe?u=1>",
                        List_Unsubscribe_Post="List-Unsubscribe=One-Click"))
    assert auto is not None and auto.kind == "list"


def test_tracking_system_mail_about_your_application_with_list_unsubscribe_is_not_a_list():
    # Sending services add List-Unsubscribe to transactional mail too (SparkPost by default).
    m = mail(subject="Your application at Acme", sender="Acme Recruiting <no-reply@greenhouse-mail.example>",
             body="Dear Alex, thank you for your interest. We have decided to move forward with other candidates.\n",
             List_Unsubscribe="<mailto:unsubscribe@greenhouse-mail.example>")
    assert examine(m) is None


def test_a_reply_in_a_thread_with_list_unsubscribe_is_not_a_list():
    m = mail(body="Could you send us your references?\n", In_Reply_To="<acme.thank-you@example.org>",
             List_Unsubscribe="<mailto:unsubscribe@acme.example>")
    assert examine(m) is None


# --- bounds: linear time on any text ------------------------------------------------------------


def test_addresses_in_a_bounce_are_found_as_the_expression_found_them():
    """``_addresses_in`` replaces ``re.findall`` of the address expression (quadratic on a
    long run without "@"): the same list on random text, in linear time."""
    import random
    import re
    import time

    from interview_followup.daemon.mail import automatic

    old = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
    rng = random.Random(5)
    pieces = ["a", "b.", "@", ".", "-", "+", " ", "\n", "é", "x@y.z", "@@", "..", "=", "_", "1", ",", "<", ">"]
    for _ in range(50_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert automatic._addresses_in(text) == old.findall(text), text
    start = time.perf_counter()
    automatic._addresses_in("a" * 200_000 + "@x")
    assert time.perf_counter() - start < 1  # findall: minutes


def test_the_matchers_read_at_most_the_scan_limit():
    from interview_followup.daemon.common.textmatch import SCAN_LIMIT

    import dataclasses

    near = mail(subject="Notice", sender="MAILER-DAEMON@mx.example", body="x " * 100 + "could not be delivered\n")
    far = dataclasses.replace(near, body="x " * SCAN_LIMIT + "could not be delivered\n")  # longer than parsed mail
    assert examine(near).kind == "bounce"
    assert examine(far).kind == "system"  # the failure words lie beyond what is read


# --- issue 16: auto-replies with only their text to tell, surveys, dates -----------------


def test_an_inbox_rule_reply_without_auto_headers_is_read_from_its_first_lines():
    auto = examine(mail(body="Thank you for your message.\n\nI am currently out of the office with limited "
                             "access to email and will return on Tuesday 1 December 2026.\n"))
    assert auto.kind == "auto-reply" and auto.returns_on == date(2026, 12, 1)
    auto = examine(mail(subject="AW: Nachfrage", body="Vielen Dank für Ihre E-Mail.\n\nIch bin bis\n"
                        "einschließlich Freitag, 27. November, nicht im Büro und habe nur eingeschränkten "
                        "Zugriff auf meine E-Mails.\n"))
    assert auto.kind == "auto-reply" and auto.returns_on == date(2026, 11, 28)


@pytest.mark.parametrize("header", [{"X_MS_Exchange_Inbox_Rules_Loop": "priya.raman@globex.example"},
                                    {"X_MS_Exchange_Generated_Message_Source": "Mailbox Rules Agent"},
                                    {"X_Auto_Response_Suppress": "All"}])
def test_an_exchange_rule_header_supports_one_sign_of_absence_but_never_decides_alone(header):
    one_sign = "Buongiorno,\n\nsono fuori sede fino al 30 novembre compreso.\n"
    auto = examine(mail(subject="R: Colloquio", body=one_sign, **header))
    assert auto is not None and (auto.kind, auto.returns_on) == ("auto-reply", date(2026, 12, 1))
    assert examine(mail(subject="R: Colloquio", body=one_sign)) is None  # one sign alone: could be a person
    assert examine(mail(subject="RE: Thank you", body="Thanks, we will get back to you.\n", **header)) is None


@pytest.mark.parametrize("body", [
    "Buongiorno,\n\ngrazie per il messaggio. Sono fuori sede fino al 30 novembre compreso.\n",
    "Buongiorno,\n\nsono fuori sede fino al 30 novembre compreso. Non ho accesso alla posta elettronica.\n",
    "Bonjour,\n\nmerci pour le message. Je suis absente jusqu'au 30 novembre inclus.\n",
    "Hola:\n\nEstoy fuera de la oficina hasta el 30 de noviembre, sin acceso al correo.\n",
    "Hallo,\n\ndanke für die Nachricht. Ich bin bis einschließlich 30. November nicht im Büro.\n",
    "Hello,\n\nthanks for the message. I am on leave until 1 December and don't have access to email.\n",
])
def test_an_inbox_rule_template_in_any_wording_of_its_opening_or_missing_access_is_an_auto_reply(body):
    auto = examine(mail(subject="RE: Interview", body=body))
    assert auto is not None and (auto.kind, auto.returns_on) == ("auto-reply", date(2026, 12, 1))


def test_a_person_who_says_they_are_out_of_the_office_is_still_a_person():
    assert examine(mail(body="Hi Alex,\n\nsorry for the slow answer, I'm out of the office this week at a "
                             "conference. I'll come back to you by Friday 4 December.\n\nTom\n")) is None
    assert examine(mail(body="Hi Alex,\n\nthank you for your message. I am out of the office until Monday "
                             "but we will decide soon.\n")) is None  # greets you by name: no template


@pytest.mark.parametrize("subject", ["Application received: Backend Engineer", "Eingangsbestätigung Ihrer "
                                     "Bewerbung", "Accusé de réception", "Ontvangstbevestiging"])
def test_an_acknowledgement_subject_is_an_auto_reply(subject):
    assert examine(mail(subject=subject)).kind == "auto-reply"


def test_a_survey_with_list_unsubscribe_is_a_list_even_when_it_names_your_application():
    auto = examine(mail(subject="How was your interview with Globex?", body="Please take our short candidate "
                        "survey. It will not affect your application.\n",
                        List_Unsubscribe="<https://x.example/unsub>"))
    assert auto.kind == "list"


def test_a_rejection_with_list_unsubscribe_and_a_survey_link_is_not_a_list():
    assert examine(mail(subject="Your application", body="Unfortunately we have decided to move forward with "
                        "other candidates. We'd welcome your feedback in our survey.\n",
                        List_Unsubscribe="<https://x.example/unsub>")) is None


def test_a_survey_from_a_no_reply_address_is_system_mail():
    auto = examine(mail(sender="Acme Recruiting <noreply@acme.example>", subject="Your feedback on your interview",
                        body="Please rate your experience in this short survey: https://acme.qualtrics.com/x\n"))
    assert auto.kind == "system"


def test_a_return_date_broken_by_a_line_wrap_is_found():
    assert return_date("I will be back in the\noffice on Thursday 3 December.", SENT) == date(2026, 12, 3)
    assert return_date("Ik ben afwezig tot en\nmet vrijdag 4 december.", SENT) == date(2026, 12, 5)
    assert return_date("Sarò assente dal 20 novembre al 2 dicembre compreso.", SENT) == date(2026, 12, 3)


def test_office_hours_in_a_signature_are_no_absence():
    text = ("I'm out of the office until Monday 30 November.\n\nKim Lee\n"
            "Office hours: Monday to Friday, 9:00–17:00 (part-time: Mon–Wed)\n")
    assert return_date(text, SENT) == date(2026, 11, 30)
    assert return_date("Ich bin derzeit nicht im Büro.\n\nSprechzeiten: Mo–Fr 9–17 Uhr, telefonisch "
                       "erreichbar Montag bis Donnerstag\n", SENT) is None
    assert return_date("Ab Montag bin ich wieder erreichbar.", SENT) == date(2026, 11, 23)


@pytest.mark.parametrize("text,back", [
    ("I'm attending a conference 23-30 November.", date(2026, 12, 1)),
    ("I'm on vacation November 23-30.", date(2026, 12, 1)),
    ("Returning 30-Nov-2026.", date(2026, 11, 30)),
    ("Thanks for your message. I'm OOO until Mon 30/11.", date(2026, 11, 30)),
    ("I'm off until the end of the month.", date(2026, 12, 1)),
    ("I'm out until next Monday.", date(2026, 11, 30)),
    ("Ik ben vanaf 30 november weer op kantoor.", date(2026, 11, 30)),
])
def test_return_days_written_in_shorter_ways(text: str, back: date) -> None:
    assert return_date(text, date(2026, 11, 23), "acme.example") == back
