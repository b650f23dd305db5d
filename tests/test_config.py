"""The configuration: one typed object, every problem reported with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import CONFIG, REPO, WHO, World
from interview_followup.daemon.cli.main import main
from interview_followup.daemon import config as cfg
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import ConfigError
from interview_followup.daemon.providers import known_kinds, provider_class


def test_the_example_config_is_valid_as_it_is():
    c = cfg.load(REPO / "config.example.toml")
    assert c.calendar.kind == "ics"
    assert c.profile.timezone == "Europe/Berlin"
    assert c.state_dir == REPO / "example-state"
    # a fictional person: the rule that a profile is needed has no exception for the example
    assert (c.profile.name, c.profile.email) == ("Alex Example", "alex@example.org")


def test_the_example_config_documents_every_key():
    text = (REPO / "config.example.toml").read_text()
    documented = set()
    section = ""
    for line in text.splitlines():
        stripped = line.lstrip("# ").strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]")
        elif "=" in stripped and section:
            documented.add(f"{section}.{stripped.split('=')[0].strip()}")
    expected = set(schema.field_names(cfg._File))
    for role in cfg.PROVIDER_DEFAULTS:
        for kind in known_kinds(role):  # every provider's keys, commented out or not
            expected |= {f"{role}.{k}" for k in schema.field_names(provider_class(role, kind).Settings)}
        expected.add(f"{role}.kind")
    missing = expected - documented
    assert not missing, f"keys not in config.example.toml: {sorted(missing)}"


def test_every_problem_is_reported_at_once_with_its_key(tmp_path):
    bad = """
[profile]
timezone = "Mars/Olympus"
emial = "typo@example.org"

[timing]
followup_days_small = "four"
morning = "nine"
followup_channel = "pigeon"

[calendar]
kind = "ics"
pth = "x.ics"
"""
    path = tmp_path / "config.toml"
    path.write_text(bad)
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    msg = str(info.value)
    for key in ("profile.timezone", "profile.emial", "timing.followup_days_small", "timing.morning",
                "timing.followup_channel", "calendar.pth", "calendar.path"):
        assert f"'{key}'" in msg, key
    assert str(path) in msg


def test_an_unknown_provider_kind_names_the_kinds_available(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[mailbox]\nkind = "carrier-pigeon"\n[calendar]\npath = "c.ics"\n')
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert "mailbox.kind" in str(info.value) and "maildir" in str(info.value)


def test_a_missing_config_file_points_at_init(tmp_path):
    with pytest.raises(ConfigError) as info:
        cfg.load(tmp_path / "nope.toml")
    assert str(info.value) == (f"no configuration at {tmp_path / 'nope.toml'}: run `interview-followup init` "
                               "to write one, or pass --config FILE")


@pytest.mark.parametrize("command", [["once"], ["status"], ["run", "--dry-run"]])
def test_a_missing_config_file_is_exit_status_2_with_the_init_hint(tmp_path, capsys, command):
    assert main(["--config", str(tmp_path / "nope.toml"), *command]) == 2
    err = capsys.readouterr().err
    assert f"no configuration at {tmp_path / 'nope.toml'}: run `interview-followup init`" in err


def test_the_default_config_path_missing_points_at_init(capsys):
    assert main(["status"]) == 2  # $XDG_CONFIG_HOME is a fresh folder (conftest)
    assert f"no configuration at {cfg.default_config_path()}: run `interview-followup init`" in capsys.readouterr().err


@pytest.mark.parametrize("profile", ["", "[profile]\n", '[profile]\nname = ""\nemail = "  "\n'])
def test_a_config_without_a_name_and_email_points_at_init(tmp_path, profile):
    path = tmp_path / "config.toml"
    path.write_text(profile + '[calendar]\npath = "c.ics"\n')
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    problems = info.value.problems
    for key in ("name", "email"):
        assert f"At 'profile.{key}': missing — run `interview-followup init`, or set it in {path}" in problems


def test_a_config_with_a_name_and_email_needs_no_more_profile(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(WHO + '[calendar]\npath = "c.ics"\n')
    profile = cfg.load(path).profile
    assert (profile.name, profile.email, profile.timezone) == ("Alex Example", "alex@example.org", "UTC")


@pytest.mark.parametrize("email", ["alex", "alex@", "@example.org", "alex@example", "alex@@example.org",
                                   "alex @example.org", "Alex <alex@example.org>", "alex@example..org"])
def test_a_malformed_email_is_refused(tmp_path, email):
    path = tmp_path / "config.toml"
    path.write_text(f'[profile]\nname = "Alex"\nemail = "{email}"\nother_emails = ["{email}"]\n'
                    '[calendar]\npath = "c.ics"\n')
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert [p.split(":")[0] for p in info.value.problems] == ["At 'profile.email'", "At 'profile.other_emails[0]'"]


@pytest.mark.parametrize("email", ["alex@example.org", "a.o'neil+jobs@mail.example.co.uk", "jörg@müller.example"])
def test_an_email_of_the_right_shape_is_taken(tmp_path, email):
    path = tmp_path / "config.toml"
    path.write_text(f'[profile]\nname = "Alex"\nemail = "{email}"\n[calendar]\npath = "c.ics"\n')
    assert cfg.load(path).profile.email == email


def test_a_name_on_several_lines_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profile]\nname = "Alex\\nBcc: x@example.org"\nemail = "alex@example.org"\n'
                    '[calendar]\npath = "c.ics"\n')
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert "'profile.name'" in str(info.value)


def test_doctor_fails_on_an_empty_profile_and_points_at_init(tmp_path, capsys):
    world = World(tmp_path, CONFIG.replace('name = "Alex Example"', 'name = ""'))
    r = world.cli("doctor")
    assert r.code == 1
    assert r.out.startswith("FAIL  config:")
    assert "profile.name': missing — run `interview-followup init`" in r.out


def test_doctor_names_who_the_drafts_are_from(tmp_path):
    world = World(tmp_path)
    r = world.cli("doctor")
    assert "ok    profile: drafts from Alex Example <alex@example.org>; time zone Europe/Berlin" in r.out


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[profile\nname=")
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert "not valid TOML" in str(info.value)


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    path.parent.mkdir()
    path.write_text(WHO + '[calendar]\npath = "c.ics"\n[state]\ndir = "st"\n')
    c = cfg.load(path)
    assert c.state_dir == tmp_path / "sub" / "st"
    assert c.templates_dir == tmp_path / "sub" / "templates"


def test_the_config_path_comes_from_the_environment_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv(cfg.ENV_CONFIG, str(tmp_path / "c.toml"))
    assert cfg.default_config_path() == tmp_path / "c.toml"
    monkeypatch.delenv(cfg.ENV_CONFIG)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert cfg.default_config_path() == tmp_path / "interview-followup" / "config.toml"


def test_state_goes_to_the_xdg_state_directory_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = tmp_path / "config.toml"
    path.write_text(WHO + '[calendar]\npath = "c.ics"\n')
    assert cfg.load(path).state_dir == tmp_path / "interview-followup"


def test_the_config_object_is_frozen(tmp_path):
    c = cfg.load(REPO / "config.example.toml")
    with pytest.raises(Exception):
        c.timing.poll_minutes = 1  # type: ignore[misc]
