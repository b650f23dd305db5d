"""Talking to systemd's service manager (``Type=notify``), with no library.

The protocol is one datagram of ``KEY=value`` lines to the AF_UNIX socket named in
``$NOTIFY_SOCKET``; a name that starts with ``@`` is in the abstract namespace (the ``@``
stands for a leading NUL byte). Outside systemd the variable is unset and every call
here does nothing. ``WATCHDOG_USEC`` (with ``WATCHDOG_PID`` naming this process, when
set) tells how often the manager expects ``WATCHDOG=1``.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = _address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_seconds = _watchdog_seconds(env)
        self._sock: socket.socket | None = None
        self._failed = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, **fields: str) -> bool:
        """Send ``KEY=value`` lines (``ready="1"`` becomes ``READY=1``); True when sent."""
        if self.address is None:
            return False
        text = "\n".join(f"{k.upper()}={_one_line(v)}" for k, v in fields.items())
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(text.encode("utf-8", "replace"), self.address)
        except OSError as exc:
            if not self._failed:  # once: the manager may be restarting
                log.warning("could not tell systemd %s: %s", ", ".join(fields), exc.strerror or exc)
                self._failed = True
            return False
        self._failed = False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify(ready="1", **({"status": status} if status else {}))

    def status(self, text: str) -> bool:
        return self.notify(status=text)

    def watchdog(self) -> bool:
        return self.notify(watchdog="1") if self.watchdog_seconds else False

    def stopping(self) -> bool:
        return self.notify(stopping="1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _address(value: str) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None  # vsock addresses (vsock:CID:PORT) are for virtual machines, not user units


def _watchdog_seconds(env) -> float | None:
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (our parent, say)
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1e6 if usec > 0 else None


def _one_line(value: str) -> str:
    return " ".join(str(value).split())
