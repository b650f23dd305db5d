"""Issue 15, items 2, 3 and 5: the right people, the right company, one application over
several rounds. Table-driven: each row is one behaviour, named in its id."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.calendar.detection import Detector, company_from_title
from interview_followup.daemon.calendar.naming import is_place, plain_title
from interview_followup.daemon.common.addresses import clean_address, is_robot, is_room
from interview_followup.daemon.config import Companies, Detection, Profile
from interview_followup.daemon.employers.agencies import writes_for_others
from interview_followup.daemon.employers.companies import company_from_domain, organisation_label
from interview_followup.daemon.loop.planning import same_application, same_role
from interview_followup.daemon.model import Attendee, CalendarEvent, Interview, Person

BERLIN = ZoneInfo("Europe/Berlin")
ME = "alex@example.org"
START = datetime(2026, 11, 17, 14, tzinfo=BERLIN)


def detector(companies: Companies | None = None) -> Detector:
    profile = Profile(name="Alex Example", email=ME, timezone="Europe/Berlin")
    return Detector(profile, Detection(), companies or Companies(), BERLIN)


def event(summary="Interview", attendees=(), organizer=None, description="") -> CalendarEvent:
    return CalendarEvent(
        uid="uid-1@test", start=START, end=START + timedelta(hours=1), summary=summary,
        description=description, attendees=tuple(attendees), organizer=organizer,
        timezone="Europe/Berlin",
    )


def detect(ev: CalendarEvent, companies: Companies | None = None):
    (iv,) = detector(companies).detect([ev])
    return iv


def a(email: str, name: str = "", partstat: str = "accepted") -> Attendee:
    return Attendee(email, name, partstat)


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        pytest.param("mailto:jane@x.example?role=hiring-manager", "jane@x.example", id="uri-query-dropped"),
        pytest.param("MAILTO:Jane@X.example", "Jane@X.example", id="upper-case-mailto"),
        pytest.param("mailto:jane%40x.example", "jane@x.example", id="percent-encoded-at"),
        pytest.param("mailto:jane.doe%2Bjobs@x.example", "jane.doe+jobs@x.example", id="percent-encoded-plus"),
        pytest.param("<mailto:jane@x.example>", "jane@x.example", id="angle-brackets"),
        pytest.param('"jane@x.example"', "jane@x.example", id="quotes"),
        pytest.param("Jane Doe <jane@x.example>", "jane@x.example", id="display-name"),
        pytest.param("mailto:mailto:jane@x.example", "jane@x.example", id="doubled-mailto"),
        pytest.param("mailto:jane@x.example;x-param=1", "jane@x.example", id="semicolon-params"),
        pytest.param("  jane@x.example. ", "jane@x.example", id="trailing-dot-and-space"),
    ],
)
def test_addresses_are_cleaned_of_uri_parts(raw: str, clean: str) -> None:
    assert clean_address(raw) == clean


@pytest.mark.parametrize(
    ("email", "robot"),
    [
        pytest.param("noreply@acme.example", True, id="noreply"),
        pytest.param("do-not-reply@acme.example", True, id="do-not-reply"),
        pytest.param("notifications@acme.example", True, id="notifications"),
        pytest.param("unknownorganizer@calendar.google.com", True, id="google-calendar-system"),
        pytest.param("c_abc@group.calendar.google.com", True, id="google-group-calendar"),
        pytest.param("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@acme.example", True, id="exchange-system"),
        pytest.param("nora@acme.example", False, id="a-person-whose-name-starts-with-no"),
        pytest.param("notker.bauer@acme.example", False, id="a-person-named-notker"),
    ],
)
def test_robots_and_calendar_systems_are_recognised(email: str, robot: bool) -> None:
    assert is_robot(email) is robot


@pytest.mark.parametrize(
    ("email", "name", "room"),
    [
        pytest.param("room-4.12@acme.example", "", True, id="room-address"),
        pytest.param("x@acme.example", "Room 4.12", True, id="room-name"),
        pytest.param("x@acme.example", "Besprechungsraum Alster", True, id="german-room"),
        pytest.param("x@acme.example", "Salle 3", True, id="french-room"),
        pytest.param("marco@acme.example", "Marco Sala", False, id="surname-sala"),
        pytest.param("roomba@acme.example", "Roomba Jones", False, id="word-starting-with-room"),
    ],
)
def test_rooms_are_recognised(email: str, name: str, room: bool) -> None:
    assert is_room(email, name) is room


# --- the right people -------------------------------------------------------------------------

RITA = Person("Rita@Acme.example", "Rita Recruiter")


@pytest.mark.parametrize(
    ("attendees", "organizer", "description", "expected"),
    [
        pytest.param([a("jane@acme.example", "Jane")], RITA, "",
                     [("jane@acme.example", "Jane"), ("rita@acme.example", "Rita Recruiter")],
                     id="organizer-joins-other-attendees"),
        pytest.param([a("jane@acme.example", "Jane"), a("rita@acme.example", "")], RITA, "",
                     [("jane@acme.example", "Jane"), ("rita@acme.example", "Rita Recruiter")],
                     id="organizer-who-is-an-attendee-once-with-a-name"),
        pytest.param([a("jane@acme.example", "Jane")], Person(ME, "Alex"), "",
                     [("jane@acme.example", "Jane")], id="organizer-who-is-the-user-is-not"),
        pytest.param([a("jane@acme.example", "Jane")], Person("noreply@acme.example", "Acme Careers"), "",
                     [("jane@acme.example", "Jane")], id="no-reply-organizer-is-not"),
        pytest.param([a("jane@acme.example", "Jane")], Person("no-reply@greenhouse.io", "Greenhouse"), "",
                     [("jane@acme.example", "Jane")], id="ats-organizer-is-not"),
        pytest.param([a("jane@acme.example", "Jane")], Person("x@group.calendar.google.com", "Interviews"), "",
                     [("jane@acme.example", "Jane")], id="google-calendar-organizer-is-not"),
        pytest.param([a("jane@acme.example", "Jane")], Person("room-2@acme.example", "Room 2"), "",
                     [("jane@acme.example", "Jane")], id="room-organizer-is-not"),
        pytest.param([a("jane@acme.example", "Jane"), a("rita@acme.example", "Rita", "declined")], RITA, "",
                     [("jane@acme.example", "Jane")], id="organizer-who-declined-is-not"),
        pytest.param([a("mailto:Jane@Acme.example?role=interviewer", "Jane")], None, "",
                     [("jane@acme.example", "Jane")], id="attendee-uri-cleaned"),
        pytest.param([], Person("MAILTO:rita%40acme.example", "Rita"), "",
                     [("rita@acme.example", "Rita")], id="organizer-uri-cleaned"),
        pytest.param([a("jane@acme.example", "Jane")], None, "contact: Bob <bob@acme.example>",
                     [("jane@acme.example", "Jane"), ("bob@acme.example", "Bob")], id="contact-hint-joins"),
        pytest.param([a("jane@acme.example", "Jane Doe")], None, "contact: Jane Doe <jane@private.example>",
                     [("jane@private.example", "Jane Doe")], id="contact-with-an-interviewers-name-corrects-it"),
        pytest.param([a("calendar-notification@google.com", "")], None, "", [], id="notification-attendee-is-not"),
        pytest.param([a("book@calendly.com", "")], RITA, "", [("rita@acme.example", "Rita Recruiter")],
                     id="scheduling-service-is-not"),
    ],
)
def test_the_right_people(attendees, organizer, description, expected) -> None:
    iv = detect(event(attendees=[*attendees, a(ME, "Alex")], organizer=organizer, description=description))
    assert [(p.email, p.name) for p in iv.interviewers] == expected


# --- the right company: domains ------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "company"),
    [
        pytest.param("northwind-traders.com", "Northwind Traders", id="hyphens-make-words"),
        pytest.param("mail.contoso.co.uk", "Contoso", id="co-uk-and-mail-subdomain"),
        pytest.param("jobs.acme-group.de", "Acme Group", id="jobs-subdomain"),
        pytest.param("careers.fabrikam.com.au", "Fabrikam", id="com-au"),
        pytest.param("talent.tailspin.co.jp", "Tailspin", id="co-jp"),
        pytest.param("hr.litware.com.br", "Litware", id="com-br"),
        pytest.param("recruiting.adatum.org.uk", "Adatum", id="org-uk"),
        pytest.param("bmf.gv.at", "BMF", id="gv-at-and-acronym"),
        pytest.param("cs.proseware.ac.uk", "Proseware", id="ac-uk"),
        pytest.param("wingtip.com.xy", "Wingtip", id="unknown-country-second-level"),
        pytest.param("de.deloitte.com", "Deloitte", id="large-employer-list"),
    ],
)
def test_a_domain_becomes_a_readable_name(domain: str, company: str) -> None:
    assert company_from_domain(domain) == company


def test_the_organisation_label_is_left_of_the_public_suffix() -> None:
    assert organisation_label("a.b.contoso.co.uk") == "contoso"


@pytest.mark.parametrize(
    ("domain", "for_others"),
    [
        pytest.param("greenhouse.io", True, id="greenhouse"),
        pytest.param("hire.lever.co", True, id="lever"),
        pytest.param("acme.myworkday.com", True, id="workday-tenant"),
        pytest.param("ashbyhq.com", True, id="ashby"),
        pytest.param("hays.de", True, id="shipped-agency"),
        pytest.param("uk.michaelpage.co.uk", True, id="shipped-agency-country"),
        pytest.param("northwind-recruiting.com", True, id="label-says-recruiting"),
        pytest.param("recruiting.acme.example", False, id="recruiting-subdomain-of-an-employer"),
        pytest.param("acme.example", False, id="employer"),
    ],
)
def test_agencies_and_tracking_systems_write_for_others(domain: str, for_others: bool) -> None:
    assert bool(writes_for_others(domain)) is for_others


# --- the right company: titles -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "company"),
    [
        pytest.param("Canceled: Interview with Acme", "Acme", id="canceled-prefix"),
        pytest.param("Cancelled: Interview with Acme", "Acme", id="cancelled-prefix"),
        pytest.param("Updated invitation: Interview with Acme", "Acme", id="updated-invitation"),
        pytest.param("Updated invitation with note: Interview with Acme", "Acme", id="with-note"),
        pytest.param("Invitation: Interview with Acme @ Tue Jun 4, 2024 2pm - 3pm (CEST) (alex@example.org)",
                     "Acme", id="google-invitation-subject"),
        pytest.param("Accepted: Interview with Acme", "Acme", id="accepted"),
        pytest.param("Abgesagt: Vorstellungsgespräch bei Acme", "Acme", id="abgesagt"),
        pytest.param("Aktualisiert: Vorstellungsgespräch bei Acme", "Acme", id="aktualisiert"),
        pytest.param("Annulé : Entretien avec Acme", "Acme", id="annule-french-spacing"),
        pytest.param("Mis à jour : Entretien avec Acme", "Acme", id="mis-a-jour"),
        pytest.param("Cancelado: Entrevista con Acme", "Acme", id="cancelado"),
        pytest.param("Actualizado: Entrevista con Acme", "Acme", id="actualizado"),
        pytest.param("Annullato: Colloquio con Acme", "Acme", id="annullato"),
        pytest.param("Geannuleerd: Sollicitatiegesprek bij Acme", "Acme", id="geannuleerd"),
        pytest.param("Fwd: Canceled: Interview with Acme", "Acme", id="stacked-prefixes"),
        pytest.param("Interview Acme (Berlin office)", "Acme", id="office-in-parentheses"),
        pytest.param("Interview @ HQ", "", id="at-hq-is-no-company"),
        pytest.param("Interview Acme – Munich", "Acme", id="city-after-dash"),
        pytest.param("Interview with Acme, Room 4.12", "Acme", id="room-after-comma"),
        pytest.param("Interview with Acme in Paris", "Acme", id="in-city"),
        pytest.param("Interview – Zoom", "", id="zoom-is-no-company"),
        pytest.param("Acme interview (Teams)", "Acme", id="teams-in-parentheses"),
        pytest.param("Second", "", id="round-word-alone"),
        pytest.param("Interview – Technical", "", id="kind-word-alone"),
        pytest.param("Entretien – Projet", "", id="french-ordinary-word"),
        pytest.param("Zweites Gespräch Acme", "Acme", id="round-words-at-the-edge"),
        pytest.param("Interview – Final", "", id="final-alone"),
    ],
)
def test_the_company_from_the_title(title: str, company: str) -> None:
    assert company_from_title(title, Detection().keywords, Detection().tags)[0] == company


def test_prefixes_and_places_helpers() -> None:
    assert plain_title("Canceled: Updated invitation: Interview") == "Interview"
    assert is_place("Büro Hamburg") and is_place("Munich, Germany") and not is_place("Acme")


# --- the right company: which source wins ------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "attendees", "organizer", "description", "company"),
    [
        pytest.param("Interview with Globex", [a("jane@acme.example", "Jane")], None, "company: Initech",
                     "Initech", id="hint-first"),
        pytest.param("Interview", [a("jane@northwind-traders.com", "Jane")], None, "",
                     "Northwind Traders", id="domain-when-the-title-has-none"),
        pytest.param("Second Interview", [a("jane@contoso.example", "Jane")], None, "",
                     "Contoso", id="domain-over-an-ordinary-word"),
        pytest.param("Interview with Northwind Traders", [a("jane@northwindtraders.com", "Jane")], None, "",
                     "Northwind Traders", id="title-spelling-of-the-domain-company"),
        pytest.param("Interview with Globex", [a("rita@hays.de", "Rita")], None, "",
                     "Globex", id="agency-domain-names-the-client-from-the-title"),
        pytest.param("Interview", [a("rita@hays.de", "Rita")], None, "company: Globex",
                     "Globex", id="agency-domain-names-the-client-from-the-hint"),
        pytest.param("Interview with Globex", [a("rita@northwind-recruiting.com", "Rita")], None, "",
                     "Globex", id="unlisted-agency-by-its-label"),
        pytest.param("Interview with Globex", [a("rita@agency.example", "Rita")], None, "",
                     "Globex", id="configured-agency"),
        pytest.param("Interview with Globex", [], Person("no-reply@greenhouse.io", "Greenhouse"), "",
                     "Globex", id="ats-organizer-never-the-company"),
        pytest.param("Acme – Phone interview", [a("jane@gmail.com", "Jane")], None, "",
                     "Acme", id="free-mail-leaves-the-title"),
        pytest.param("Interview", [a("jane@gmail.com", "Jane")], Person("noreply@contoso.example", "Contoso"), "",
                     "Contoso", id="robot-organizer-domain-still-names-the-employer"),
        pytest.param("Interview with Globex", [a("rita@hays.de", "Rita"), a("jane@globex.example", "Jane")], None, "",
                     "Globex", id="client-domain-after-the-agency"),
    ],
)
def test_which_source_names_the_company(title, attendees, organizer, description, company) -> None:
    iv = detect(event(title, [*attendees, a(ME)], organizer, description),
                Companies(agencies=("agency.example",)))
    assert iv.company == company


def test_agency_domains_are_not_the_employers_domains() -> None:
    iv = detect(event("Interview with Globex", [a("rita@hays.de", "Rita"), a("jane@globex.example", "Jane")]))
    assert iv.domains == ("globex.example",)


# --- one application, many rounds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param("Backend Engineer (m/w/d)", "Backend Engineer", True, id="german-gender-marker"),
        pytest.param("Backend Engineer (w/m/d)", "backend engineer", True, id="other-order-and-case"),
        pytest.param("Software Engineer (f/m/x)", "Software Engineer", True, id="f-m-x"),
        pytest.param("Ingénieur DevOps H/F", "Ingénieur DevOps (h/f)", True, id="french-h-f"),
        pytest.param("Data Analyst m/f/d", "Data Analyst", True, id="bare-m-f-d"),
        pytest.param("Sr. Data Analyst", "Senior Data Analyst", True, id="sr-and-senior"),
        pytest.param("Jr. Developer", "Junior Developer", True, id="jr-and-junior"),
        pytest.param("Lead Backend Engineer", "Backend Engineer", True, id="lead"),
        pytest.param("Staff Engineer", "Principal Engineer", True, id="staff-and-principal"),
        pytest.param("Back-end Engineer", "Backend Engineer", True, id="punctuation"),
        pytest.param("Softwareentwickler*in", "Softwareentwickler (m/w/d)", True, id="gender-star"),
        pytest.param("Backend Engineer", "Data Engineer", False, id="another-role"),
        pytest.param("Product Manager", "Product Designer", False, id="another-job"),
        pytest.param("", "Data Engineer", True, id="no-role-fits-any"),
    ],
)
def test_role_texts_of_one_application(first: str, second: str, same: bool) -> None:
    assert same_role(first, second) is same


def _iv(company="Acme", role="", start=START, domains=()) -> Interview:
    return Interview(
        loop_id=f"l{start:%m%d}", uid=f"u{start:%m%d}", recurrence_id="", title="Interview", company=company,
        role=role, start=start, end=start + timedelta(hours=1), interviewers=(), contact=None, size="small",
        size_reason="", domains=domains,
    )


@pytest.mark.parametrize(
    ("later", "same"),
    [
        pytest.param(_iv(role="Senior Backend Engineer", start=START + timedelta(weeks=2)), True, id="two-weeks-later"),
        pytest.param(_iv(start=START + timedelta(weeks=8)), True, id="eight-weeks-later"),
        pytest.param(_iv(start=START + timedelta(weeks=9)), False, id="nine-weeks-later-is-new"),
        pytest.param(_iv(company="ACME GmbH", start=START + timedelta(days=5)), True, id="legal-suffix"),
        pytest.param(_iv(company="Globex", start=START + timedelta(days=5)), False, id="another-company"),
        pytest.param(_iv(company="", start=START + timedelta(days=5), domains=("acme.example",)), True,
                     id="same-domain-without-name"),
    ],
)
def test_rounds_of_one_application(later: Interview, same: bool) -> None:
    earlier = _iv(role="Backend Engineer (m/w/d)", domains=("acme.example",))
    assert same_application(earlier, later) is same


def test_the_gap_counts_from_the_previous_round_not_the_first() -> None:
    first = _iv()
    second = replace(_iv(start=START + timedelta(weeks=7)))
    third = _iv(start=START + timedelta(weeks=14))
    assert same_application(first, second) and same_application(second, third)
    assert not same_application(first, third)


# --- tracking systems name their client; squashed domains spelt as the event writes them ----------


@pytest.mark.parametrize(
    ("summary", "organizer", "attendees", "description", "company"),
    [
        pytest.param("Phone screen", Person("no-reply@us.greenhouse-mail.io", "Greenhouse"), [a(ME)],
                     "Join: https://meet.google.com/abc\nJob: https://boards.greenhouse.io/orvanerobotics/jobs/4711",
                     "Orvanerobotics", id="greenhouse-board-path"),
        pytest.param("Phone screen", Person("no-reply@us.greenhouse-mail.io", "Greenhouse"), [a(ME)],
                     "Thanks for your interest in Orvane Robotics!\nhttps://job-boards.greenhouse.io/orvanerobotics",
                     "Orvane Robotics", id="greenhouse-tenant-spelt-in-description"),
        pytest.param("Hiring manager call", Person("no-reply@hire.lever.co"), [a(ME)],
                     "Role: https://jobs.lever.co/tessaly-foods/1234-abcd", "Tessaly Foods", id="lever-path-with-dashes"),
        pytest.param("Interview", Person("notifications@orvane.teamtailor-mail.com"), [a(ME)], "",
                     "Orvane", id="teamtailor-tenant-subdomain"),
        pytest.param("Second round", Person("quimera@myworkday.com"), [a(ME)], "", "Quimera",
                     id="workday-tenant-local-part"),
        pytest.param("Technical interview", Person("noreply@personio.de"), [a(ME)],
                     "Stelle: https://brueckner-hydraulik.jobs.personio.de/job/99", "Brueckner Hydraulik",
                     id="personio-tenant-host"),
        pytest.param("Technical interview – Brückner Hydraulik", Person("noreply@personio.de"), [a(ME)],
                     "https://brueckner-hydraulik.jobs.personio.de/job/99", "Brückner Hydraulik",
                     id="tenant-and-title-differ-in-accents-only"),
        pytest.param("Final chat | Tandemly", Person("no-reply@ashbyhq.com"), [a(ME)],
                     "https://jobs.ashbyhq.com/tandemlyhq/5", "Tandemly", id="title-shorter-than-tenant"),
        pytest.param("Intro call", Person("no-reply@ashbyhq.com"), [a(ME)],
                     "https://app.ashbyhq.com/interviews/5", "", id="service-host-is-no-tenant"),
    ],
)
def test_a_tracking_system_names_its_client_never_itself(summary, organizer, attendees, description, company) -> None:
    iv = detect(event(summary, attendees, organizer, description))
    assert iv.company == company
    assert all(p.domain.endswith(("greenhouse-mail.io", "lever.co", "myworkday.com")) is False for p in iv.interviewers)


def test_a_squashed_mail_domain_is_spelt_as_the_event_writes_it() -> None:
    iv = detect(event("Kennenlerngespräch", [a(ME), a("lina@tessalyfoods.example", "Lina Okafor")],
                      description="Wir freuen uns auf das Gespräch mit Ihnen bei Tessaly Foods."))
    assert iv.company == "Tessaly Foods"
    plain = detect(event("Kennenlerngespräch", [a(ME), a("lina@tessalyfoods.example", "Lina Okafor")]))
    assert plain.company == "Tessalyfoods"  # nothing spells it: the label, capitalised


def test_a_domain_with_umlauts_written_out_keeps_the_title_spelling() -> None:
    iv = detect(event("Fachgespräch Brückner Hydraulik", [a(ME), a("k.bauer@brueckner-hydraulik.example", "Kai Bauer")]))
    assert iv.company == "Brückner Hydraulik"


# --- added with the development calendar set (tests/calendars/dev) ---------------------------------


def test_a_shared_mailbox_is_thanked_only_when_no_person_is_there() -> None:
    with_person = detect(event("Interview – Acme", [a(ME), a("talent@acme.example", "Acme Talent"),
                                                    a("jane.doe@acme.example", "Jane Doe")]))
    assert [p.email for p in with_person.interviewers] == ["jane.doe@acme.example"]
    alone = detect(event("Interview – Acme", [a(ME), a("hiring-team@acme.example", "Hiring Team")]))
    assert [p.email for p in alone.interviewers] == ["hiring-team@acme.example"]


@pytest.mark.parametrize(
    ("summary", "attendees", "organizer", "description", "company"),
    [
        pytest.param("Alex Example / Solvane Therapeutics – intro call (Fenwick Gray)", [a(ME)],
                     Person("callum@fenwickgray.example", "Callum Bright"),
                     "Our client would like to meet you.", "Solvane Therapeutics", id="our-client-makes-it-an-agency"),
        pytest.param("Kennismakingsgesprek – Van der Kooij Logistiek", [a(ME), a("p.smit@vdk-logistiek.example")], None,
                     "", "Van der Kooij Logistiek", id="domain-abbreviates-the-title-name"),
        pytest.param("Vorstellungsgespräch – Teamleitung (m/w/d)", [a(ME), a("h.roth@mt-gebaeudetechnik.example")],
                     None, "Die Müller-Thiessen Gebäudetechnik GmbH freut sich auf Sie.",
                     "Müller-Thiessen Gebäudetechnik", id="domain-abbreviates-a-name-in-the-description"),
        pytest.param("Intro call", [a(ME), a("bart@usekettle.example", "Bart Ngata")], None,
                     "Kettle helps teams brew better meetings.", "Kettle", id="product-domain-prefix"),
        pytest.param("Alex Example <> Vantorel Mobility – Recruiter Screen", [a(ME), a("ines@vantorel.example")], None,
                     "", "Vantorel Mobility", id="angle-pair-separates-the-people"),
        pytest.param("Tweede gesprek bij Studio Lijnzaad", [a(ME), a("mila@lijnzaad.studio")], None, "",
                     "Studio Lijnzaad", id="title-name-holds-the-domain-word"),
        pytest.param("Vorstellungsgespräch Kaltenbach Medizintechnik (über Steinhart Personal)",
                     [a(ME), a("m.dragomir@steinhart-personal.example"), a("v.imhoff@kaltenbach-medtech.example")],
                     Person("m.dragomir@steinhart-personal.example"), "", "Kaltenbach Medizintechnik",
                     id="agency-label-and-a-shortened-domain"),
        pytest.param("Technical screen – Ferrowyn Steelworks", [a(ME), a("m.oster@ferrowyn-steel.example")], None, "",
                     "Ferrowyn Steelworks", id="title-longer-than-the-domain"),
    ],
)
def test_the_company_is_the_employers_as_the_event_writes_it(summary, attendees, organizer, description, company) -> None:
    assert detect(event(summary, attendees, organizer, description)).company == company


@pytest.mark.parametrize(
    ("title", "company", "role"),
    [
        pytest.param("Entrevista para Analista de Datos en Albarracín Consultores", "Albarracín Consultores",
                     "Analista de Datos", id="es-role-en-company"),
        pytest.param("Recruiter screen: Lumswick Analytics", "Lumswick Analytics", "", id="hiring-words-are-no-role"),
        pytest.param("Fachgespräch Softwareentwickler:in Steuerungstechnik", "", "Softwareentwickler:in Steuerungstechnik",
                     id="gender-colon-is-no-separator"),
        pytest.param("Échange avec le manager – Maréchal Optique", "Maréchal Optique", "", id="fr-step-is-no-role"),
        pytest.param("Interview Orlin Labs 14:00", "Orlin Labs", "", id="a-time-is-no-part-of-the-name"),
        pytest.param("Tech-Interview Wolkenhain (Pair Programming)", "Wolkenhain", "", id="compound-head-left-alone"),
        pytest.param("Vorstellungsgespräch Hafenkraft 9:30 Uhr, Room 4.12", "Hafenkraft", "", id="time-with-uhr"),
    ],
)
def test_hiring_words_are_never_the_company_or_the_role(title, company, role) -> None:
    from interview_followup.daemon.config import DEFAULT_KEYWORDS

    assert company_from_title(title, DEFAULT_KEYWORDS) == (company, role)


def test_a_company_is_named_in_full_when_the_event_writes_it_before_a_legal_form() -> None:
    from interview_followup.daemon.calendar.naming import choose_company
    address = ("", "Wir freuen uns auf das Gespräch.", "Feldmark Agrartechnik GmbH, Am Luftschiffhafen 4, Potsdam", "")
    assert choose_company("", "", ("feldmark-agrar.de",), texts=address)[0] == "Feldmark Agrartechnik"
    letter = ("", "vielen Dank für Ihre Bewerbung bei der Gebrüder Stöckl Maschinenbau GmbH & Co. KG.", "", "")
    assert choose_company("", "", ("stoeckl.at",), texts=letter)[0] == "Gebrüder Stöckl Maschinenbau"
    signature = ("", "Kind regards,\nNadine Kurzhals\nEberwein Antriebstechnik GmbH\nIndustriestraße 41", "", "")
    assert choose_company("", "", ("eberwein-antriebe.de",), texts=signature)[0] == "Eberwein Antriebstechnik"


def test_a_legal_form_adds_no_word_that_only_says_what_kind_of_company_it_is() -> None:
    from interview_followup.daemon.calendar.naming import choose_company, formal_name
    texts = ("", "ScuolaViva Software S.r.l. · Via Roma 1", "", "")
    assert formal_name("ScuolaViva", texts) == "ScuolaViva"
    unrelated = ("", "Our client Nordlicht Beratung GmbH is hiring.", "", "")
    assert choose_company("", "", ("acme.example",), texts=unrelated)[0] != "Nordlicht Beratung"


def test_a_short_domain_names_the_company_whose_letters_it_holds_in_order() -> None:
    from interview_followup.daemon.calendar.naming import choose_company
    signature = ("", "Kind regards,\nTalent Acquisition\nSkarvheim Kraft AS\nStrandkaien 14", "", "")
    assert choose_company("", "", ("skk.no",), texts=signature)[0] == "Skarvheim Kraft"
    assert choose_company("", "Skarvheim Kraft", ("skk.no",))[0] == "Skarvheim Kraft"
    other = ("", "Powered by Greenhouse Software, Inc.", "", "")
    assert choose_company("", "", ("skk.no",), texts=other)[0] == "SKK"


def test_with_nobody_on_the_event_the_address_in_its_text_gets_the_thank_you() -> None:
    text = ("Gern bestätigen wir Ihnen den Interviewtermin. Gesprächspartner: Svenja Tiedemann (HR).\n"
            "Bei Fragen erreichen Sie Frau Tiedemann unter s.tiedemann@rehmstedt-mt.de.\n"
            "Datenschutz: noreply@rehmstedt-mt.softgarden.io")
    iv = detect(event("Interview: Senior Softwareentwickler Embedded (m/w/d)", description=text,
                      organizer=Person("noreply@softgarden.io", "softgarden")))
    assert iv is not None and [p.email for p in iv.interviewers] == ["s.tiedemann@rehmstedt-mt.de"]
    assert any("s.tiedemann@rehmstedt-mt.de" in w for w in iv.warnings)


def test_an_address_in_the_text_does_not_join_the_people_on_the_event() -> None:
    iv = detect(event("Interview Acme", attendees=(Attendee("jane.doe@acme.example", "Jane Doe"),),
                      description="Questions? Write to tom.lee@acme.example."))
    assert iv is not None and [p.email for p in iv.interviewers] == ["jane.doe@acme.example"]


def test_a_two_word_domain_written_the_other_way_round_is_named_as_written() -> None:
    iv = detect(event("Interview: Responsable Data Platform", organizer=Person("talent@vernaison-groupe.fr", "Talent"),
                      attendees=(Attendee("claire.mathelin@vernaison-groupe.fr", "Claire Mathelin"),),
                      description="Kind regards,\nTalent Acquisition – Groupe Vernaison"))
    assert iv is not None and iv.company == "Groupe Vernaison"


def test_with_only_a_private_address_the_signatures_company_is_named() -> None:
    iv = detect(event("Telefonat Alex Example", organizer=Person("bianca.sauter.hr@gmail.com", "Bianca Sauter"),
                      attendees=(Attendee("bianca.sauter.hr@gmail.com", "Bianca Sauter"),),
                      description="vielen Dank für Ihre Bewerbung als Systemadministrator (m/w/d).\n\nBianca Sauter\n"
                                  "Personal & Office\nHolzapfel IT-Service GmbH\nBahnhofstraße 3 · 99084 Erfurt"))
    assert iv is not None and iv.company == "Holzapfel IT-Service"


def test_a_name_with_an_ampersand_is_named_as_written() -> None:
    iv = detect(event("Sam / Ruairí + Hedda", organizer=Person("ruairi@orrinpike.ie", "Ruairí"),
                      attendees=(Attendee("hedda@orrinpike.ie", "Hedda"),),
                      description="We'd love to talk about you joining as our first platform engineer.\nRuairí\n"
                                  "Orrin & Pike, Galway"))
    assert iv is not None and iv.company == "Orrin & Pike"


def test_a_domain_that_shortens_the_second_word_is_named_as_written() -> None:
    iv = detect(event("Interview – Software Engineer", organizer=Person("gethin.pryce@marrickaero.com", "Gethin Pryce"),
                      attendees=(Attendee("gethin.pryce@marrickaero.com", "Gethin Pryce"),),
                      description="Your interview with the flight data team at Marrick Aerospace in Bristol."))
    assert iv is not None and iv.company == "Marrick Aerospace"


def test_a_scheduling_pages_between_names_is_no_part_of_the_company() -> None:
    assert company_from_title("Intro call with Sundew Labs between Maya Oduya and Sam Rivera")[0] == "Sundew Labs"


def test_the_client_an_agency_names_is_the_company() -> None:
    iv = detect(event("Telephone screen: Software Engineer (Flight Data Systems)",
                      organizer=Person("adaeze.okonjo@brookhollowtalent.com", "Adaeze Okonjo"),
                      description="Thank you for your application for the Software Engineer position with our client, "
                                  "Marrick Aerospace, in Bristol."))
    assert iv is not None and iv.company == "Marrick Aerospace"
