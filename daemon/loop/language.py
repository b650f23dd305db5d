"""The languages drafts are written in: which one a loop's drafts use, and the words the
program itself puts in a draft (dates, "the role", the debrief's paragraphs, ...).

Each shipped language has a folder of templates (``templates/<code>/``; English at the top
of ``templates/``) and an entry in ``WORDS``. A user adds a language with a folder of their
own, ``templates_dir/<code>/``: its draft templates and a ``words.toml`` holding these
words (``daemon.common.languages`` says which; the configuration checks the folder).

A draft never mixes languages: every word the program adds is in the draft's language, and
the user's own sentences from the profile (``fit``, ``references``), which are in the
profile's language, are left out of a draft in another one (``left_out`` says so).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date
from pathlib import Path

from interview_followup.daemon.common.languages import (
    NAMES,
    OPTIONAL_WORDS,
    SHIPPED,
    WORDS_FILE,
    code_problem,
    from_text,
    name,
    read_words,
)
from interview_followup.daemon.config import Config, Profile
from interview_followup.daemon.employers.companies import domain_in, name_key
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import Debrief, Interview

DEFAULT = "en"


@frozen
class Words:
    """The program's own words in one language. A "{name}" in a text is replaced by a value
    (plain replacement, never ``str.format``: a user's words.toml is text, not code)."""

    dear: str  # the greeting of named people: "{names}" is replaced by the joined names
    hello: str  # the greeting when no one is named
    and_: str  # joins the last two of a list: "Jane and Ravi"
    today: str
    yesterday: str
    on_day: str  # an earlier day: "on {date}"
    date: str  # "{weekday}, {day} {month} {year}"
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]  # January first
    the_role: str  # "the {role} role"
    the_role_unnamed: str  # "the role", when no role is known
    the_position: str
    the_position_unnamed: str
    company: str  # where no company is known (German templates put it after "bei")
    fit: str  # "Our conversation confirmed my interest: {fit}"
    interest: str  # "{topics}": what interested the interviewer, joined
    answers: str  # heads the questions the user could not fully answer (listed after it)
    questions: str  # heads the questions the user forgot to ask
    references: str  # the default references sentence
    no_one: str  # reminders: no recipient yet
    recruiter: str  # reminders: "the recruiter at {company}"
    first_of_month: str = "{day}"  # the day number of the 1st ("1er" in French)


WORDS: dict[str, Words] = {
    "en": Words(
        dear="Dear {names},", hello="Hello,", and_="and",
        today="today", yesterday="yesterday", on_day="on {date}",
        date="{weekday}, {day} {month} {year}",
        weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        months=("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"),
        the_role="the {role} role", the_role_unnamed="the role",
        the_position="the {role} position", the_position_unnamed="the position",
        company="the company",
        fit="Our conversation confirmed my interest: {fit}",
        interest="You seemed particularly interested in {topics}; I would be happy to tell you more about it.",
        answers="I would be glad to follow up on the questions I could not fully answer:",
        questions="There is something I did not get to ask:",
        references="I would be glad to put you in touch with references from my previous employers.",
        no_one="(no one: add the address)",
        recruiter="the recruiter at {company}",
    ),
    "de": Words(
        dear="Hallo {names},", hello="Guten Tag,", and_="und",
        today="heute", yesterday="gestern", on_day="am {date}",
        date="{weekday}, {day}. {month} {year}",
        weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
        months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                "September", "Oktober", "November", "Dezember"),
        # feminine nouns: the article reads the same as subject and object ("für die Stelle")
        the_role="die Stelle als {role}", the_role_unnamed="die Stelle",
        the_position="die Position als {role}", the_position_unnamed="die Position",
        company="Ihrem Unternehmen",  # the shipped templates say "bei ${company}"
        fit="Das Gespräch hat mein Interesse bestätigt: {fit}",
        interest="Besonderes Interesse hatten Sie an {topics}; dazu erzähle ich Ihnen gern mehr.",
        answers="Auf die Fragen, die ich im Gespräch nicht vollständig beantworten konnte, "
                "komme ich gern noch einmal zurück:",
        questions="Folgendes wollte ich Sie noch fragen:",
        references="Gern stelle ich Ihnen den Kontakt zu Referenzen meiner bisherigen Arbeitgeber her.",
        no_one="(niemand: Adresse ergänzen)",
        recruiter="die zuständige Person bei {company}",
    ),
    "fr": Words(
        dear="Bonjour {names},", hello="Bonjour,", and_="et",
        today="aujourd'hui", yesterday="hier", on_day="le {date}",
        date="{weekday} {day} {month} {year}",
        weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                "septembre", "octobre", "novembre", "décembre"),
        the_role="le poste de {role}", the_role_unnamed="le poste",
        the_position="le poste de {role}", the_position_unnamed="ce poste",
        company="vous",  # the shipped templates say "chez ${company}"
        fit="Notre échange a confirmé mon intérêt : {fit}",
        interest="Notre échange sur {topics} a semblé retenir votre attention ; "
                 "c'est avec plaisir que je vous en dirai davantage.",
        answers="Je reviendrai volontiers sur les questions auxquelles je n'ai pas pu répondre complètement :",
        questions="Voici ce que je n'ai pas eu l'occasion de vous demander :",
        references="Je peux volontiers vous mettre en relation avec des références de mes précédents employeurs.",
        no_one="(personne : ajoutez l'adresse)",
        recruiter="la personne chargée du recrutement chez {company}",
        first_of_month="1er",
    ),
    "es": Words(
        dear="Hola, {names}:", hello="Buenos días:", and_="y",
        today="hoy", yesterday="ayer", on_day="el {date}",
        date="{weekday} {day} de {month} de {year}",
        weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                "septiembre", "octubre", "noviembre", "diciembre"),
        the_role="el puesto de {role}", the_role_unnamed="el puesto",
        the_position="el cargo de {role}", the_position_unnamed="el cargo",
        company="su empresa",
        fit="Nuestra conversación confirmó mi interés: {fit}",
        interest="Noté su especial interés en {topics}; con mucho gusto amplío la información al respecto.",
        answers="Con gusto retomaré las preguntas que no pude responder del todo:",
        questions="Hay algo que no llegué a preguntar:",
        references="Con gusto puedo facilitarle referencias de mis empleadores anteriores.",
        no_one="(nadie: añada la dirección)",
        recruiter="la persona responsable de selección en {company}",
    ),
}

# Where the user's own languages are read from (``templates_dir``): set once per pass by
# the engine (``use_folder``), so that every caller of ``words`` (the greeting too) finds a
# user's language by its code alone.
_folder: Path | None = None
_read: dict[Path, tuple[int, Words]] = {}  # words.toml -> (its mtime, its words)


def use_folder(templates_dir: Path | None) -> None:
    """Read the user's own languages from ``templates_dir/<code>/words.toml``."""
    global _folder
    _folder = templates_dir


def words(language: str) -> Words:
    """The words of ``language``: a shipped language's, else those of the user's words.toml
    for it. A language with neither uses English ones: it has no templates either, so its
    drafts fail loudly (``Templates``) rather than mix languages silently."""
    if language in WORDS:
        return WORDS[language]
    if _folder is None or code_problem(language):
        return WORDS[DEFAULT]
    path = _folder / language / WORDS_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return WORDS[DEFAULT]
    if path in _read and _read[path][0] == mtime:
        return _read[path][1]
    raw, problems = read_words(path)
    if problems:
        raise NeedsUser("; ".join(problems), hint="the README's \"Languages\" section lists every key")
    values = {("and_" if k == "and" else k): v for k, v in raw.items()}
    for key, default in OPTIONAL_WORDS.items():
        values.setdefault(key, default)
    fields = {f.name for f in dataclasses.fields(Words)}
    loaded = Words(**{k: v for k, v in values.items() if k in fields})
    _read[path] = (mtime, loaded)
    return loaded


# --- the program's own words --------------------------------------------------------------


def fill(text: str, **values: str) -> str:
    """``text`` with each "{name}" replaced by its value, once, left to right (a value is
    never searched for placeholders again)."""
    if not values:
        return text
    pattern = re.compile("|".join(re.escape("{" + k + "}") for k in values))
    return pattern.sub(lambda m: values[m.group(0)[1:-1]], text)


def join(items: list[str], w: Words) -> str:
    """"a, b and c" in the words' language."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {w.and_} " + items[-1]


def long_date(day: date, w: Words) -> str:
    """"Tuesday, 17 November 2026", "Dienstag, 17. November 2026", "mardi 17 novembre 2026"."""
    number = fill(w.first_of_month, day="1") if day.day == 1 else str(day.day)
    return fill(w.date, weekday=w.weekdays[day.weekday()], day=number, month=w.months[day.month - 1],
                year=str(day.year))


def when(day: date, today: date, w: Words) -> str:
    """"today", "yesterday" or "on <date>", as it reads after "meet me"."""
    return {0: w.today, 1: w.yesterday}.get((today - day).days, fill(w.on_day, date=long_date(day, w)))


_VOWEL = "aeiouyàâäéèêëîïôöùûüæœ"


def role_phrase(pattern: str, unnamed: str, role: str, language: str) -> str:
    """"the Backend Engineer role" from "the {role} role", or ``unnamed`` without a role.
    A word the role shares with the pattern beside it is said once ("the Backend role
    role" would double it), and French elides "de" before a vowel ("le poste d'analyste")."""
    parts = role.split()
    before, _, after = pattern.partition("{role}")
    if parts and before.split() and before.split()[-1].casefold() == parts[0].casefold():
        parts = parts[1:]
    if parts and after.split() and after.split()[0].casefold() == parts[-1].casefold():
        parts = parts[:-1]
    if not parts:
        return unnamed
    role = " ".join(parts)
    if language == "fr" and before.endswith(" de ") and unicodedata.normalize("NFC", role[0].casefold()) in _VOWEL:
        before = before[: -len("de ")] + "d'"
    return before + role + after


# --- which language a loop's drafts are in ------------------------------------------------

# Country domains and the language their companies write in. Multilingual countries
# (.ch, .be, .ca, .lu) decide nothing, nor do .co and .py (Colombia and Paraguay, but used
# everywhere by start-ups and software).
COUNTRY_LANGUAGE = {
    "de": "de", "at": "de", "li": "de",
    "fr": "fr", "mc": "fr",
    "es": "es", "mx": "es", "ar": "es", "cl": "es", "pe": "es", "ve": "es", "uy": "es",
    "bo": "es", "ec": "es", "cr": "es", "pa": "es", "do": "es", "gt": "es", "hn": "es", "ni": "es",
    "sv": "es", "cu": "es",
    "uk": "en", "ie": "en", "au": "en", "nz": "en", "us": "en",
}


def from_domains(domains: tuple[str, ...]) -> tuple[str, str]:
    """(code, why) when the company's country domains are all of one language's countries
    (a generic one, such as .com, says nothing)."""
    found = {d: COUNTRY_LANGUAGE[tld] for d in domains if (tld := d.rstrip(".").rpartition(".")[2]) in COUNTRY_LANGUAGE}
    if len(set(found.values())) != 1:  # none, or countries of different languages
        return "", ""
    domain, code = next(iter(found.items()))
    return code, f"the company writes from {domain}, a {NAMES[code]}-speaking country's domain"


def from_setting(company: str, domains: tuple[str, ...], settings) -> tuple[str, str]:
    """(code, why) from ``companies.languages``: a key that is the company's name (as
    ``name_key`` compares names) or one of its mail domains (subdomains included)."""
    key = name_key(company) if company else ""
    for name_or_domain, code in settings.items():
        by_name = bool(key) and name_key(name_or_domain) == key
        by_domain = "." in name_or_domain and any(domain_in(d, name_or_domain.lower().strip()) for d in domains)
        if by_name or by_domain:
            return code, f"companies.languages sets {name_or_domain!r} to {code!r}"
    return "", ""


def choose(interview: Interview, debrief: Debrief | None, config: Config) -> tuple[str, str]:
    """The language of a loop's drafts, and why, in words (for the loop's history): your
    correction (the debrief's ``language``); else what the interview's title and
    description say; else ``companies.languages``; else the country of the company's mail
    domains; else ``profile.language``.

    Your per-company setting comes before the domain's country on purpose: it is what you
    write for a company the domain misleads about (an English-speaking team at a .de
    address), and a guess should never override what you said."""
    if debrief is not None and debrief.language:
        return debrief.language, "your correction (debrief --language)"
    code, why = interview.text_language, interview.text_language_why
    if not code:  # a loop recorded before the event's description was read for it
        code, why = from_text(interview.title, "")
    if code:
        return code, why
    company = (debrief.company if debrief is not None and debrief.company else "") or interview.company
    for code, why in (from_setting(company, interview.domains, config.companies.languages),
                      from_domains(interview.domains)):
        if code:
            return code, why
    return config.profile.language, f"the profile's language (profile.language = {config.profile.language!r})"


# --- the user's own sentences ---------------------------------------------------------------


def references(profile: Profile, language: str) -> str:
    """The references sentence of a draft in ``language``: the shipped one in that language
    while the profile keeps the default; the user's own only in the profile's language."""
    own = profile.references.strip()
    if own == _default_references():
        return words(language).references
    return own if language == profile.language else ""


def left_out(profile: Profile, language: str, source: str) -> list[str]:
    """What of the user's own sentences a draft in ``language`` (from the template
    ``source``) leaves out, as notes to check before sending."""
    if language == profile.language:
        return []
    notes = []
    theirs, ours = name(profile.language), name(language)
    if profile.fit.strip() and _uses(source, "fit_paragraph"):
        notes.append(f"profile.fit is in {theirs}, so it was left out of this {ours} draft: "
                     f"add a sentence in {ours} on why you fit the role")
    if profile.references.strip() not in ("", _default_references()) and _uses(source, "references"):
        notes.append(f"profile.references is in {theirs}, so it was left out of this {ours} draft: "
                     f"add your references in {ours}")
    return notes


def _uses(source: str, value: str) -> bool:
    return "${" + value + "}" in source or re.search(r"\$" + value + r"\b", source) is not None


def _default_references() -> str:
    return Profile.__dataclass_fields__["references"].default.strip()


__all__ = ["DEFAULT", "SHIPPED", "WORDS", "Words", "choose", "from_domains", "from_setting", "from_text",
           "join", "left_out", "long_date", "references", "role_phrase", "use_folder", "when", "words"]
