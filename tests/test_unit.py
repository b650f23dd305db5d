"""``install-service`` / ``uninstall-service``: the systemd user unit written for this
install, checked by systemd's own ``systemd-analyze verify`` (any warning fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONFIG, REPO, World
from interview_followup.daemon.config import load
from interview_followup.daemon.service.unit import UNIT_NAME, quote, render, under_tmp, unit_for, writable_paths
from servers.fixtures import in_ci


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found:
        return found
    message = "systemd-analyze is missing (apt-get install systemd; tests/run.sh does it as root)"
    if in_ci():
        pytest.fail(message + " (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(message)


def verify(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    unit = folder / UNIT_NAME
    unit.write_text(text)
    runtime = tmp_path / "runtime"  # `--user` wants a runtime folder, even with no manager running
    runtime.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run([systemd_analyze(), "--user", "verify", str(unit)], capture_output=True, text=True,
                          env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, timeout=60)


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "no-user-namespaces"])
def test_the_unit_passes_systemd_analyze_verify_without_a_single_warning(world, tmp_path, sandbox):
    text = unit_for(load(world.config), sandbox=sandbox)
    done = verify(tmp_path, text)
    assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stderr + done.stdout
    for setting in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "UMask=0077", "NoNewPrivileges=yes",
                    "SystemCallFilter=@system-service"):
        assert setting in text
    assert ("ProtectSystem=strict" in text and "PrivateUsers=yes" in text) == sandbox


def test_a_private_tmp_is_left_out_when_the_service_needs_something_in_tmp(world):
    config = load(world.config)
    here = unit_for(config, sandbox=True, python="/opt/venv/bin/python")
    assert (str(world.root).startswith("/tmp/") or "/var/tmp/" in str(world.root)) == ("PrivateTmp=yes" not in here)
    # a configuration anywhere else, but the interpreter (a venv) in /tmp: left out too
    text = render(Path("/home/you/config.toml"), "/tmp/build/venv/bin/python", [Path("/home/you/state")], True,
                  in_tmp=under_tmp([Path("/tmp/build/venv/bin/python"), Path("/home/you/config.toml")]))
    assert "PrivateTmp=yes" not in text and "/tmp/build/venv/bin/python is in a temporary folder" in text
    assert under_tmp([Path("/home/you/tmp/x"), Path("/tmpfiles/y")]) is None
    assert under_tmp([Path("/var/tmp/x")]) == Path("/var/tmp/x")


def test_verify_does_catch_a_bad_setting(tmp_path):
    """The check above is worth something: an unknown key is reported on stderr."""
    done = verify(tmp_path, "[Service]\nType=notify\nExecStart=/bin/true\nWatchDogSec=5\n")
    assert "Unknown key" in done.stderr


def test_odd_paths_are_quoted_so_that_systemd_reads_them_back(tmp_path):
    root = tmp_path / "My Files 100% $HOME"
    w = World(root, CONFIG)
    config = load(w.config)
    text = unit_for(config, sandbox=True)
    done = verify(tmp_path, text)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert f'--config "{root}'.replace("%", "%%").replace("$", "$$") in text
    assert quote("/a b/c") == '"/a b/c"' and quote("/plain") == "/plain" and quote("50%") == "50%%"


def test_the_unit_runs_this_interpreter_with_the_configuration_pinned(world):
    config = load(world.config)
    text = unit_for(config, sandbox=True)
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert exec_start == f"ExecStart={sys.executable} -P -m interview_followup.daemon --config {world.config} run"
    rw = next(line for line in text.splitlines() if line.startswith("ReadWritePaths="))
    for path in (world.state_dir, world.maildir, world.root):  # state, Maildir, the reminders file's folder
        assert f"-{path}" in rw.split("=", 1)[1].split()
    assert config.data_dir in writable_paths(config)


def test_the_command_line_of_the_unit_ignores_a_daemon_folder_in_the_working_directory(world, tmp_path):
    decoy = tmp_path / "cwd" / "interview_followup" / "daemon"
    decoy.mkdir(parents=True)
    (decoy / "__main__.py").write_text("raise SystemExit('the wrong program ran')\n")
    done = subprocess.run([sys.executable, "-P", "-m", "interview_followup.daemon", "--config", str(world.config),
                           "--version"], cwd=decoy.parent.parent, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("interview-followup"), done.stderr


@pytest.fixture
def fake_systemctl(tmp_path, monkeypatch):
    """systemctl replaced by a script that records its arguments (no user manager here)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "systemctl-calls.txt"
    script = bin_dir / "systemctl"
    script.write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return calls


def test_install_service_writes_the_unit_reloads_enables_starts_and_tells_about_linger(world, fake_systemctl, tmp_path):
    r = world.cli("install-service", "--no-sandbox")
    assert r.code == 0, r.err
    unit = tmp_path / "xdg-config" / "systemd" / "user" / UNIT_NAME
    assert unit.read_text() == unit_for(load(world.config), sandbox=False)
    assert fake_systemctl.read_text().splitlines() == [
        "--user daemon-reload", f"--user enable {UNIT_NAME}", f"--user restart {UNIT_NAME}"]
    assert "loginctl enable-linger" in r.out and "journalctl --user -u interview-followup" in r.out

    r = world.cli("uninstall-service")
    assert r.code == 0, r.err
    assert not unit.exists()
    assert fake_systemctl.read_text().splitlines()[3:] == [f"--user disable --now {UNIT_NAME}", "--user daemon-reload"]


def test_print_shows_the_unit_and_the_commands_and_touches_nothing(world, fake_systemctl, tmp_path):
    r = world.cli("install-service", "--print")
    assert r.code == 0, r.err
    assert "[Service]" in r.out and "$ systemctl --user enable interview-followup.service" in r.out
    assert not fake_systemctl.exists() and not (tmp_path / "xdg-config").exists()
    r = world.cli("uninstall-service", "--dry-run")
    assert r.code == 0 and "$ systemctl --user disable --now interview-followup.service" in r.out
    assert not fake_systemctl.exists()


def test_a_broken_configuration_is_not_installed(world, fake_systemctl, tmp_path):
    world.config.write_text(world.config.read_text() + "\n[timing]\npoll_minutes = 0\n")
    r = world.cli("install-service")
    assert r.code == 2 and "timing.poll_minutes" in r.err
    assert not fake_systemctl.exists()


def test_without_a_user_manager_the_installer_says_what_to_do(world, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "systemctl").write_text("#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n")
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    r = world.cli("install-service")
    assert r.code == 1
    assert "Failed to connect to bus" in r.out and "hint:" in r.out


def test_the_sample_unit_in_the_repository_is_what_the_installer_writes():
    from interview_followup.daemon.service.unit import sample

    assert (REPO / "systemd" / UNIT_NAME).read_text() == sample()


def test_doctor_names_a_unit_left_by_an_older_version_and_install_service_rewrites_it(world, fake_systemctl, tmp_path):
    unit = tmp_path / "xdg-config" / "systemd" / "user" / UNIT_NAME
    unit.parent.mkdir(parents=True)
    old = unit_for(load(world.config), sandbox=False).replace("-m interview_followup.daemon ", "-m daemon ")
    unit.write_text(old)
    r = world.cli("doctor")
    assert "FAIL  service unit:" in r.out and "-m daemon" in r.out and "install-service" in r.out

    assert world.cli("install-service", "--no-sandbox").code == 0
    assert unit.read_text() == unit_for(load(world.config), sandbox=False)
    assert "service unit" not in world.cli("doctor").out
