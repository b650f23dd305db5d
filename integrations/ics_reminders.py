"""Reminders kept in one iCalendar file the user imports or subscribes to.

Rules:
- One VEVENT per reminder, UID ``keys.reminder_uid(key)``; times in UTC; a VALARM with
  ACTION:DISPLAY, a DESCRIPTION (RFC 5545 requires one) and ``TRIGGER:-<alarm_before>``
  (the event and its reading back are ``ical_reminders``, shared with the CalDAV sink).
  Each carries ``keys.REMINDER_PROPERTY`` and the reminder footer at the end of its
  description, so that it is never read as an interview even where the UID is rewritten;
  a reminder of ours without them is rewritten once by the next ``put``.
- ``put`` replaces by UID and never leaves two events with one UID. A put that changes
  nothing leaves the file as it is; a put that changes the reminder gets a new DTSTAMP and
  a higher SEQUENCE so that subscribed calendars pick the change up.
- One write per pass: ``put`` and ``remove`` change the parsed file in memory (``find``
  sees the change at once); ``flush`` writes the file once with all of them, and writes
  nothing when nothing changed. Changes not flushed are dropped by ``close``; the engine
  records a reminder as written only after ``flush`` returned, so a dropped change is an
  open intent, redone by the next pass.
- Everything in the file that is not ours (events whose UID lacks our suffix, time zones,
  to-dos, calendar properties) is kept line for line; only line endings become CRLF.
  The calendar name (X-WR-CALNAME) follows the configuration.
- A file that cannot be read or parsed raises ``NeedsUser`` and is never overwritten.
- Writes are atomic and durable: temp file in the same folder, fsync, ``os.replace``,
  fsync of the folder; the changes have reached the disk when ``flush`` returns (the
  engine marks the steps done after that). A symlinked file is written through the link.
  Mode: at most 0644. Temp files that a killed write left beside the file (``.<name>.XXXXXXXX.tmp``, the
  pattern of ``common.files.replace_file``, nothing else) are removed before this
  process's first write, and when the sink is opened if older than a minute.
- Linear work: the file is read and parsed once, then kept parsed while its inode, size,
  mtime and ctime stay the same (it is stat-ed before each use; a change by someone else
  means it is read again, and a change between our read and our write is ``Transient``,
  never clobbered: the changes not yet written are dropped, and the ``flush`` that
  follows raises ``Transient`` too, so that none of them is taken as written). Events are
  found by UID in a table; each flush writes the file once, from blocks encoded once.
  Nothing is built by repeated string concatenation.
- Bounded text (``ical_reminders``): a reminder's title is cut to ``MAX_TITLE_CHARS``,
  its description to ``MAX_DESCRIPTION_CHARS``, its link to ``MAX_LINK_CHARS``.
- Dry run: nothing is written.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.common.files import os_error, replace_file
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import REMINDER_PROPERTY, key_from_uid, reminder_uid
from interview_followup.daemon.model import Check, Reminder
from interview_followup.daemon.providers import ProviderContext

# icalendar (and ``ical_reminders``, built on it) is imported where a file is read or
# written, not when the configuration names this sink: ``status`` and ``--version`` stay quick.

_NAME = re.compile(r"^([A-Za-z0-9-]+)([:;])")
# What common.files.replace_file names its temp file: "." + name + "." + 8 of mkstemp's
# letters + ".tmp". Only files with exactly this shape are ever removed.
_TEMP_LETTERS = "[a-z0-9_]{8}"
STALE_TEMP_SECONDS = 60  # at open: a temp file this old is no write in progress


@frozen
class Settings:
    """The settings of [reminders] with kind = "ics"."""

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
    _data: bytes | None = field(default=None, repr=False)

    def text(self) -> str:
        return "\r\n".join(self.lines) + "\r\n"

    def data(self) -> bytes:
        """The block as it is written, encoded once."""
        if self._data is None:
            self._data = self.text().encode("utf-8")
        return self._data

    def marked(self) -> bool:
        """Whether it carries ``keys.REMINDER_PROPERTY`` (written by this version)."""
        return any(_prop_name(line) == REMINDER_PROPERTY for line in self.lines)


class _Doc:
    """The file: calendar properties and components in file order, events found by UID."""

    def __init__(self, props: list[str], items: list[_Block]):
        self.props = props  # calendar-level property lines, in file order
        self.items: list[_Block | None] = list(items)  # None: removed
        self.index: dict[str, list[int]] = {}  # VEVENT UID -> positions in items
        for i, block in enumerate(self.items):
            if block is not None and block.name == "VEVENT":
                self.index.setdefault(block.uid, []).append(i)

    def ours(self, uid: str) -> list[int]:
        return [i for i in self.index.get(uid, ()) if self.items[i] is not None]

    def set(self, i: int, block: _Block) -> None:
        self.items[i] = block

    def delete(self, i: int) -> None:
        self.items[i] = None

    def append(self, block: _Block) -> None:
        self.items.append(block)
        self.index.setdefault(block.uid, []).append(len(self.items) - 1)

    def blocks(self) -> Iterator[_Block]:
        return (b for b in self.items if b is not None)

    def render(self) -> bytes:
        head = "\r\n".join(["BEGIN:VCALENDAR", *self.props]) + "\r\n"
        return b"".join([head.encode("utf-8"), *(b.data() for b in self.blocks()), b"END:VCALENDAR\r\n"])


@frozen
class _Cached:
    """The reminders file as last read, with the stamp it was read at."""

    stamp: tuple[int, ...] | None  # (device, inode, size, mtime_ns, ctime_ns); None: no file yet
    doc: _Doc | None  # None: the file is empty


class IcsReminders:
    """The ``ReminderSink`` protocol on one .ics file."""

    Settings = Settings

    def __init__(self, path: Path, settings: Settings, context: ProviderContext):
        self.path = path
        self.settings = settings
        self.context = context
        self._cache: _Cached | None = None
        self._cleaned = False  # temp files of killed writes removed (before the first write)
        self._dirty = False  # the cached document holds changes not yet written (``flush``)
        self._lost = False  # changes were dropped since the last flush: the next one raises

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> IcsReminders:
        sink = cls(context.path(settings.path), settings, context)
        if not context.dry_run:
            sink._remove_temp_files(older_than=STALE_TEMP_SECONDS)
        return sink

    # --- the protocol -----------------------------------------------------------------

    def find(self, key: str) -> Reminder | None:
        doc, _ = self._load()
        if doc is None:
            return None
        for i in doc.ours(reminder_uid(key)):
            return self._reminder_of(doc.items[i])
        return None

    def put(self, reminder: Reminder) -> None:
        from .ical_reminders import normalised, stamp

        wanted = normalised(reminder)
        doc, before = self._load()
        if self.context.dry_run:
            return
        # everything that may fail comes first; the document is changed only at the end
        doc = doc or _Doc(props=[], items=[])
        uid = reminder_uid(wanted.key)
        found = doc.ours(uid)
        changed = len(found) != 1
        if found and doc.items[found[0]].marked() and self._reminder_of(doc.items[found[0]]) == wanted:
            block = doc.items[found[0]]  # unchanged: keep it as it is, DTSTAMP included
        else:
            sequence = _sequence(doc.items[found[0]]) + 1 if found else 0
            block = _event_block(wanted, stamp(self.context.clock), sequence)
            changed = True
        if not changed and not self._dirty and _header(doc.props, self.settings.calendar_name) == doc.props:
            return  # nothing to write
        try:
            if found:
                doc.set(found[0], block)
                for i in found[1:]:
                    doc.delete(i)
            else:
                doc.append(block)
            self._cache = _Cached(before, doc)
            self._dirty = True
        except BaseException:
            self._drop()
            raise

    def remove(self, key: str) -> None:
        doc, _ = self._load()
        if doc is None or self.context.dry_run:
            return
        found = doc.ours(reminder_uid(key))
        if not found:
            return
        try:
            for i in found:
                doc.delete(i)
            self._dirty = True
        except BaseException:
            self._drop()
            raise

    def flush(self) -> None:
        """Write the file once with the puts and removes since the last flush (nothing
        when none changed it). ``Transient`` when changes were dropped meanwhile (the file
        changed under them) or the file changed since it was read: none is then written."""
        if self._lost:  # none of the changes since the last flush is written
            self._cache, self._dirty, self._lost = None, False, False
            raise Transient(f"reminders file {self.path} changed while it was being updated; "
                            "its reminders are written again on the next pass")
        if not self._dirty or self._cache is None or self.context.dry_run:
            self._dirty = False
            return
        try:
            self._write(self._cache.doc or _Doc(props=[], items=[]), self._cache.stamp)
        except BaseException:
            self._drop()
            self._lost = False  # this flush reports it
            raise
        self._dirty = False

    def place(self) -> str:
        return str(self.path)

    def check(self) -> list[Check]:
        folder = self.path.parent
        if not self.path.exists():
            ok = os.access(folder, os.W_OK) if folder.exists() else True
            detail = "will be created with the first reminder" if ok else "its folder is not writable"
            return [Check("reminders file", ok, f"{self.path}: {detail} (reminders.path)")]
        try:
            doc, _ = self._load()
        except (NeedsUser, Transient) as exc:
            return [Check("reminders file", False, str(exc))]
        items = list(doc.blocks()) if doc else []
        ours = sum(1 for b in items if b.name == "VEVENT" and key_from_uid(b.uid) is not None)
        writable = os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)
        detail = f"{self.path}: {ours} reminder(s), {len(items) - ours} other component(s)"
        return [Check("reminders file", writable, detail + ("" if writable else "; not writable"))]

    def close(self) -> None:
        """Forget the parsed file; changes not flushed are dropped (their intents stay open)."""
        self._cache = None
        self._dirty = self._lost = False

    def _drop(self) -> None:
        """Forget the parsed file, and the changes not yet written (the next flush says so)."""
        self._cache = None
        if self._dirty:
            self._lost = True
        self._dirty = False

    # --- reading ----------------------------------------------------------------------

    def _stamp(self) -> tuple[int, ...] | None:
        """The file's (device, inode, size, mtime_ns, ctime_ns); None when missing."""
        with self._errors():
            try:
                st = os.stat(self.path)
            except FileNotFoundError:
                return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _load(self) -> tuple[_Doc | None, tuple[int, ...] | None]:
        """The parsed file (None when missing or empty) and the stamp it was read at
        (None when missing). Read again only when the file changed; while it holds changes
        not yet written, a file changed by someone else drops them and is ``Transient``."""
        if self._dirty and self._cache is not None:
            now = self._stamp()
            if now == self._cache.stamp:
                return self._cache.doc, now
            self._drop()
            what = "vanished" if now is None else "changed"
            raise Transient(f"{self.path} {what} while it was being updated; "
                            "its reminders are written again on the next pass")
        for _ in range(3):
            before = self._stamp()
            if before is None:
                self._cache = None
                return None, None
            if self._cache is not None and self._cache.stamp == before:
                return self._cache.doc, before
            self._cache = None
            with self._errors():
                try:
                    raw = self.path.read_bytes()
                except FileNotFoundError:
                    continue  # replaced or removed meanwhile: look again
                except IsADirectoryError:
                    raise NeedsUser(
                        f"reminders file {self.path} is a folder",
                        hint="set reminders.path to a file name",
                    ) from None
            if self._stamp() != before:
                continue  # written while we read it: read it again
            doc = self._parse(raw)
            self._cache = _Cached(before, doc)
            return doc, before
        raise Transient(f"reminders file {self.path} keeps changing while it is read")

    def _parse(self, raw: bytes) -> _Doc | None:
        if not raw.strip():
            return None
        try:
            from icalendar import Calendar

            text = raw.decode("utf-8-sig")
            Calendar.from_ical(text)  # the library must accept it too
            return _split(text)
        except Exception as exc:  # anything the parsers reject: never overwrite it
            raise NeedsUser(
                f"reminders file {self.path} is not a valid iCalendar file ({_short(exc)}); "
                "it was left untouched",
                hint="repair it or move it away, or set reminders.path to another file",
            ) from None

    def _reminder_of(self, block: _Block) -> Reminder | None:
        """The reminder an event of ours holds; None if it cannot be read (a put fixes it)."""
        from icalendar import Component

        from .ical_reminders import reminder_of

        try:
            vevent = Component.from_ical(block.text())
        except Exception:  # noqa: BLE001 - edited beyond recognition
            return None
        return reminder_of(key_from_uid(block.uid) or "", vevent, self.context.timezone)

    # --- writing ----------------------------------------------------------------------

    def _write(self, doc: _Doc, before: tuple[int, ...] | None) -> None:
        doc.props = _header(doc.props, self.settings.calendar_name)
        data = doc.render()
        target = Path(os.path.realpath(self.path))
        with self._errors():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._cleaned:
                self._remove_temp_files(older_than=None)
            now = self._stamp()
            if now != before:
                what = "vanished" if now is None else "changed"
                raise Transient(f"{self.path} {what} while it was being updated")
            try:
                mode = target.stat().st_mode & 0o644
            except FileNotFoundError:
                mode = 0o644
            replace_file(target, data, mode)
            after = self._stamp()
        self._cache = _Cached(after, doc) if after is not None else None

    def _remove_temp_files(self, older_than: float | None) -> None:
        """Remove the temp files killed writes left beside the file (our pattern only;
        with ``older_than``, only those not modified for that many seconds)."""
        try:
            target = Path(os.path.realpath(self.path))
            pattern = re.compile(re.escape(f".{target.name}.") + _TEMP_LETTERS + re.escape(".tmp"))
            names = [n for n in os.listdir(target.parent) if pattern.fullmatch(n)]
        except OSError:
            return  # no folder yet, or not readable: the write reports what matters
        now = time.time()
        for name in names:
            path = target.parent / name
            try:
                st = os.lstat(path)
                if not os.path.isfile(path) or os.path.islink(path) or st.st_uid != os.getuid():
                    continue
                if older_than is not None and now - st.st_mtime < older_than:
                    continue
                os.unlink(path)
            except OSError:
                continue
        if older_than is None:
            self._cleaned = True

    @contextmanager
    def _errors(self) -> Iterator[None]:
        hint = f"check that this user may read and write {self.path} and its folder, or change reminders.path"
        try:
            yield
        except OSError as exc:  # no space: Transient (75); permissions, read-only: NeedsUser (2)
            raise os_error(exc, "reminders file", self.path, hint=hint) from None


# --- the file's text --------------------------------------------------------------------


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:199] + "…"


def _split(text: str) -> _Doc:
    """The calendar's structure, keeping every line's text (raises ValueError if broken)."""
    from icalendar.parser import Contentline
    from icalendar.prop import vText

    logical = _logical(text, re.split(r"\r\n|\n|\r", text))
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
                raise ValueError(f"unexpected {line.strip()[:60]}")
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


def _logical(text: str, physical: list[str] | None = None) -> list[str]:
    """Logical lines (a fold kept as CRLF + the continuation), blank lines dropped. Each is
    joined once from its parts: appending to a growing string would be quadratic in a long
    folded value."""
    out: list[list[str]] = []
    for line in text.split("\r\n") if physical is None else physical:
        if line[:1] in (" ", "\t") and out:
            out[-1].append(line)
        elif line.strip():
            out.append([line])
    return ["\r\n".join(parts) for parts in out]


def _header(props: list[str], calendar_name: str) -> list[str]:
    """Calendar properties: the file's own, with ours added and the name kept current."""
    from icalendar import Calendar

    from .ical_reminders import PRODID

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
    from icalendar import Component

    try:
        return int(Component.from_ical(block.text()).get("sequence", 0))
    except Exception:
        return 0


def _event_block(r: Reminder, dtstamp: datetime, sequence: int) -> _Block:
    from .ical_reminders import event

    return _Block(name="VEVENT", uid=reminder_uid(r.key),
                  lines=_logical(event(r, dtstamp, sequence).to_ical().decode("utf-8")))
