"""A private D-Bus session bus and a desktop notification service on it, for the tests.

``SessionBus`` runs a real ``dbus-daemon`` listening on a socket in a temporary folder,
with a configuration of its own: no service is ever activated on it (a name nobody owns
is an error at once, as on a desktop without a notification daemon), and the user's own
session bus is never touched.

``NotificationService`` owns ``org.freedesktop.Notifications`` on such a bus and answers
``Notify`` (with a new id), ``GetCapabilities`` and ``GetServerInformation``, recording
each ``Notify`` call. It is written with jeepney (the ``test`` extra), in a thread of the
test process. A test module imports the fixtures it uses:

    from servers.notifications import notification_service, session_bus  # noqa: F401

Where dbus-daemon is missing, their tests are skipped with the install hint, except in CI,
where they fail: CI never skips.
"""

from __future__ import annotations

import itertools
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .fixtures import in_ci

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
INSTALL_HINT = "dbus-daemon is not installed: apt-get install dbus"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def require(tool: str, hint: str) -> str:
    """The path of ``tool``; a failed test in CI when it is missing, else a skipped one."""
    found = shutil.which(tool)
    if found:
        return found
    if in_ci():
        pytest.fail(f"{hint} (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(hint)


class SessionBus:
    """A real dbus-daemon on ``unix:path=<folder>/bus``; ``address`` once started."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.address = ""
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        daemon = require("dbus-daemon", INSTALL_HINT)
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "bus.conf"
        config.write_text(BUS_CONFIG.format(address=f"unix:path={self.folder / 'bus'}"))
        self.log = self.folder / "dbus-daemon.log"
        with open(self.log, "wb") as err:
            self.process = subprocess.Popen(
                [daemon, f"--config-file={config}", "--nofork", "--print-address", "--nopidfile"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
            )
        # the address is printed once the bus listens
        ready, _, _ = select.select([self.process.stdout], [], [], 10)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"dbus-daemon did not start: {self.log.read_text(errors='replace')}")
        self.address = line

    def close(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process.stdout.close()
        self.process = None


@dataclass(frozen=True)
class Notification:
    id: int
    app_name: str
    summary: str
    body: str


class NotificationService:
    """``org.freedesktop.Notifications`` on the bus at ``address``, in a thread."""

    def __init__(self, address: str):
        self.address = address
        self.notifications: list[Notification] = []
        self.calls: list[str] = []  # every method called, in order
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn = None

    def start(self) -> None:
        try:
            from jeepney import DBusNameFlags
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            hint = "jeepney is not installed: .venv/bin/pip install -e '.[test]'"
            if in_ci():
                pytest.fail(f"{hint} (CI=true)", pytrace=False)
            pytest.skip(hint)
        self._conn = open_dbus_connection(bus=self.address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(NAME, DBusNameFlags.do_not_queue), timeout=5)
        if reply.body[0] != 1:  # DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
            self._conn.close()
            raise RuntimeError(f"could not own {NAME} (RequestName said {reply.body[0]})")
        self._thread = threading.Thread(target=self._serve, daemon=True, name="notification-service")
        self._thread.start()

    def received(self) -> list[Notification]:
        with self._lock:
            return list(self.notifications)

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Notification]:
        """The notifications once there are at least ``count`` (or at the deadline)."""
        deadline = time.monotonic() + seconds
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _serve(self) -> None:
        from jeepney import HeaderFields, MessageFlag, MessageType, new_error, new_method_return

        conn = self._conn
        while not self._stop.is_set():
            try:
                msg = conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            except (OSError, ValueError):  # the bus went away
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            fields = msg.header.fields
            member = fields.get(HeaderFields.member)
            interface = fields.get(HeaderFields.interface, INTERFACE)
            path = fields.get(HeaderFields.path)
            with self._lock:
                self.calls.append(member)
            if path != PATH or interface != INTERFACE:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                                  (f"no {interface}.{member} at {path}",))
            elif member == "Notify" and fields.get(HeaderFields.signature) != "susssasa{sv}i":
                reply = new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s",
                                  (f"Notify takes (susssasa{{sv}}i), not ({fields.get(HeaderFields.signature)})",))
            elif member == "Notify":
                app_name, _replaces, _icon, summary, body, _actions, _hints, _timeout = msg.body
                with self._lock:
                    n = Notification(next(self._ids), app_name, summary, body)
                    self.notifications.append(n)
                reply = new_method_return(msg, "u", (n.id,))
            elif member == "GetCapabilities":
                reply = new_method_return(msg, "as", (["body"],))
            elif member == "GetServerInformation":
                reply = new_method_return(msg, "ssss", ("test-notifications", "interview-followup tests", "1.0", "1.2"))
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                                  (f"{member} is not implemented here",))
            if not msg.header.flags & MessageFlag.no_reply_expected:
                try:
                    conn.send(reply)
                except OSError:
                    return


@pytest.fixture
def session_bus(tmp_path_factory, monkeypatch) -> Iterator[SessionBus]:
    """A private session bus with nothing on it; ``DBUS_SESSION_BUS_ADDRESS`` points at it."""
    bus = SessionBus(tmp_path_factory.mktemp("dbus"))
    try:
        bus.start()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        for name in ("DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE"):
            monkeypatch.delenv(name, raising=False)
        yield bus
    finally:
        bus.close()


@pytest.fixture
def notification_service(session_bus) -> Iterator[NotificationService]:
    """The notification service on ``session_bus``."""
    service = NotificationService(session_bus.address)
    try:
        service.start()
        yield service
    finally:
        service.close()
