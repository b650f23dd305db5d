"""``init`` asks, writes a configuration that validates, and runs sign-ins once."""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from interview_followup.daemon import config as cfg
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.cli.init import run_init, system_zone, to_toml
from interview_followup.integrations import google_api


ME = {"Your full name": "Alex Example", "Your email": "alex@example.org", "Your time zone": "Europe/Berlin"}


class Session:
    """What ``init`` asked and said in one run."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []  # (question, default offered)
        self.said: list[str] = []

    def defaults(self, start: str) -> list[str]:
        return [default for question, default in self.asked if question.startswith(start)]


def init(path: Path, answers: dict[str, str | list[str]], session: Session | None = None) -> Path:
    """``init`` answered from ``answers`` (by how a question starts; else its default). A
    list answers the same question again in turn (its last answer from then on)."""
    session = session or Session()
    times: Counter[str] = Counter()

    def ask(question: str, default: str) -> str:
        session.asked.append((question, default))
        times[question] += 1
        assert times[question] <= 10, f"asked again and again: {question}"
        for start, answer in answers.items():
            if question.startswith(start):
                if isinstance(answer, list):
                    return answer[min(times[question], len(answer)) - 1]
                return answer
        return default

    return run_init(path, ask, say=session.said.append)


def test_init_writes_a_valid_config_for_the_local_providers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = init(tmp_path / "config.toml", {**ME, "calendar.path": "calendar.ics"})
    config = cfg.load(path)
    assert (config.profile.name, config.profile.email) == ("Alex Example", "alex@example.org")
    assert config.calendar.kind == "ics" and config.mailbox.kind == "maildir"
    assert config.calendar.settings.path == tmp_path / "calendar.ics"  # an answer is read from here


# --- the profile -----------------------------------------------------------------------


def test_init_refuses_an_empty_name(tmp_path):
    session = Session()
    path = init(tmp_path / "config.toml", {**ME, "Your full name": ["", "  ", "Alex Example"],
                                           "calendar.path": "c.ics"}, session)
    assert len(session.defaults("Your full name")) == 3
    assert sum("name is needed" in line for line in session.said) == 2
    assert cfg.load(path).profile.name == "Alex Example"


@pytest.mark.parametrize("wrong", ["", "alex", "alex@", "@example.org", "alex@example", "alex@@example.org",
                                   "alex @example.org", "Alex <alex@example.org>"])
def test_init_refuses_an_empty_or_malformed_email(tmp_path, wrong):
    session = Session()
    path = init(tmp_path / "config.toml", {**ME, "Your email": [wrong, "alex@example.org"],
                                           "calendar.path": "c.ics"}, session)
    assert len(session.defaults("Your email")) == 2
    complaint = session.said[1]  # after the greeting
    assert ("address is needed" if not wrong else "is not an email address") in complaint
    assert cfg.load(path).profile.email == "alex@example.org"


def test_init_offers_the_system_time_zone(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    session = Session()
    answers = {k: v for k, v in ME.items() if k != "Your time zone"}  # Enter: the default
    path = init(tmp_path / "config.toml", {**answers, "calendar.path": "c.ics"}, session)
    assert session.defaults("Your time zone") == ["Asia/Tokyo"]
    assert cfg.load(path).profile.timezone == "Asia/Tokyo"


def test_init_asks_again_for_a_time_zone_it_does_not_know(tmp_path):
    session = Session()
    path = init(tmp_path / "config.toml", {**ME, "Your time zone": ["Mars/Olympus", "Europe/Paris"],
                                           "calendar.path": "c.ics"}, session)
    assert any("'Mars/Olympus' is not a time zone" in line for line in session.said)
    assert cfg.load(path).profile.timezone == "Europe/Paris"


def test_the_system_time_zone_comes_from_tz_first(tmp_path):
    nothing = {"localtime": tmp_path / "no-localtime", "timezone_file": tmp_path / "no-timezone"}
    assert system_zone({"TZ": "America/Chicago"}, **nothing) == "America/Chicago"
    assert system_zone({"TZ": ":Europe/Paris"}, **nothing) == "Europe/Paris"
    assert system_zone({"TZ": "/usr/share/zoneinfo/Asia/Tokyo"}, **nothing) == "Asia/Tokyo"


def test_the_system_time_zone_comes_from_the_localtime_link_then_etc_timezone(tmp_path):
    localtime = tmp_path / "localtime"
    localtime.symlink_to("/usr/share/zoneinfo/America/New_York")  # read as a link: it need not exist
    timezone_file = tmp_path / "timezone"
    timezone_file.write_text("Europe/Rome\n")
    assert system_zone({}, localtime, timezone_file) == "America/New_York"
    assert system_zone({"TZ": "Nowhere/Atlantis"}, localtime, timezone_file) == "America/New_York"
    localtime.unlink()
    assert system_zone({}, localtime, timezone_file) == "Europe/Rome"


def test_the_system_time_zone_is_utc_only_when_nothing_names_one(tmp_path):
    localtime = tmp_path / "localtime"
    localtime.write_text("TZif...")  # a copy, not a link: it names no zone
    assert system_zone({}, localtime, tmp_path / "no-timezone") == "UTC"
    assert system_zone({"TZ": "CET-1CEST,M3.5.0,M10.5.0/3"}, tmp_path / "none", tmp_path / "none") == "UTC"


# --- where things go -------------------------------------------------------------------


def test_init_keeps_created_data_out_of_the_config_folder(private_home, monkeypatch):
    monkeypatch.setenv("HOME", str(private_home))
    path = cfg.default_config_path()  # under $XDG_CONFIG_HOME, as for a user
    init(path, {**ME, "calendar.path": str(private_home / "calendar.ics")})
    data = cfg.default_data_dir()
    config = cfg.load(path)
    assert config.mailbox.settings.path == data / "Mail"  # a new Maildir: no ~/Maildir here
    assert config.reminders.settings.path == data / "reminders.ics"
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]
    assert not data.is_relative_to(path.parent)


def test_init_writes_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = init(tmp_path / "conf" / "config.toml", {**ME, "calendar.path": "~/calendar.ics",
                                                    "mailbox.path": "mail", "reminders.path": "r.ics"})
    raw = tomllib.loads(path.read_text())
    written = [raw["calendar"]["path"], raw["mailbox"]["path"], raw["reminders"]["path"]]
    assert all(os.path.isabs(p) for p in written), written
    assert written == [str(Path.home() / "calendar.ics"), str(tmp_path / "mail"), str(tmp_path / "r.ics")]


@pytest.mark.parametrize("name", ["Maildir", "Mail"])
def test_init_offers_an_existing_maildir_in_home(tmp_path, monkeypatch, name):
    home = tmp_path / "home"
    for sub in ("cur", "new", "tmp"):
        (home / name / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    session = Session()
    path = init(tmp_path / "config.toml", {**ME, "calendar.path": "c.ics"}, session)
    assert session.defaults("mailbox.path") == [str(home / name)]
    assert "Maildir" in next(q for q, _ in session.asked if q.startswith("mailbox.path"))
    assert cfg.load(path).mailbox.settings.path == home / name


def test_init_offers_a_new_maildir_in_the_data_folder_when_home_has_none(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Mail").mkdir(parents=True)  # a folder of that name, but not a Maildir
    (home / "Mail" / "inbox.mbox").write_text("")
    monkeypatch.setenv("HOME", str(home))
    session = Session()
    init(tmp_path / "config.toml", {**ME, "calendar.path": "c.ics"}, session)
    assert session.defaults("mailbox.path") == [str(cfg.default_data_dir() / "Mail")]


def test_init_asks_the_imap_details_with_the_address_as_login(tmp_path):
    session = Session()
    path = init(tmp_path / "config.toml", {
        **ME, "calendar.path": "c.ics",
        "Where should drafts go": "imap",
        "mailbox.host": "imap.example.org",
        "mailbox.password_command": "pass show mail",
    }, session)
    assert session.defaults("mailbox.username") == ["alex@example.org"]
    settings = cfg.load(path).mailbox.settings
    assert (settings.host, settings.username, settings.password_command) == (
        "imap.example.org", "alex@example.org", "pass show mail")


def test_init_leaves_an_existing_config_alone_unless_told(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    with pytest.raises(NeedsUser):
        init(path, {})
    assert path.read_text() == "# mine\n"


def test_init_refuses_to_write_an_invalid_config(tmp_path):
    with pytest.raises(cfg.ConfigError):  # a calendar file and a calendar address: one or the other
        init(tmp_path / "config.toml", {**ME, "calendar.path": "c.ics", "calendar.url": "https://example.org/c.ics"})
    assert not (tmp_path / "config.toml").exists()
    assert list(tmp_path.iterdir()) == []


def test_values_with_quotes_are_written_as_valid_toml():
    import tomllib

    text = to_toml({"profile": {"fit": 'I "love" back\\ends'}})
    assert tomllib.loads(text)["profile"]["fit"] == 'I "love" back\\ends'


CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
OWN_CALENDAR = ["https://www.googleapis.com/auth/calendar.app.created",
                "https://www.googleapis.com/auth/calendar.calendarlist.readonly"]
TASKS = "https://www.googleapis.com/auth/tasks"


@pytest.fixture
def sign_ins(monkeypatch) -> list[list[str]]:
    """The scopes of each Google sign-in ``init`` starts (none really happens)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(google_api, "authorize",
                        lambda scopes, context, ask, say: calls.append(sorted(scopes)))
    return calls


def test_init_signs_in_once_for_all_the_google_providers_chosen(tmp_path, sign_ins):
    path = init(tmp_path / "config.toml", {
        **ME,
        "Where are your interviews": "google",
        "Where should reminders go": "google",
    })
    assert cfg.load(path).calendar.kind == "google"
    assert sign_ins == [[CALENDAR_EVENTS]]


@pytest.mark.parametrize("own_calendar", [False, True])
@pytest.mark.parametrize("tasks", [False, True])
def test_init_asks_the_scopes_the_reminder_settings_need(tmp_path, sign_ins, own_calendar, tasks):
    """calendar.events always; a calendar of its own also needs to be made and found again
    by name; Google Tasks only when tasks are on."""
    path = init(tmp_path / "config.toml", {
        **ME,
        "calendar.path": "calendar.ics",
        "Where should reminders go": "google",
        "reminders.create_calendar": "Interview follow-ups" if own_calendar else "",
        "reminders.tasks": "true" if tasks else "false",
    })
    settings = cfg.load(path).reminders.settings
    assert (settings.create_calendar, settings.tasks) == ("Interview follow-ups" if own_calendar else "", tasks)
    expected = [CALENDAR_EVENTS] + (OWN_CALENDAR if own_calendar else []) + ([TASKS] if tasks else [])
    assert sign_ins == [sorted(expected)]


def test_one_sign_in_covers_the_union_of_the_google_providers_scopes(tmp_path, sign_ins):
    init(tmp_path / "config.toml", {
        **ME,
        "Where are your interviews": "google",
        "Where should drafts go": "gmail",
        "Where should reminders go": "google",
        "reminders.tasks": "yes",
    })
    assert sign_ins == [sorted({CALENDAR_EVENTS, TASKS, *google_api.SCOPES["gmail"]})]
