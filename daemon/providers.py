"""The three provider interfaces, and how a provider is found by its ``kind``.

Glossary:
- *calendar source*: where interviews are read from (an .ics file, CalDAV, Google).
- *reminder sink*: where reminders are written (an .ics file, CalDAV, Google).
- *mailbox*: where drafts are written and replies and sent mail are read (Maildir,
  IMAP, Gmail).

Rules every provider keeps (the contract tests in ``tests/contracts`` check them):
- Writes are keyed. ``write_draft``/``put`` tag the object with its key so that
  ``find_draft``/``find`` locate it after a crash; ``put`` with a known key replaces.
- Removing something absent is not an error.
- A mailbox never sends mail. There is no method for it, and providers add none.
- Failures are ``daemon.errors.NeedsUser`` or ``Transient``; anything else is a bug.
- Long work (a first pass over a big mailbox) reports its counts through
  ``context.progress``; that is all a provider knows of how (or whether) they are shown.

Providers are registered as entry points in the groups ``interview_followup.calendar``,
``interview_followup.reminders`` and ``interview_followup.mailbox``. The built-in ones are
also in ``BUILT_IN`` (a test keeps it in step with pyproject.toml): a built-in kind is found
without reading the installed packages' entry points (tens of milliseconds at every start),
which are read only for a kind that is not built in, or to list every kind. Each entry point
names a class with a ``Settings`` dataclass (its config keys, validated by
``daemon.config``) and a classmethod ``open(settings, context)``.

A provider module imports its client library (the Google API client, caldav, imapclient)
only inside its functions, so that loading the configuration, which needs ``Settings``,
costs nothing for the providers not chosen. The class lists that library in ``requires``
(import name -> the package to install) and names itself in ``label``; ``open_providers``
imports them first, and a missing one is a ``NeedsUser`` naming the package to install.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from interview_followup.daemon.clock import Clock
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import CalendarRead, Check, Draft, MailMessage, Reminder, StoredDraft

GROUPS = {
    "calendar": "interview_followup.calendar",
    "reminders": "interview_followup.reminders",
    "mailbox": "interview_followup.mailbox",
}

# the kinds shipped with the program, as pyproject.toml registers them: role -> kind -> "module:Class"
_INTEGRATIONS = "interview_followup.integrations"
BUILT_IN = {
    "calendar": {
        "ics": f"{_INTEGRATIONS}.ics_calendar:IcsCalendar",
        "google": f"{_INTEGRATIONS}.google_calendar:GoogleCalendar",
        "caldav": f"{_INTEGRATIONS}.caldav_calendar:CalDavCalendar",
    },
    "reminders": {
        "ics": f"{_INTEGRATIONS}.ics_reminders:IcsReminders",
        "google": f"{_INTEGRATIONS}.google_calendar:GoogleReminders",
        "caldav": f"{_INTEGRATIONS}.caldav_reminders:CalDavReminders",
    },
    "mailbox": {
        "maildir": f"{_INTEGRATIONS}.maildir_mailbox:MaildirMailbox",
        "imap": f"{_INTEGRATIONS}.imap_mailbox:ImapMailbox",
        "gmail": f"{_INTEGRATIONS}.gmail_mailbox:GmailMailbox",
    },
}


class Progress(Protocol):
    def __call__(self, task: str, done: int, total: int | None = None, unit: str = "") -> None:
        """``done`` of ``total`` (None: not known) ``unit`` of ``task`` are done, e.g.
        ``("reading mail", 1200, 4126, "messages")``. Called often: it must be cheap."""


def no_progress(task: str, done: int, total: int | None = None, unit: str = "") -> None:
    """The ``Progress`` that shows nothing (the daemon, tests, anything not on a terminal)."""


@frozen
class ProviderContext:
    """What every provider may need from the core."""

    timezone: ZoneInfo
    base_dir: Path  # relative paths in the config are relative to this folder
    data_dir: Path  # where providers keep tokens and caches
    user_emails: tuple[str, ...]
    clock: Clock
    dry_run: bool = False
    progress: Progress = no_progress  # counts of long work, for a display (see ``Progress``)

    def path(self, p: Path) -> Path:
        """A path from the config: ``~`` expanded, relative ones against ``base_dir``."""
        p = Path(p).expanduser()
        return p if p.is_absolute() else self.base_dir / p


@runtime_checkable
class CalendarSource(Protocol):
    def read(self, start: datetime, end: datetime) -> CalendarRead:
        """Every event occurrence overlapping [start, end), recurring ones expanded."""

    def change_token(self) -> str | None:
        """A short text that is the same as long as ``read`` of a window would give the same
        answer, and differs once the source may have changed (for the daemon's nothing-changed
        check). Costs at most the source's own change check: a ``stat`` of its files, one
        PROPFIND for the CalDAV markers, one incremental sync request. None when the source
        cannot tell cheaply: every pass then reads it."""

    def check(self) -> list[Check]: ...

    def close(self) -> None: ...


@runtime_checkable
class ReminderSink(Protocol):
    def find(self, key: str) -> Reminder | None:
        """The reminder stored under ``key``, as stored, or None."""

    def put(self, reminder: Reminder) -> None:
        """Create the reminder, or replace the one with the same key."""

    def remove(self, key: str) -> None:
        """Remove the reminder with ``key``; absent is fine."""

    def flush(self) -> None:
        """Make the puts and removes made since the last ``flush`` durable, or raise (then
        some or all of them may be lost: the caller redoes them). ``find`` sees them before.
        A sink that writes each change at once does nothing here."""

    def place(self) -> str:
        """Where the reminders go, in words the user recognises (a file, a calendar's name),
        as ``once`` prints it. Known without a network call."""

    def check(self) -> list[Check]: ...

    def close(self) -> None: ...


@runtime_checkable
class Mailbox(Protocol):
    def find_draft(self, key: str) -> StoredDraft | None:
        """The draft carrying ``key`` in its key header, or None."""

    def write_draft(self, draft: Draft) -> StoredDraft:
        """Store ``draft`` in the Drafts folder, flagged as a draft. Never sends."""

    def remove_draft(self, stored: StoredDraft) -> None:
        """Remove a draft this program wrote; absent is fine."""

    def draft_link(self, key: str) -> str:
        """An address that opens the draft with ``key`` in the user's mail program, or ""."""

    def place(self) -> str:
        """Where drafts are written, in words the user recognises (the Drafts folder and its
        account), as ``once`` prints it: the folder really used once one was written."""

    def read_new(self, cursor: str | None, since: datetime) -> tuple[list[MailMessage], str]:
        """Messages in the inbox and sent folders that arrived after ``cursor``.

        With no cursor, messages dated after ``since``. Returns the messages and the new
        cursor. When nothing changed, the cost does not grow with the mailbox size.
        """

    def check(self) -> list[Check]: ...

    def close(self) -> None: ...


class StopSignal(threading.Event):
    """The event that stops a watcher, which can also be waited for with ``select``/``poll``
    (``fileno()`` turns readable once it is set): a watcher blocked on its socket then wakes
    for new mail or for the stop, never on a timer of its own. ``close()`` once the watcher
    has ended."""

    def __init__(self) -> None:
        super().__init__()
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self.close = weakref.finalize(self, _close_all, self._read, self._write)  # once, or when dropped

    def set(self) -> None:
        super().set()
        if self.close.alive:
            try:
                os.write(self._write, b"\0")
            except BlockingIOError:  # set many times: the pipe is full, and readable
                pass

    def fileno(self) -> int:
        return self._read


def _close_all(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


@runtime_checkable
class WatchableMailbox(Protocol):
    """A mailbox that can tell when new mail arrives (IMAP IDLE, say). Optional."""

    def watch(self, stop: threading.Event, changed: Callable[[], None]) -> None:
        """Block until ``stop`` is set, calling ``changed()`` soon after new mail arrives.
        ``stop`` may be a ``StopSignal``, whose ``fileno()`` can be polled with a socket.

        Runs in a thread of its own with a connection of its own; reconnects by itself
        (with backoff) when the connection drops, and calls ``changed()`` after each
        reconnection so that mail delivered meanwhile is read.
        """


def provider_class(role: str, kind: str) -> Any:
    """The class registered for ``kind`` in the group of ``role``, or None. A built-in kind
    (``BUILT_IN``) is imported directly; the entry points are read only for another."""
    try:
        if kind in BUILT_IN[role]:
            module, _, name = BUILT_IN[role][kind].partition(":")
            return getattr(importlib.import_module(module), name)
        if not any(ep.name == kind for ep in _registered(GROUPS[role])):
            _entry_points.cache_clear()  # installed since the last reading? read them again
        for ep in _registered(GROUPS[role]):
            if ep.name == kind:
                return ep.load()
    except ImportError as exc:  # a broken install: say so in one line, not a traceback
        raise NeedsUser(
            f'{role}.kind = "{kind}" cannot be loaded ({_why(exc)}; reinstall interview-followup)'
        ) from None
    return None


def missing_package(label: str, failures: list[tuple[str, str, ImportError]]) -> NeedsUser:
    """The one-line error for libraries that cannot be imported: what needs them, and what
    to install. ``failures``: (the import name tried, its package, the error) for each."""

    def within(missing: str | None, module: str) -> bool:
        return bool(missing) and (module == missing or module.startswith(f"{missing}."))

    tried = [module for module, _, _ in failures]
    packages, details = [], []
    for module, package, exc in failures:
        if within(exc.name, module):  # the package itself is missing
            packages.append(package)
        elif not any(within(exc.name, m) for m in tried):  # it is there, but something it needs is not
            packages.append(package)
            details.append(f"{package} cannot be imported: {_why(exc)}")
        # else: it failed for want of another package in the list
    packages = list(dict.fromkeys(packages or [package for _, package, _ in failures]))
    return NeedsUser(
        f"{label} needs the Python package{'s' if len(packages) > 1 else ''} {', '.join(packages)} "
        f"(pip install {' '.join(packages)}, or reinstall interview-followup)"
        + "".join(f"; {d}" for d in dict.fromkeys(details))
    )


def require(cls: Any, kind: str = "", role: str = "") -> None:
    """Import the libraries the provider class ``cls`` lists in ``requires``; missing ones
    are a ``NeedsUser`` naming the packages to install."""
    label = getattr(cls, "label", "") or f'{role}.kind = "{kind}"'
    failures = []
    for module, package in getattr(cls, "requires", {}).items():
        try:
            importlib.import_module(module)
        except ImportError as exc:
            failures.append((module, package, exc))
    if failures:
        raise missing_package(label, failures)


def _why(exc: ImportError) -> str:
    return " ".join(str(exc).split())  # one line, whatever the message held


def known_kinds(role: str) -> list[str]:
    """Every kind of ``role``: the built-in ones and those other packages register."""
    return sorted({*BUILT_IN[role], *(ep.name for ep in _registered(GROUPS[role]))})


def _registered(group: str):
    """The entry points of ``group``: every group's are read at once, and again only when a
    kind is not found (``provider_class``); a reading scans every installed package's metadata."""
    return _entry_points().select(group=group)


@functools.cache
def _entry_points():
    from importlib.metadata import entry_points  # not at import: it costs more than the rest of start-up

    return entry_points()


@dataclass
class Providers:
    """The three providers one configuration names, opened together."""

    calendar: CalendarSource
    mailbox: Mailbox
    reminders: ReminderSink

    def close(self) -> None:
        for p in (self.calendar, self.mailbox, self.reminders):
            p.close()


def open_providers(
    config: Any, clock: Clock, dry_run: bool = False, progress: Progress = no_progress
) -> Providers:
    """Open the three providers the configuration names (``config`` is a ``Config``)."""
    context = ProviderContext(
        timezone=config.tz,
        base_dir=config.base_dir,
        data_dir=config.data_dir,
        user_emails=config.profile.emails,
        clock=clock,
        dry_run=dry_run,
        progress=progress,
    )
    roles = ("calendar", "mailbox", "reminders")
    classes = {role: provider_class(role, getattr(config, role).kind) for role in roles}
    for role in roles:  # every library first: nothing is opened when one is missing
        require(classes[role], getattr(config, role).kind, role)
    opened = {}
    for role in roles:
        opened[role] = classes[role].open(getattr(config, role).settings, context)
    return Providers(**opened)
