"""Reminders kept in one iCalendar file the user imports or subscribes to.

Rules:
- One VEVENT per reminder, UID ``keys.reminder_uid(key)``; times in UTC; a VALARM with
  ACTION:DISPLAY, a DESCRIPTION (RFC 5545 requires one) and ``TRIGGER:-<alarm_before>``
  (the event and its reading back are ``ical_reminders``, shared with the CalDAV sink).
- ``put`` replaces by UID and never leaves two events with one UID. A put that changes
  nothing writes nothing; a put that changes the reminder gets a new DTSTAMP and a higher
  SEQUENCE so that subscribed calendars pick the change up.
- Everything in the file that is not ours (events whose UID lacks our suffix, time zones,
  to-dos, calendar properties) is kept line for line; only line endings become CRLF.
  The calendar name (X-WR-CALNAME) follows the configuration.
- A file that cannot be read or parsed raises ``NeedsUser`` and is never overwritten.
- Writes are atomic and durable: temp file in the same folder, fsync, ``os.replace``,
  fsync of the folder. A symlinked file is written through the link. Mode: at most 0644.
- Dry run: nothing is written.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from icalendar import Calendar, Component
from icalendar.parser import Contentline
from icalendar.prop import vText

from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.common.files import replace_file
from interview_followup.daemon.keys import key_from_uid, reminder_uid
from interview_followup.daemon.model import Check, Reminder
from interview_followup.daemon.providers import ProviderContext

from .ical_reminders import PRODID, event, normalised, reminder_of, stamp

_NAME = re.compile(r"^([A-Za-z0-9-]+)([:;])")


@dataclass(frozen=True)
class Settings:
    path: Path = field(
        default=Path("reminders.ics"),
        metadata={"doc": "The calendar file to import or subscribe to (relative to the config)."},
    )
    calendar_name: str = field(
        default="Interview follow-ups", metadata={"doc": "The calendar's display name."}
    )

    def __post_init__(self) -> None:
        if any(c in self.calendar_name for c in "\r\n\0"):
            raise ValueError("calendar_name must be a single line")


@dataclass
class _Block:
    """One top-level component, as its logical lines (folds kept as CRLF + space)."""

    name: str
    uid: str
    lines: list[str]

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"


@dataclass
class _Doc:
    props: list[str]  # calendar-level property lines, in file order
    items: list[_Block]  # components, in file order

    def render(self) -> bytes:
        lines = ["BEGIN:VCALENDAR", *self.props, *(ln for b in self.items for ln in b.lines)]
        return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode("utf-8")

    def ours(self, uid: str) -> list[int]:
        return [i for i, b in enumerate(self.items) if b.name == "VEVENT" and b.uid == uid]


class IcsReminders:
    """The ``ReminderSink`` protocol on one .ics file."""

    Settings = Settings

    def __init__(self, path: Path, settings: Settings, context: ProviderContext):
        self.path = path
        self.settings = settings
        self.context = context

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> IcsReminders:
        return cls(context.path(settings.path), settings, context)

    # --- the protocol -----------------------------------------------------------------

    def find(self, key: str) -> Reminder | None:
        doc, _ = self._load()
        if doc is None:
            return None
        for i in doc.ours(reminder_uid(key)):
            return self._reminder_of(doc.items[i])
        return None

    def put(self, reminder: Reminder) -> None:
        wanted = normalised(reminder)
        doc, before = self._load()
        doc = doc or _Doc(props=[], items=[])
        uid = reminder_uid(wanted.key)
        found = doc.ours(uid)
        if found and self._reminder_of(doc.items[found[0]]) == wanted:
            block = doc.items[found[0]]  # unchanged: keep it as it is, DTSTAMP included
        else:
            sequence = _sequence(doc.items[found[0]]) + 1 if found else 0
            block = _event_block(wanted, stamp(self.context.clock), sequence)
        if found:
            doc.items[found[0]] = block
            for i in reversed(found[1:]):
                del doc.items[i]
        else:
            doc.items.append(block)
        self._write(doc, before)

    def remove(self, key: str) -> None:
        doc, before = self._load()
        if doc is None:
            return
        found = doc.ours(reminder_uid(key))
        if not found:
            return
        for i in reversed(found):
            del doc.items[i]
        self._write(doc, before)

    def check(self) -> list[Check]:
        folder = self.path.parent
        if not self.path.exists():
            ok = os.access(folder, os.W_OK) if folder.exists() else True
            detail = "will be created with the first reminder" if ok else "its folder is not writable"
            return [Check("reminders file", ok, f"{self.path}: {detail} (reminders.path)")]
        try:
            doc, _ = self._load()
        except NeedsUser as exc:
            return [Check("reminders file", False, str(exc))]
        items = doc.items if doc else []
        ours = sum(1 for b in items if b.name == "VEVENT" and key_from_uid(b.uid) is not None)
        writable = os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)
        detail = f"{self.path}: {ours} reminder(s), {len(items) - ours} other component(s)"
        return [Check("reminders file", writable, detail + ("" if writable else "; not writable"))]

    def close(self) -> None:
        pass

    # --- reading ----------------------------------------------------------------------

    def _load(self) -> tuple[_Doc | None, bytes | None]:
        """The parsed file and its bytes; (None, None) when missing or empty."""
        with self._errors():
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return None, None
            except IsADirectoryError:
                raise NeedsUser(
                    f"reminders file {self.path} is a folder",
                    hint="set reminders.path to a file name",
                ) from None
        if not raw.strip():
            return None, raw
        try:
            text = raw.decode("utf-8-sig")
            Calendar.from_ical(text)  # the library must accept it too
            doc = _split(text)
        except Exception as exc:  # anything the parsers reject: never overwrite it
            raise NeedsUser(
                f"reminders file {self.path} is not a valid iCalendar file ({exc}); "
                "it was left untouched",
                hint="repair it or move it away, or set reminders.path to another file",
            ) from None
        return doc, raw

    def _reminder_of(self, block: _Block) -> Reminder | None:
        """The reminder an event of ours holds; None if it cannot be read (a put fixes it)."""
        try:
            vevent = Component.from_ical(block.text())
        except Exception:  # noqa: BLE001 - edited beyond recognition
            return None
        return reminder_of(key_from_uid(block.uid) or "", vevent, self.context.timezone)

    # --- writing ----------------------------------------------------------------------

    def _write(self, doc: _Doc, before: bytes | None) -> None:
        doc.props = _header(doc.props, self.settings.calendar_name)
        data = doc.render()
        if data == before or self.context.dry_run:
            return
        target = Path(os.path.realpath(self.path))
        with self._errors():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                current = target.stat()
                mode = current.st_mode & 0o644
                if target.read_bytes() != before:
                    raise Transient(f"{self.path} changed while it was being updated")
            except FileNotFoundError:
                if before is not None:
                    raise Transient(f"{self.path} vanished while it was being updated") from None
                mode = 0o644
            replace_file(target, data, mode)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        hint = f"check that this user may read and write {self.path} and its folder, or change reminders.path"
        try:
            yield
        except PermissionError:
            raise NeedsUser(f"reminders file {self.path}: permission denied", hint=hint) from None
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENOTDIR, errno.ELOOP):
                raise NeedsUser(f"reminders file {self.path}: {exc.strerror}", hint=hint) from None
            raise Transient(f"reminders file {self.path}: {exc.strerror}") from None


# --- the file's text --------------------------------------------------------------------


def _split(text: str) -> _Doc:
    """The calendar's structure, keeping every line's text (raises ValueError if broken)."""
    logical: list[str] = []
    for line in re.split(r"\r\n|\n|\r", text):
        if line[:1] in (" ", "\t") and logical:
            logical[-1] += "\r\n" + line
        elif line.strip():
            logical.append(line)
    if not logical or _marker(logical[0], "BEGIN") != "VCALENDAR":
        raise ValueError("it does not start with BEGIN:VCALENDAR")
    props: list[str] = []
    items: list[_Block] = []
    i = 1
    while i < len(logical):
        line = logical[i]
        if _marker(line, "END") == "VCALENDAR":
            if i != len(logical) - 1:
                raise ValueError("text after END:VCALENDAR")
            return _Doc(props=props, items=items)
        name = _marker(line, "BEGIN")
        if name is None:
            if _marker(line, "END") is not None:
                raise ValueError(f"unexpected {line.strip()}")
            props.append(line)
            i += 1
            continue
        stack, j, uid = [name], i + 1, ""
        while stack:
            if j >= len(logical):
                raise ValueError(f"BEGIN:{name} is never closed")
            inner = logical[j]
            if (begin := _marker(inner, "BEGIN")) is not None:
                stack.append(begin)
            elif (end := _marker(inner, "END")) is not None:
                if end != stack.pop():
                    raise ValueError(f"END:{end} closes BEGIN:{name}")
            elif len(stack) == 1 and not uid and _prop_name(inner) == "UID":
                uid = str(vText.from_ical(Contentline(_unfold(inner)).parts()[2]))
            j += 1
        items.append(_Block(name=name, uid=uid, lines=logical[i:j]))
        i = j
    raise ValueError("END:VCALENDAR is missing")


def _unfold(line: str) -> str:
    return re.sub(r"\r\n[ \t]", "", line)


def _prop_name(line: str) -> str:
    match = _NAME.match(line)
    return match.group(1).upper() if match else ""


def _marker(line: str, which: str) -> str | None:
    if _prop_name(line) != which:
        return None
    return _unfold(line).split(":", 1)[1].strip().upper() if ":" in line else ""


def _logical(text: str) -> list[str]:
    out: list[str] = []
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t") and out:
            out[-1] += "\r\n" + line
        elif line:
            out.append(line)
    return out


def _header(props: list[str], calendar_name: str) -> list[str]:
    """Calendar properties: the file's own, with ours added and the name kept current."""
    cal = Calendar()
    defaults = {"VERSION": "2.0", "PRODID": PRODID, "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH"}
    if props:
        defaults = {k: v for k, v in defaults.items() if k in ("VERSION", "PRODID")}
    for name, value in defaults.items():
        if not any(_prop_name(p) == name for p in props):
            cal.add(name, value)
    lead = _logical(cal.to_ical().decode("utf-8"))[1:-1]
    named = Calendar()
    named.add("X-WR-CALNAME", calendar_name)
    name_line = _logical(named.to_ical().decode("utf-8"))[1:-1]
    out, placed = list(lead), False
    for p in props:
        if _prop_name(p) == "X-WR-CALNAME":
            if not placed:
                out.extend(name_line)
                placed = True
            continue
        out.append(p)
    if not placed:
        out.extend(name_line)
    if not props:
        out.append("X-PUBLISHED-TTL:PT15M")  # how often subscribers should look again
    return out


def _sequence(block: _Block) -> int:
    try:
        return int(Component.from_ical(block.text()).get("sequence", 0))
    except Exception:
        return 0


def _event_block(r: Reminder, dtstamp: datetime, sequence: int) -> _Block:
    return _Block(name="VEVENT", uid=reminder_uid(r.key),
                  lines=_logical(event(r, dtstamp, sequence).to_ical().decode("utf-8")))
