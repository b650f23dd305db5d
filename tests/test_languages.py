"""The interview's language: drafts follow it (the debrief's correction, the event's own
words, a per-company setting, the company's country, the profile's language), every word
the program adds is in it, and a user adds a language with a folder of templates."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from conftest import World, config, vevent
from interview_followup.daemon import config as cfg
from interview_followup.daemon.common import languages as known
from interview_followup.daemon.config import Profile
from interview_followup.daemon.engine.reconcile import DRAFT_TEMPLATES
from interview_followup.daemon.errors import ConfigError
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.loop import language
from interview_followup.daemon.loop.drafting import Templates, values_for
from interview_followup.daemon.model import Debrief, Interview, Person

TZ = ZoneInfo("Europe/Berlin")
AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the interviews below ended
DRAFTS = (*DRAFT_TEMPLATES.values(), "followup_first", "followup_again")
# English words that must not turn up in a draft of another language
ENGLISH = re.compile(r"\b(?:the|role|position|today|yesterday|company|Dear|Hello|Thank|regards|and)\b")
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def event(summary: str, description: str = "", attendees=(("Jane Doe", "jane.doe@acme.example"),)) -> str:
    return vevent("lang-1@test", "20261117T140000", "20261117T150000", summary,
                  attendees=attendees, description=description)


def thank_you(world: World):
    (draft,) = [m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".thank-you")]
    return draft


def interview(role: str = "Backend Engineer", company: str = "Acme", title: str = "Interview",
              domains: tuple[str, ...] = ("acme.example",), **fields) -> Interview:
    return Interview(
        loop_id="abcd1234", uid="u@test", recurrence_id="", title=title, company=company, role=role,
        start=datetime(2026, 11, 17, 14, tzinfo=TZ), end=datetime(2026, 11, 17, 15, tzinfo=TZ),
        interviewers=(Person("jane.doe@acme.example", "Jane Doe"), Person("ravi@acme.example", "Ravi Patel")),
        domains=domains, **fields,
    )


def settings(tmp_path: Path, text: str = "") -> cfg.Config:
    path = tmp_path / "config.toml"
    path.write_text('[profile]\nname = "Alex Example"\nemail = "alex@example.org"\n' + text
                    + '\n[calendar]\npath = "calendar.ics"\n', encoding="utf-8")
    return cfg.load(path)


# --- end to end: through the command line ---------------------------------------------------


def test_vorstellungsgespraech_gets_a_german_thank_you(world):
    world.set_calendar(event("Vorstellungsgespräch Acme", "company: Acme\\nrole: Backend Engineer"))
    r = world.once(AFTER)
    draft = thank_you(world)
    body = draft.get_content()
    assert draft["Subject"] == "Vielen Dank für das Gespräch über die Stelle als Backend Engineer"
    assert body.startswith("Hallo Jane")
    assert "vielen Dank, dass Sie sich heute Zeit genommen haben" in body
    assert "über die Position als Backend Engineer bei Acme" in body
    assert "Mit freundlichen Grüßen" in body
    assert not ENGLISH.search(body.replace("Alex Example", "")), body
    # the profile's fit is English: left out, and the user is told so
    assert "my years of backend work" not in body
    assert "profile.fit is in English, so it was left out of this German draft" in r.out + r.err
    # reminders are for the user: in the profile's language
    assert "Send your thank-you note to Acme today" in [str(e["SUMMARY"]) for e in world.reminders()]


def test_a_german_description_under_an_english_word_gets_german_drafts(world):
    description = ("Wir freuen uns auf das Gespräch mit Ihnen. Bitte bringen Sie Ihre Unterlagen mit, "
                   "wir treffen uns im Büro in der Hauptstraße.")
    world.set_calendar(event("Interview Acme", description))
    world.once(AFTER)
    assert thank_you(world)["Subject"].startswith("Vielen Dank für das Gespräch")


def test_a_company_writing_from_a_french_domain_gets_french_drafts(world):
    world.set_calendar(event("Interview", "company: Acme", attendees=(("Jeanne Durand", "jeanne@acme.fr"),)))
    world.once(AFTER)
    draft = thank_you(world)
    assert draft["Subject"] == "Merci pour notre échange sur le poste"
    assert "Bonjour Jeanne" in draft.get_content()
    assert "chez Acme" in draft.get_content()


def test_the_per_company_setting_picks_the_language(tmp_path):
    world = World(tmp_path, config().replace("[state]", '[companies]\nlanguages = { "Acme" = "es" }\n\n[state]'))
    world.set_calendar(event("Interview", "company: Acme GmbH\\nrole: Analista"))
    world.once(AFTER)
    draft = thank_you(world)
    assert draft["Subject"] == "Gracias por la conversación sobre el puesto de Analista"
    assert draft.get_content().startswith("Hola, Jane:")


def test_the_profile_language_is_the_default(tmp_path):
    world = World(tmp_path, config().replace('timezone = "Europe/Berlin"',
                                             'timezone = "Europe/Berlin"\nlanguage = "fr"'))
    world.set_calendar(event("Interview", "company: Acme"))
    r = world.once(AFTER)
    body = thank_you(world).get_content()
    # the fit is in the profile's language, French here: it stays
    assert "Notre échange a confirmé mon intérêt : my years of backend work" in body
    assert "left out" not in r.out + r.err
    # no French reminders are shipped: the reminder is English, values and all
    assert "Send your thank-you note to Acme today" in [str(e["SUMMARY"]) for e in world.reminders()]


def test_a_german_offer_asks_for_time_until_a_german_date(world):
    world.set_calendar(event("Vorstellungsgespräch", "company: Acme\\nrole: Backend Engineer"))
    world.once(AFTER)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Ihr Angebot",
                  date="Fri, 20 Nov 2026 11:00:00 +0100",
                  body="Hallo Alex,\n\ngern möchten wir Ihnen die Stelle als Backend Engineer anbieten.\n\nJane")
    world.once("2026-11-20T12:00:00+01:00")
    (decision,) = [m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".decision-time")]
    assert decision["Subject"] == "Re: Ihr Angebot für die Stelle als Backend Engineer"
    assert "bis Freitag, 27. November 2026 zu antworten" in decision.get_content()


def test_a_user_adds_a_language_with_a_folder_of_templates(tmp_path):
    text = config().replace("[state]", '[companies]\nlanguages = { "acme.example" = "it" }\n\n[state]')
    world = World(tmp_path, text)
    folder = tmp_path / "templates" / "it"
    folder.mkdir(parents=True)
    for name in known.DRAFTS:
        (folder / f"{name}.txt").write_text(
            f"Subject: {name} per ${{the_role}}\n\n${{greeting}}\n\nGrazie per il colloquio ${{when}} "
            "presso ${company}.\n\n${references}\n\nCordiali saluti\n${your_name}\n", encoding="utf-8")
    (folder / "words.toml").write_text(ITALIAN, encoding="utf-8")
    world.set_calendar(event("Interview", "company: Acme\\nrole: Sviluppatore",
                             attendees=(("Jane Doe", "jane.doe@acme.example"), ("Ravi Patel", "ravi@acme.example"))))
    world.once("2026-11-18T10:00:00+01:00")
    draft = thank_you(world)
    assert draft["Subject"] == "thank_you per il ruolo di Sviluppatore"
    body = draft.get_content()
    assert body.startswith("Gentile Jane e Ravi,")
    assert "Grazie per il colloquio ieri presso Acme." in body
    assert "Sarò lieto di fornire referenze." in body


ITALIAN = """\
dear = "Gentile {names},"
hello = "Buongiorno,"
and = "e"
today = "oggi"
yesterday = "ieri"
on_day = "{date}"
date = "{weekday} {day} {month} {year}"
weekdays = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
          "settembre", "ottobre", "novembre", "dicembre"]
the_role = "il ruolo di {role}"
the_role_unnamed = "il ruolo"
the_position = "la posizione di {role}"
the_position_unnamed = "la posizione"
company = "la vostra azienda"
fit = "Il colloquio ha confermato il mio interesse: {fit}"
interest = "Vi ha interessato in particolare {topics}."
answers = "Tornerò volentieri sulle domande a cui non ho risposto del tutto:"
questions = "Non ho fatto in tempo a chiedere:"
references = "Sarò lieto di fornire referenze."
no_one = "(nessuno: aggiungi l'indirizzo)"
recruiter = "chi si occupa della selezione presso {company}"
"""


# --- the configuration ----------------------------------------------------------------------


def test_a_language_without_its_folder_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, 'language = "it"\n[companies]\nlanguages = { "Acme Corp" = "pt-br", "Beta" = "german" }\n')
    problems = "\n".join(caught.value.problems)
    assert "At 'profile.language': 'it' is not shipped (en, de, fr, es)" in problems
    assert "lacks thank_you.txt, followup.txt, followup_again.txt, feedback_request.txt, decision_time.txt, " \
           "words.toml" in problems
    assert "At 'companies.languages.\"Acme Corp\"': 'pt-br' is not shipped" in problems
    assert "At 'companies.languages.Beta': 'german' is not a language code" in problems


def test_a_words_file_missing_a_key_is_a_config_error(tmp_path):
    folder = tmp_path / "templates" / "it"
    folder.mkdir(parents=True)
    for name in known.DRAFTS:
        (folder / f"{name}.txt").write_text("Subject: x\n\n${greeting}\n", encoding="utf-8")
    (folder / "words.toml").write_text(ITALIAN.replace('today = "oggi"\n', "").replace("{role}", "ROLE"),
                                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, 'language = "it"\n')
    problems = "\n".join(caught.value.problems)
    assert "At 'profile.language'" in problems and "missing today" in problems
    assert "the_role must hold {role}" in problems


def test_the_profiles_own_templates_count_for_a_language_of_its_own(tmp_path):
    # the top of the templates folder is in the profile's language: Italian here
    (tmp_path / "templates" / "it").mkdir(parents=True)
    for name in known.DRAFTS:
        (tmp_path / "templates" / f"{name}.txt").write_text("Subject: x\n\n${greeting}\n", encoding="utf-8")
    (tmp_path / "templates" / "it" / "words.toml").write_text(ITALIAN, encoding="utf-8")
    assert settings(tmp_path, 'language = "it"\n').profile.language == "it"


def test_the_per_company_setting_is_a_table_of_codes(tmp_path):
    c = settings(tmp_path, '[companies]\nlanguages = { "Acme" = "de", "acme.example" = "fr" }\n')
    assert dict(c.companies.languages) == {"Acme": "de", "acme.example": "fr"}
    assert isinstance(c.companies.languages, MappingProxyType)  # the config stays read-only
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, '[companies]\nlanguages = ["de"]\n')
    assert "At 'companies.languages': expected a table, got a list" in caught.value.problems



def test_config_check_writes_the_per_company_languages_back_as_toml(tmp_path):
    world = World(tmp_path, config().replace(
        "[state]", '[companies]\nlanguages = { "Acme Corp" = "de", "acme.example" = "fr" }\n\n[state]'))
    r = world.cli("config", "check")
    assert r.code == 0, r.err
    assert 'languages = { "Acme Corp" = "de", acme.example = "fr" }' not in r.out  # a dotted key is quoted
    assert 'languages = { "Acme Corp" = "de", "acme.example" = "fr" }' in r.out
    again = tmp_path / "again.toml"
    again.write_text(r.out, encoding="utf-8")
    assert dict(cfg.load(again).companies.languages) == {"Acme Corp": "de", "acme.example": "fr"}

# --- the choice -----------------------------------------------------------------------------


def choose(tmp_path, iv: Interview, debrief: Debrief | None = None, text: str = "") -> tuple[str, str]:
    return language.choose(iv, debrief, settings(tmp_path, text))


def test_the_debriefs_correction_wins(tmp_path):
    d = Debrief("abcd1234", datetime(2026, 11, 17, tzinfo=TZ), language="es")
    code, why = choose(tmp_path, interview(title="Vorstellungsgespräch", domains=("acme.de",)), d)
    assert (code, why) == ("es", "your correction (debrief --language)")


@pytest.mark.parametrize("title, code", [
    ("Vorstellungsgespräch Acme", "de"), ("Bewerbungsgespraech", "de"), ("Telefongespräch mit Acme", "de"),
    ("Entretien d'embauche – Acme", "fr"), ("Entrevue", "fr"), ("Entrevista Acme", "es"),
])
def test_a_word_in_the_title_says_the_language(tmp_path, title, code):
    assert choose(tmp_path, interview(title=title, domains=("acme.fr",)))[0] == code


def test_the_title_wins_over_the_company_setting_and_the_domain(tmp_path):
    code, why = choose(tmp_path, interview(title="Entrevista", domains=("acme.de",)),
                       text='[companies]\nlanguages = { "Acme" = "fr" }\n')
    assert code == "es" and "the title says 'entrevista'" == why


def test_a_description_decides_only_when_it_is_clearly_one_language():
    german = "Wir freuen uns auf das Gespräch mit Ihnen, bitte melden Sie sich am Empfang."
    assert known.from_text("Interview", german)[0] == "de"
    french = "Merci de vous présenter à l'accueil avec une pièce d'identité, nous serons ravis de vous recevoir."
    assert known.from_text("Interview", french)[0] == "fr"
    spanish = "Gracias por su interés; por favor, traiga una copia de su currículum para el equipo."
    assert known.from_text("Interview", spanish)[0] == "es"
    english = "Please bring your portfolio; we will meet at the front desk of our office."
    assert known.from_text("Interview", english)[0] == "en"
    assert known.from_text("Interview", "Zoom: https://zoom.us/j/123 passcode 99") == ("", "")
    mixed = "We look forward to meeting you. Wir freuen uns auf das Gespräch mit Ihnen und dem Team."
    assert known.from_text("Interview", mixed.replace("Gespräch", "Treffen")) == ("", "")
    # two languages' words in one title decide nothing by themselves
    assert known.from_text("Entretien / Entrevista", "") == ("", "")


def test_a_stored_interview_keeps_what_its_description_said(tmp_path):
    iv = interview(title="Interview", text_language="fr", text_language_why="the description says 'entretien'")
    assert choose(tmp_path, iv) == ("fr", "the description says 'entretien'")


def test_the_per_company_setting_matches_the_name_or_a_mail_domain(tmp_path):
    by_name = '[companies]\nlanguages = { "ACME gmbh" = "de" }\n'
    assert choose(tmp_path, interview(company="Acme"), text=by_name) == (
        "de", "companies.languages sets 'ACME gmbh' to 'de'")
    by_domain = '[companies]\nlanguages = { "acme.example" = "fr" }\n'
    assert choose(tmp_path, interview(company="", domains=("jobs.acme.example",)), text=by_domain)[0] == "fr"
    # a company corrected in the debrief is the one matched
    d = Debrief("abcd1234", datetime(2026, 11, 17, tzinfo=TZ), company="Beta")
    assert choose(tmp_path, interview(company="Acme"), d, '[companies]\nlanguages = { "Beta" = "es" }\n')[0] == "es"


def test_the_per_company_setting_wins_over_the_domains_country(tmp_path):
    # an English-speaking team at a .de address: what the user said beats the guess
    text = '[companies]\nlanguages = { "Acme" = "en" }\n'
    assert choose(tmp_path, interview(domains=("acme.de",)), text=text)[0] == "en"


@pytest.mark.parametrize("domains, code", [
    (("acme.de",), "de"), (("acme.at", "acme.com"), "de"), (("acme.fr",), "fr"), (("acme.es",), "es"),
    (("acme.com.mx",), "es"), (("acme.com.ar",), "es"), (("acme.co.uk",), "en"),
    # multilingual countries, a generic domain, two languages' countries: no decision
    (("acme.ch",), "en"), (("acme.be",), "en"), (("acme.ca",), "en"), (("acme.co",), "en"), (("acme.com",), "en"),
    (("acme.de", "acme.fr"), "en"),
])
def test_the_companys_country_decides_after_the_interviews_words(tmp_path, domains, code):
    assert choose(tmp_path, interview(domains=domains))[0] == code


def test_the_profiles_language_is_the_last_word(tmp_path):
    assert choose(tmp_path, interview(domains=()), text='language = "de"\n') == (
        "de", "the profile's language (profile.language = 'de')")


# --- the words in each language --------------------------------------------------------------


def render_all(code: str, role: str, profile: Profile = Profile(name="Alex Example", email="a@example.org")):
    d = Debrief("abcd1234", datetime(2026, 11, 17, 16, tzinfo=TZ), asked_about=("Kafka", "Rust"),
                open_questions=("Sharding?",), forgot_to_ask=("Remote?",))
    values = values_for(interview(role=role), d, profile, TZ, datetime(2026, 11, 20, 9, tzinfo=TZ), code)
    values["decide_by"] = language.long_date(date(2026, 11, 27), language.words(code))
    templates = Templates()
    return {name: templates.render(name, values, code) for name in DRAFTS}


@pytest.mark.parametrize("role", ["Backend Engineer", ""])
@pytest.mark.parametrize("code", language.SHIPPED)
def test_each_languages_drafts_read_whole_with_and_without_a_role(code, role):
    for name, text in render_all(code, role).items():
        whole = f"{text.head}\n{text.body}"
        assert "${" not in whole and "{" not in whole, (code, name, whole)
        assert not DOUBLED.search(whole), (code, name, DOUBLED.search(whole))
        assert "  " not in whole, (code, name)
        if role:
            assert role in whole, (code, name)
        if code != "en":
            assert not ENGLISH.search(whole.replace("Alex Example", "")), (code, name, ENGLISH.search(whole))


@pytest.mark.parametrize("code", language.SHIPPED)
def test_every_shipped_language_has_every_draft(code):
    for name in DRAFTS:
        assert Templates().has(name, code), (code, name)


@pytest.mark.parametrize("code, expected", [
    ("en", "Tuesday, 17 November 2026"), ("de", "Dienstag, 17. November 2026"),
    ("fr", "mardi 17 novembre 2026"), ("es", "martes 17 de noviembre de 2026"),
])
def test_dates_are_written_in_the_drafts_language_without_the_locale(code, expected):
    assert language.long_date(date(2026, 11, 17), language.words(code)) == expected


def test_the_first_of_the_month_is_written_as_each_language_writes_it():
    first = date(2026, 4, 1)
    assert language.long_date(first, language.words("fr")) == "mercredi 1er avril 2026"
    assert language.long_date(first, language.words("de")) == "Mittwoch, 1. April 2026"


@pytest.mark.parametrize("code, today, yesterday, earlier", [
    ("en", "today", "yesterday", "on Tuesday, 17 November 2026"),
    ("de", "heute", "gestern", "am Dienstag, 17. November 2026"),
    ("fr", "aujourd'hui", "hier", "le mardi 17 novembre 2026"),
    ("es", "hoy", "ayer", "el martes 17 de noviembre de 2026"),
])
def test_when_the_interview_was_is_said_in_the_drafts_language(code, today, yesterday, earlier):
    w, day = language.words(code), date(2026, 11, 17)
    assert [language.when(day, date(2026, 11, n), w) for n in (17, 18, 20)] == [today, yesterday, earlier]


@pytest.mark.parametrize("code, role, expected", [
    ("en", "Backend Engineer", "the Backend Engineer role"),
    ("en", "Backend Engineer role", "the Backend Engineer role"),  # never "role role"
    ("en", "The Backend Engineer", "the Backend Engineer role"),  # never "the The"
    ("en", "Role", "the role"),
    ("de", "Entwickler", "die Stelle als Entwickler"),
    ("fr", "Ingénieure logiciel", "le poste d'Ingénieure logiciel"),  # elided before a vowel
    ("fr", "Développeur", "le poste de Développeur"),
    ("es", "Analista", "el puesto de Analista"),
])
def test_the_role_is_named_without_doubled_or_broken_words(code, role, expected):
    w = language.words(code)
    assert language.role_phrase(w.the_role, w.the_role_unnamed, role, code) == expected


def test_every_shipped_language_has_all_its_words():
    keys = {"and_" if k == "and" else k for k in known.WORD_KEYS} | set(known.OPTIONAL_WORDS)
    assert {f.name for f in dataclasses.fields(language.Words)} == keys
    for code in known.SHIPPED:
        w = language.words(code)
        assert len(w.weekdays) == 7 and len(w.months) == 12
        for key, rule in known.WORD_KEYS.items():
            if not isinstance(rule, int):
                value = getattr(w, "and_" if key == "and" else key)
                assert value and all(p in value for p in rule), (code, key)
    assert set(known.SHIPPED) == set(language.WORDS)


def test_the_users_own_sentences_stay_out_of_a_draft_in_another_language():
    profile = Profile(name="Alex Example", email="a@example.org", fit="my backend years fit.",
                      references="Ask Sam at Initech about me.")
    german = render_all("de", "Backend Engineer", profile)["thank_you"].body
    assert "my backend years" not in german and "Initech" not in german
    notes = language.left_out(profile, "de", Templates().source("thank_you", "de"))
    assert notes == [
        "profile.fit is in English, so it was left out of this German draft: "
        "add a sentence in German on why you fit the role",
        "profile.references is in English, so it was left out of this German draft: add your references in German",
    ]
    english = render_all("en", "Backend Engineer", profile)["thank_you"].body
    assert "my backend years fit." in english and "Ask Sam at Initech about me." in english
    # the default references sentence is the program's own: said in the draft's language
    plain = Profile(name="Alex Example", email="a@example.org")
    assert "Gern stelle ich Ihnen den Kontakt zu Referenzen" in render_all("de", "", plain)["thank_you"].body
    assert language.left_out(plain, "de", Templates().source("thank_you", "de")) == []


def test_an_english_override_at_the_top_of_the_folder_is_not_used_for_another_language(tmp_path):
    (tmp_path / "thank_you.txt").write_text("Subject: Mine\n\nMy own words.\n", encoding="utf-8")
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "followup.txt").write_text("Subject: Meins\n\nMeine Worte.\n", encoding="utf-8")
    templates = Templates(tmp_path, "en")
    assert templates.render("thank_you", {}, "en").head == "Mine"
    assert templates.render("thank_you", {}, "de").head.startswith("Vielen Dank")
    assert templates.render("followup", {}, "de").head == "Meins"
    # with German as the profile's language, the top of the folder is German
    assert Templates(tmp_path, "de").render("thank_you", {}, "de").head == "Mine"


def test_a_reminder_falls_back_to_english_without_a_template_in_the_profiles_language(tmp_path):
    assert Templates(tmp_path, "de").language_of("thank_you_reminder") == "en"
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "thank_you_reminder.txt").write_text("Title: Dankesnotiz senden\n\n.\n", encoding="utf-8")
    assert Templates(tmp_path, "de").language_of("thank_you_reminder") == "de"


def test_a_language_code_never_reaches_outside_the_templates_folder(tmp_path):
    from interview_followup.daemon.errors import NeedsUser

    with pytest.raises(NeedsUser, match="is not a language code"):
        Templates(tmp_path).render("thank_you", {}, "../../etc")



def test_the_readme_words_file_for_a_new_language_is_complete(tmp_path):
    """The README's words.toml for Italian is a whole, valid words file (kept in step)."""
    from conftest import REPO
    from interview_followup.daemon.common.languages import read_words

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("`words.toml` with the program's own words:\n\n```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "words.toml").write_text(block, encoding="utf-8")
    words, problems = read_words(tmp_path / "words.toml")
    assert problems == [] and words["and"] == "e"
