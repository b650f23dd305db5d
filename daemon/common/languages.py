"""What the configuration needs to know about the languages of drafts: which ones ship,
and what a folder of the user's own must hold to add one.

A language is named by a short code ("en", "de", "pt-br"). The program ships English,
German, French and Spanish; a user adds another with the folder ``templates_dir/<code>/``:
the draft templates (``DRAFTS``) and ``words.toml``, the program's own words in that
language (``WORD_KEYS``). The words themselves are used by ``daemon.loop.language``; this
module sits low in the flow so that ``daemon.config`` can refuse a language that cannot be
written before anything runs.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

SHIPPED = ("en", "de", "fr", "es")
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}
# The drafts a language must have. followup_first.txt may be left out: the language's
# followup.txt is used for every first follow-up then (as for an English override).
DRAFTS = ("thank_you", "followup", "followup_again", "feedback_request", "decision_time")
WORDS_FILE = "words.toml"
# Each key of words.toml: the placeholders its text must hold, or, for a list, its length.
WORD_KEYS: dict[str, tuple[str, ...] | int] = {
    "dear": ("{names}",),  # "Dear {names},"
    "hello": (),  # the greeting when no one is named
    "and": (),  # joins the last two of a list
    "today": (),
    "yesterday": (),
    "on_day": ("{date}",),  # "on {date}"
    "date": ("{weekday}", "{day}", "{month}", "{year}"),
    "weekdays": 7,  # Monday first
    "months": 12,  # January first
    "the_role": ("{role}",),  # "the {role} role"
    "the_role_unnamed": (),  # "the role"
    "the_position": ("{role}",),
    "the_position_unnamed": (),
    "company": (),  # where no company is known
    "fit": ("{fit}",),  # "Our conversation confirmed my interest: {fit}"
    "interest": ("{topics}",),
    "answers": (),
    "questions": (),
    "references": (),  # the default references sentence
    "no_one": (),  # reminders: no recipient yet
    "recruiter": ("{company}",),  # reminders: who to call when no contact is known
}
# Keys that may be left out, and what they are then.
OPTIONAL_WORDS = {"first_of_month": "{day}"}  # French writes the 1st as "1er"

_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")


def name(code: str) -> str:
    """The language's name in English, for messages: "German", or the code quoted."""
    return NAMES.get(code, repr(code))


def code_problem(code: object) -> str:
    """Why ``code`` is no language code (it names a folder, so the shape is strict), or ""."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        return f"{code!r} is not a language code (two or three lower-case letters, like \"de\" or \"pt-br\")"
    return ""


def read_words(path: Path) -> tuple[dict[str, str | tuple[str, ...]], list[str]]:
    """The words of ``path`` (a words.toml) and what is wrong with them (each problem one
    sentence naming the key); the words are usable only when there is no problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [f"{path} is missing"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path} cannot be read: {exc}"]
    problems: list[str] = []
    out: dict[str, str | tuple[str, ...]] = {}
    for key in raw:
        if key not in WORD_KEYS and key not in OPTIONAL_WORDS:
            problems.append(f"{path}: unknown key {key!r}")
    missing = [k for k in WORD_KEYS if k not in raw]
    if missing:
        problems.append(f"{path}: missing {', '.join(missing)}")
    for key, rule in {**WORD_KEYS, **{k: () for k in OPTIONAL_WORDS}}.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(rule, int):
            if not (isinstance(value, list) and len(value) == rule and all(isinstance(v, str) and v for v in value)):
                problems.append(f"{path}: {key} must be a list of {rule} words")
                continue
            out[key] = tuple(value)
            continue
        if not isinstance(value, str):
            problems.append(f"{path}: {key} must be a string")
            continue
        absent = [p for p in rule if p not in value]
        if absent:
            problems.append(f"{path}: {key} must hold {' and '.join(absent)}")
        out[key] = value
    return out, problems


def folder_problems(templates_dir: Path, code: str, root_too: bool = False) -> list[str]:
    """Why ``code`` cannot be written: "" for a shipped language; for any other, what its
    folder lacks. ``root_too``: it is the profile's language, whose templates may also sit
    at the top of ``templates_dir`` (as English overrides always did)."""
    problem = code_problem(code)
    if problem:
        return [problem]
    if code in SHIPPED:
        return []
    folder = templates_dir / code
    lacking = [
        f"{n}.txt" for n in DRAFTS
        if not (folder / f"{n}.txt").is_file() and not (root_too and (templates_dir / f"{n}.txt").is_file())
    ]
    words_path = folder / WORDS_FILE
    if not words_path.is_file():
        lacking.append(WORDS_FILE)
    shipped = ", ".join(SHIPPED)
    if lacking:
        return [f"{code!r} is not shipped ({shipped}) and the folder {folder} lacks {', '.join(lacking)}"]
    return read_words(words_path)[1]


# --- the language an event is written in ------------------------------------------------

# Words that say, in a title or a description, which language it is in: a whole word of
# one language only ("Gespräch" in any compound: Vorstellungsgespräch, Telefongespräch).
_KEYWORDS = {
    "de": re.compile(r"\w*gespr(?:ä|ae)ch\w*|\bvorstellungstermin\w*"),
    "fr": re.compile(r"\bentretien\w*|\bentrevue\w*"),
    "es": re.compile(r"\bentrevista\w*"),
}
# Short common words, each of one language only (those two languages share, such as "de",
# "la", "le", "que", "un", "es", "son", are left out): counted in the text as a whole.
_COMMON = {
    "en": set("the and with for you your our we will this that are is be of to at please have would about from "
              "who which".split()),
    "de": set("der die das und mit für sie ihr ihre wir uns unser ist sind ein eine einen dem den nicht auf zu "
              "bitte über vom zum zur bei wird werden ich auch".split()),
    "fr": set("des et avec pour vous votre vos nous notre est sont une au aux dans sur pas qui je ce cette "
              "merci".split()),
    "es": set("el los las del y con para usted su sus nuestro nuestra una al por gracias muy está".split()),
}
MIN_COMMON = 4  # a description decides only with this many common words of one language ...
DOMINANCE = 3  # ... and this many times as many as of any other
_TEXT_LIMIT = 20_000  # characters of a description looked at (the start says enough)


def from_text(title: str, description: str) -> tuple[str, str]:
    """(code, why) when the event's own words clearly say its language, else ("", ""):
    a word such as "Vorstellungsgespräch" in the title, then in the description, then the
    common words of the two together."""
    title = unicodedata.normalize("NFC", title[:_TEXT_LIMIT]).casefold()
    description = unicodedata.normalize("NFC", description[:_TEXT_LIMIT]).casefold()
    for place, text in (("the title", title), ("the description", description)):
        found = {code: m.group(0) for code, rx in _KEYWORDS.items() if (m := rx.search(text))}
        if len(found) == 1:
            ((code, word),) = found.items()
            return code, f"{place} says {word!r}"
    tokens = re.findall(r"[^\W\d_]+", f"{title} {description}")
    counts = sorted(((sum(t in common for t in tokens), code) for code, common in _COMMON.items()), reverse=True)
    (best, code), (second, _) = counts[0], counts[1]
    if best >= MIN_COMMON and best >= DOMINANCE * second:
        return code, f"the event's text is in {NAMES[code]} ({best} common {NAMES[code]} words, {second} of any other)"
    return "", ""
