"""The unit that ``install-service`` writes, run by a real systemd: a user manager (user@0)
under a systemd that is PID 1 of namespaces of its own on a throw-away root
(``tests/systemd_world``). The example configuration (README "Try it") is the user's.

One systemd for the module (it takes about a second to boot). Needs root with CAP_SYS_ADMIN
in a machine that allows new namespaces (else skipped, in CI too: no script can grant that),
and util-linux, systemd and dbus (missing: skipped, or a failure with CI set; tests/run.sh
installs them as root). Where all is there but the world does not come up, the tests fail
with its console log.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from interview_followup.daemon.service.unit import UNIT_NAME
from servers.fixtures import in_ci
from systemd_world import SetupFailed, SystemdWorld, missing, not_allowed, wait_until

EXAMPLE = "/srv/interview-followup-example"  # not under /tmp: the unit's PrivateTmp= would hide it
CONFIG = f"{EXAMPLE}/config.toml"
DROP_IN_DIR = f"/root/.config/systemd/user/{UNIT_NAME}.d"
STATUS = re.compile(r"^\d+ open loops?, (next step: .+ on \w{3} \d\d \w{3} \d\d:\d\d|no step planned)$")


def quick_timers() -> str:
    """A drop-in that makes the watchdog tests fast: a 4 s watchdog, a restart 1 s after a
    failure, no start limit (the tests restart the service often), and no core dump."""
    lines = ["[Unit]", "StartLimitIntervalSec=0", "", "[Service]", "WatchdogSec=4s", "RestartSec=1s",
             "TimeoutAbortSec=5s", "LimitCORE=0"]
    if Path("/proc/sys/kernel/core_pattern").read_text().startswith("|"):
        # Core dumps go to a program on the host (systemd-coredump, apport) even with
        # LimitCORE=0: the watchdog then kills without a core dump.
        lines.append("WatchdogSignal=SIGKILL")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def systemd(tmp_path_factory):
    refused = not_allowed()
    if refused:  # no package installs a privilege: a container without them skips, even in CI
        pytest.skip(f"this machine does not allow a systemd of the tests' own: {refused}")
    reason = missing()
    if reason:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: a missing tool fails the run)", pytrace=False)
        pytest.skip(reason)
    world = SystemdWorld(work=tmp_path_factory.mktemp("systemd-world"))  # its console.log stays there
    problem = ""
    try:
        world.start()
    except SetupFailed as exc:
        problem = str(exc)
    if problem:
        pytest.fail(f"the systemd world did not come up: {problem}", pytrace=False)
    try:
        yield world
    finally:
        world.close()


def ok(done) -> str:
    assert done.returncode == 0, f"exit status {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def show(systemd, *props: str) -> dict[str, str]:
    out = ok(systemd.run("systemctl", "--user", "show", "-p", ",".join(props), UNIT_NAME))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def cursor(systemd) -> str:
    """Where the journal ends now (for ``journal(after=...)``)."""
    out = ok(systemd.run("journalctl", "--no-pager", "-o", "json", "-n", "1", "--output-fields=__CURSOR"))
    return json.loads(out)["__CURSOR"]


def journal(systemd, after: str = "") -> str:
    """The service's log and its user manager's lines about it (those after the cursor ``after``)."""
    since = ["--after-cursor", after] if after else []
    return ok(systemd.run("journalctl", "--no-pager", "-o", "short-monotonic", *since, "--user-unit", UNIT_NAME))


def wait_for(systemd, what: str, check, timeout: float = 30):
    value = wait_until(check, timeout, interval=0.2)
    if not value:
        status = systemd.run("systemctl", "--user", "--no-pager", "status", UNIT_NAME).stdout
        pytest.fail(f"waited {timeout:g} s for {what}\n{status}\n--- journal ---\n{journal(systemd)}")
    return value


def wait_show(systemd, what: str, condition, *props: str, timeout: float = 30) -> dict[str, str]:
    """``show`` until ``condition`` holds for its answer (returned)."""
    def check():
        answer = show(systemd, *props)
        return answer if condition(answer) else None

    return wait_for(systemd, what, check, timeout)


def wait_log(systemd, text: str, after: str = "", timeout: float = 30) -> str:
    """The journal (after the cursor ``after``), once ``text`` is in it."""
    def check():
        log = journal(systemd, after)
        return log if text in log else None

    return wait_for(systemd, repr(text) + " in the journal", check, timeout)


def no_traceback(systemd) -> None:
    log = journal(systemd)
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def installed(systemd):
    """The README's example, installed as a service with the project's own installer
    (writes the unit, daemon-reload, enable, restart: that waits for READY=1)."""
    ok(systemd.run("mkdir", "-p", EXAMPLE))
    ok(systemd.run("cp", str(REPO / "config.example.toml"), CONFIG))
    ok(systemd.run("cp", "-r", str(REPO / "examples"), f"{EXAMPLE}/examples"))
    return ok(systemd.run(sys.executable, "-m", "interview_followup.daemon", "--config", CONFIG, "install-service", timeout=120))


@pytest.fixture(scope="module")
def quick_watchdog(systemd, installed):
    ok(systemd.run("mkdir", "-p", DROP_IN_DIR))
    ok(systemd.run("tee", f"{DROP_IN_DIR}/quick-timers.conf", input=quick_timers()))
    ok(systemd.run("systemctl", "--user", "daemon-reload"))
    ok(systemd.run("systemctl", "--user", "restart", UNIT_NAME))


@pytest.fixture
def service(systemd, quick_watchdog):
    """The service running with the quick timers (started again if a test stopped it)."""
    ok(systemd.run("systemctl", "--user", "start", UNIT_NAME))
    wait_show(systemd, "the service to run", lambda p: p["SubState"] == "running", "SubState")
    return systemd


def test_systemd_sees_the_service_ready_with_its_status_line(systemd, installed):
    assert "systemctl --user status interview-followup" in installed
    props = show(systemd, "ActiveState", "SubState", "UnitFileState", "Type", "StatusText", "MainPID",
                 "WatchdogUSec", "FragmentPath", "ExecStart")
    assert props["ActiveState"] == "active" and props["SubState"] == "running", props  # READY=1 was seen
    assert props["UnitFileState"] == "enabled" and props["Type"] == "notify"
    assert props["FragmentPath"] == f"/root/.config/systemd/user/{UNIT_NAME}"
    assert f"--config {CONFIG} run" in props["ExecStart"]
    assert props["WatchdogUSec"] not in ("0", "infinity")
    assert int(props["MainPID"]) > 0
    assert STATUS.match(props["StatusText"]), props["StatusText"]
    wait_log(systemd, "running; a pass every 5 minutes")
    no_traceback(systemd)


def test_the_service_pings_the_watchdog(service):
    props = show(service, "WatchdogUSec", "WatchdogTimestampMonotonic", "NRestarts")
    assert props["WatchdogUSec"] == "4s"
    last = int(props["WatchdogTimestampMonotonic"])
    for _ in range(2):  # WATCHDOG=1 every 2 s (half the interval): two pings within 6 s
        last = int(wait_show(service, "a WATCHDOG=1 ping", lambda p: int(p["WatchdogTimestampMonotonic"]) > last,
                             "WatchdogTimestampMonotonic", timeout=6)["WatchdogTimestampMonotonic"])
    after = show(service, "SubState", "NRestarts")
    assert after == {"SubState": "running", "NRestarts": props["NRestarts"]}
    no_traceback(service)


def test_the_watchdog_restarts_a_hung_service(service):
    before = show(service, "MainPID", "NRestarts")
    hung = before["MainPID"]
    start = cursor(service)
    ok(service.run("kill", "-STOP", hung))  # the loop stops: no more WATCHDOG=1

    restarted = int(before["NRestarts"]) + 1
    props = wait_show(service, "the watchdog to restart the service",
                      lambda p: p["NRestarts"] == str(restarted) and p["SubState"] == "running",
                      "NRestarts", "SubState", "MainPID", "StatusText")
    assert props["MainPID"] not in (hung, "0")
    assert STATUS.match(props["StatusText"]), props["StatusText"]
    assert service.run("kill", "-0", hung).returncode != 0  # the hung process is gone
    log = journal(service, after=start)
    assert "Watchdog timeout (limit 4s)!" in log and "Failed with result 'watchdog'" in log, log
    assert "Scheduled restart job, restart counter is at" in log, log
    no_traceback(service)


def test_reload_keeps_the_service_running(service):
    before = show(service, "MainPID", "NRestarts")
    start = cursor(service)
    ok(service.run("systemctl", "--user", "reload", UNIT_NAME))  # ExecReload: SIGHUP
    wait_log(service, f"SIGHUP: configuration reloaded from {CONFIG}", after=start)
    props = wait_show(service, "the status line after the reload", lambda p: STATUS.match(p["StatusText"]),
                      "ActiveState", "SubState", "MainPID", "NRestarts", "StatusText")
    assert props["ActiveState"] == "active" and props["SubState"] == "running"
    assert props["MainPID"] == before["MainPID"] and props["NRestarts"] == before["NRestarts"]
    no_traceback(service)


def test_stop_ends_the_service_with_exit_status_0(service):
    start = cursor(service)
    started = time.monotonic()
    ok(service.run("systemctl", "--user", "stop", UNIT_NAME))  # SIGTERM; waits until it has exited
    took = time.monotonic() - started
    props = show(service, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus", "MainPID")
    assert props == {"ActiveState": "inactive", "Result": "success", "ExecMainCode": "1",  # 1: CLD_EXITED
                     "ExecMainStatus": "0", "MainPID": "0"}
    assert took < 10, f"stopping took {took:.1f} s"
    log = journal(service, after=start)
    assert "SIGTERM: stopping after the step in flight" in log, log
    assert re.search(r"python\[\d+\]: .*\bstopped$", log, re.M), log  # the daemon's last line
    no_traceback(service)
