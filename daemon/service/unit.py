"""``install-service`` and ``uninstall-service``: the systemd user unit for this install.

The unit is written for the installation that runs the command: ``ExecStart`` is this
interpreter (``sys.executable``: a venv's or pipx's python keeps its own packages) with
``-P -m interview_followup.daemon`` (``-P``: no module from the working directory shadows the program's), and
``--config`` pinned to the configuration's absolute path.

Hardening: every setting that a per-user service manager can apply without privileges
(seccomp filters, no new privileges, ``UMask``). The file-system sandbox
(``ProtectSystem=strict`` with ``ReadWritePaths`` for exactly the folders the program
writes, ``PrivateTmp``, ``PrivateDevices``, ...) needs a user namespace in a user unit
(``PrivateUsers=yes``); systemd before 257 refuses to start a unit that asks for one where
unprivileged user namespaces are disabled, so the installer writes those lines only where
``unshare --user`` works.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

from interview_followup.daemon.config import Config

UNIT_NAME = "interview-followup.service"
WATCHDOG = "10min"  # a pass that takes longer is hung (network requests time out well before)


def unit_dir(environ=None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def writable_paths(config: Config) -> list[Path]:
    """The folders the daemon writes to: state, data (tokens, caches), the Maildir, the
    reminders file's folder, and the folder of any token file named in the configuration."""
    paths = [config.state_dir, config.data_dir]
    base = config.base_dir

    def resolve(p) -> Path:
        p = Path(p).expanduser()
        return p if p.is_absolute() else base / p

    for role in ("calendar", "mailbox", "reminders"):
        pc = getattr(config, role)
        settings = pc.settings
        token = getattr(settings, "token_file", None)
        if token:
            paths.append(resolve(token).parent)
        path = getattr(settings, "path", None)
        if path and role == "mailbox" and pc.kind == "maildir":
            paths.append(resolve(path))
        elif path and role == "reminders":
            paths.append(resolve(path).parent)
    out: list[Path] = []
    for p in paths:
        p = Path(os.path.abspath(p))
        if p not in out:
            out.append(p)
    return out


def user_namespaces_work() -> bool:
    """Whether this user may create a user namespace (what the sandbox lines need)."""
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        done = subprocess.run([unshare, "--user", "true"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def quote(word: str) -> str:
    """One argument of a unit file's command line or path list, as systemd reads it."""
    word = word.replace("%", "%%")  # specifiers
    needs = any(c.isspace() or c in "\"'\\;$" for c in word) or not word
    word = word.replace("$", "$$")  # environment variable expansion in ExecStart
    if not needs:
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


TMP_FOLDERS = (Path("/tmp"), Path("/var/tmp"))


def under_tmp(paths: list[Path]) -> Path | None:
    """The first of ``paths`` in /tmp or /var/tmp (which ``PrivateTmp=`` would hide), if any."""
    for p in paths:
        p = Path(os.path.abspath(p))
        if any(p == t or t in p.parents for t in TMP_FOLDERS):
            return p
    return None


def used_paths(config: Config, python: str) -> list[Path]:
    """What the service reads or runs, beyond the folders it writes: the interpreter and its
    environment, this program's code, the configuration, the calendar file, the templates."""
    paths = [Path(python), Path(sys.prefix), Path(__file__).resolve().parent, config.path]
    for value in (getattr(config.calendar.settings, "path", None), config.templates_dir):
        if value:
            p = Path(value).expanduser()
            paths.append(p if p.is_absolute() else config.base_dir / p)
    return paths


def render(config_path: Path, python: str, paths: list[Path], sandbox: bool, in_tmp: Path | None = None) -> str:
    """The unit's text; ``in_tmp``: a path the service needs in /tmp (no ``PrivateTmp=`` then)."""
    exec_start = " ".join(quote(w) for w in (python, "-P", "-m", "interview_followup.daemon", "--config", str(config_path), "run"))
    lines = [
        "# interview-followup as a systemd user service, written by `interview-followup install-service`",
        "# for this installation: the interpreter and the configuration file below. Run that command",
        "# again after moving either; `interview-followup uninstall-service` removes the service.",
        "",
        "[Unit]",
        "Description=interview-followup: follow-up drafts and reminders after job interviews (never sends mail)",
        "Documentation=https://github.com/interview-followup/interview-followup#readme",
        "",
        "[Service]",
        "# The program tells systemd when its first pass is done (READY=1), what it is doing",
        "# (STATUS=: open loops, next step) and that its loop is alive (WATCHDOG=1).",
        "Type=notify",
        f"ExecStart={exec_start}",
        "# SIGHUP reloads the configuration; a broken new file is reported and the old one kept.",
        "ExecReload=kill -HUP $MAINPID",
        "# The first pass may wait for slow servers before READY=1.",
        "TimeoutStartSec=10min",
        "# A loop that sends no WATCHDOG=1 for this long is hung: systemd restarts it.",
        f"WatchdogSec={WATCHDOG}",
        "# Restart after a crash or a hang, forever, 30 s apart (temporary failures never end",
        "# the program: it retries them itself) ...",
        "Restart=on-failure",
        "RestartSec=30s",
        "# ... but exit status 2 means a configuration or state problem only you can fix.",
        "RestartPreventExitStatus=2",
        "# SIGTERM lets the step in flight finish before the program exits.",
        "TimeoutStopSec=2min",
        "# Files it creates are yours alone (tokens, state, drafts): mode 0600/0700.",
        "UMask=0077",
        "# The state lives in ~/.local/state/interview-followup unless the configuration says otherwise.",
        "StateDirectory=interview-followup",
        "StateDirectoryMode=0700",
        "",
        "# Hardening that works in any user unit (seccomp, no privileges needed):",
        "# no gaining privileges through set-uid programs or file capabilities",
        "NoNewPrivileges=yes",
        "# no creating set-uid/set-gid files",
        "RestrictSUIDSGID=yes",
        "# no real-time scheduling (a runaway loop cannot starve the desktop)",
        "RestrictRealtime=yes",
        "# no switching the execution domain",
        "LockPersonality=yes",
        "# no creating namespaces of its own",
        "RestrictNamespaces=yes",
        "# only the system calls of an ordinary service, for this machine's architecture only",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallErrorNumber=EPERM",
        "# sockets: local (systemd, the desktop bus), IPv4/IPv6 (servers), netlink (name lookups)",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    ]
    if sandbox:
        rw = " ".join(quote(f"-{p}") for p in paths)
        lines += [
            "",
            "# The file-system sandbox. In a user unit it needs a user namespace of its own",
            "# (this machine allows unprivileged ones; the installer checked).",
            "PrivateUsers=yes",
            "# everything read-only except the folders the program writes (state, data, tokens,",
            "# Maildir, reminders file); '-': a folder missing at start is skipped, not an error",
            "ProtectSystem=strict",
            f"ReadWritePaths={rw}",
            *(["# a /tmp of its own", "PrivateTmp=yes"] if in_tmp is None else
              [f"# PrivateTmp= is left out: {in_tmp} is in a temporary folder, which it would hide"]),
            "# no device nodes beyond /dev/null, /dev/urandom and the like",
            "PrivateDevices=yes",
            "# kernel settings, modules, logs, control groups, clock and host name out of reach",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectClock=yes",
            "ProtectHostname=yes",
            "# ProtectHome= is left out: the configuration, state and mail live in your home.",
        ]
    else:
        lines += [
            "",
            "# No file-system sandbox (ProtectSystem=, PrivateTmp=, ...): in a user unit it needs",
            "# unprivileged user namespaces, which this machine does not allow.",
        ]
    lines += ["", "[Install]", "WantedBy=default.target", ""]
    return "\n".join(lines)


SAMPLE_HOME = Path("/home/you")


def sample() -> str:
    """``systemd/interview-followup.service``: the unit as written for a pipx install of a user
    whose home is /home/you, with the default paths and a Maildir in ~/Mail."""
    home = SAMPLE_HOME
    text = render(
        home / ".config/interview-followup/config.toml",
        str(home / ".local/pipx/venvs/interview-followup/bin/python"),
        [home / ".local/state/interview-followup", home / ".local/share/interview-followup", home / "Mail",
         home / ".config/interview-followup"],
        sandbox=True,
    )
    head = ("# A sample: `interview-followup install-service` writes this unit for your own install\n"
            "# (interpreter, configuration and folders) into ~/.config/systemd/user/.\n")
    return head + text


def exec_start_line(config: Config, python: str | None = None) -> str:
    """The ``ExecStart=`` line ``install-service`` writes for this install and configuration."""
    text = render(config.path, python or sys.executable, [], sandbox=False)
    return next(line for line in text.splitlines() if line.startswith("ExecStart="))


def installed_unit_problem(config: Config, environ=None) -> str:
    """Why an installed unit would not run this install ("" when none is installed or it is
    current): an upgrade from 0.1 left ``-m daemon``, or the venv or configuration moved."""
    target = unit_dir(environ) / UNIT_NAME
    try:
        text = target.read_text(encoding="utf-8")
    except OSError:
        return ""
    found = next((line for line in text.splitlines() if line.startswith("ExecStart=")), "")
    if found == exec_start_line(config):
        return ""
    return (f"{target} starts another program ({found.removeprefix('ExecStart=') or 'no ExecStart'}); "
            "run `interview-followup install-service` again to rewrite it for this install")


def unit_for(config: Config, sandbox: bool | None = None, python: str | None = None) -> str:
    if sandbox is None:
        sandbox = user_namespaces_work()
    python = python or sys.executable
    writes = writable_paths(config)
    return render(config.path, python, writes, sandbox, in_tmp=under_tmp(used_paths(config, python) + writes))


# --- installing ----------------------------------------------------------------------


def _systemctl(*args: str, say, dry: bool) -> bool:
    cmd = ["systemctl", "--user", *args]
    say("$ " + " ".join(cmd))
    if dry:
        return True
    exe = shutil.which("systemctl")
    if exe is None:
        say("error: systemctl is not installed: this machine has no systemd")
        return False
    done = subprocess.run([exe, "--user", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip()
        say(f"error: `{' '.join(cmd)}` failed ({done.returncode}): {why}")
        if "bus" in why.lower() or "XDG_RUNTIME_DIR" in why:
            say("  hint: no user service manager is reachable from here: run this from your own login "
                "session (not sudo or su), or start one with `loginctl enable-linger $USER`")
        return False
    return True


def install(config: Config, *, dry: bool, say=print, sandbox: bool | None = None) -> int:
    text = unit_for(config, sandbox)
    target = unit_dir() / UNIT_NAME
    if dry:
        say(f"# {target} (not written: --print)")
        say(text)
    else:
        for path in writable_paths(config):  # ReadWritePaths skips a missing folder: make them now
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        say(f"wrote {target}")
    ok = (_systemctl("daemon-reload", say=say, dry=dry)
          and _systemctl("enable", UNIT_NAME, say=say, dry=dry)
          and _systemctl("restart", UNIT_NAME, say=say, dry=dry))
    if not ok:
        return 1
    user = _user()
    say("")
    say(f"{'Would start' if dry else 'Started'} {UNIT_NAME}: it runs a pass now, then whenever something falls due.")
    say(f"  systemctl --user status {UNIT_NAME.removesuffix('.service')}      # what it is doing")
    say(f"  journalctl --user -u {UNIT_NAME.removesuffix('.service')} -f       # its log")
    say("  interview-followup status                          # your loops and each provider's health")
    if not Path(f"/var/lib/systemd/linger/{user}").exists():
        say("To keep it running while you are logged out (and start it at boot), run once:")
        say(f"  loginctl enable-linger {user}")
    return 0


def uninstall(*, dry: bool, say=print) -> int:
    target = unit_dir() / UNIT_NAME
    if not dry and not target.exists():
        say(f"{target} does not exist: the service is not installed")
        return 0
    ok = _systemctl("disable", "--now", UNIT_NAME, say=say, dry=dry)
    if dry:
        say(f"$ rm {target}")
    elif target.exists():
        target.unlink()
        say(f"removed {target}")
    ok = _systemctl("daemon-reload", say=say, dry=dry) and ok
    if not dry and ok:
        say("The service is stopped and removed; your configuration, state and drafts are untouched.")
    return 0 if ok else 1


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "$USER")
