"""daemon.calendar.detection: which events are interviews, with whom, at which company, how large."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.config import Companies, Detection, Profile
from interview_followup.daemon.employers.companies import (
    UNKNOWN_SIZE,
    company_from_domain,
    free_mail_domains,
    is_free_mail,
    large_employers,
    size_of,
)
from interview_followup.daemon.calendar.detection import NO_COMPANY, NO_INTERVIEWERS, Detector, company_from_title, parse_hints
from interview_followup.daemon.keys import artifact_key, reminder_uid
from interview_followup.daemon.model import Attendee, CalendarEvent, Person, loop_id_for

BERLIN = ZoneInfo("Europe/Berlin")
ME = "alex@example.org"
PROFILE = Profile(
    name="Alex Example",
    email=ME,
    other_emails=("Alex.Private@GMAIL.com",),
    timezone="Europe/Berlin",
)
JANE = Attendee("Jane.Doe@Acme.com", "Jane Doe", "accepted")
MYSELF = Attendee(ME, "Alex Example", "accepted")


def detector(detection: Detection | None = None, companies: Companies | None = None) -> Detector:
    return Detector(PROFILE, detection or Detection(), companies or Companies(), BERLIN)


def event(
    summary: str = "Interview with Acme",
    *,
    description: str = "",
    attendees: tuple[Attendee, ...] = (JANE, MYSELF),
    categories: tuple[str, ...] = (),
    status: str = "confirmed",
    organizer: Person | None = None,
    uid: str = "uid-1@test",
    recurrence_id: str = "",
    start: datetime = datetime(2026, 11, 17, 14, tzinfo=BERLIN),
    end: datetime = datetime(2026, 11, 17, 15, tzinfo=BERLIN),
    all_day: bool = False,
    timezone: str = "Europe/Berlin",
) -> CalendarEvent:
    return CalendarEvent(
        uid=uid,
        start=start,
        end=end,
        summary=summary,
        description=description,
        categories=categories,
        recurrence_id=recurrence_id,
        all_day=all_day,
        status=status,
        attendees=attendees,
        organizer=organizer,
        timezone=timezone,
    )


def detect_one(ev: CalendarEvent, d: Detector | None = None):
    found = (d or detector()).detect([ev])
    assert len(found) == 1, f"not detected: {ev.summary!r}"
    return found[0]


# --- is it an interview? -----------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        "Interview with Acme",
        "INTERVIEW",
        "Interviews at Acme",
        "Interviewing with Acme",
        "Vorstellungsgespräch bei Acme GmbH",
        "VORSTELLUNGSGESPRÄCH bei Acme",
        unicodedata.normalize("NFD", "Vorstellungsgespräch bei Acme"),  # as macOS may store it
        "Bewerbungsgespräch mit Acme",
        "Entretien avec Acme",
        "Entrevista con Acme",
        "Colloquio con Acme",
        "Sollicitatiegesprek bij Acme",
        "Pre-interview call",
    ],
)
def test_keywords_in_any_language_and_case_make_an_interview(summary: str) -> None:
    assert detector().is_interview(event(summary))


@pytest.mark.parametrize(
    "summary", ["Team lunch", "Preview of the roadmap", "Reviewing CVs", "Dentist"]
)
def test_other_events_are_not_interviews(summary: str) -> None:
    assert detector().detect([event(summary)]) == []


def test_keyword_in_the_description_makes_an_interview() -> None:
    assert detector().is_interview(event("Acme", description="Interviewer: Jane Doe"))


def test_german_compounds_ending_in_interview_are_interviews() -> None:
    # issue 15: the shipped vocabulary knows compounds ("Telefoninterview"), no longer a limit
    assert detector().is_interview(event("Telefoninterview Acme"))


def test_tag_in_the_title_makes_an_interview_even_without_keywords() -> None:
    tags_only = detector(Detection(keywords=(), tags=("#interview",)))
    assert tags_only.is_interview(event("Acme / hiring manager – 2nd round #interview"))
    assert not tags_only.is_interview(event("Acme #interviewer-training"))
    # issue 15: the shipped vocabulary applies whatever the configured keywords (user additions)
    assert tags_only.is_interview(event("Interview with Acme"))


@pytest.mark.parametrize("category", ["interview", "#interview", "#Interview", " INTERVIEW "])
def test_tag_as_a_category_makes_an_interview(category: str) -> None:
    tags_only = detector(Detection(keywords=(), tags=("#interview",)))
    assert tags_only.is_interview(event("Acme / hiring manager", categories=("Work", category)))


def test_keyword_as_a_category_makes_an_interview() -> None:
    assert detector().is_interview(event("Acme", categories=("Interviews",)))


def test_an_event_the_user_declined_is_ignored() -> None:
    declined_me = Attendee("ALEX@example.org", "Alex", "declined")
    assert detector().detect([event(attendees=(JANE, declined_me))]) == []
    declined_other_address = Attendee("alex.private@gmail.com", "Alex", "declined")
    assert detector().detect([event(attendees=(JANE, declined_other_address))]) == []


def test_a_cancelled_event_is_returned_flagged_cancelled() -> None:
    assert detect_one(event(status="cancelled")).cancelled
    assert not detect_one(event()).cancelled


def test_the_programs_own_reminders_are_never_interviews() -> None:
    uid = reminder_uid(artifact_key("5cc1f4b2", "debrief"))
    assert detector().detect([event("Debrief the Acme interview", uid=uid)]) == []


# --- company and role from the title ----------------------------------------------


@pytest.mark.parametrize(
    ("summary", "company", "role"),
    [
        ("Interview with Acme", "Acme", ""),
        ("Acme – Backend Engineer interview", "Acme", "Backend Engineer"),
        ("Acme — Backend Engineer interview", "Acme", "Backend Engineer"),
        ("Acme - Backend Engineer interview", "Acme", "Backend Engineer"),
        ("Interview: Backend Engineer @ Acme", "Acme", "Backend Engineer"),
        ("Backend Engineer at Acme interview", "Acme", "Backend Engineer"),
        ("Acme / hiring manager – 2nd round #interview", "Acme", ""),
        ("Vorstellungsgespräch bei Acme GmbH", "Acme GmbH", ""),
        ("Entretien avec Acme", "Acme", ""),
        ("Entretien d'embauche chez L'Oréal", "L'Oréal", ""),
        ("Entrevista con Acme", "Acme", ""),
        ("Colloquio con Acme", "Acme", ""),
        ("Sollicitatiegesprek bij Acme", "Acme", ""),
        ("Phone screen - Acme (Data Analyst)", "Acme", "Data Analyst"),
        ("Final round interview | Acme", "Acme", ""),
        ("Interview for Backend Engineer at Acme", "Acme", "Backend Engineer"),
        ("Interview at Acme for Backend Engineer", "Acme", "Backend Engineer"),
        ("Job interview w/ Acme on Zoom", "Acme", ""),
        ("Interview – Senior Data Scientist", "", "Senior Data Scientist"),
        ("Interview", "", ""),
        # a role only when one is really named (issue 14): the kind of interview is no role
        ("Onsite interview day at Dayco", "Dayco", ""),
        ("Final Interview | Dayco", "Dayco", ""),
        ("Technical interview - Hooli", "Hooli", ""),
        ("Acme: Technical interview for Data Scientist", "Acme", "Data Scientist"),
        ("Interview: Softwareentwickler - Acme", "Acme", "Softwareentwickler"),
        ("Interview with Smallco", "Smallco", ""),
    ],
)
def test_company_and_role_come_from_the_title(summary: str, company: str, role: str) -> None:
    assert company_from_title(summary, Detection().keywords, Detection().tags) == (company, role)


def test_an_interviewers_name_in_the_title_is_not_the_company() -> None:
    assert company_from_title(
        "Interview with Jane Doe (Acme)", ("interview",), (), ["Jane Doe"]
    ) == ("Acme", "")
    iv = detect_one(event("Interview with Jane", attendees=(JANE,)))
    assert iv.company == "Acme"  # from jane.doe@acme.com instead


def test_an_interviewers_name_written_surname_first_is_not_the_company() -> None:
    assert company_from_title("Interview with Jane Doe", ("interview",), (), ["Doe, Jane"]) == (
        "",
        "",
    )


def test_detected_interview_carries_company_and_role_from_the_title() -> None:
    # an interviewer at free mail: no employer's domain comes before the title (issue 15)
    rita = Attendee("rita@gmail.com", "Rita", "accepted")
    iv = detect_one(event("Phone screen - Initech (Data Analyst)", categories=("#interview",), attendees=(rita,)))
    assert (iv.company, iv.role) == ("Initech", "Data Analyst")


# --- company from mail domains ---------------------------------------------------------


def test_company_comes_from_the_interviewer_domain_when_the_title_has_none() -> None:
    jane = Attendee("jane@mail.acme-corp.com", "Jane", "accepted")
    iv = detect_one(event("Interview", attendees=(jane,)))
    assert iv.company == "Acme Corp"
    assert iv.domains == ("mail.acme-corp.com",)
    assert NO_COMPANY not in iv.warnings


def test_company_from_a_known_domain_uses_the_known_name() -> None:
    assert company_from_domain("de.deloitte.com") == "Deloitte"
    assert company_from_domain("loreal.com") == "L'Oréal"
    assert company_from_domain("careers.acme.co.uk") == "Acme"


def test_company_comes_from_the_contact_when_there_are_no_interviewers() -> None:
    iv = detect_one(
        event("Interview", attendees=(), description="contact: Rita <rita@globex.example>")
    )
    assert iv.company == "Globex"


@pytest.mark.parametrize(
    "address",
    [
        "jane@gmail.com",
        "jane@googlemail.com",
        "jane@hotmail.co.uk",
        "jane@yahoo.fr",
        "jane@web.de",
        "jane@gmx.net",
        "jane@proton.me",
    ],
)
def test_free_mail_never_names_the_company(address: str) -> None:
    iv = detect_one(event("Interview", attendees=(Attendee(address, "Jane", "accepted"),)))
    assert iv.company == ""
    assert iv.domains == ()
    assert NO_COMPANY in iv.warnings
    assert iv.interviewers == (Person(address, "Jane"),)  # still the person to thank


def test_configured_free_mail_domains_are_added_to_the_shipped_list() -> None:
    d = detector(companies=Companies(free_mail_domains=("mailbox.example",)))
    iv = detect_one(
        event("Interview", attendees=(Attendee("jane@mailbox.example", "Jane", "accepted"),)), d
    )
    assert iv.company == "" and iv.domains == ()


def test_scheduling_services_never_name_the_company() -> None:
    assert is_free_mail("calendly.com") and is_free_mail("greenhouse.io")
    assert not is_free_mail("acme.com") and not is_free_mail("acme.me")


def test_domains_are_the_non_free_mail_domains_of_interviewers_and_contact_in_order() -> None:
    people = (
        Attendee("a@Acme.com", "A", "accepted"),
        Attendee("b@gmail.com", "B", "accepted"),
        Attendee("c@acme.com", "C", "accepted"),
        Attendee("d@eu.acme.com", "D", "accepted"),
    )
    # (hays.* is a recruiting agency now: its domain never names the employer, issue 15)
    iv = detect_one(event(attendees=people, description="contact: r@globex.example"))
    assert iv.domains == ("acme.com", "eu.acme.com", "globex.example")


# --- people ------------------------------------------------------------------------


def test_interviewers_are_the_other_attendees_lower_cased_with_names_as_written() -> None:
    people = (
        JANE,
        MYSELF,
        Attendee("ALEX.private@gmail.com", "Me", "accepted"),
        Attendee("Bob@acme.com", "bob O'Brien"),
    )
    iv = detect_one(event(attendees=people))
    assert iv.interviewers == (
        Person("jane.doe@acme.com", "Jane Doe"),
        Person("bob@acme.com", "bob O'Brien"),
    )


def test_rooms_resources_and_attendees_who_declined_are_not_interviewers() -> None:
    people = (
        JANE,
        Attendee("c_1883@resource.calendar.google.com", "Room 4.12", "accepted"),
        Attendee("sam@acme.com", "Sam", "declined"),
    )
    assert detect_one(event(attendees=people)).interviewers == (
        Person("jane.doe@acme.com", "Jane Doe"),
    )


def test_someone_only_copied_in_is_not_thanked() -> None:
    people = (JANE, Attendee("coordinator@acme.com", "Kai Coordinator", "accepted", role="non-participant"))
    assert detect_one(event(attendees=people)).interviewers == (Person("jane.doe@acme.com", "Jane Doe"),)


def test_a_group_or_a_teams_mailbox_is_not_thanked_beside_a_person() -> None:
    people = (
        JANE,
        Attendee("mav@acme.com", "Mitarbeitervertretung", "needs-action", group=True),
        Attendee("AcmeRecruitment@acme.com", "Acme Recruitment", "accepted"),
    )
    assert detect_one(event(attendees=people)).interviewers == (Person("jane.doe@acme.com", "Jane Doe"),)


def test_an_attendee_role_is_read_from_the_file() -> None:
    from interview_followup.daemon.calendar.ical import read_calendar
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:r1\r\n"
        "DTSTAMP:20261201T000000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\n"
        "SUMMARY:Interview Acme\r\n"
        "ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Kai:mailto:kai@acme.com\r\n"
        "ATTENDEE;CN=Jane:mailto:jane@acme.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    utc = ZoneInfo("UTC")
    read = read_calendar(text.encode(), start=datetime(2026, 12, 1, tzinfo=utc),
                         end=datetime(2026, 12, 31, tzinfo=utc), tz=utc, source="t.ics")
    roles = {a.email: a.role for e in read.events for a in e.attendees}
    assert roles == {"kai@acme.com": "non-participant", "jane@acme.com": "req-participant"}


def test_the_organizer_is_the_interviewer_when_there_are_no_attendees() -> None:
    rita = Person("Rita@Acme.com", "Rita Recruiter")
    iv = detect_one(event("Interview", attendees=(), organizer=rita))
    assert iv.interviewers == (Person("rita@acme.com", "Rita Recruiter"),)
    assert iv.company == "Acme" and NO_INTERVIEWERS not in iv.warnings


def test_no_attendees_gives_a_warning_about_the_empty_to() -> None:
    iv = detect_one(event(attendees=(), organizer=Person(ME, "Alex")))
    assert iv.interviewers == ()
    assert NO_INTERVIEWERS in iv.warnings
    assert iv.company == "Acme"  # from the title


# --- hints -------------------------------------------------------------------------


def test_hints_in_the_description_win_over_the_title() -> None:
    description = (
        "Agenda\nCompany: Initech\nposition: Staff Engineer\n"
        "contact: Rita Recruiter <Rita@Initech.example>\nSIZE: large"
    )
    iv = detect_one(event("Interview with Acme – Backend Engineer", description=description))
    assert (iv.company, iv.role) == ("Initech", "Staff Engineer")
    assert iv.contact == Person("rita@initech.example", "Rita Recruiter")
    assert (iv.size, iv.size_reason) == ("large", "hint in the event")


def test_a_bare_contact_address_is_a_contact() -> None:
    assert parse_hints("contact: rita@initech.example").contact == Person(
        "rita@initech.example", ""
    )


def test_hints_that_cannot_be_understood_are_warnings() -> None:
    hints = parse_hints("contact: call Rita\nsize: medium")
    assert hints.contact is None and hints.size == ""
    assert len(hints.warnings) == 2


def test_hints_in_an_html_description_are_read() -> None:
    # Google Calendar stores descriptions edited on the web as HTML.
    description = (
        "<b>Notes</b><br>company: Initech<br/>contact: Rita &lt;rita@initech.example&gt;<br>"
    )
    hints = parse_hints(description)
    assert (hints.company, hints.contact) == ("Initech", Person("rita@initech.example", "Rita"))
    assert parse_hints("contact: B <b@initech.example>").contact == Person("b@initech.example", "B")


def test_role_hint_alone_keeps_the_company_from_the_title() -> None:
    iv = detect_one(event("Interview with Acme", description="role: Backend Engineer"))
    assert (iv.company, iv.role) == ("Acme", "Backend Engineer")


# --- size --------------------------------------------------------------------------


def test_size_comes_from_the_shipped_list_by_domain_or_name() -> None:
    companies = Companies()
    assert size_of("", ("de.deloitte.com",), companies)[0] == "large"
    assert size_of("L'Oreal SA", (), companies) == (
        "large",
        "large employer (L'Oréal) in the shipped list",
    )
    assert size_of("Deloitte GmbH", (), companies)[0] == "large"


def test_configured_small_companies_override_the_shipped_list() -> None:
    companies = Companies(small=("deloitte",))
    assert size_of("Deloitte", ("deloitte.com",), companies) == (
        "small",
        "companies.small in the configuration",
    )
    by_domain = Companies(small=("deloitte.com",))
    assert size_of("", ("uk.deloitte.com",), by_domain)[0] == "small"


def test_configured_large_companies_match_by_name_or_domain() -> None:
    companies = Companies(large=("Acme", "globex.example"))
    assert size_of("ACME", (), companies) == ("large", "companies.large in the configuration")
    assert size_of("Globex", ("jobs.globex.example",), companies)[0] == "large"


def test_unknown_companies_get_the_configured_default_size() -> None:
    assert size_of("Tiny Startup", ("tiny.example",), Companies()) == ("small", UNKNOWN_SIZE)
    assert size_of("Tiny Startup", (), Companies(unknown_size="large")) == ("large", UNKNOWN_SIZE)


def test_size_hint_wins_over_configuration() -> None:
    assert (
        size_of("Deloitte", ("deloitte.com",), Companies(small=("Deloitte",)), "large")[0]
        == "large"
    )


def test_detected_interview_has_size_and_reason() -> None:
    jane = Attendee("jane@sap.com", "Jane", "accepted")
    iv = detect_one(event("Interview", attendees=(jane,)))
    assert (iv.company, iv.size) == ("SAP", "large")
    assert "shipped list" in iv.size_reason


# --- times, ids, text ------------------------------------------------------------------


def test_all_day_interview_ends_at_the_configured_hour_of_its_last_day() -> None:
    d = detector(Detection(all_day_end=time(16, 30)))
    ev = event(
        "Assessment centre interview",
        start=datetime(2026, 11, 17, tzinfo=BERLIN),
        end=datetime(2026, 11, 19, tzinfo=BERLIN),  # two days, DTEND exclusive
        all_day=True,
    )
    iv = detect_one(ev, d)
    assert iv.all_day
    assert iv.start == datetime(2026, 11, 17, 0, 0, tzinfo=BERLIN)
    assert iv.end == datetime(2026, 11, 18, 16, 30, tzinfo=BERLIN)


def test_timed_interview_keeps_the_event_times_and_zone() -> None:
    ny = ZoneInfo("America/New_York")
    ev = event(
        start=datetime(2026, 11, 17, 9, tzinfo=ny),
        end=datetime(2026, 11, 17, 10, tzinfo=ny),
        timezone="America/New_York",
    )
    iv = detect_one(ev)
    assert (iv.start, iv.end, iv.timezone, iv.all_day) == (
        ev.start,
        ev.end,
        "America/New_York",
        False,
    )
    assert detect_one(event(timezone="")).timezone == "Europe/Berlin"  # the user's


def test_loop_id_is_stable_for_an_occurrence() -> None:
    rid = "2026-11-17T13:00:00+00:00"
    iv = detect_one(event(uid="series@test", recurrence_id=rid))
    assert (iv.loop_id, iv.uid, iv.recurrence_id) == (
        loop_id_for("series@test", rid),
        "series@test",
        rid,
    )


def test_title_is_the_summary_on_one_line() -> None:
    iv = detect_one(event("Interview with Acme\r\nBcc: x@evil.example\x00"))
    assert iv.title == "Interview with Acme  Bcc: x@evil.example "
    assert "\n" not in iv.company and "\r" not in iv.company


def test_detect_returns_each_loop_once_in_start_order() -> None:
    later = event(
        "Interview with Globex",
        uid="b@test",
        start=datetime(2026, 11, 20, 9, tzinfo=BERLIN),
        end=datetime(2026, 11, 20, 10, tzinfo=BERLIN),
    )
    sooner = event("Interview with Acme", uid="a@test")
    found = detector().detect([later, sooner, sooner, event("Lunch", uid="c@test")])
    assert [iv.title for iv in found] == ["Interview with Acme", "Interview with Globex"]


# --- shipped data ------------------------------------------------------------------


def test_shipped_large_employer_list_is_well_formed() -> None:
    pairs = large_employers()
    assert len(pairs) >= 150
    assert all("." in domain and name and domain == domain.lower() for domain, name in pairs)
    assert len({d for d, _ in pairs}) == len(pairs)


def test_shipped_free_mail_list_covers_the_big_providers() -> None:
    listed = set(free_mail_domains())
    assert {
        "gmail.com",
        "googlemail.com",
        "outlook.*",
        "hotmail.*",
        "yahoo.*",
        "icloud.com",
        "gmx.*",
        "web.de",
        "proton.me",
    } <= listed
    for domain in (
        "hotmail.com",
        "hotmail.fr",
        "outlook.de",
        "yahoo.co.jp",
        "gmx.de",
        "yandex.ru",
        "fastmail.com",
    ):
        assert is_free_mail(domain), domain


def test_a_talk_that_names_only_the_agency_is_asked_about_not_drafted() -> None:
    recruiter = Attendee("callum@hartwell-talent.com", "Callum Bright", "accepted")
    alone = detector(companies=Companies(agencies=("hartwell-talent.com",)))
    intro = alone.interview(event("Intro call – Hartwell Talent", attendees=(recruiter, MYSELF)))
    assert intro is not None and intro.certainty == "uncertain"
    assert "only the agency is named" in intro.found_by
    # the agency's talk about a named employer is that employer's interview
    client = alone.interview(event("Interview – Acme (via Hartwell Talent)", attendees=(recruiter, MYSELF)))
    assert client is not None and client.certainty == "clear" and client.company == "Acme"


@pytest.mark.parametrize("says", [
    "Ana is the hiring manager. I won't join the call myself.",
    "Ich bin selbst nicht dabei, Sie sprechen mit Ana.",
    "Yo no estaré en la llamada.",
])
def test_an_organizer_who_writes_they_will_not_join_is_not_thanked(says: str) -> None:
    recruiter = Person("lena@acme.com", "Lena Recruiter")
    found = detector().interview(event("Interview with Acme", description=says, organizer=recruiter))
    assert found is not None and [p.email for p in found.interviewers] == ["jane.doe@acme.com"]
    # without those words the organizer who scheduled it is thanked too
    kept = detector().interview(event("Interview with Acme", description="See you then.", organizer=recruiter))
    assert kept is not None and "lena@acme.com" in [p.email for p in kept.interviewers]
