"""Where log lines go, and in what form.

On a terminal (or any plain stderr): ``2026-11-17 15:30:00,123 INFO daemon.service.runner: ...``.
Under systemd, when stderr is the journal's stream (``$JOURNAL_STREAM`` names stderr's
device and inode), the journal adds the time itself: each line is
``<N>daemon.service.runner: ...`` where ``<N>`` is the syslog priority (3 error, 4 warning,
6 info, 7 debug), which journald reads as the entry's level. A message of several lines
(a traceback, say) gets the prefix on every line, so no line loses its level.

The program never logs a password, a token or the text of a message; as a second line of
defence every secret the program reads is registered with ``hide()`` and replaced by
``[hidden]`` in any log line that would contain it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(where)s: %(message)s"
JOURNAL_FORMAT = "%(where)s: %(message)s"
PACKAGE_PREFIX = "interview_followup."  # left out of logger names in log lines: ``daemon.service.runner``

_secrets: set[str] = set()
_lock = threading.Lock()


def hide(secret: str) -> None:
    """Never let ``secret`` reach a log line (short strings are ignored: too many false hits)."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def syslog_priority(levelno: int) -> int:
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


def _scrub(text: str) -> str:
    with _lock:
        secrets = list(_secrets)
    for s in secrets:
        if s in text:
            text = text.replace(s, "[hidden]")
    return text


def _where(record: logging.LogRecord) -> None:
    record.where = record.name.removeprefix(PACKAGE_PREFIX)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        _where(record)
        return _scrub(super().format(record))


class JournalFormatter(logging.Formatter):
    """No time stamp (the journal has its own); ``<N>`` before every line."""

    def __init__(self) -> None:
        super().__init__(JOURNAL_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        _where(record)
        text = _scrub(super().format(record))
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in (text.splitlines() or [""]))


def stderr_is_journal(stream=None, environ=None) -> bool:
    """True when ``$JOURNAL_STREAM`` ("DEVICE:INODE") is the stream's own file: a child
    process that inherited the variable but writes elsewhere is not fooled."""
    env = os.environ if environ is None else environ
    value = env.get("JOURNAL_STREAM", "")
    if not value:
        return False
    try:
        dev, ino = (int(x) for x in value.split(":"))
        st = os.fstat((stream or sys.stderr).fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def setup(verbose: bool = False, stream=None) -> None:
    """Like ``logging.basicConfig``: does nothing when someone else (a test runner) has
    set up the root logger already; replaces the handler of an earlier call."""
    stream = stream or sys.stderr
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_interview_followup", False):
            root.removeHandler(old)
    if root.handlers:
        return
    handler = logging.StreamHandler(stream)
    handler._interview_followup = True  # type: ignore[attr-defined]
    handler.setFormatter(JournalFormatter() if stderr_is_journal(stream) else PlainFormatter(PLAIN_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
