"""Calendar source ``caldav``: the interviews are read from calendars on a CalDAV server
(Fastmail, iCloud, Nextcloud, Radicale, ...).

Rules:
- ``calendars`` names the calendars to read (display names); by default every calendar
  that holds events. A name that matches no calendar is ``NeedsUser`` listing the names
  there are.
- Incremental: every calendar's objects (their text and ETags) are kept in memory and in
  a cache file in the data folder (``caldav-calendar-<hash>.json``, mode 0600), with the
  calendar's change marker. A pass starts with one PROPFIND of the calendar home that
  returns every calendar's ``DAV:sync-token`` (else ``CS:getctag``): a calendar whose
  marker did not change costs nothing more, so a pass where nothing changed is one
  request (plus the sign-in challenge on the first request of a process). ``change_token``
  makes that request and counts the syncs that changed something.
- A changed calendar is synchronised with a ``sync-collection`` REPORT (RFC 6578) from
  the kept token where the server has sync tokens (an answer truncated with 507 is
  followed with the new token), else by a PROPFIND of its members' ETags; the objects
  whose ETag changed are fetched with ``calendar-multiget``, 100 at a time. A token the
  server no longer accepts (403/409/412, or the ``DAV:valid-sync-token`` precondition)
  means a full synchronisation from an empty token.
- Each object is turned into occurrences by ``daemon.calendar.ical`` (time zones, floating and
  all-day times, recurrences, broken events), exactly as the ``ics`` source does; each
  object's parse is kept while its ETag stays the same.
- An object deleted on the server (or a whole calendar deleted) is remembered for
  ``TOMBSTONE_DAYS``: its occurrences are reported with status ``cancelled``, so that the
  core cancels the loop, unless the same UID lives on in another object (an event moved
  between calendars).
- The objects this program wrote (UIDs ending in ``@interview-followup``, see
  ``daemon.keys``) are never read as interviews.
- An object that cannot be parsed is a problem in ``CalendarRead.problems``; its UID (when
  one can be seen) goes to ``bad_uids``, and when none can, the read is not ``complete``
  (so that no loop is taken for vanished). One whose reading raises unexpectedly is treated
  alike and reported to the engine (``logs.skipped``), which names it once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.calendar.ical import ParsedCalendar, event_problem, newer_by, parse_calendar
from interview_followup.daemon.common import logs
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import CalendarEvent, CalendarRead, Check
from interview_followup.daemon.providers import ProviderContext

from .caldav_account import (
    C,
    CALDAV_LIBRARIES,
    D,
    NAMESPACES,
    XML_HEAD,
    AccountSettings,
    CalDavAccount,
    Collection,
    entries,
    find_named,
    is_ours,
    write_private_json,
    xml_text,
)

log = logging.getLogger(__name__)

CACHE_VERSION = 1
TOMBSTONE_DAYS = 90  # how long a deleted object's events are reported as cancelled
MULTIGET_BATCH = 100
MAX_SYNC_PAGES = 50
_UID_LINE = re.compile(r"^UID[;:](?:[^:\r\n]*:)?(.+)$", re.MULTILINE | re.IGNORECASE)


@frozen
class Settings(AccountSettings):
    calendars: tuple[str, ...] = field(default=(), metadata={
        "doc": "The calendars to read interviews from, by name; empty: every calendar that holds events."})

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in self.calendars:
            if not isinstance(name, str) or not name.strip() or any(c in name for c in "\r\n\0"):
                raise ValueError("calendars must be a list of calendar names")


@dataclass
class _Object:
    href: str  # as the server wrote it
    etag: str
    data: str


@dataclass
class _CalendarState:
    url: str
    name: str
    marker: str = ""  # the sync-token or ctag the objects correspond to
    sync_token: str = ""  # for the next sync-collection REPORT
    objects: dict[str, _Object] = field(default_factory=dict)  # by decoded path


@dataclass
class _Tombstone:
    data: str
    name: str  # the calendar it was in
    deleted_at: datetime


class _TokenRefused(Exception):
    """The server no longer accepts the sync token: synchronise in full."""


class CalDavCalendar:
    """The ``CalendarSource`` protocol on calendars of a CalDAV account."""

    Settings = Settings
    requires = CALDAV_LIBRARIES  # imported by open_providers before the calendar is opened
    label = "the CalDAV calendar"

    def __init__(self, settings: Settings, context: ProviderContext, account: CalDavAccount | None = None):
        self.settings = settings
        self.context = context
        self.account = account or CalDavAccount(settings, context, "calendar")
        digest = hashlib.sha256(f"{settings.url}\0{settings.username}".encode()).hexdigest()[:12]
        self.cache_file = context.data_dir / f"caldav-calendar-{digest}.json"
        self._states: dict[str, _CalendarState] = {}  # by calendar URL
        self._tombstones: dict[str, _Tombstone] = {}  # by object path
        self._parsed: dict[tuple[str, str], ParsedCalendar] = {}  # by (path, etag)
        self._loaded = False
        self._generation = 0  # counts the syncs that changed what is kept (``change_token``)

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> CalDavCalendar:
        return cls(settings, context)

    # --- CalendarSource ------------------------------------------------------------

    def read(self, start: datetime, end: datetime) -> CalendarRead:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the window must be time-zone aware")
        self._up_to_date()
        return self._between(start, end)

    def change_token(self) -> str:
        """The count of syncs that changed something, after one sync: one PROPFIND of the
        calendar home when no calendar's marker changed."""
        self._up_to_date()
        return f"{id(self)}:{self._generation}"

    def _up_to_date(self) -> None:
        self._load_cache()
        if self._sync():
            self._generation += 1
            self._save_cache()

    def check(self) -> list[Check]:
        who = self.settings.username or "no sign-in"
        try:
            calendars = self._chosen(self.account.calendars())
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return [Check.failed("caldav calendar", exc)]
        how = {"sync-token" if c.sync_token else "ctag" if c.ctag else "etags" for c in calendars}
        names = ", ".join(repr(c.name) for c in calendars) or "none"
        detail = (f"{self.account.host} as {who}: reading {len(calendars)} calendar(s): {names} "
                  f"(changes found by {', '.join(sorted(how)) or 'nothing'})")
        return [Check("caldav calendar", bool(calendars), detail if calendars else detail + ": no calendar with events")]

    def close(self) -> None:
        self.account.close()
        self._states.clear()
        self._tombstones.clear()
        self._parsed.clear()
        self._loaded = False
        self._generation += 1

    # --- syncing -------------------------------------------------------------------

    def _chosen(self, calendars: list[Collection]) -> list[Collection]:
        if not self.settings.calendars:
            chosen = [c for c in calendars if c.holds("VEVENT")]
            if not chosen:  # never an empty read, which would look as if every interview was deleted
                raise NeedsUser(f"{self.account.where}: no calendar with events at {self.settings.url}",
                                hint="check calendar.url (the README lists the providers' addresses)")
            return chosen
        chosen, missing = [], []
        for name in self.settings.calendars:
            cal = find_named(calendars, name)
            if cal is None:
                missing.append(name)
            elif cal not in chosen:
                chosen.append(cal)
        if missing:
            there = ", ".join(repr(c.name) for c in calendars) or "none"
            raise NeedsUser(
                f"{self.account.where}: no calendar named {', '.join(map(repr, missing))} (calendars there: {there})",
                hint="correct calendar.calendars, or leave it empty to read every calendar with events",
            )
        return chosen

    def _sync(self) -> bool:
        """Bring the kept objects up to date; True when anything changed."""
        listing = self.account.calendars()
        chosen = self._chosen(listing)
        changed = False
        now = self.context.clock.now()
        present = {c.url for c in listing}
        for url in list(self._states):
            if url not in {c.url for c in chosen}:
                state = self._states.pop(url)
                if url not in present:  # the calendar itself was deleted
                    for path, obj in state.objects.items():
                        self._bury(path, obj, state.name, now)
                changed = True
        for cal in chosen:
            state = self._states.get(cal.url)
            if state is None:
                state = self._states[cal.url] = _CalendarState(url=cal.url, name=cal.name)
                changed = True
            if state.name != cal.name:
                state.name = cal.name
                changed = True
            if cal.marker and cal.marker == state.marker:
                continue  # unchanged: no request at all
            self._refresh(cal, state, now)
            state.marker = cal.marker
            changed = True
        changed |= self._prune(now)
        return changed

    def _refresh(self, cal: Collection, state: _CalendarState, now: datetime) -> None:
        """Fetch what changed in one calendar. Nothing is kept until everything is fetched,
        so that a failure halfway leaves the calendar as it was (and the token with it)."""
        token = state.sync_token
        if cal.sync_token:
            try:
                found, removed, token = self._sync_report(cal.url, state.sync_token)
                full = not state.sync_token
            except _TokenRefused:
                log.info("CalDAV: the server no longer accepts the sync token of %r; synchronising in full", cal.name)
                found, removed, token = self._sync_report(cal.url, "")
                full = True
        else:
            found, removed, full = self._etags(cal.url), set(), True
        if full:
            removed |= set(state.objects) - set(found)
        wanted = {path: href for path, (href, etag) in found.items()
                  if not etag or path not in state.objects or state.objects[path].etag != etag}
        fetched, gone = self._multiget(cal.url, wanted)
        for path, obj in fetched.items():
            state.objects[path] = obj
            self._tombstones.pop(path, None)
        for path in removed | gone:
            obj = state.objects.pop(path, None)
            if obj is not None:
                self._bury(path, obj, state.name, now)
        state.sync_token = token

    def _sync_report(self, url: str, token: str) -> tuple[dict[str, tuple[str, str]], set[str], str]:
        """(changed members {path: (href, etag)}, removed paths, new token)."""
        found: dict[str, tuple[str, str]] = {}
        removed: set[str] = set()
        for _ in range(MAX_SYNC_PAGES):
            body = (f"{XML_HEAD}<d:sync-collection {NAMESPACES}><d:sync-token>{xml_text(token)}</d:sync-token>"
                    "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>")
            reply = self.account.report(url, body, 0, "reading the calendar's changes")
            if token and (reply.status in (403, 409, 412, 400)
                          or D + "valid-sync-token" in reply.preconditions):
                raise _TokenRefused()
            if reply.status != 207:
                raise self.account.refused(reply, url, "reading the calendar's changes")
            truncated = False
            own = unquote(urlsplit(url).path).rstrip("/")
            for entry in entries(reply.tree):
                if entry.path.rstrip("/") == own:
                    truncated = truncated or entry.status == 507
                    continue
                if entry.href.endswith("/"):
                    continue  # a sub-collection
                if entry.status == 404 and D + "getetag" not in entry.props:
                    removed.add(entry.path)
                    found.pop(entry.path, None)
                else:
                    found[entry.path] = (entry.href, entry.text(D + "getetag"))
                    removed.discard(entry.path)
            new_token = (reply.tree.findtext(D + "sync-token") or "").strip() if reply.tree is not None else ""
            if not truncated or not new_token or new_token == token:
                return found, removed, new_token
            token = new_token
        log.warning("CalDAV: %s: the changes were still truncated after %d pages", url, MAX_SYNC_PAGES)
        return found, removed, token

    def _etags(self, url: str) -> dict[str, tuple[str, str]]:
        """Every member of a calendar without sync tokens, with its ETag."""
        found = {}
        own = unquote(urlsplit(url).path).rstrip("/")
        for entry in self.account.propfind(url, ("d:getetag", "d:resourcetype"), 1, "listing the calendar's events"):
            kind = entry.props.get(D + "resourcetype")
            if entry.path.rstrip("/") == own or (kind is not None and kind.find(D + "collection") is not None):
                continue
            found[entry.path] = (entry.href, entry.text(D + "getetag"))
        return found

    def _multiget(self, url: str, wanted: dict[str, str]) -> tuple[dict[str, _Object], set[str]]:
        """The objects at ``wanted`` ({path: href}); and the paths that are gone meanwhile."""
        fetched: dict[str, _Object] = {}
        gone: set[str] = set()
        items = sorted(wanted.items())
        for i in range(0, len(items), MULTIGET_BATCH):
            batch = items[i:i + MULTIGET_BATCH]
            hrefs = "".join(f"<d:href>{xml_text(href)}</d:href>" for _, href in batch)
            body = (f"{XML_HEAD}<c:calendar-multiget {NAMESPACES}><d:prop><d:getetag/><c:calendar-data/></d:prop>"
                    f"{hrefs}</c:calendar-multiget>")
            reply = self.account.report(url, body, 1, "reading the calendar's events")
            if reply.status != 207:
                raise self.account.refused(reply, url, "reading the calendar's events")
            for entry in entries(reply.tree):
                data = entry.props.get(C + "calendar-data")
                if entry.status == 404 or (data is None and entry.status // 100 != 2):
                    gone.add(entry.path)
                elif data is not None:
                    fetched[entry.path] = _Object(entry.href, entry.text(D + "getetag"), data.text or "")
        return fetched, gone - set(fetched)

    def _bury(self, path: str, obj: _Object, name: str, now: datetime) -> None:
        self._tombstones[path] = _Tombstone(obj.data, name, now)

    def _prune(self, now: datetime) -> bool:
        old = [p for p, t in self._tombstones.items() if now - t.deleted_at > timedelta(days=TOMBSTONE_DAYS)]
        for path in old:
            del self._tombstones[path]
        live = {(p, o.etag) for s in self._states.values() for p, o in s.objects.items()}
        for key in [k for k in self._parsed if k not in live and k[0] not in self._tombstones]:
            del self._parsed[key]
        return bool(old)

    # --- converting ----------------------------------------------------------------

    def _parse(self, path: str, etag: str, data: str, name: str) -> ParsedCalendar:
        key = (path, etag or hashlib.sha256(data.encode()).hexdigest())
        parsed = self._parsed.get(key)
        if parsed is None:
            file = path.rstrip("/").rsplit("/", 1)[-1]
            parsed = parse_calendar(data.encode("utf-8"), source=f"CalDAV calendar {name!r} ({file})")
            self._parsed[key] = parsed
        return parsed

    def _between(self, start: datetime, end: datetime) -> CalendarRead:
        read = CalendarRead()
        chosen: dict[tuple[str, str], CalendarEvent] = {}
        kept: dict[tuple[str, str], tuple[tuple, str]] = {}  # -> (its version, the object it came from)
        live_uids: set[str] = set()
        for state in self._states.values():
            for path, obj in sorted(state.objects.items()):
                try:
                    parsed = self._parse(path, obj.etag, obj.data, state.name)
                    readable = parsed.readable
                    part = parsed.between(start, end, self.context.timezone) if readable else None
                except Exception as exc:  # noqa: BLE001 - one object: the others are read
                    logs.skipped(f"CalDAV object {path}", exc)
                    uids = [u.strip() for u in _UID_LINE.findall(obj.data) if u.strip()]
                    read.bad_uids.update(uids)  # its loops are not taken for cancelled
                    live_uids.update(uids)
                    if not uids:
                        read.complete = False
                    continue
                live_uids |= {uid for uid, _ in parsed.groups} | parsed.bad_uids
                if not readable:
                    uids = [u.strip() for u in _UID_LINE.findall(obj.data) if u.strip()]
                    if uids:
                        read.bad_uids.update(uids)
                        live_uids.update(uids)
                    else:
                        read.complete = False
                    read.problems.extend(parsed.problems)
                    continue
                read.problems.extend(part.problems)
                read.bad_uids |= part.bad_uids
                for event in part.events:
                    if is_ours(event.uid):
                        continue
                    event = replace(event, source=f"caldav:{state.name}")
                    self._keep_newest(chosen, kept, event, parsed.version(event.uid, event.recurrence_id),
                                      f"{state.name!r} ({path.rstrip('/').rsplit('/', 1)[-1]})", read.problems)
        for path, stone in sorted(self._tombstones.items()):
            parsed = self._parse(path, "deleted", stone.data, stone.name)
            if not parsed.readable:
                continue
            for event in parsed.between(start, end, self.context.timezone).events:
                if is_ours(event.uid) or event.uid in live_uids:
                    continue
                gone = replace(event, status="cancelled", source=f"caldav:{stone.name}")
                chosen.setdefault((event.uid, event.recurrence_id), gone)
        read.events = sorted(chosen.values(), key=lambda e: (e.start, e.uid, e.recurrence_id))
        read.problems[:] = list(dict.fromkeys(read.problems))
        return read

    @staticmethod
    def _keep_newest(chosen: dict, kept: dict, event: CalendarEvent, version: tuple, where: str,
                     problems: list[str]) -> None:
        """Two objects with one UID (a server that kept an old copy, an invitation in two
        calendars): the higher SEQUENCE wins, then LAST-MODIFIED, then DTSTAMP, as in .ics
        files; a warning names both. Copies that differ only in those stamps say nothing."""
        key = (event.uid, event.recurrence_id)
        if key not in chosen:
            chosen[key], kept[key] = event, (version, where)
            return
        (old_version, old_where), old = kept[key], chosen[key]
        if version > old_version:
            chosen[key], kept[key] = event, (version, where)
            newer, older, newer_where, older_where = event, old, where, old_where
            mine, theirs = newer_by(version, old_version)
        else:
            newer, older, newer_where, older_where = old, event, old_where, where
            mine, theirs = newer_by(old_version, version)
        if replace(newer, source="") == replace(older, source=""):
            return
        what = (f"is also in {older_where} with other content: the copy with {mine} from {newer_where} is used "
                f"({older_where} has {theirs})" if mine else
                f"is also in {older_where} with other content, and nothing tells which is newer: the copy from "
                f"{newer_where} is used")
        problems.append(event_problem(f"CalDAV calendar {newer_where}", newer.summary, newer.uid, what))

    # --- the cache file ------------------------------------------------------------

    def _load_cache(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION or data.get("url") != self.settings.url \
                    or data.get("username") != self.settings.username:
                return
            states = {}
            for url, s in data["calendars"].items():
                states[url] = _CalendarState(
                    url=url, name=str(s["name"]), marker=str(s["marker"]), sync_token=str(s["sync_token"]),
                    objects={p: _Object(str(o["href"]), str(o["etag"]), str(o["data"]))
                             for p, o in s["objects"].items()},
                )
            tombstones = {p: _Tombstone(str(t["data"]), str(t["name"]), datetime.fromisoformat(t["deleted_at"]))
                          for p, t in data["tombstones"].items()}
            home = data.get("home")
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("CalDAV: ignoring the unreadable cache %s: %s", self.cache_file, exc)
            return
        self._states, self._tombstones = states, tombstones
        if isinstance(home, str) and home:
            self.account.remember_home(home, bool(data.get("single")))

    def _save_cache(self) -> None:
        data = {
            "version": CACHE_VERSION,
            "url": self.settings.url,
            "username": self.settings.username,
            "home": self.account.home(),
            "single": self.account.single,
            "calendars": {
                url: {"name": s.name, "marker": s.marker, "sync_token": s.sync_token,
                      "objects": {p: {"href": o.href, "etag": o.etag, "data": o.data} for p, o in s.objects.items()}}
                for url, s in self._states.items()
            },
            "tombstones": {p: {"data": t.data, "name": t.name, "deleted_at": t.deleted_at.isoformat()}
                           for p, t in self._tombstones.items()},
        }
        try:
            write_private_json(self.cache_file, data)
        except OSError as exc:
            log.warning("CalDAV: cannot write the cache %s: %s", self.cache_file, exc)
