"""The configuration: one typed, frozen object, built from TOML and validated once.

Every key is documented in ``config.example.toml`` with its default (a test keeps the two
in step). Unknown keys are errors. Secrets are never read from this file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interview_followup.daemon.common import languages
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import ConfigError, ConfigMissing
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.providers import known_kinds, provider_class
from interview_followup.daemon.common.textmatch import phrase_problem

ENV_CONFIG = "INTERVIEW_FOLLOWUP_CONFIG"
APP = "interview-followup"

DEFAULT_KEYWORDS = (
    "interview",
    "vorstellungsgespräch",
    "bewerbungsgespräch",
    "entretien",
    "entrevista",
    "colloquio",
    "sollicitatiegesprek",
    "intervista",
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@frozen
class Profile:
    """The user: how drafts are signed and which addresses are theirs ([profile])."""

    # name and email are required (checked in ``_check``, which says to run ``init``); the
    # empty defaults only let every missing key be reported at once.
    name: str = ""
    email: str = ""
    other_emails: tuple[str, ...] = ()
    phone: str = ""
    timezone: str = "UTC"
    fit: str = ""  # one or two sentences on why you fit the role, restated in the thank-you
    references: str = "I would be glad to put you in touch with references from my previous employers."
    links: tuple[str, ...] = ()  # portfolio, profile, ... checked and listed in the thank-you
    # the language of your own sentences (fit, references, your templates at the top of the
    # templates folder), of drafts when nothing else says, and of reminders
    language: str = "en"

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(e.lower() for e in (self.email, *self.other_emails) if e)


@frozen
class Detection:
    """Which calendar events are interviews, and how far back and ahead to look ([detection])."""

    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    tags: tuple[str, ...] = ("#interview",)
    all_day_end: time = time(17, 0)
    lookback_days: int = 30
    lookahead_days: int = 90


@frozen
class Companies:
    """What the user knows of employers: their size, agencies, a language per company ([companies])."""

    large: tuple[str, ...] = ()  # names or domains you know to be large employers
    small: tuple[str, ...] = ()  # names or domains to treat as small despite the shipped list
    unknown_size: Literal["small", "large"] = "small"
    free_mail_domains: tuple[str, ...] = ()  # added to the shipped list
    agencies: tuple[str, ...] = ()  # mail domains of recruiting agencies that write for employers
    # the language of drafts to a company, by its name or mail domain: {"Acme" = "de"}
    languages: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@frozen
class Timing:
    """When each step falls due and when the user is awake ([timing])."""

    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    morning: time = time(9, 0)
    # when the user is awake, "HH:MM-HH:MM" in their time zone: no step falls outside it
    waking_hours: str = "08:00-21:00"
    debrief_after_minutes: int = 0
    thank_you_after_minutes: int = 30
    thank_you_nudge_at: time = time(18, 0)  # on the day after the interview
    followup_days_small: int = 4
    followup_days_large: int = 8
    followup_channel: Literal["email", "phone"] = "email"
    extra_followups: int = 1  # gentle follow-ups after the first when no answer comes (0 to 3)
    followup_again_days: int = 7  # days after a follow-up you sent before the next one
    give_up_days: int = 14  # days after the last follow-up before the loop closes as "no response"
    decision_days: int = 7  # an offer: the time to decide you ask for, in days
    reminder_minutes: int = 15  # length of a reminder event
    alarm_minutes_before: int = 0
    poll_minutes: int = 5

    @property
    def waking(self) -> tuple[time, time]:
        """``waking_hours`` as (start, end): steps fall at or after start, before end."""
        return parse_waking_hours(self.waking_hours)


def parse_waking_hours(text: str) -> tuple[time, time]:
    """"08:00-21:00" -> (08:00, 21:00); ValueError with the reason when it is not that.
    An end of "24:00" is the end of the day (``time.max``): "00:00-24:00" has no night."""
    first, dash, second = str(text).partition("-")
    try:
        if not dash:
            raise ValueError
        start = time.fromisoformat(first.strip())
        end = time.max if second.strip() in ("24:00", "24:00:00") else time.fromisoformat(second.strip())
    except ValueError:
        raise ValueError(f"expected two times of day like \"08:00-21:00\", got {text!r}") from None
    if start.tzinfo or end.tzinfo:
        raise ValueError(f"times of day without a zone (the profile's time zone is used), got {text!r}")
    if not start < end:
        raise ValueError(f"the start must come before the end, got {text!r}")
    if (datetime.combine(date.min, end) - datetime.combine(date.min, start)) < timedelta(hours=4):
        raise ValueError(f"at least 4 waking hours are needed, got {text!r}")
    return start, end


@frozen
class Drafts:
    """How drafts are written: length, attachments, own templates, greetings ([drafts])."""

    max_words: int = 250
    attachments: tuple[Path, ...] = ()  # files attached to the thank-you (a CV, a portfolio)
    templates_dir: Path | None = None  # default: "templates" beside the config file
    # how the greeting names people: "Dear Jane," (given) or "Dear Jane Doe," (full, with any
    # title the calendar gives, "Dr. Jane Doe"): see daemon.loop.names
    greeting_names: Literal["given", "full"] = "given"


@frozen
class Replies:
    """Phrases added to the built-in reply rules (``daemon/data/reply_rules.toml``);
    ``ignore`` phrases are taken out of a reply before any rule is matched."""

    rejection: tuple[str, ...] = ()
    offer: tuple[str, ...] = ()
    next_round: tuple[str, ...] = ()
    info: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@frozen
class StateSettings:
    """Where the state lives ([state])."""

    dir: Path | None = None


@frozen
class ProviderConfig:
    """One provider's kind and its validated settings ([calendar], [mailbox], [reminders])."""

    kind: str
    settings: Any


@frozen
class Config:
    """The whole configuration, validated once by ``load``."""

    path: Path
    profile: Profile
    detection: Detection
    companies: Companies
    timing: Timing
    drafts: Drafts
    replies: Replies
    calendar: ProviderConfig
    mailbox: ProviderConfig
    reminders: ProviderConfig
    state_dir: Path
    data_dir: Path
    templates_dir: Path

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.profile.timezone)

    @property
    def base_dir(self) -> Path:
        return self.path.parent


@frozen
class _File:
    """The shape of the file itself; provider tables are checked by the provider's Settings."""

    profile: Profile = field(default_factory=Profile)
    detection: Detection = field(default_factory=Detection)
    companies: Companies = field(default_factory=Companies)
    timing: Timing = field(default_factory=Timing)
    drafts: Drafts = field(default_factory=Drafts)
    replies: Replies = field(default_factory=Replies)
    state: StateSettings = field(default_factory=StateSettings)


PROVIDER_DEFAULTS = {"calendar": "ics", "mailbox": "maildir", "reminders": "ics"}


def default_config_path() -> Path:
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP / "config.toml"


def default_state_dir() -> Path:
    if os.environ.get("STATE_DIRECTORY"):  # set by systemd's StateDirectory=
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP


def load(path: Path | None = None) -> Config:
    path = (path or default_config_path()).expanduser()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigMissing(str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return from_dict(raw, path)


def from_dict(raw: dict, path: Path) -> Config:
    path = path.absolute()
    problems: list[str] = []
    raw = dict(raw)
    provider_tables = {role: raw.pop(role, {}) for role in PROVIDER_DEFAULTS}
    base = schema.build(_File, raw, "", problems)
    providers = {
        role: _provider(role, table, problems) for role, table in provider_tables.items()
    }
    if base is None:
        raise ConfigError(str(path), problems)
    _check(base, path, problems)
    base_dir = path.parent
    templates = base.drafts.templates_dir
    templates_dir = _resolve(base_dir, templates) if templates else base_dir / "templates"
    _check_languages(base, templates_dir, problems)
    if problems:
        raise ConfigError(str(path), problems)
    state_dir = _resolve(base_dir, base.state.dir) if base.state.dir else default_state_dir()
    return Config(
        path=path,
        profile=base.profile,
        detection=base.detection,
        companies=base.companies,
        timing=base.timing,
        drafts=replace(base.drafts, attachments=tuple(_resolve(base_dir, a) for a in base.drafts.attachments)),
        replies=base.replies,
        calendar=providers["calendar"],
        mailbox=providers["mailbox"],
        reminders=providers["reminders"],
        state_dir=state_dir,
        data_dir=default_data_dir(),
        templates_dir=templates_dir,
    )


def _provider(role: str, table: Any, problems: list[str]) -> ProviderConfig:
    if not isinstance(table, dict):
        problems.append(f"At '{role}': expected a table")
        table = {}
    table = dict(table)
    kind = table.pop("kind", PROVIDER_DEFAULTS[role])
    cls = provider_class(role, kind) if isinstance(kind, str) else None
    if cls is None:
        kinds = ", ".join(known_kinds(role)) or "none installed"
        problems.append(f"At '{role}.kind': unknown kind {kind!r} (available: {kinds})")
        return ProviderConfig(kind=str(kind), settings=None)
    settings = schema.build(cls.Settings, table, role, problems)
    return ProviderConfig(kind=kind, settings=settings)


def email_problem(text: str) -> str:
    """Why ``text`` is not the shape of an email address (name@example.org), or ""."""
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain:
        return f"{text!r} is not an email address (like name@example.org)"
    if any(c.isspace() or not c.isprintable() or c in '<>(),;:"[]\\' for c in text):
        return f"{text!r} is not an email address: it holds a space or a character not allowed in one"
    labels = domain.split(".")
    if len(labels) < 2 or not all(label and all(c.isalnum() or c == "-" for c in label) for label in labels):
        return f"{text!r} is not an email address: {domain!r} is not a mail domain (like example.org)"
    return ""


def _check(base: _File, path: Path, problems: list[str]) -> None:
    for key in ("name", "email"):  # the sender of every draft, and how the user's own mail is known
        value = getattr(base.profile, key)
        if isinstance(value, str) and not value.strip():
            problems.append(
                f"At 'profile.{key}': missing — run `interview-followup init`, or set it in {path}"
            )
    name = base.profile.name
    if isinstance(name, str) and any(not c.isprintable() for c in name):
        problems.append("At 'profile.name': must be one line of printable characters")
    try:
        ZoneInfo(base.profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"At 'profile.timezone': unknown time zone {base.profile.timezone!r} "
            "(use an IANA name such as \"Europe/Berlin\")"
        )
    if isinstance(base.profile.email, str) and base.profile.email.strip():
        problem = email_problem(base.profile.email)
        if problem:
            problems.append(f"At 'profile.email': {problem}")
    for i, email in enumerate(base.profile.other_emails):
        problem = email_problem(email) if isinstance(email, str) else ""  # else reported already
        if problem:
            problems.append(f"At 'profile.other_emails[{i}]': {problem}")
    for day in base.timing.working_days:
        if day not in WEEKDAYS:
            problems.append(f"At 'timing.working_days': {day!r} is not one of {', '.join(WEEKDAYS)}")
    if not base.timing.working_days:
        problems.append("At 'timing.working_days': at least one working day is needed")
    positive = {
        "timing.followup_days_small": base.timing.followup_days_small,
        "timing.followup_days_large": base.timing.followup_days_large,
        "timing.poll_minutes": base.timing.poll_minutes,
        "timing.reminder_minutes": base.timing.reminder_minutes,
        "timing.followup_again_days": base.timing.followup_again_days,
        "timing.give_up_days": base.timing.give_up_days,
        "timing.decision_days": base.timing.decision_days,
        "drafts.max_words": base.drafts.max_words,
        "detection.lookback_days": base.detection.lookback_days,
        "detection.lookahead_days": base.detection.lookahead_days,
    }
    for key, value in positive.items():
        if isinstance(value, int) and value <= 0:
            problems.append(f"At '{key}': must be greater than 0, got {value}")
    for key in ("debrief_after_minutes", "thank_you_after_minutes", "alarm_minutes_before"):
        value = getattr(base.timing, key)
        if isinstance(value, int) and value < 0:
            problems.append(f"At 'timing.{key}': must not be negative, got {value}")
    if isinstance(base.timing.waking_hours, str):
        try:
            parse_waking_hours(base.timing.waking_hours)
        except ValueError as exc:
            problems.append(f"At 'timing.waking_hours': {exc}")
    if isinstance(base.timing.extra_followups, int) and not 0 <= base.timing.extra_followups <= 3:
        problems.append(f"At 'timing.extra_followups': must be between 0 and 3, got {base.timing.extra_followups}")
    for key in ("rejection", "offer", "next_round", "info", "ignore"):
        for i, phrase in enumerate(getattr(base.replies, key)):
            problem = phrase_problem(phrase) if isinstance(phrase, str) else ""  # else reported already
            if problem:
                problems.append(f"At 'replies.{key}[{i}]': {problem}")


def _check_languages(base: _File, templates_dir: Path, problems: list[str]) -> None:
    """Every language the configuration selects can be written: shipped, or a folder of
    the user's own in ``templates_dir`` with the drafts and words.toml."""
    own = base.profile.language
    selected = [("profile.language", own)] if isinstance(own, str) else []
    for company, code in base.companies.languages.items():
        key = schema.subkey("companies.languages", company)
        if not company.strip():
            problems.append(f"At '{key}': name a company or a mail domain")
        if isinstance(code, str):  # else reported already
            selected.append((key, code))
    for key, code in selected:
        for problem in languages.folder_problems(templates_dir, code, root_too=code == own):
            problems.append(f"At '{key}': {problem}")


def _resolve(base_dir: Path, p: Path) -> Path:
    return p if p.is_absolute() else base_dir / p

