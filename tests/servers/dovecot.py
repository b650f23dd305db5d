"""A real Dovecot IMAP server for the tests, in a temporary folder on a free loopback port.

    server = Dovecot()            # SPECIAL-USE Drafts/Sent/Trash; Dovecot(special_use=False)
    server.start()                # for folders named without the flags ("Entwürfe", ...)
    user = server.add_user()      # a fresh, empty account (the default one is server.user)
    server.deliver(raw, "INBOX", user=user)
    server.stop()

Runs as root (the login process then runs as ``dovenull`` and mail as ``dovecot``, see
/work/shared/notes/test-servers.md) or as any other user (everything runs as that user).
Nothing outside the temporary folder is touched; ``stop()`` removes it.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
INSTALL_HINT = (
    "Dovecot is not installed: `apt-get install dovecot-imapd` (Debian/Ubuntu) or run "
    "`bash tests/run.sh`, which installs it when run as root"
)
DEFAULT_FOLDERS = {"Drafts": "\\Drafts", "Sent": "\\Sent", "Trash": "\\Trash"}
_users = itertools.count(1)


def find_binary(name: str) -> str | None:
    """``dovecot`` and ``doveadm`` live in sbin, which is not on every user's PATH."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """One Dovecot instance. ``folders`` maps folder names to a SPECIAL-USE flag (or "");
    ``capabilities`` replaces the capabilities announced after login (to play an older
    server: the commands still work, but a careful client does not use them).

    Every user name logs in with ``password``; ``add_user()`` makes up a new one."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        special_use: bool = True,
        folders: dict[str, str] | None = None,
        tls: bool = False,
        capabilities: str = "",
        user: str = "alex@example.org",
        password: str = "correct-horse-42",
    ):
        self.dovecot = find_binary("dovecot")
        self.doveadm = find_binary("doveadm")
        if not self.dovecot or not self.doveadm:
            raise FileNotFoundError(INSTALL_HINT)
        if folders is None:
            folders = DEFAULT_FOLDERS if special_use else {"Entwürfe": "", "Gesendet": "", "Sent": ""}
        self.folders = {name: (flag if special_use else "") for name, flag in folders.items()}
        self.capabilities = capabilities  # "": Dovecot's own list (IDLE, UIDPLUS, ...)
        self.user = user
        self.password = password
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        os.chmod(self.root, 0o755)  # the mail user (dovecot) must reach its home below
        self.conf = self.root / "dovecot.conf"
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.ca_file = self.root / "cert.pem" if tls else None
        self.running = False
        self._mail_user = self._internal_user()
        if tls:
            self._make_certificate()
        self._write_config()

    # --- set-up ---------------------------------------------------------------------------

    @staticmethod
    def _internal_user() -> pwd.struct_passwd:
        if os.geteuid() == 0:
            return pwd.getpwnam("dovecot")
        return pwd.getpwuid(os.geteuid())

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.root / "key.pem"), "-out", str(self.root / "cert.pem"),
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True,
        )

    def _write_config(self) -> None:
        root = self.root
        for sub in ("run", "state", "home"):
            (root / sub).mkdir(exist_ok=True)
        mail = self._mail_user
        os.chown(root / "home", mail.pw_uid, mail.pw_gid)
        if os.geteuid() == 0:
            login_user, internal_user = "dovenull", "dovecot"
            internal_group = "dovecot"
        else:
            login_user = internal_user = mail.pw_name
            internal_group = pwd.getpwuid(os.geteuid()).pw_name
        mailboxes = "\n".join(
            f'  mailbox "{name}" {{\n    auto = subscribe\n'
            + (f"    special_use = {flag}\n" if flag else "")
            + "  }"
            for name, flag in self.folders.items()
        )
        if self.tls_port:
            dh = Path("/usr/share/dovecot/dh.pem")
            ssl_conf = (
                f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"
                + (f"ssl_dh = <{dh}\n" if dh.exists() else "")
            )
            imaps = f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {self.tls_port}\n  }}\n"
        else:
            ssl_conf = "ssl = no\n"
            imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
        self.conf.write_text(
            f"""\
# Written by tests/servers/dovecot.py for one test run.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl_conf}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
{f"imap_capability = {self.capabilities}" if self.capabilities else ""}
passdb {{
  driver = static
  args = password={self.password}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
{imaps}  chroot =
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
""",
            encoding="utf-8",
        )

    def add_user(self, user: str | None = None) -> str:
        """A new account with an empty mailbox: any name logs in with ``password`` (a
        static passdb), and gets a home of its own on first login."""
        return user or f"user{next(_users)}-{os.getpid()}@example.org"

    def home(self, user: str | None = None) -> Path:
        return self.root / "home" / (user or self.user)

    # --- running --------------------------------------------------------------------------

    def start(self) -> Dovecot:
        # The master daemonises and keeps its stdout/stderr: never give it a pipe.
        with open(self.root / "start.err", "wb") as err:
            done = subprocess.run(
                [self.dovecot, "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err,
            )
        if done.returncode != 0:
            message = (self.root / "start.err").read_text(errors="replace")
            raise RuntimeError(f"dovecot did not start: {message}\n{self.log()[-2000:]}")
        self.running = True
        self._wait_for_port(open_=True)
        return self

    def stop(self) -> None:
        """Stop the server as a shutdown does: every process gets SIGTERM, clients see BYE.

        (``doveadm stop`` takes 3 s, and the master alone leaves running imap processes
        serving their clients.)"""
        if not self.running:
            return
        pids = self._pids()
        self._signal(pids, signal.SIGTERM)
        try:
            self._wait_gone(pids, timeout=5)
        except TimeoutError:
            self._signal(pids, signal.SIGKILL)
            self._wait_gone(pids)
        (self.root / "run" / "master.pid").unlink(missing_ok=True)
        self.running = False

    def kill(self) -> None:
        """SIGKILL the master and every process it started: no BYE, sockets just close."""
        pids = self._pids()
        self._signal(pids, signal.SIGKILL)
        self._wait_gone(pids)
        (self.root / "run" / "master.pid").unlink(missing_ok=True)
        self.running = False

    @staticmethod
    def _signal(pids: list[int], sig: int) -> None:
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop (or kill) the server and remove its folder."""
        try:
            self.stop()
        finally:
            if self._pids():
                self.kill()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def log(self) -> str:
        try:
            return (self.root / "dovecot.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _master_pid(self) -> int | None:
        try:
            return int((self.root / "run" / "master.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def _pids(self) -> list[int]:
        """The master and all its descendants (from /proc)."""
        master = self._master_pid()
        if master is None or not Path(f"/proc/{master}").exists():
            return []
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [master]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    def _wait_gone(self, pids: list[int], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        for pid in pids:
            while Path(f"/proc/{pid}").exists() and _state(pid) != "Z":
                if time.monotonic() > deadline:
                    raise TimeoutError(f"dovecot process {pid} did not stop")
                time.sleep(0.02)
        self._wait_for_port(open_=False)

    def _wait_for_port(self, open_: bool, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    is_open = True
            except OSError:
                is_open = False
            if is_open == open_:
                return
            if time.monotonic() > deadline:
                state = "open" if open_ else "closed"
                raise TimeoutError(f"port {self.port} not {state} after {timeout} s\n{self.log()[-2000:]}")
            time.sleep(0.02)

    # --- mail -----------------------------------------------------------------------------

    def client(self, user: str | None = None) -> IMAPClient:
        """A logged-in client for the test's own checks (close it with ``logout()``)."""
        c = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        c.login(user or self.user, self.password)
        c.normalise_times = False
        return c

    def deliver(
        self, raw: bytes, folder: str = "INBOX", *, user: str | None = None,
        when: datetime | None = None, flags: tuple[bytes, ...] = (),
    ) -> int | None:
        """Put a message in ``folder`` as the world would: by IMAP APPEND while the server
        runs, else with ``doveadm save`` (as an MDA delivering while IMAP is down).
        Returns the UID when the server reported it."""
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if not self.running:
            self._drop_into_maildir(raw, folder, user)
            return None
        c = self.client(user)
        try:
            response = c.append(folder, raw, flags=flags, msg_time=when)
        finally:
            c.logout()
        parts = response.decode().split("APPENDUID", 1)
        return int(parts[1].split()[1].rstrip("]")) if len(parts) == 2 else None

    def deliver_many(self, raws: list[bytes], folder: str = "INBOX", *, user: str | None = None) -> None:
        """Many messages in one MULTIAPPEND (a big mailbox in a second)."""
        c = self.client(user)
        try:
            for i in range(0, len(raws), 500):
                c.multiappend(folder, [r.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for r in raws[i : i + 500]])
        finally:
            c.logout()

    def _drop_into_maildir(self, raw: bytes, folder: str, user: str | None) -> None:
        """Deliver the way an MDA does while IMAP is down: tmp/, then rename into new/."""
        maildir = self.home(user) / "Maildir"
        if folder.upper() != "INBOX":
            maildir = maildir / ("." + folder.replace("/", "."))
        uid, gid = self._mail_user.pw_uid, self._mail_user.pw_gid
        for sub in ("", "tmp", "new", "cur"):
            path = maildir / sub if sub else maildir
            if not path.exists():
                path.mkdir(parents=True)
                os.chown(path, uid, gid)
        name = f"{int(time.time())}.P{os.getpid()}Q{next(_users)}.testhost"
        tmp = maildir / "tmp" / name
        tmp.write_bytes(raw.replace(b"\r\n", b"\n"))
        os.chown(tmp, uid, gid)
        os.rename(tmp, maildir / "new" / name)

    def messages(self, folder: str, user: str | None = None) -> dict[int, dict]:
        """``{uid: {b"FLAGS": ..., b"BODY[]": ...}}`` of every message in ``folder``."""
        c = self.client(user)
        try:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            return c.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
        finally:
            c.logout()

    def list_folders(self, user: str | None = None) -> list[tuple]:
        c = self.client(user)
        try:
            return c.list_folders()
        finally:
            c.logout()

    def uidvalidity(self, folder: str, user: str | None = None) -> int:
        out = self.doveadm_run("mailbox", "status", "-u", user or self.user, "uidvalidity", folder)
        return int(out.split("=", 1)[1])

    def bump_uidvalidity(self, folder: str = "INBOX", user: str | None = None) -> int:
        """Give ``folder`` a new UIDVALIDITY (every UID a client knows becomes void)."""
        new = self.uidvalidity(folder, user) + 1
        self.doveadm_run("mailbox", "update", "-u", user or self.user, "--uid-validity", str(new), folder)
        got = self.uidvalidity(folder, user)
        if got != new:
            raise AssertionError(f"doveadm did not change UIDVALIDITY of {folder}: {got} != {new}")
        return new

    def doveadm_run(self, *args: str, input: bytes | None = None) -> str:
        done = subprocess.run(
            [self.doveadm, "-c", str(self.conf), *args], input=input, capture_output=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode(errors="replace")

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "X"
