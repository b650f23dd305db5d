"""A real systemd, PID 1 of namespaces of its own on a throw-away root, with a user manager
(user@0.service) in it: for the tests that run the project's unit under systemd
(``tests/test_under_systemd.py``).

    world = SystemdWorld()
    world.start()                       # boots, then dbus.socket, systemd-logind, user@0
    world.run("systemctl", "--user", "status")   # any command, inside, as root
    world.close()                       # poweroff; SIGKILL if need be; cgroup removed

How: ``script`` gives the namespace a console (a pty, logged to ``console.log``) and runs
``unshare --pid --fork --kill-child --mount --uts --net --ipc`` on ``ns-init.sh``, which moves
itself into a cgroup made for the run, enters a cgroup namespace rooted there, builds the
throw-away root (an overlay of / on tmpfs; /tmp, /run and /dev of its own; /sys and /proc/sys
read-only; the project bound read-only) and execs ``/lib/systemd/systemd``. Commands run inside
through ``nsenter``. Only root with CAP_SYS_ADMIN can do this: ``not_allowed()`` says why the
machine refuses, ``missing()`` which packages are lacking.

Cleanup happens in ``close()`` however a test ends. Should pytest itself be killed, ``script``
dies with it (PR_SET_PDEATHSIG), the pty hang-up ends ``unshare``, and ``--kill-child`` takes
the whole namespace down; a cgroup left empty that way is removed by the next run.
"""

from __future__ import annotations

import ctypes
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SYSTEMD = "/lib/systemd/systemd"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The environment of every command run inside: root's, with its user manager's bus.
INSIDE_ENV = [f"PATH={PATH}", "HOME=/root", "USER=root", "LOGNAME=root", "LANG=C.UTF-8",
              "XDG_RUNTIME_DIR=/run/user/0", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus"]
# A login shell's umask, not the caller's (daemon.cli.main sets 077 in the pytest process: an overlay
# root of mode 0700 would lock out dbus-daemon, which runs as messagebus).
UMASK = 0o022
CGROUP_PREFIX = "systemd-world-"
CAP_SYS_ADMIN = 21
PR_SET_PDEATHSIG = 1
# Paths replaced by ns-init.sh (a python living there must be bound in).
REPLACED = ("/tmp", "/run", "/dev", "/proc", "/sys", "/mnt")

_libc = ctypes.CDLL(None, use_errno=True)


class SetupFailed(Exception):
    """The namespace or systemd in it did not come up (the message has the console log)."""


# --- preconditions ---------------------------------------------------------------------------


def cgroup2_root() -> Path | None:
    """The host's writable cgroup2 mount: /sys/fs/cgroup, or on a hybrid (v1) host its
    "unified" hierarchy."""
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, fs = before.split(), after.split()
        if fs and fs[0] == "cgroup2":
            mounts[fields[4]] = "rw" in fields[5].split(",")
    for candidate in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if mounts.get(candidate):
            return Path(candidate)
    return None


def _has_cap_sys_admin() -> bool:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_SYS_ADMIN & 1)
    return False


def not_allowed() -> str:
    """Why this machine does not let the tests build the world, "" when it does: what no
    package can change (no root, a container without CAP_SYS_ADMIN or whose seccomp filter
    refuses new namespaces, no overlayfs, cgroups mounted read-only)."""
    if os.geteuid() != 0 or not _has_cap_sys_admin():
        return "needs root with CAP_SYS_ADMIN (namespaces, mounts, cgroups)"
    if not re.search(r"\boverlay$", Path("/proc/filesystems").read_text(), re.M):
        return "the kernel has no overlayfs"
    if cgroup2_root() is None:
        return "no writable cgroup2 mount (/sys/fs/cgroup or /sys/fs/cgroup/unified)"
    unshare = shutil.which("unshare", path=PATH)
    if unshare:
        probe = subprocess.run([unshare, "--pid", "--fork", "--mount", "--cgroup", "--uts", "--ipc", "--net", "true"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            return f"new namespaces are refused here: {probe.stderr.strip() or probe.returncode}"
    return ""


def missing() -> str:
    """The packages this machine lacks to run the world ("" when none)."""
    tools = {"unshare": "util-linux", "nsenter": "util-linux", "pivot_root": "util-linux",
             "mount": "mount", "script": "bsdutils", "systemctl": "systemd", "dbus-daemon": "dbus"}
    lacking = sorted({package for tool, package in tools.items() if not shutil.which(tool, path=PATH)})
    if not os.access(SYSTEMD, os.X_OK):
        lacking.append("systemd")
    if lacking:
        return (f"missing: {' '.join(sorted(set(lacking)))} (apt-get install {' '.join(sorted(set(lacking)))};"
                " tests/run.sh does it as root)")
    return ""


def read_only_binds() -> list[str]:
    """The host paths the world needs bound in: the project, and the python running the tests
    where the overlay of / does not show it (another mount, or under a replaced path)."""
    binds = [str(REPO)]
    root_dev = os.stat("/").st_dev
    for path in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))):
        path = os.path.realpath(path)
        if any(path == b or path.startswith(b + "/") for b in binds):
            continue
        if os.stat(path).st_dev != root_dev or any(path == r or path.startswith(r + "/") for r in REPLACED):
            binds.append(path)
    return binds


# --- the world -------------------------------------------------------------------------------


def _die_with_parent() -> None:  # in the child, before exec
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # no signal blocked from pytest's state


def _cleanup_stale_cgroups(root: Path) -> None:
    """Empty cgroups left by an earlier run that was killed (its pid is in the name)."""
    for folder in root.glob(CGROUP_PREFIX + "*"):
        pid = folder.name.removeprefix(CGROUP_PREFIX)
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _remove_cgroup(folder, wait=0)


def _remove_cgroup(folder: Path, wait: float) -> bool:
    """rmdir the cgroup and its children (deepest first); retried for ``wait`` seconds while
    killed processes are still leaving. True when gone."""
    deadline = time.monotonic() + wait
    while True:
        if not folder.exists():
            return True
        for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            try:
                sub.rmdir()
            except OSError:
                pass
        try:
            folder.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def wait_until(check, timeout: float, interval: float = 0.1):
    """Call ``check`` until it returns something true (returned) or ``timeout`` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


class SystemdWorld:
    def __init__(self, work: Path | None = None, boot_timeout: float = 30.0):
        """``work``: a host folder for the console log (default: a temporary one, removed
        by ``close()``)."""
        self.boot_timeout = boot_timeout
        self.name = f"{CGROUP_PREFIX}{os.getpid()}"
        self.work = work
        self.own_work = work is None
        self.cgroup: Path | None = None
        self.script: subprocess.Popen | None = None
        self.pid: int | None = None  # host pid of systemd (PID 1 inside)
        self.pidfd: int | None = None
        self.closed = False
        self.last_console = ""

    # --- start ---------------------------------------------------------------------------

    def start(self) -> None:
        """Boot, then start the system bus, logind and root's user manager. On any failure
        everything started is torn down and SetupFailed raised with the console log."""
        try:
            self._boot()
            done = self.run("systemctl", "start", "dbus.socket", "systemd-logind.service", "user@0.service",
                            timeout=60)
            if done.returncode != 0:
                status = self.run("systemctl", "--no-pager", "status", "user@0.service", "systemd-logind.service")
                raise SetupFailed(f"starting the user manager failed: {done.stderr}\n{status.stdout}")
            if not wait_until(lambda: self.run("systemctl", "--user", "is-system-running").stdout.strip()
                              in ("running", "degraded"), timeout=30):
                raise SetupFailed("root's user manager did not come up")
        except BaseException as exc:
            self.close()  # keeps the console log in self.last_console
            if isinstance(exc, subprocess.TimeoutExpired):
                exc = SetupFailed(str(exc))
            if isinstance(exc, SetupFailed):
                raise SetupFailed(f"{exc}\n--- console of the namespace ---\n{self.last_console}") from None
            raise

    def _boot(self) -> None:
        root = cgroup2_root()
        if root is None:
            raise SetupFailed("no writable cgroup2 mount")
        _cleanup_stale_cgroups(root)
        if self.work is None:
            self.work = Path(tempfile.mkdtemp(prefix="systemd-world-"))
        try:
            (root / self.name).mkdir()
        except OSError as exc:
            raise SetupFailed(f"could not make the cgroup {root / self.name}: {exc}") from None
        self.cgroup = root / self.name
        env = {
            "PATH": PATH, "SHELL": "/bin/sh", "TERM": "dumb", "LANG": "C.UTF-8",
            "SW_WORK": str(self.work), "SW_CGROUP": str(self.cgroup), "SW_HERE": str(HERE),
            "SW_BINDS": "\n".join(read_only_binds()),
        }
        command = ("exec unshare --pid --fork --kill-child --mount --uts --net --ipc --propagation private "
                   + shlex.quote(str(HERE / "ns-init.sh")))
        self.script = subprocess.Popen(
            ["script", "--quiet", "--flush", "--return", "--command", command, str(self.work / "console.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            umask=UMASK, start_new_session=True, preexec_fn=_die_with_parent)

        pid_file = self.work / "pid"
        if not wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() or self.script.poll() is not None,
                          timeout=self.boot_timeout):
            raise SetupFailed("the namespace did not start")
        if not pid_file.exists() or not pid_file.read_text().strip():
            raise SetupFailed(f"ns-init.sh failed (exit status {self.script.returncode})")
        self.pid = int(pid_file.read_text())
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            raise SetupFailed("ns-init.sh ended before starting systemd") from None

        def answers() -> bool:
            if self.script.poll() is not None or not self.alive():
                raise SetupFailed(f"the namespace ended (exit status {self.script.returncode})")
            done = self.run("systemctl", "is-system-running", timeout=10)
            return done.stdout.strip() in ("initializing", "starting", "running", "degraded", "maintenance")

        if not wait_until(answers, timeout=self.boot_timeout, interval=0.2):
            raise SetupFailed("systemd did not answer `systemctl is-system-running`")

    # --- inside ------------------------------------------------------------------------------

    def run(self, *cmd: str, timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``cmd`` inside the namespaces, as root, with XDG_RUNTIME_DIR=/run/user/0."""
        if self.pid is None:
            raise RuntimeError("the world is not running")
        return subprocess.run(["nsenter", "--target", str(self.pid), "--all", "env", "-i", *INSIDE_ENV, *cmd],
                              capture_output=True, text=True, timeout=timeout, input=input, umask=UMASK,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def alive(self) -> bool:
        if self.pidfd is None:
            return False
        return not select.select([self.pidfd], [], [], 0)[0]  # a pidfd is readable once the process ended

    def console(self) -> str:
        if self.work is None or not (self.work / "console.log").exists():
            return ""
        text = (self.work / "console.log").read_text(errors="replace")
        return re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", text)

    # --- end ---------------------------------------------------------------------------------

    def _wait_exit(self, timeout: float) -> bool:
        if self.pidfd is None:
            return True
        return bool(select.select([self.pidfd], [], [], timeout)[0])

    def close(self) -> None:
        """Power off (SIGKILL to PID 1 after 20 s: that ends the whole pid namespace), wait for
        ``script``, remove the cgroup and the work folder. Safe to call more than once."""
        if self.closed:
            return
        self.closed = True
        problems = []
        try:
            if self.pidfd is not None:
                if self.alive():
                    try:
                        self.run("systemctl", "--no-block", "poweroff", timeout=10)
                    except (OSError, subprocess.SubprocessError):
                        pass
                    if not self._wait_exit(20):
                        signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                        if not self._wait_exit(10):
                            problems.append(f"systemd (pid {self.pid}) survived SIGKILL")
                os.close(self.pidfd)
                self.pidfd = None
        finally:
            if self.script is not None:
                try:
                    self.script.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.script.kill()
                    self.script.wait(timeout=10)
            if self.cgroup is not None and not _remove_cgroup(self.cgroup, wait=10):
                problems.append(f"cgroup {self.cgroup} could not be removed")
            if self.work is not None:
                self.last_console = self.console()
                if self.own_work:
                    shutil.rmtree(self.work, ignore_errors=True)
        if problems:
            raise RuntimeError("; ".join(problems))
