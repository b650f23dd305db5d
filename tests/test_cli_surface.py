"""The command line's surface: shell completion and the man page (both generated from the
parser), the examples and exit statuses in ``--help``, and ``config check``.

The shells and ``man`` run for real: bash always; zsh, fish and man-db where installed
(tests/run.sh installs them as root; with CI set a missing one fails instead of skipping).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from conftest import CONFIG, PROFILE, REPO, config
from interview_followup.daemon import config as cfg
from interview_followup.daemon.cli import config_check, manpage
from interview_followup.daemon.cli.completion import script, walk
from interview_followup.daemon.cli.help_text import EXAMPLES, EXIT_STATUSES
from interview_followup.daemon.cli.main import build_parser, main
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.providers import provider_class
from servers.fixtures import in_ci

PROG = "interview-followup"
PAGE = REPO / "daemon" / "cli" / "interview-followup.1"
REGENERATE = "python -m interview_followup.daemon.cli.manpage > daemon/cli/interview-followup.1"
ENV = {**os.environ, "LC_ALL": "C.UTF-8"}


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is missing (apt-get install {package}; tests/run.sh does it as root)"
    if in_ci():
        pytest.fail(message + " (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(message)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, a usage error
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def visible_commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The commands ``--help`` lists, read off the parser (not a list kept here)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: sub.choices[a.dest] for a in sub._choices_actions}


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    """Each shell's script as the installed command prints it."""
    folder = tmp_path_factory.mktemp("completion")
    out = {}
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run([sys.executable, "-m", "interview_followup.daemon", "completion", shell],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr, done.stderr
        out[shell] = folder / f"{PROG}.{shell}"
        out[shell].write_text(done.stdout)
    return out


# --- bash -------------------------------------------------------------------------------------


def bash_complete(script_file: Path, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash offers for the command line ``words`` (the last one being completed)."""
    line = shlex.join([PROG, *words])
    program = (
        f"source {shlex.quote(str(script_file))}\n"
        f"fn=$(complete -p {PROG} | sed -E 's/.*-F ([^ ]+) .*/\\1/')\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in (PROG, *words))})\n"
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
        '"$fn" && printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          cwd=cwd, env=ENV, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_the_bash_script_loads_cleanly_and_registers_the_command():
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c",
         f'source <("$PY" -m interview_followup.daemon completion bash); complete -p {PROG}'],
        capture_output=True, text=True, env={**ENV, "PY": sys.executable}, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not done.stderr
    assert re.fullmatch(rf"complete -F \S+ {PROG}\n", done.stdout), done.stdout


def test_bash_completes_every_command_of_the_parser(scripts):
    offered = bash_complete(scripts["bash"], "")
    assert {"once", "status", "debrief", "config", "completion"} <= set(offered)
    assert set(offered) == set(visible_commands(build_parser()))
    assert bash_complete(scripts["bash"], "st") == ["status"]
    assert bash_complete(scripts["bash"], "-v", "--now", "2026-11-20T17:00", "on") == ["once"]


def test_bash_completes_options_subcommands_and_values(scripts, tmp_path):
    b = scripts["bash"]
    assert bash_complete(b, "once", "--") == ["--help", "--dry-run"]
    assert bash_complete(b, "once", "") == ["-h", "--help", "--dry-run"]  # nothing else to give there
    assert set(bash_complete(b, "--")) == {"--help", "--version", "--config", "--now", "--commit", "--verbose"}
    assert set(bash_complete(b, "install-service", "--")) >= {"--print", "--dry-run", "--sandbox", "--no-sandbox"}
    assert bash_complete(b, "debrief", "acme", "--a") == ["--answer-by", "--asked-about"]
    assert bash_complete(b, "debrief", "") == []  # a loop id: nothing to guess
    assert bash_complete(b, "config", "") == ["check"]
    assert bash_complete(b, "config", "check", "--") == ["--help"]
    assert bash_complete(b, "completion", "") == ["bash", "zsh", "fish"]
    assert bash_complete(b, "--now", "") == []  # a moment: free text


def test_bash_completes_file_names_for_config(scripts, tmp_path):
    (tmp_path / "my config.toml").write_text("")
    (tmp_path / "other.toml").write_text("")
    assert bash_complete(scripts["bash"], "--config", "my", cwd=tmp_path) == ["my config.toml"]
    assert bash_complete(scripts["bash"], "--config", "=", "oth", cwd=tmp_path) == ["other.toml"]  # --config=oth
    assert set(bash_complete(scripts["bash"], "--config", "", cwd=tmp_path)) == {"my config.toml", "other.toml"}
    assert bash_complete(scripts["bash"], "--config", "my config.toml", "sta", cwd=tmp_path) == ["status"]


def test_a_new_command_is_completed_without_touching_the_generator(tmp_path):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    new = sub.add_parser("frobnicate", help="a command added later")
    new.add_argument("--input", type=Path, help="a file")
    new.add_argument("--level", choices=("low", "high"))
    sub.add_parser("secret")  # no help: hidden in --help, hidden here
    file = tmp_path / "c.bash"
    file.write_text(script("bash", parser))
    assert "frobnicate" in bash_complete(file, "")
    assert "secret" not in bash_complete(file, "")
    assert bash_complete(file, "frob") == ["frobnicate"]
    assert set(bash_complete(file, "frobnicate", "--")) == {"--help", "--input", "--level"}
    assert bash_complete(file, "frobnicate", "--level", "") == ["low", "high"]
    assert "frobnicate" in manpage.render(parser)


# --- zsh and fish -----------------------------------------------------------------------------


def test_the_zsh_script_parses_and_registers_with_compinit(scripts, tmp_path):
    zsh = tool("zsh", "zsh")
    done = subprocess.run([zsh, "-n", str(scripts["zsh"])], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    program = (f"autoload -Uz compinit; compinit -u -d {tmp_path}/zcompdump; "
               f"source <(cat {shlex.quote(str(scripts['zsh']))}); print -r -- $_comps[{PROG}]")
    done = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert done.stdout.strip().startswith("_")


def zsh_complete(zsh: str, script_file: Path, *words: str) -> list[str]:
    """What the zsh function offers, with zsh's completion builtins replaced by ones that
    print what they are given (the function itself runs as in a completion widget)."""
    stubs = ('compdef() { :; }; _describe() { local -a a; a=("${(@P)4}"); print -rl -- "${a[@]%%:*}"; }; '
             'compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; _files() { print -r -- "<files>"; }; '
             "_message() { :; }; compset() { :; }")
    program = (f"{stubs}; source {shlex.quote(str(script_file))}; "
               f"words=({' '.join(shlex.quote(w) for w in (PROG, *words))}); CURRENT=$#words; "
               f"fn=$_comps[{PROG}]; fn=${{fn:-_interview_followup}}; $fn")
    done = subprocess.run([zsh, "-f", "-c", program], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_zsh_completes_commands_options_and_files(scripts):
    zsh = tool("zsh", "zsh")
    z = scripts["zsh"]
    assert set(zsh_complete(zsh, z, "")) == set(visible_commands(build_parser()))
    assert zsh_complete(zsh, z, "config", "") == ["check"]
    assert "--dry-run" in zsh_complete(zsh, z, "once", "--")
    assert zsh_complete(zsh, z, "--config", "") == ["<files>"]
    assert zsh_complete(zsh, z, "--config=x") == ["<files>"]
    assert zsh_complete(zsh, z, "completion", "") == ["bash", "zsh", "fish"]


def test_the_fish_script_parses_and_completes(scripts, tmp_path):
    fish = tool("fish", "fish")
    done = subprocess.run([fish, "--no-execute", str(scripts["fish"])], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    (tmp_path / "mine.toml").write_text("")

    def offered(line: str) -> list[str]:
        program = f"source {shlex.quote(str(scripts['fish']))}; complete -C {shlex.quote(line)}"
        done = subprocess.run([fish, "--no-config", "-c", program], capture_output=True, text=True,
                              cwd=tmp_path, env={**ENV, "HOME": str(tmp_path)}, timeout=60)
        assert done.returncode == 0 and not done.stderr, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert set(offered(f"{PROG} ")) == set(visible_commands(build_parser()))
    assert offered(f"{PROG} config ") == ["check"]
    assert "--dry-run" in offered(f"{PROG} once --")
    assert offered(f"{PROG} --config mi") == ["mine.toml"]
    assert sorted(offered(f"{PROG} completion ")) == ["bash", "fish", "zsh"]
    assert offered(f"{PROG} -v --now 2026-11-20T17:00 sta") == ["status"]


def test_an_unknown_shell_is_a_usage_error():
    code, out, err = run(["completion", "tcsh"])
    assert code == 2 and not out and "bash" in err


# --- the man page -----------------------------------------------------------------------------


def test_the_committed_man_page_is_what_the_parser_makes_now():
    done = subprocess.run([sys.executable, "-m", "interview_followup.daemon.cli.manpage"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "INTERVIEW_FOLLOWUP_CONFIG": "/elsewhere.toml"})
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert PAGE.read_text(encoding="utf-8") == done.stdout, (
        f"{PAGE.relative_to(REPO)} is out of date with the command line; regenerate it with:\n  {REGENERATE}")


def test_the_man_page_renders_without_a_warning():
    man = tool("man", "man-db")
    done = subprocess.run([man, "-l", "--warnings", str(PAGE)], capture_output=True, text=True, timeout=60,
                          env={**ENV, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    text = done.stdout
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS", "FILES",
                    "EXAMPLES", "SEE ALSO"):
        assert re.search(rf"^{section}$", text, re.M), section
    groff = tool("groff", "groff-base")
    done = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", str(PAGE)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == ""


def test_the_man_page_has_every_command_option_and_exit_status():
    page = manpage.render(build_parser(config_default="~/.config/interview-followup/config.toml"))
    plain = page.replace("\\-", "-")
    tree = walk(build_parser())
    for cmd in tree.all()[1:]:
        if cmd.subcommands:
            continue
        assert f".SS {' '.join(cmd.path)}" in plain, cmd.path
        for option in cmd.options:
            for flag in option.flags:
                assert f"\\fB{flag}\\fR" in plain, (cmd.path, flag)
    for status, _ in EXIT_STATUSES:
        assert f"\\fB{status}\\fR" in plain
    assert "/root" not in page and str(Path.home()) not in page  # the machine's own paths stay out


def test_the_man_page_ships_in_the_wheel():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    assert "interview-followup.1" in setuptools["package-data"]["interview_followup.daemon.cli"]
    assert setuptools["data-files"]["share/man/man1"] == ["daemon/cli/interview-followup.1"]


# --- --help -----------------------------------------------------------------------------------


def test_help_shows_examples_and_exit_statuses():
    code, out, _ = run(["--help"])
    assert code == 0
    assert "examples:" in out and "exit statuses:" in out
    for status, meaning in EXIT_STATUSES:
        assert re.search(rf"^  {status}\s+{re.escape(meaning)}$", out, re.M)
    for command in ("init", "once --dry-run", "status", "debrief", "install-service", "completion bash"):
        assert f"{PROG} {command}" in out, command
    assert 4 <= len(EXAMPLES) <= 6
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("example", [c for c, _ in EXAMPLES])
def test_every_example_is_a_valid_command_line(example):
    words = shlex.split(re.search(rf"{PROG}[^)]*", example).group(0))
    build_parser().parse_args(words[1:])  # SystemExit (a usage error) fails the test


def test_version_loads_none_of_the_generators():
    program = ("import sys\nfrom interview_followup.daemon.cli.main import main\n"
               "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
               "print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in "
               "('completion', 'manpage', 'config_check')))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("[]"), done.stdout


# --- config check -----------------------------------------------------------------------------


def every_key(text: str) -> set[str]:
    data = tomllib.loads(text)
    return {f"{table}.{key}" for table, keys in data.items() for key in keys}


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_prints_every_key_with_defaults_and_resolved_paths(tmp_path):
    path = write(tmp_path / "conf", CONFIG)
    code, out, err = run(["--config", str(path), "config", "check"])
    assert code == 0, err
    data = tomllib.loads(out)
    expected = set(schema.field_names(cfg._File))
    for role in cfg.PROVIDER_DEFAULTS:
        settings = provider_class(role, data[role]["kind"]).Settings
        expected |= {f"{role}.{k}" for k in schema.field_names(settings)} | {f"{role}.kind"}
    unset = {f"{table}.{m[1]}" for table, m in _comments(out)}  # keys with no value (None), shown as comments
    assert every_key(out) | unset == expected
    assert data["timing"]["followup_days_large"] == 8  # a default, not in the file
    assert data["timing"]["morning"] == "09:00"
    assert data["state"]["dir"] == str(tmp_path / "conf" / "state")
    assert data["calendar"]["path"] == str(tmp_path / "conf" / "calendar.ics")
    assert data["drafts"]["templates_dir"] == str(tmp_path / "conf" / "templates")
    assert data["mailbox"] == {"kind": "maildir", "path": str(tmp_path / "conf" / "Mail"), "inbox": "INBOX",
                               "drafts": "Drafts", "sent": "Sent"}


def _comments(text: str):
    table = ""
    for line in text.splitlines():
        if line.startswith("["):
            table = line.strip("[]")
        m = re.match(r"# (\w+): not set", line)
        if m:
            yield table, m


def test_what_config_check_prints_loads_back_to_the_same_configuration(tmp_path):
    original = cfg.load(write(tmp_path / "a", CONFIG))
    code, out, err = run(["--config", str(original.path), "config", "check"])
    assert code == 0, err
    again = cfg.load(write(tmp_path / "b" / "elsewhere", out))  # another folder: the paths are absolute
    assert again.drafts.templates_dir == again.templates_dir == original.templates_dir  # now written out
    assert dataclasses.replace(again, path=original.path, calendar=original.calendar, mailbox=original.mailbox,
                               reminders=original.reminders, drafts=original.drafts) == original
    assert dataclasses.replace(again.drafts, templates_dir=None) == original.drafts
    for role in cfg.PROVIDER_DEFAULTS:
        a, b = getattr(original, role), getattr(again, role)
        assert a.kind == b.kind
        for f in dataclasses.fields(a.settings):
            va, vb = getattr(a.settings, f.name), getattr(b.settings, f.name)
            assert (original.base_dir / va if isinstance(va, Path) else va) == vb, (role, f.name)
    code, out2, _ = run(["--config", str(again.path), "config", "check"])
    assert code == 0 and out2.split("\n", 2)[2] == out.split("\n", 2)[2]  # but for the file named in the header


def test_config_check_hides_secrets_and_shows_where_they_come_from(tmp_path):
    text = config(
        calendar='kind = "ics"\nurl = "https://calendar.example.org/private-s3cr3tT0ken/basic.ics"\n',
        mailbox='kind = "imap"\nhost = "imap.example.org"\nusername = "alex"\npassword_command = "pass show imap"\n',
        reminders='kind = "caldav"\nurl = "https://dav.example.org/"\nusername = "alex"\npassword_env = "DAV_PW"\n',
    )
    path = write(tmp_path, text)
    code, out, err = run(["--config", str(path), "config", "check"])
    assert code == 0, err
    assert "s3cr3tT0ken" not in out
    data = tomllib.loads(out)
    assert data["calendar"]["url"] == config_check.HIDDEN
    assert data["mailbox"]["password_command"] == "pass show imap"
    assert data["reminders"]["password_env"] == "DAV_PW"
    assert data["reminders"]["url"] == "https://dav.example.org/"  # a server's address is no secret
    data["calendar"]["url"] = "https://calendar.example.org/private-s3cr3tT0ken/basic.ics"  # put back, it validates
    assert cfg.from_dict(data, path).calendar.settings.url.endswith("basic.ics")


def test_a_key_naming_a_secret_is_hidden_and_a_pointer_to_one_is_not():
    @dataclasses.dataclass(frozen=True)
    class Settings:
        password: str = "hunter2"
        api_token: str = "abc"
        client_secret: str = "xyz"
        password_command: str = "pass show x"
        password_env: str = "PW"
        token_file: Path = Path("token.json")
        address: str = dataclasses.field(default="https://x.example/s3cret", repr=False)
        empty_password: str = ""

    lines = config_check._table(Settings(), Path("/base"), "t")
    data = tomllib.loads("\n".join(lines))
    assert data == {"password": "[hidden]", "api_token": "[hidden]", "client_secret": "[hidden]",
                    "password_command": "pass show x", "password_env": "PW", "token_file": "/base/token.json",
                    "address": "[hidden]", "empty_password": ""}


def test_config_check_writes_any_string_as_valid_toml(tmp_path):
    odd = 'Zoë "the" \\ O\'Brien\ttab \u0001 \u007f ✓'
    path = write(tmp_path, PROFILE.replace('fit = "', f'phone = {config_check._string(odd)}\nfit = "')
                 + '\n[calendar]\npath = "c.ics"\n')
    code, out, err = run(["--config", str(path), "config", "check"])
    assert code == 0, err
    assert tomllib.loads(out)["profile"]["phone"] == odd


def test_config_check_reports_every_problem_with_its_key_and_exit_status_2(tmp_path):
    path = write(tmp_path, CONFIG.replace('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"\nemial = "x"')
                 + '\n[timing]\nmorning = "nine"\n')
    code, out, err = run(["--config", str(path), "config", "check"])
    assert code == 2
    assert out == ""
    for key in ("profile.timezone", "profile.emial", "timing.morning"):
        assert f"'{key}'" in err, key


def test_config_check_stays_offline(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("config check went to the network or opened a provider")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr("interview_followup.daemon.providers.open_providers", refuse)
    text = config(
        calendar='kind = "caldav"\nurl = "https://dav.example.org/"\nusername = "alex"\npassword_command = "false"\n',
        mailbox='kind = "imap"\nhost = "imap.example.org"\nusername = "alex"\npassword_command = "false"\n',
        reminders='kind = "google"\n',
    )
    code, out, err = run(["--config", str(write(tmp_path, text)), "config", "check"])
    assert code == 0, err
    assert tomllib.loads(out)["reminders"]["kind"] == "google"


def test_config_needs_an_action():
    code, out, err = run(["config"])
    assert code == 2 and "ACTION" in err and not out
