"""A real Radicale CalDAV server for the tests, in a temporary folder on a free loopback
port, with sign-in by a plain htpasswd file.

    server = Radicale().start()
    user = server.add_user()                  # a fresh account (password: server.password)
    url = server.make_calendar(user, "Work")  # a calendar of that account
    server.put(url, ics)                      # objects as another client writes them
    mark = server.mark()                      # ... then count what reached the server:
    server.requests_since(mark)               # [("PROPFIND", "/user/"), ...]
    server.close()

Radicale comes from PyPI (the ``test`` extra). Every request is counted from its log
("<METHOD> request for '<path>' ..."), so tests measure what the server saw, not what
the client meant to send. Nothing outside the temporary folder is touched; ``close()``
stops the process it started and removes the folder.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

INSTALL_HINT = (
    "Radicale is not installed: `.venv/bin/pip install -e '.[test]'` or run `bash tests/run.sh`"
)
_users = itertools.count(1)
_REQUEST = re.compile(r"\] ([A-Z]+) request for '([^']*)'")


def radicale_installed() -> bool:
    return importlib.util.find_spec("radicale") is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    host = "127.0.0.1"

    def __init__(self, *, user: str = "alex", password: str = "correct-horse-42"):
        if not radicale_installed():
            raise FileNotFoundError(INSTALL_HINT)
        self.user = user
        self.password = password
        self.root = Path(tempfile.mkdtemp(prefix="radicale-test-"))
        self.storage = self.root / "storage"
        self.users_file = self.root / "users"
        self.log_file = self.root / "radicale.log"
        self.conf = self.root / "config"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.users_file.write_text(f"{user}:{password}\n", encoding="utf-8")
        self.conf.write_text(
            f"""\
# Written by tests/servers/radicale.py for one test run.
[server]
hosts = {self.host}:{self.port}

[auth]
type = htpasswd
htpasswd_filename = {self.users_file}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {self.storage}

[logging]
level = info
""",
            encoding="utf-8",
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    # --- running --------------------------------------------------------------------------

    def start(self) -> Radicale:
        log = open(self.log_file, "ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(self.conf)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env={**os.environ, "RADICALE_CONFIG": str(self.conf)},
            )
        finally:
            log.close()
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"radicale did not start:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"radicale did not listen on {self.port}:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Radicale:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # --- what reached the server ----------------------------------------------------------

    def mark(self) -> int:
        """A point in the request log; ``requests_since`` lists what came after it."""
        return len(self._requests())

    def requests_since(self, mark: int) -> list[tuple[str, str]]:
        return self._requests()[mark:]

    def _requests(self) -> list[tuple[str, str]]:
        return [(m.group(1), m.group(2)) for m in _REQUEST.finditer(self.log())]

    # --- accounts and data ----------------------------------------------------------------

    def add_user(self, user: str | None = None) -> str:
        """A new account that signs in with ``password`` (Radicale rereads the file)."""
        user = user or f"user{next(_users)}-{os.getpid()}"
        with open(self.users_file, "a", encoding="utf-8") as f:
            f.write(f"{user}:{self.password}\n")
        return user

    def client(self, user: str | None = None):
        """A ``caldav`` client of the test's own (another program, as far as the code under
        test knows)."""
        import caldav

        return caldav.DAVClient(self.url, username=user or self.user, password=self.password,
                                enable_rfc6764=False, timeout=10)

    def make_calendar(self, user: str | None = None, name: str = "Calendar",
                      components: tuple[str, ...] = ("VEVENT", "VTODO")) -> str:
        """A new calendar of ``user``; returns its URL."""
        user = user or self.user
        url = f"{self.url}{quote(user)}/{uuid.uuid4()}/"
        comps = "".join(f'<C:comp name="{c}"/>' for c in components)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
            f"<D:displayname>{name}</D:displayname>"
            f"<C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set>"
            "</D:prop></D:set></C:mkcalendar>"
        )
        with self.client(user) as c:
            reply = c.request(url, "MKCALENDAR", body, {"Content-Type": "application/xml"})
        assert reply.status in (200, 201), reply.status
        return url

    def put(self, calendar_url: str, ics: bytes | str, name: str | None = None, user: str | None = None) -> str:
        """Store one object (a VCALENDAR) in a calendar; returns its URL."""
        text = ics.decode() if isinstance(ics, bytes) else ics
        url = calendar_url + (name or f"{uuid.uuid4()}.ics")
        with self.client(user or _owner(calendar_url)) as c:
            reply = c.request(url, "PUT", text, {"Content-Type": "text/calendar; charset=utf-8"})
        assert reply.status in (200, 201, 204), reply.status
        return url

    def store_directly(self, calendar_url: str, name: str, ics: str, user: str | None = None) -> None:
        """Write an object file into the calendar's storage folder, past Radicale's checks
        (as a tool that syncs that folder would): a second object with a UID the server
        would refuse, say."""
        (self._folder(calendar_url, user) / name).write_text(ics, encoding="utf-8")

    def delete(self, url: str, user: str | None = None) -> None:
        with self.client(user or _owner(url)) as c:
            reply = c.request(url, "DELETE", "", {})
        assert reply.status in (200, 204), reply.status

    def objects(self, calendar_url: str, user: str | None = None) -> dict[str, str]:
        """{object name: its text} of every object in a calendar, as the server stores it."""
        folder = self._folder(calendar_url, user)
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())
                if p.is_file() and not p.name.startswith(".")}

    def calendars_of(self, user: str | None = None) -> dict[str, str]:
        """{display name: URL} of a user's calendars, read from the storage folder."""
        import json

        user = user or self.user
        home = self.storage / "collection-root" / user
        out = {}
        for folder in sorted(home.iterdir()) if home.is_dir() else ():
            props = folder / ".Radicale.props"
            if props.is_file():
                name = json.loads(props.read_text(encoding="utf-8")).get("D:displayname", folder.name)
                out[name] = f"{self.url}{quote(user)}/{quote(folder.name)}/"
        return out

    def forget_sync_tokens(self, calendar_url: str, user: str | None = None) -> int:
        """Make the server forget every sync token it gave out for a calendar (as its
        ``max_sync_token_age`` does); returns how many it had."""
        gone = 0
        for folder in self._folder(calendar_url, user).rglob("sync-token"):
            if folder.is_dir():
                gone += sum(1 for p in folder.iterdir() if p.is_file())
                shutil.rmtree(folder)
        return gone

    def _folder(self, calendar_url: str, user: str | None) -> Path:
        path = calendar_url[len(self.url):].strip("/").split("/")
        from urllib.parse import unquote

        return self.storage / "collection-root" / Path(*[unquote(p) for p in path])


def _owner(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path.strip("/").split("/")[0])
