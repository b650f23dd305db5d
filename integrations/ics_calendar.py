"""Calendar source ``ics``: one .ics file, or a folder of .ics files, on disk; or, with
``calendar.url`` instead of ``calendar.path``, a published calendar over HTTPS (see
``integrations.ics_feed``).

Rules for files:
- ``calendar.path`` is a file or a folder; relative paths are relative to the config
  file's folder. In a folder, every ``*.ics`` file is read (not sub-folders, not hidden
  files), in name order.
- A missing or unreadable path is ``NeedsUser`` naming the path and ``calendar.path``.
- A file that cannot be parsed is a problem in ``CalendarRead.problems``; the other files
  still count. Within one process, the last good parse of that file stands in for it
  (a file caught half-written must not make its interviews vanish); so it does for a file
  that could be read only in part (cut off, a component without UID that cannot be read).
  With no good parse to use, what could be read is used and the read is incomplete
  (``complete=False``), so that no loop is cancelled because of it. When nothing at the
  path is readable at all, that is ``NeedsUser``: an empty read would look like every
  interview had been removed.
- The same occurrence (UID and recurrence id) in several files: the newest copy wins, by
  SEQUENCE, then LAST-MODIFIED, then DTSTAMP (a saved update or cancellation replaces the
  original invite, and saving the older file again does not bring it back); only when
  these are equal does the most recently modified file win. When the copies differ, a
  problem names the event, both files and what decided (one line per event and pair of
  files, the same on every read while the files stay as they are).
- Cheap when idle: a file is parsed again only when its mtime_ns, size, inode or
  ctime_ns changes (coarse file-system clocks make mtime and size alone miss rewrites).
  The parse leaves out the single events far outside the window (``ical.parse_window``:
  it serves the windows of the next 30 days); a read whose window leaves it parses the
  file again. ``change_token`` is those stamps, for the daemon's nothing-changed check.
- Bounded: a file larger than ``calendar.max_megabytes`` (50 by default) is not read (a
  problem names it; like any unreadable file, its last good parse stands in for it).
"""

from __future__ import annotations

import os
from dataclasses import field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from interview_followup.daemon.errors import NeedsUser, Transient

if TYPE_CHECKING:  # icalendar is imported when a calendar is read, not when the config is loaded
    from interview_followup.daemon.calendar.ical import ParsedCalendar
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import CalendarEvent, CalendarRead, Check
from interview_followup.daemon.providers import ProviderContext
from interview_followup.integrations.ics_feed import IcsFeed, feed_address

KEY = "calendar.path"


@frozen
class _Settings:
    """The settings of [calendar] with kind = "ics"."""

    path: Path | None = field(
        default=None,
        metadata={
            "doc": "An .ics file, or a folder of .ics files, to read interviews from "
            "(leave empty to give calendar.url instead)",
            "ask": True,
        },
    )
    url: str = field(
        default="",
        repr=False,  # a secret address: never in a log line or a traceback
        metadata={
            "doc": "Instead of calendar.path: a published calendar's secret address in iCal "
            "format (https:// or webcal://)",
            "ask": True,
        },
    )
    timeout_seconds: float = field(
        default=30, metadata={"doc": "With calendar.url: for connecting and for each read."}
    )
    max_megabytes: float = field(
        default=50, metadata={"doc": "The largest calendar file or published calendar accepted."}
    )

    def __post_init__(self) -> None:
        if self.path is None and not self.url:
            raise ValueError(
                "'calendar.path' (an .ics file or folder) or 'calendar.url' (a published "
                "calendar's address) is required"
            )
        if self.path is not None and self.url:
            raise ValueError("set 'calendar.path' or 'calendar.url', not both")
        if self.url:
            feed_address(self.url)  # ValueError names the problem, never the address
        if not self.timeout_seconds > 0:
            raise ValueError("'calendar.timeout_seconds' must be more than 0")
        if not self.max_megabytes > 0:
            raise ValueError("'calendar.max_megabytes' must be more than 0")


@frozen
class _Cached:
    """The last parse of the calendar, with the file's stamp it was read at."""

    stamp: tuple[int, ...]  # (mtime_ns, size, inode, ctime_ns)
    parsed: ParsedCalendar


@frozen
class _Copy:
    """One file's copy of an occurrence."""

    rank: tuple  # ((SEQUENCE, LAST-MODIFIED, DTSTAMP), mtime_ns, order read): the highest wins
    path: Path
    event: CalendarEvent


def _newest(found: list[_Copy], problems: list[str]) -> CalendarEvent:
    """The newest of the copies of one occurrence (see the module's rules); a copy in
    another file that says something else is named in ``problems``."""
    from interview_followup.daemon.calendar.ical import event_problem, newer_by

    kept = max(found, key=lambda c: c.rank)
    for other in found:
        if other is kept or other.path == kept.path or replace(other.event, source="") == replace(
            kept.event, source=""
        ):
            continue
        mine, theirs = newer_by(kept.rank[0], other.rank[0])
        if mine:
            what = (
                f"is also in {other.path.name} with other content: the copy with {mine} from "
                f"{kept.path.name} is used ({other.path.name} has {theirs})"
            )
        else:
            what = (
                f"is also in {other.path.name} with other content, and nothing tells which is "
                "newer (the same SEQUENCE, LAST-MODIFIED and DTSTAMP): the copy from "
                f"{kept.path.name}, the file changed last, is used"
            )
        problems.append(event_problem(str(kept.path), kept.event.summary, kept.event.uid, what))
    return kept.event


class IcsCalendar:
    Settings = _Settings

    def __init__(self, path: Path, tz: ZoneInfo, max_bytes: int = 50 * 2**20):
        self.path = path
        self.tz = tz
        self.max_bytes = max_bytes
        self._cache: dict[Path, _Cached] = {}  # by file: the last parse
        self._good: dict[Path, ParsedCalendar] = {}  # by file: the last readable parse

    @classmethod
    def open(cls, settings: _Settings, context: ProviderContext) -> IcsCalendar | IcsFeed:
        if settings.url:
            return IcsFeed(
                settings.url,
                context.timezone,
                data_dir=context.data_dir,
                timeout=settings.timeout_seconds,
                max_bytes=int(settings.max_megabytes * 2**20),
                dry_run=context.dry_run,
            )
        assert settings.path is not None  # the settings check asks for one of the two
        return cls(
            context.path(settings.path), context.timezone, int(settings.max_megabytes * 2**20)
        )

    # --- CalendarSource ------------------------------------------------------------

    def read(self, start: datetime, end: datetime) -> CalendarRead:
        """Every occurrence overlapping [start, end) in the file or folder."""
        result = CalendarRead()
        copies: dict[tuple[str, str], list[_Copy]] = {}  # by (uid, rid): each file's copy
        files = self._files()
        unreadable = 0
        for order, path in enumerate(files):
            stamp, parsed = self._parse(path, (start, end))
            good = self._good.get(path)
            if not parsed.readable and good is None:
                unreadable += 1
                result.complete = False
                result.problems.extend(parsed.problems)
                continue
            if (not parsed.readable or not parsed.complete) and good is not None:
                result.problems.extend(
                    p + " (using its last good version)" for p in parsed.problems
                )
                used = good
            else:  # readable; when cut off with nothing better, what could be read
                used = parsed
            part = used.between(start, end, self.tz)
            if used is parsed:
                result.problems.extend(part.problems)
            result.complete = result.complete and part.complete
            result.bad_uids |= part.bad_uids
            for event in part.events:
                version = used.version(event.uid, event.recurrence_id)
                copies.setdefault((event.uid, event.recurrence_id), []).append(
                    _Copy((version, stamp[0], order), path, event)
                )
        if files and unreadable == len(files):
            raise NeedsUser(
                f"{KEY} {self.path}: nothing readable: " + "; ".join(result.problems),
                hint=f"point {KEY} at an iCalendar (.ics) file or a folder of them",
            )
        chosen = [_newest(found, result.problems) for found in copies.values()]
        result.problems[:] = list(dict.fromkeys(result.problems))
        result.events = sorted(chosen, key=lambda e: (e.start, e.uid))
        return result

    def change_token(self) -> str:
        """The files' (name, mtime_ns, size, inode, ctime_ns), as the parse cache compares
        them: a ``stat`` per file (and a listing for a folder), nothing read."""
        stamps = []
        for path in self._files():
            try:
                st = path.stat()
            except FileNotFoundError:  # removed between listing and stat
                continue
            except OSError as exc:
                raise Transient(f"{KEY} {path}: {exc}") from exc
            stamps.append(f"{path.name}:{st.st_mtime_ns}:{st.st_size}:{st.st_ino}:{st.st_ctime_ns}")
        return "|".join(stamps)

    def check(self) -> list[Check]:
        try:
            files = self._files()
        except NeedsUser as exc:
            return [Check(KEY, False, str(exc))]
        kind = "folder" if self.path.is_dir() else "file"
        checks = [Check(KEY, True, f"{self.path} ({kind}, {len(files)} .ics file(s))")]
        try:
            parses = [self._parse(path)[1] for path in files]
        except NeedsUser as exc:
            return [*checks, Check("calendar events", False, str(exc))]
        events = sum(p.event_count for p in parses)
        problems = [problem for p in parses for problem in p.problems]
        detail = f"{events} event(s) readable"
        if problems:
            detail += f"; {len(problems)} problem(s): " + "; ".join(problems[:5])
        checks.append(Check("calendar events", all(p.readable for p in parses), detail))
        return checks

    def close(self) -> None:
        self._cache.clear()
        self._good.clear()

    # --- files ---------------------------------------------------------------------

    def _files(self) -> list[Path]:
        try:
            if self.path.is_dir():
                return sorted(
                    p
                    for p in self.path.iterdir()
                    if p.suffix.lower() == ".ics" and not p.name.startswith(".") and p.is_file()
                )
            if self.path.is_file():
                return [self.path]
        except PermissionError:
            raise NeedsUser(
                f"{KEY} {self.path}: permission denied", hint=f"make it readable, or change {KEY}"
            ) from None
        except OSError as exc:
            raise Transient(f"{KEY} {self.path}: {exc}") from exc
        raise NeedsUser(
            f"{KEY} {self.path} does not exist",
            hint=f"set {KEY} to your calendar export (.ics file) or a folder of .ics files",
        )

    def _parse(
        self, path: Path, window: tuple[datetime, datetime] | None = None
    ) -> tuple[tuple[int, ...], ParsedCalendar]:
        """The parse of ``path``, again only when it changed (or when ``window`` leaves
        what the cached parse holds; without a window, any parse will do); a file over
        ``max_bytes`` is not read."""
        from interview_followup.daemon.calendar.ical import ParsedCalendar, parse_calendar, parse_window

        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
            cached = self._cache.get(path)
            if cached is not None and cached.stamp == stamp and (window is None or cached.parsed.serves(*window)):
                return stamp, cached.parsed
            if st.st_size > self.max_bytes:
                parsed = ParsedCalendar(source=str(path), readable=False)
                parsed.problems.append(
                    f"{path}: the file is larger than {self.max_bytes / 2**20:.3g} MB and is not "
                    "read (calendar.max_megabytes)"
                )
                self._cache[path] = _Cached(stamp, parsed)
                return stamp, parsed
            data = path.read_bytes()
        except FileNotFoundError:  # removed between listing and reading
            self._forget(path)
            return (0, 0, 0, 0), ParsedCalendar(source=str(path))
        except PermissionError:
            raise NeedsUser(
                f"{KEY} {path}: permission denied", hint=f"make it readable, or change {KEY}"
            ) from None
        except OSError as exc:
            raise Transient(f"{KEY} {path}: {exc}") from exc
        parsed = parse_calendar(data, source=str(path), window=parse_window(*window) if window else None)
        del data
        self._cache[path] = _Cached(stamp, parsed)
        if parsed.readable and parsed.complete:
            self._good[path] = parsed
        self._prune()
        return stamp, parsed

    def _forget(self, path: Path) -> None:
        self._cache.pop(path, None)
        self._good.pop(path, None)

    def _prune(self) -> None:
        """Forget files that are gone, so a long-running process does not grow."""
        for path in list(self._cache):
            if not os.path.exists(path):
                self._forget(path)

