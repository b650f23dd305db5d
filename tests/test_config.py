"""The configuration: one typed object, every problem reported with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import REPO
from interview_followup.daemon import config as cfg
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import ConfigError
from interview_followup.daemon.providers import known_kinds, provider_class


def test_the_example_config_is_valid_as_it_is():
    c = cfg.load(REPO / "config.example.toml")
    assert c.calendar.kind == "ics"
    assert c.profile.timezone == "Europe/Berlin"
    assert c.state_dir == REPO / "example-state"


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


def test_a_missing_config_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError) as info:
        cfg.load(tmp_path / "nope.toml")
    assert "config.example.toml" in str(info.value)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[profile\nname=")
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    assert "not valid TOML" in str(info.value)


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    path.parent.mkdir()
    path.write_text('[calendar]\npath = "c.ics"\n[state]\ndir = "st"\n')
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
    path.write_text('[calendar]\npath = "c.ics"\n')
    assert cfg.load(path).state_dir == tmp_path / "interview-followup"


def test_the_config_object_is_frozen(tmp_path):
    c = cfg.load(REPO / "config.example.toml")
    with pytest.raises(Exception):
        c.timing.poll_minutes = 1  # type: ignore[misc]
