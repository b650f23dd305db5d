"""Google Calendar v3, emulated with real state, for the real client library.

The client is pointed at ``emulator.url + "calendar/v3/"``. What is emulated:

- calendars: a primary one (``primary`` is an alias of its id) and created ones
  (``calendars.get``, ``calendars.insert``, ``calendarList.list``);
- events: ``insert`` (start and end required, ids assigned unless given, a given id that
  exists is 409), ``get``, ``update`` (PUT; it also revives a deleted event, as Google
  does), ``patch``, ``delete`` (marks the event cancelled; deleting it again is 410);
- ``events.list``: ``timeMin``/``timeMax`` (an event's end after timeMin, its start before
  timeMax), ``pageToken``/``maxResults`` paging, ``showDeleted``, ``privateExtendedProperty``
  (``key=value``, all must match), ``q``, and incremental sync: every list's last page
  carries ``nextSyncToken``; a list with ``syncToken`` answers only the events changed since,
  deleted ones as little more than their id; an unknown or expired token is 410, and a
  ``syncToken`` combined with timeMin/timeMax/q/privateExtendedProperty/iCalUID/orderBy/
  updatedMin is 400, as Google does.

Not emulated: recurrence expansion (``singleEvents`` is accepted and ignored: tests add the
occurrences as Google's expanded view shows them, with ``recurringEventId`` and
``originalStartTime``), ACLs, colours, free/busy, watch channels, batch requests.

Writes that would email the guests (``sendUpdates`` all/externalOnly) are recorded in
``notified``.

Non-conforming mode (``Emulator(quirks=...)``, see server.py): ``ignore_private_filter``,
``drop_extended_properties`` (on the client's inserts, updates and patches) and
``ignore_event_ids`` (an insert takes a new id of the server's whatever the client gave).

Test helpers: ``add_event(calendar_id, body)``, ``events(calendar_id, deleted=False)``,
``add_calendar(summary)``, ``expire_sync_tokens()``.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from .server import ApiError, Emulator, Request

PRIMARY_ID = "alex@example.org"
ROOT = r"/calendar/v3"
_NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "q", "privateExtendedProperty", "iCalUID", "orderBy", "updatedMin")
_ID_CHARS = set("abcdefghijklmnopqrstuv0123456789")


@dataclass
class _Event:
    body: dict
    seq: int  # the change number of its last change

    @property
    def cancelled(self) -> bool:
        return self.body.get("status") == "cancelled"


@dataclass
class _Calendar:
    id: str
    summary: str
    time_zone: str
    primary: bool = False
    events: dict[str, _Event] = field(default_factory=dict)

    def resource(self) -> dict:
        return {"kind": "calendar#calendar", "etag": f'"{self.id}"', "id": self.id,
                "summary": self.summary, "timeZone": self.time_zone}


class CalendarApi:
    """The state and the handlers; ``install`` wires them into an ``Emulator``."""

    def __init__(self, emulator: Emulator, time_zone: str = "Europe/Berlin"):
        self.emulator = emulator
        self.calendars: dict[str, _Calendar] = {
            PRIMARY_ID: _Calendar(PRIMARY_ID, PRIMARY_ID, time_zone, primary=True)
        }
        self.seq = 0  # the last change number handed out
        self.generation = 0  # bumped by expire_sync_tokens()
        self.notified: list[tuple[str, str]] = []  # (method, path) of writes that would email guests

    # --- test helpers ----------------------------------------------------------------

    def add_event(self, calendar_id: str, body: dict) -> dict:
        """Add an event as the user (or an invitation) would; returns it as stored."""
        with self.emulator.lock:
            return self._insert(self._calendar(calendar_id), copy.deepcopy(body), by_client=False)

    def add_calendar(self, summary: str, time_zone: str = "Europe/Berlin") -> str:
        with self.emulator.lock:
            return self._new_calendar({"summary": summary, "timeZone": time_zone})["id"]

    def events(self, calendar_id: str = "primary", deleted: bool = False) -> list[dict]:
        """The stored events (deep copies), live ones only unless ``deleted``."""
        with self.emulator.lock:
            cal = self._calendar(calendar_id)
            return [copy.deepcopy(e.body) for e in cal.events.values() if deleted or not e.cancelled]

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        with self.emulator.lock:
            self._delete(self._calendar(calendar_id), event_id)

    def update_event(self, calendar_id: str, event_id: str, changes: dict) -> dict:
        with self.emulator.lock:
            return self._patch(self._calendar(calendar_id), event_id, changes)

    def expire_sync_tokens(self) -> None:
        """Every sync token handed out so far becomes invalid (410 on its next use)."""
        with self.emulator.lock:
            self.generation += 1

    # --- state -------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _calendar(self, calendar_id: str) -> _Calendar:
        calendar_id = unquote(calendar_id)
        if calendar_id == "primary":
            calendar_id = PRIMARY_ID
        cal = self.calendars.get(calendar_id)
        if cal is None:
            raise ApiError(404, "Not Found", "notFound")
        return cal

    def _new_calendar(self, body: Any) -> dict:
        if not isinstance(body, dict) or not str(body.get("summary", "")).strip():
            raise ApiError(400, "Missing summary.", "required")
        cal_id = f"{uuid.uuid4().hex}@group.calendar.google.com"
        cal = _Calendar(cal_id, str(body["summary"]), str(body.get("timeZone") or "UTC"))
        self.calendars[cal_id] = cal
        return cal.resource()

    def _insert(self, cal: _Calendar, body: Any, by_client: bool = True) -> dict:
        body = _checked_event(body)
        if by_client and "ignore_event_ids" in self.emulator.quirks:
            body.pop("id", None)  # a server that names events itself
        event_id = str(body.get("id") or uuid.uuid4().hex)
        if by_client and (len(event_id) < 5 or not set(event_id) <= _ID_CHARS):
            raise ApiError(400, "Invalid resource id value.", "invalid")
        if event_id in cal.events:
            raise ApiError(409, "The requested identifier already exists.", "duplicate")
        now = _now()
        body.update(kind="calendar#event", id=event_id, created=now, updated=now, sequence=0)
        body.setdefault("status", "confirmed")
        body.setdefault("iCalUID", f"{event_id}@google.com")
        body.setdefault("organizer", {"email": cal.id, "self": True})
        seq = self._next_seq()
        body["etag"] = f'"{seq}"'
        cal.events[event_id] = _Event(body, seq)
        return copy.deepcopy(body)

    def _get(self, cal: _Calendar, event_id: str) -> _Event:
        stored = cal.events.get(unquote(event_id))
        if stored is None:
            raise ApiError(404, "Not Found", "notFound")
        return stored

    def _replace(self, cal: _Calendar, event_id: str, body: Any) -> dict:
        stored = self._get(cal, event_id)
        body = _checked_event(body)
        old = stored.body
        keep = {k: old[k] for k in ("kind", "id", "created", "iCalUID", "organizer", "recurringEventId",
                                    "originalStartTime") if k in old}
        body = {**body, **keep}
        body.setdefault("status", "confirmed")  # a PUT without status revives a deleted event
        return self._store(stored, body)

    def _patch(self, cal: _Calendar, event_id: str, changes: Any) -> dict:
        stored = self._get(cal, event_id)
        if not isinstance(changes, dict):
            raise ApiError(400, "Bad Request", "badRequest")
        body = copy.deepcopy(stored.body)
        for k, v in changes.items():
            if k not in ("id", "kind", "created", "iCalUID"):
                body[k] = copy.deepcopy(v)
        body = _checked_event(body)
        return self._store(stored, body)

    def _store(self, stored: _Event, body: dict) -> dict:
        body["sequence"] = int(stored.body.get("sequence", 0)) + 1
        body["updated"] = _now()
        stored.seq = self._next_seq()
        body["etag"] = f'"{stored.seq}"'
        stored.body = body
        return copy.deepcopy(body)

    def _delete(self, cal: _Calendar, event_id: str) -> None:
        stored = self._get(cal, event_id)
        if stored.cancelled:
            raise ApiError(410, "Resource has been deleted", "deleted")
        stored.body["status"] = "cancelled"
        stored.body["updated"] = _now()
        stored.seq = self._next_seq()

    # --- handlers ----------------------------------------------------------------------

    def _client_body(self, req: Request) -> Any:
        """The body of a client's write, as a non-conforming server keeps it."""
        body = req.body
        if isinstance(body, dict) and "drop_extended_properties" in self.emulator.quirks:
            body = {k: v for k, v in body.items() if k != "extendedProperties"}
        return body

    def _notify(self, req: Request) -> None:
        """Google emails the guests when sendUpdates is all or externalOnly (or, for old
        clients, sendNotifications=true): recorded, so tests can prove it never happens."""
        if req.arg("sendUpdates", "none") != "none" or req.arg("sendNotifications") == "true":
            self.notified.append((req.method, req.path))

    def h_calendar_get(self, req: Request):
        return 200, self._calendar(req.match["cal"]).resource()

    def h_calendar_insert(self, req: Request):
        return 200, self._new_calendar(req.body)

    def h_calendar_list(self, req: Request):
        items = []
        for cal in self.calendars.values():
            item = {**cal.resource(), "kind": "calendar#calendarListEntry", "accessRole": "owner"}
            if cal.primary:
                item["primary"] = True
            items.append(item)
        return 200, {"kind": "calendar#calendarList", "items": items}

    def h_event_insert(self, req: Request):
        self._notify(req)
        return 200, self._insert(self._calendar(req.match["cal"]), self._client_body(req))

    def h_event_get(self, req: Request):
        return 200, copy.deepcopy(self._get(self._calendar(req.match["cal"]), req.match["event"]).body)

    def h_event_update(self, req: Request):
        self._notify(req)
        return 200, self._replace(self._calendar(req.match["cal"]), req.match["event"], self._client_body(req))

    def h_event_patch(self, req: Request):
        self._notify(req)
        return 200, self._patch(self._calendar(req.match["cal"]), req.match["event"], self._client_body(req))

    def h_event_delete(self, req: Request):
        self._notify(req)
        self._delete(self._calendar(req.match["cal"]), req.match["event"])
        return 204, None

    def h_event_list(self, req: Request):
        cal = self._calendar(req.match["cal"])
        sync_token = req.arg("syncToken")
        show_deleted = req.arg("showDeleted", "false") == "true"
        if sync_token:
            clash = [name for name in _NOT_WITH_SYNC_TOKEN if name in req.query]
            if clash:
                raise ApiError(400, f"syncToken cannot be combined with {', '.join(clash)}", "invalid")
            if req.arg("showDeleted") == "false":
                raise ApiError(400, "showDeleted cannot be false with a syncToken", "invalid")
            since = self._since(cal, sync_token)
        else:
            since = None
        page = _decode_page(req.arg("pageToken"))
        snapshot = page["s"] if page else self.seq
        try:
            max_results = min(2500, max(1, int(req.arg("maxResults", "250"))))
        except ValueError:
            raise ApiError(400, "Invalid maxResults", "invalid") from None
        lo = _instant(req.arg("timeMin"), "timeMin") if req.arg("timeMin") else None
        hi = _instant(req.arg("timeMax"), "timeMax") if req.arg("timeMax") else None
        wanted_props = []
        for spec in req.query.get("privateExtendedProperty", []):
            name, sep, value = spec.partition("=")
            if not sep:
                raise ApiError(400, "privateExtendedProperty must be name=value", "invalid")
            wanted_props.append((name, value))
        if "ignore_private_filter" in self.emulator.quirks:
            wanted_props = []  # checked, then ignored: every event is answered
        q = req.arg("q").lower()
        chosen = []
        for stored in sorted(cal.events.values(), key=lambda e: (e.seq, e.body["id"])):
            if stored.seq > snapshot:
                continue
            if since is not None:
                if stored.seq <= since:
                    continue
            elif stored.cancelled and not show_deleted:
                continue
            body = stored.body
            if lo is not None or hi is not None:
                start, end = _span(body, ZoneInfo(cal.time_zone))
                if (lo is not None and end <= lo) or (hi is not None and start >= hi):
                    continue
            private = body.get("extendedProperties", {}).get("private", {})
            if any(private.get(n) != v for n, v in wanted_props):
                continue
            if q and q not in json.dumps([body.get("summary"), body.get("description")]).lower():
                continue
            chosen.append(stored)
        offset = page["o"] if page else 0
        part = chosen[offset: offset + max_results]
        answer = {"kind": "calendar#events", "summary": cal.summary, "timeZone": cal.time_zone,
                  "updated": _now(), "accessRole": "owner", "defaultReminders": [],
                  "items": [_listed(e) for e in part]}
        if offset + max_results < len(chosen):
            answer["nextPageToken"] = _encode_page({"o": offset + max_results, "s": snapshot})
        else:
            answer["nextSyncToken"] = f"sync-{cal.id}-{self.generation}-{snapshot}"
        return 200, answer

    def _since(self, cal: _Calendar, token: str) -> int:
        prefix = f"sync-{cal.id}-{self.generation}-"
        if not token.startswith(prefix) or not token[len(prefix):].isdigit():
            raise ApiError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired")
        return int(token[len(prefix):])


def install(emulator: Emulator, time_zone: str = "Europe/Berlin") -> CalendarApi:
    """Register the Calendar v3 routes on ``emulator``; returns the state (also kept as
    ``emulator.calendar``)."""
    api = CalendarApi(emulator, time_zone)
    cal = ROOT + r"/calendars/(?P<cal>[^/]+)"
    event = cal + r"/events/(?P<event>[^/]+)"
    emulator.route("GET", ROOT + r"/users/me/calendarList", api.h_calendar_list)
    emulator.route("POST", ROOT + r"/calendars", api.h_calendar_insert)
    emulator.route("GET", cal, api.h_calendar_get)
    emulator.route("GET", cal + r"/events", api.h_event_list)
    emulator.route("POST", cal + r"/events", api.h_event_insert)
    emulator.route("GET", event, api.h_event_get)
    emulator.route("PUT", event, api.h_event_update)
    emulator.route("PATCH", event, api.h_event_patch)
    emulator.route("DELETE", event, api.h_event_delete)
    emulator.calendar = api  # type: ignore[attr-defined]
    return api


# --- helpers ---------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _instant(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Bad {name}", "badRequest") from None
    if value.tzinfo is None:
        raise ApiError(400, f"{name} needs a time-zone offset", "badRequest")
    return value


def _when(value: Any, name: str, tz: ZoneInfo | None = None) -> datetime | date:
    if not isinstance(value, dict):
        raise ApiError(400, f"Missing {name} time.", "required")
    if value.get("dateTime"):
        try:
            moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, f"Invalid {name} time.", "invalid") from None
        if moment.tzinfo is None:
            zone = value.get("timeZone")
            if not zone:
                raise ApiError(400, "Missing time zone definition for start time.", "required")
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        return moment
    if value.get("date"):
        try:
            return date.fromisoformat(str(value["date"]))
        except ValueError:
            raise ApiError(400, f"Invalid {name} date.", "invalid") from None
    raise ApiError(400, f"Missing {name} time.", "required")


def _span(body: dict, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = _when(body.get("start"), "start")
    end = _when(body.get("end"), "end")
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(0), tzinfo=tz)
    if not isinstance(end, datetime):
        end = datetime.combine(end, time(0), tzinfo=tz)
    return start, end


def _checked_event(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "badRequest")
    body = copy.deepcopy(body)
    if body.get("status", "confirmed") not in ("confirmed", "tentative", "cancelled"):
        raise ApiError(400, "Invalid status", "invalid")
    start = _when(body.get("start"), "start")
    end = _when(body.get("end"), "end")
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise ApiError(400, "Start and end must both be dates or both be times.", "invalid")
    if end < start:
        raise ApiError(400, "The specified time range is empty.", "timeRangeEmpty")
    reminders = body.get("reminders")
    if reminders is not None:
        overrides = reminders.get("overrides") or []
        if reminders.get("useDefault") and overrides:
            raise ApiError(400, "Cannot specify both default reminders and overrides at the same time.",
                           "cannotUseDefaultRemindersAndSpecifyOverride")
        for o in overrides:
            if o.get("method") not in ("email", "popup") or not 0 <= int(o.get("minutes", -1)) <= 40320:
                raise ApiError(400, "Invalid reminder.", "invalid")
    for scope in ("private", "shared"):
        props = body.get("extendedProperties", {}).get(scope, {})
        if not all(isinstance(v, str) for v in props.values()):
            raise ApiError(400, "Extended property values must be strings.", "invalid")
    for a in body.get("attendees", []) or []:
        if not a.get("email"):
            raise ApiError(400, "Missing attendee email.", "required")
        a.setdefault("responseStatus", "needsAction")
    return body


def _listed(stored: _Event) -> dict:
    body = stored.body
    if stored.cancelled:  # what Google shows of a deleted event: little more than its id
        slim = {k: body[k] for k in ("kind", "etag", "id", "status", "updated", "recurringEventId",
                                     "originalStartTime") if k in body}
        slim["etag"] = f'"{stored.seq}"'
        return slim
    return copy.deepcopy(body)


def _encode_page(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _decode_page(token: str) -> dict | None:
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return {"o": int(data["o"]), "s": int(data["s"])}
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "Invalid pageToken", "invalid") from None
