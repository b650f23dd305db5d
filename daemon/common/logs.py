"""Where log lines go, and in what form.

On a terminal (or any plain stderr): ``2026-11-17 15:30:00,123 INFO daemon.service.runner: ...``.
Under systemd, when stderr is the journal's stream (``$JOURNAL_STREAM`` names stderr's
device and inode), the journal adds the time itself: each line is
``<N>daemon.service.runner: ...`` where ``<N>`` is the syslog priority (3 error, 4 warning,
6 info, 7 debug), which journald reads as the entry's level. A message of several lines
(a traceback, say) gets the prefix on every line, so no line loses its level.

The program never logs a password, a token or the text of a message; as a second line of
defence every secret the program reads is registered with ``hide()`` and replaced by
``[hidden]`` in any log line that would contain it, in every form a server or a library
may echo it (see ``hide``). ``scrub()`` does the same for text that is printed or stored
(``status``, the provider health in the state, reminder texts).

Text from outside (calendar titles, mail subjects, server messages) may hold control
characters: ``neutral()`` turns them into visible escapes, so that nothing from outside
moves the cursor, recolours the terminal, reverses the text's direction or starts a new
log line. The formatters apply it to a record's arguments (the message text itself and a
traceback's frames are ours and keep their lines; the exception's own message, which may
quote outside text, is neutralised); the command line applies it to what it prints.

Unexpected exceptions that were contained (one event, one message, one step skipped, the
rest of the pass going on) are logged once on the ``contained`` logger (``BUG_LOGGER``),
with their traceback: they are bugs, and the test suite fails a test that logs one.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import traceback
from urllib.parse import quote, quote_plus

from interview_followup.daemon.errors import ConfigError, FollowupError

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(where)s: %(message)s"
JOURNAL_FORMAT = "%(where)s: %(message)s"
PACKAGE_PREFIX = "interview_followup."  # left out of logger names in log lines: ``daemon.service.runner``

BUG_LOGGER = "interview_followup.contained"
HIDDEN = "[hidden]"

_secrets: set[str] = set()
_ordered: list[str] = []  # the longest first: a form that contains another is replaced whole
_lock = threading.Lock()


def hide(secret: str, username: str = "") -> None:
    """Never let ``secret`` reach a log line, ``status``, the state or a reminder (short
    strings are ignored: too many false hits).

    Registered with it are the forms in which a server or a library may echo it: IMAP's
    quoted string (``\\"`` and ``\\\\`` escapes), JSON's, URL encoding (plain and form), the
    base64 of the SASL exchanges that carry it (AUTHENTICATE PLAIN ``\\0user\\0secret``, with
    and without the user as authorisation id, XOAUTH2 ``user=...\\x01auth=Bearer ...``, and
    HTTP Basic ``user:secret``: these need ``username``), the base64 of the secret alone,
    and the Python ``repr`` of each (what an exception's text shows of bytes or a string).
    A literal (``{n}`` then the bytes) is the plain form."""
    if not secret or len(secret) < 4:
        return
    forms = secret_forms(secret, username)
    with _lock:
        new = forms - _secrets
        if new:
            _secrets.update(new)
            _ordered[:] = sorted(_secrets, key=len, reverse=True)


def secret_forms(secret: str, username: str = "") -> set[str]:
    """Every form of ``secret`` that ``hide`` registers (see there)."""
    import base64  # here: a command that reads no secret (``status``) starts without it

    forms = {
        secret,
        secret.replace("\\", "\\\\").replace('"', '\\"'),  # IMAP quoted string, RFC 3501
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    sasl = [secret]
    if username:
        sasl += [f"\0{username}\0{secret}", f"{username}\0{username}\0{secret}",
                 f"user={username}\x01auth=Bearer {secret}\x01\x01", f"{username}:{secret}"]
    for text in sasl:
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        forms |= {encoded, encoded.rstrip("=")}
    for form in list(forms):
        forms.add(repr(form)[1:-1])
        forms.add(repr(form.encode("utf-8"))[2:-1])
    return {f for f in forms if len(f) >= 4}


def scrub(text: str) -> str:
    """``text`` with every registered secret, in every form, replaced by ``[hidden]``."""
    with _lock:
        secrets = list(_ordered)
    for s in secrets:
        if s in text:
            text = text.replace(s, HIDDEN)
    return text


# --- text from outside ----------------------------------------------------------------------

_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): " ", 0x1B: "\\e"})
_ESCAPES.update({c: f"\\u{c:04x}" for c in (*_BIDI, 0x2028, 0x2029)})


def neutral(text: object) -> str:
    """``text`` on one line and harmless on a terminal: C0 and C1 control characters
    (newlines among them), ESC (the start of every terminal sequence), the bidirectional
    overrides and isolates (U+202A-202E, U+2066-2069, and the marks) and the Unicode line
    separators become visible escapes (``\\n``, ``\\e``, ``\\x07``, ``\\u202e``); a tab becomes
    a space."""
    return str(text).translate(_ESCAPES)


def error_text(exc: BaseException) -> str:
    """An exception's text for the user: neutralised, with the lines that are ours kept
    (a ``NeedsUser`` hint, the list of a ``ConfigError``), secrets scrubbed."""
    if isinstance(exc, ConfigError):
        text = "\n".join(neutral(line) for line in str(exc).split("\n"))
    elif isinstance(exc, FollowupError):
        message = str(exc.args[0]) if exc.args else ""
        text = neutral(message)
        hint = getattr(exc, "hint", "")
        if hint:
            text += f"\n  hint: {neutral(hint)}"
    else:
        text = neutral(str(exc))
    return scrub(text)


def neutral_lines(text: str) -> str:
    """Each line of ``text`` (lines ours, their content maybe not) neutralised and scrubbed."""
    return scrub("\n".join(neutral(line) for line in text.split("\n")))


# --- contained bugs --------------------------------------------------------------------------

_skipped: list[tuple[str, BaseException]] = []


def never_contained(exc: BaseException) -> bool:
    """What must always propagate: an interrupt, an exit, and running out of memory."""
    return not isinstance(exc, Exception) or isinstance(exc, MemoryError)


def unexpected(exc: BaseException) -> str:
    """One line for an unexpected exception: its type and (neutralised) message."""
    message = neutral(str(exc))[:300]
    return scrub(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def log_bug(what: str, exc: BaseException) -> None:
    """Log that ``what`` was skipped after the unexpected ``exc``, with its traceback, on the
    ``contained`` logger (a bug: loud in the tests)."""
    logging.getLogger(BUG_LOGGER).warning(
        "%s was skipped after an unexpected error (a bug: please report it): %s", what, unexpected(exc),
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def skipped(item: str, exc: BaseException) -> None:
    """For providers: ``item`` (one message, one object) could not be read because of the
    unexpected ``exc`` and was left out; the rest goes on. Re-raises what must never be
    contained. The engine collects these after each call (``take_skipped``), names each
    in a warning once and lists them in ``status``."""
    if never_contained(exc):
        raise exc
    with _lock:
        _skipped.append((item, exc))


def take_skipped() -> list[tuple[str, BaseException]]:
    """The items ``skipped`` since the last call, oldest first."""
    with _lock:
        found = list(_skipped)
        _skipped.clear()
    return found


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


_scrub = scrub


def _where(record: logging.LogRecord) -> None:
    record.where = record.name.removeprefix(PACKAGE_PREFIX)


def _neutral_arg(arg: object) -> object:
    import numbers  # here, not at start-up (loaded once, then a look-up)

    if arg is None or isinstance(arg, numbers.Number):
        return arg  # harmless, and keeps %d, %x and %g working
    if isinstance(arg, BaseException):
        return error_text(arg)
    return neutral(scrub(str(arg)))


def _message(record: logging.LogRecord) -> None:
    """The record's arguments neutralised (on a copy: other handlers see the original)."""
    if isinstance(record.args, dict):
        record.args = {k: _neutral_arg(v) for k, v in record.args.items()}
    elif record.args:
        record.args = tuple(_neutral_arg(a) for a in record.args)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        _where(record)
        copy = logging.makeLogRecord(record.__dict__)
        _message(copy)
        copy.exc_text = None  # formatted here, with the exception's message neutralised
        return scrub(super().format(copy))

    def formatException(self, ei) -> str:
        """The traceback's frames as they are (ours); the exception's own text, which may
        quote outside text, neutralised line by line."""
        etype, value, tb = ei
        out: list[str] = []
        seen: set[int] = set()
        chain: list[tuple[BaseException, str]] = []
        exc, link = value, ""
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            chain.append((exc, link))
            if exc.__cause__ is not None:
                exc, link = exc.__cause__, traceback._cause_message.strip()  # type: ignore[attr-defined]
            elif exc.__context__ is not None and not exc.__suppress_context__:
                exc, link = exc.__context__, traceback._context_message.strip()  # type: ignore[attr-defined]
            else:
                exc = None
        for exc, link in reversed(chain):
            if link:
                out.append(f"\n{link}\n")
            te = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
            if te.stack:
                out.append("Traceback (most recent call last):")
                out.extend(line.rstrip("\n") for line in te.stack.format())
            only = "".join(te.format_exception_only()).rstrip("\n")
            out.append(neutral(only))
        return "\n".join(out)


class PlainFormatter(_Formatter):
    pass


class JournalFormatter(_Formatter):
    """No time stamp (the journal has its own); ``<N>`` before every line."""

    def __init__(self) -> None:
        super().__init__(JOURNAL_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in text.split("\n"))


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
