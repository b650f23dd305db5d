"""``init`` asks, writes a configuration that validates, and runs sign-ins once."""

from __future__ import annotations

from pathlib import Path

import pytest

from interview_followup.daemon import config as cfg
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.cli.init import run_init, to_toml
from interview_followup.integrations import google_api


ME = {"Your email": "alex@example.org", "Your time zone": "Europe/Berlin"}


def init(path: Path, answers: dict[str, str]) -> Path:
    """``init`` answered from ``answers`` (by how a question starts; else its default)."""

    def ask(question: str, default: str) -> str:
        for start, answer in answers.items():
            if question.startswith(start):
                return answer
        return default

    return run_init(path, ask, say=lambda _: None)


def test_init_writes_a_valid_config_for_the_local_providers(tmp_path):
    path = init(tmp_path / "config.toml", {
        "Your full name": "Alex Example",
        **ME,
        "calendar.path": "calendar.ics",
    })
    config = cfg.load(path)
    assert config.profile.name == "Alex Example"
    assert config.calendar.kind == "ics" and config.mailbox.kind == "maildir"
    assert str(config.calendar.settings.path) == "calendar.ics"


def test_init_leaves_an_existing_config_alone_unless_told(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    with pytest.raises(NeedsUser):
        init(path, {})
    assert path.read_text() == "# mine\n"


def test_init_refuses_to_write_an_invalid_config(tmp_path):
    with pytest.raises(cfg.ConfigError):
        init(tmp_path / "config.toml", {"Your time zone": "Mars/Olympus", "calendar.path": "c.ics"})
    assert not (tmp_path / "config.toml").exists()


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
