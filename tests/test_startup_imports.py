"""Start-up stays quick (issue 17, item 4): `--version` and loading the configuration import
no provider library. What is imported is checked, not how long it takes (``bench/startup.py``
has the timings)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

HEAVY = ("icalendar", "recurring_ical_events", "imapclient", "googleapiclient", "caldav")


def imported_after(code: str) -> set[str]:
    program = (f"import sys\n{code}\n"
               "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-P", "-c", program], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    return set(out)


def test_version_imports_no_provider_library_nor_the_engine():
    loaded = imported_after(
        "from interview_followup.daemon.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "assert 'interview_followup.daemon.engine.reconcile' not in sys.modules"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_loading_the_example_configuration_imports_no_calendar_or_mail_library():
    loaded = imported_after(
        "from pathlib import Path\n"
        "from interview_followup.daemon.config import load\n"
        "load(Path('config.example.toml'))"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_version_line_is_argparse_s():
    out = subprocess.run([sys.executable, "-P", "-m", "interview_followup.daemon", "--config", "x.toml", "--version"],
                         cwd=REPO, capture_output=True, text=True)
    from interview_followup.daemon import __version__

    assert (out.returncode, out.stdout) == (0, f"interview-followup {__version__}\n")


# what ``status`` shows is read from the state: it needs neither the pass (the engine, the
# calendar detection, the mail rules and parsing) nor the network or calendar libraries; nor
# the installed packages' metadata (the built-in providers are found without their entry
# points), nor the email package (which importlib.metadata would bring)
NOT_FOR_STATUS = (
    "interview_followup.daemon.engine.reconcile",
    "interview_followup.daemon.engine.attention",
    "interview_followup.daemon.calendar.detection",
    "interview_followup.daemon.calendar.ical",
    "interview_followup.daemon.mail.classify",
    "interview_followup.daemon.mail.replies",
    "interview_followup.daemon.mail.automatic",
    "interview_followup.daemon.mail.promise",
    "interview_followup.daemon.mail.parse",
    "http.client",
    "urllib.request",
    "importlib.metadata",
    "email",
    "email.message",
    "email.utils",
    "ssl",
    *HEAVY,
)


def test_status_on_the_example_imports_neither_the_pass_nor_the_mail_rules(tmp_path):
    import shutil

    shutil.copy(REPO / "config.example.toml", tmp_path)
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    cli = [sys.executable, "-P", "-m", "interview_followup.daemon", "--config", "config.example.toml",
           "--now", "2026-11-20T18:00:00+01:00"]
    subprocess.run([*cli, "--commit", "once"], cwd=tmp_path, capture_output=True, check=True)  # a state to show
    program = ("import sys\nfrom interview_followup.daemon.cli.main import main\n"
               "sys.argv = ['interview-followup', '--config', 'config.example.toml',"
               " '--now', '2026-11-20T18:00:00+01:00', 'status']\n"
               "assert main() == 0\n"
               "print('MODULES', ' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-P", "-c", program], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout
    assert "Applications" in out, out
    loaded = set(out.rpartition("MODULES ")[2].split())
    wrong = sorted(m for m in loaded if m in NOT_FOR_STATUS or m.split(".")[0] in HEAVY)
    assert not wrong, wrong


def test_the_command_runs_without_the_garbage_collector_only_when_it_is_short(tmp_path):
    """``entry`` keeps the cyclic collector off while the command starts: a short command
    ends without it; a pass turns it back on (a long run must not pile up cycles)."""
    import shutil

    shutil.copy(REPO / "config.example.toml", tmp_path)
    shutil.copytree(REPO / "examples", tmp_path / "examples")

    def collector_on_after(*args: str) -> bool:
        program = ("import gc, sys\nfrom interview_followup.daemon.cli.main import entry\n"
                   f"sys.argv = ['interview-followup', '--config', 'config.example.toml', *{list(args)!r}]\n"
                   "code = entry()\n"
                   "print('COLLECTOR', gc.isenabled(), code)")
        out = subprocess.run([sys.executable, "-P", "-c", program], cwd=tmp_path, capture_output=True, text=True,
                             check=True).stdout
        on, code = out.rpartition("COLLECTOR ")[2].split()
        assert code == "0", out
        return on == "True"

    assert collector_on_after("--now", "2026-11-20T18:00:00+01:00", "--commit", "once")
    assert not collector_on_after("--now", "2026-11-20T18:00:00+01:00", "status")


def test_the_built_in_providers_are_the_ones_pyproject_registers():
    """``providers.BUILT_IN`` finds a built-in kind without reading the entry points: it
    must name what the entry points name, no more, no less."""
    import tomllib

    from interview_followup.daemon.providers import BUILT_IN, GROUPS

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    registered = {role: project["entry-points"][group] for role, group in GROUPS.items()}
    assert BUILT_IN == registered


def test_an_unknown_kind_still_reads_the_entry_points(monkeypatch):
    from interview_followup.daemon import providers

    class Point:
        name = "elsewhere"

        def load(self):
            return Point

    class Points:
        def select(self, group):
            return [Point()] if group == providers.GROUPS["calendar"] else []

    monkeypatch.setattr(providers, "_entry_points", lambda: Points())
    monkeypatch.setattr(providers._entry_points, "cache_clear", lambda: None, raising=False)
    assert providers.provider_class("calendar", "elsewhere") is Point
    assert providers.provider_class("calendar", "nowhere") is None
    assert "elsewhere" in providers.known_kinds("calendar") and "ics" in providers.known_kinds("calendar")


def test_the_commands_listed_for_a_quick_start_are_the_parser_s():
    from interview_followup.daemon.cli.main import COMMANDS, build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert tuple(sub.choices) == COMMANDS


@pytest.mark.parametrize("argv", [
    ["status"], ["--config", "c.toml", "--now", "2026-11-20T18:00+01:00", "status", "acme", "--all", "--json"],
    ["--config=c.toml", "-v", "--commit", "once", "--dry-run"], ["run", "--dry-run"],
    ["debrief", "acme", "--note", "a", "--note", "b", "--clear", "notes", "--answer-by", "2026-12-01"],
    ["close", "acme", "--outcome", "offer", "--note", "n"], ["snooze", "acme", "followup", "--until", "2026-12-01"],
    ["reopen", "acme"], ["skip", "acme", "thank-you"], ["track", "uid"], ["ignore", "uid"], ["history", "a", "--json"],
    ["board", "--output", "b.html", "--open"], ["doctor"], ["init"], ["install-service", "--no-sandbox", "--print"],
    ["uninstall-service", "--dry-run"], ["config", "check"], ["completion", "fish"],
])
def test_a_command_s_own_parser_reads_it_as_the_whole_one_does(argv):
    """``parse_args`` builds only the parser of the command named (``command_named``)."""
    from interview_followup.daemon.cli.main import build_parser, command_named

    only = command_named(argv)
    assert only is not None
    assert build_parser(only=only).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [
    [], ["--help"], ["-h", "status"], ["--conf", "c.toml", "status"], ["--config", "-c.toml", "status"],
    ["--", "status"], ["-vv", "status"], ["stat"], ["--now"], ["--config", "c.toml"], ["acme", "status"],
])
def test_the_whole_parser_reads_what_is_not_plain(argv):
    from interview_followup.daemon.cli.main import command_named

    assert command_named(argv) is None


@pytest.mark.parametrize("argv", [["status", "--bogus"], ["status", "-h"], ["close", "acme"],
                                  ["snooze", "acme", "--until", "tomorrow"], ["config"], ["completion", "tcsh"]])
def test_a_command_s_own_parser_says_what_the_whole_one_says(argv, capsys):
    from interview_followup.daemon.cli.main import build_parser, command_named

    said = []
    for parser in (build_parser(only=command_named(argv)), build_parser()):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        out = capsys.readouterr()
        said.append((exit_.value.code, out.out, out.err))
    assert said[0] == said[1]
