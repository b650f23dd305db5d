"""Google Calendar as the calendar source (``calendar.kind = "google"``) and as the
reminder sink (``reminders.kind = "google"``), through the Calendar v3 API.

Source rules:
- The first read is a full sync of a range that covers the window asked for (occurrences
  of recurring events expanded by Google: ``singleEvents``; deleted ones shown, so that a
  cancelled occurrence is reported as cancelled), page by page; the last page's
  ``nextSyncToken`` is kept, with the events, in memory and in a cache file in the data
  folder (``google-calendar-<hash>.json``, mode 0600) so that a restart does not start over.
- Later reads are incremental: one ``events.list`` with the sync token (and nothing that
  Google refuses with it: no timeMin/timeMax/q/privateExtendedProperty); when nothing
  changed that is one request. A window reaching outside the synced range, or a 410 (the
  token expired), means a full sync again. ``change_token`` makes that request and counts
  the syncs that changed the events kept.
- A deleted event comes back as little more than its id: an event known from before is
  reported as ``cancelled`` (so the core cancels its loop), with what was known of it;
  a cancelled occurrence of a recurring event takes its time from ``originalStartTime``
  and its text from the other occurrences.
- Times are aware: ``dateTime`` carries its offset; an all-day ``date`` runs from local
  midnight (``context.timezone``) to local midnight after its last day (the end is
  exclusive, as in Google). Attendees keep their answer (accepted, declined, tentative,
  needs-action); the user's own answer is the attendee marked ``self``, given the
  profile's address when the Google account's address is not among the profile's.
- The reminder events this program writes are never read as interviews: they are known by
  the private extended property ``interview_followup_key``, by their key-derived id
  (``ifu`` and 40 hex digits), and by the footer line of their description
  (``keys.reminder_footer``), which a server that drops extended properties and ignores
  ids still keeps.

Reminder rules:
- One event per reminder, tagged with the private extended property
  ``interview_followup_key`` and given an id derived from the key, so that a write whose
  answer was lost can never leave two events: ``put`` looks for the key first, and an
  insert that finds the id taken revives or updates that event instead. Its description
  ends with a footer line naming the key (``keys.with_reminder_footer``), left out when read.
- Never touching what is not ours: the look-up asks Google for the events with the key
  (``privateExtendedProperty``), and then checks each answer itself: only an event that
  carries the key, or has the id derived from it, is ever updated or deleted. A server
  that ignores the filter and answers every event changes nothing.
- The first write of a process is read back: when the server did not keep the event's key
  or its id (a server that is not Google), the event just written is deleted, no more
  reminders are written to that calendar, and every ``put`` raises ``NeedsUser`` with a
  sentence saying so (``status`` and ``doctor`` show it) instead of writing duplicates.
  The verdict is kept in the data folder (``google-reminders-unkept.json``) for that
  server and calendar; deleting the file (or pointing the reminders elsewhere) tries again.
- Times in UTC, a popup alarm (``popup_minutes`` if set, else the reminder's own
  ``alarm_before``), shown as free (``transparent``). A put that changes nothing writes
  nothing. ``remove`` deletes every event with the key; absent is fine.
- ``create_calendar``: the reminders go to a calendar of their own with that name, created
  on first use; its id is remembered in the data folder (``google-reminders-calendar.json``)
  and an existing calendar of that name is reused.
- ``tasks``: each reminder that asks for an action is also kept as a Google Task in a
  task list of the program's own (``integrations/google_tasks.py`` has its rules); a put
  of a reminder that is no task, and ``remove``, delete its task. ``find`` reads the
  calendar only.
- Scopes: ``calendar.events``; with ``create_calendar`` also ``calendar.app.created``
  (to make the calendar) and ``calendar.calendarlist.readonly`` (to find it again by
  name); with ``tasks`` also ``tasks``.
- Dry run: nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interview_followup.daemon.errors import NeedsUser, Transient, UnknownOutcome
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import is_our_reminder_text, with_reminder_footer, without_reminder_footer
from interview_followup.daemon.model import Attendee, CalendarEvent, CalendarRead, Check, Person, Reminder
from interview_followup.daemon.providers import ProviderContext

from .google_api import (SCOPES, AccountSettings, GoogleApi, GoogleProvider, remember_id, remembered_id, save_token,
                         token_check)
from .google_tasks import GoogleTaskList

log = logging.getLogger(__name__)

UTC = timezone.utc
KEY_PROPERTY = "interview_followup_key"
ALARM_PROPERTY = "interview_followup_alarm_seconds"  # the reminder's own alarm_before, kept exactly
TASK_PROPERTY = "interview_followup_task"
LINK_PROPERTY = "interview_followup_link"
PAGE_SIZE = 250
RANGE_MARGIN = timedelta(days=14)  # the synced range reaches this far past the window's end
CACHE_VERSION = 1
PARTSTATS = {"accepted": "accepted", "declined": "declined", "tentative": "tentative", "needsAction": "needs-action"}
CALENDAR_FILE = "google-reminders-calendar.json"
UNKEPT_FILE = "google-reminders-unkept.json"  # a server that did not keep a reminder's key
_OUR_ID = re.compile(r"ifu[0-9a-f]{40}")  # what _event_id makes

@frozen
class CalendarSettings(AccountSettings):
    calendar_id: str = field(
        default="primary",
        metadata={"doc": "The Google calendar to read interviews from: \"primary\" or a calendar id."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.calendar_id.strip():
            raise ValueError("calendar_id must not be empty")


@frozen
class RemindersSettings(AccountSettings):
    calendar_id: str = field(
        default="primary",
        metadata={"doc": "The Google calendar to write reminders to: \"primary\" or a calendar id."},
    )
    create_calendar: str = field(
        default="",
        metadata={"doc": "If set (e.g. \"Interview follow-ups\"), reminders go to a calendar of this name, "
                         "created on first use; calendar_id is then ignored.", "ask": True},
    )
    popup_minutes: int = field(
        default=0,
        metadata={"doc": "Minutes before a reminder that Google pops up an alert; 0: the reminder's own lead time."},
    )
    tasks: bool = field(
        default=False,
        metadata={"doc": "Also keep each task reminder (send the thank-you, send the follow-up, make the call) "
                         "as a task in Google Tasks (needs the Google Tasks API enabled; see the README).",
                  "ask": True},
    )
    task_list: str = field(
        default="Interview follow-ups",
        metadata={"doc": "The name of the program's own Google Tasks list, created on first use "
                         "(an existing list of this name is reused)."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.calendar_id.strip():
            raise ValueError("calendar_id must not be empty")
        if any(c in self.create_calendar for c in "\r\n\0"):
            raise ValueError("create_calendar must be a single line")
        if any(c in self.task_list for c in "\r\n\0"):
            raise ValueError("task_list must be a single line")
        if len(self.task_list) > 1024:
            raise ValueError("task_list must be at most 1024 characters (Google's limit)")
        if self.tasks and not self.task_list.strip():
            raise ValueError("task_list must not be empty when tasks is true")
        if not 0 <= self.popup_minutes <= 40320:
            raise ValueError("popup_minutes must be between 0 and 40320 (four weeks)")


def _events(service):
    return service.events()


def _http_status(exc: Exception) -> int | None:
    from googleapiclient.errors import HttpError

    return exc.resp.status if isinstance(exc, HttpError) else None


# --- the calendar source -----------------------------------------------------------------


class GoogleCalendar(GoogleProvider):
    """The ``CalendarSource`` protocol on one Google calendar."""

    Settings = CalendarSettings
    scope_group = "calendar"
    label = "the Google calendar"

    def __init__(self, settings: CalendarSettings, context: ProviderContext, api: GoogleApi):
        self.settings = settings
        self.context = context
        self.api = api
        self.calendar_id = settings.calendar_id
        # one cache per account and calendar (and server: the tests' emulators)
        account = f"{settings.api_endpoint}\0{api.token_file}\0{settings.calendar_id}"
        digest = hashlib.sha256(account.encode()).hexdigest()[:12]
        self.cache_file = context.data_dir / f"google-calendar-{digest}.json"
        self._items: dict[str, dict] = {}  # by Google event id: the last known version
        self._sync_token = ""
        self._range: tuple[datetime, datetime] | None = None  # what the full sync covered
        self._loaded = False
        self._generation = 0  # counts the changes to ``_items`` (``change_token``)

    @classmethod
    def open(cls, settings: CalendarSettings, context: ProviderContext) -> GoogleCalendar:
        return cls(settings, context, cls.account(settings, context))

    # --- CalendarSource ------------------------------------------------------------

    def read(self, start: datetime, end: datetime) -> CalendarRead:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the window must be time-zone aware")
        self._load_cache()
        covered = self._range is not None and self._range[0] <= start and end <= self._range[1]
        changed = True
        if self._sync_token and covered:
            try:
                changed = self._incremental()
            except _SyncTokenGone:
                log.info("Google Calendar: the sync token expired; syncing in full again")
                self._full(start, end)
        else:
            self._full(start, end)
        if changed:
            self._save_cache()
        return self._between(start, end)

    def change_token(self) -> str | None:
        """The count of changes applied, after one incremental sync (one request when
        nothing changed); None before a full sync, or when the sync token expired (the
        next ``read`` syncs in full)."""
        self._load_cache()
        if not self._sync_token:
            return None
        try:
            if self._incremental():
                self._save_cache()
        except _SyncTokenGone:
            self._sync_token = ""
            return None
        return f"{id(self)}:{self._generation}"

    def check(self) -> list[Check]:
        token = token_check(self.api)
        if not token.ok:
            return [token, Check("google calendar", False, "not tried: no usable token")]
        try:
            now = self.context.clock.now()
            self._call(lambda s: _events(s).list(
                calendarId=self.calendar_id, maxResults=1, singleEvents=True,
                timeMin=_rfc3339(now), timeMax=_rfc3339(now + timedelta(days=1)),
            ), "reading the calendar")
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return [token, Check.failed("google calendar", exc)]
        return [token, Check("google calendar", True, f"calendar {self.calendar_id!r} can be read")]

    def close(self) -> None:
        self._items.clear()
        self._sync_token = ""
        self._range = None
        self._loaded = False
        self._generation += 1

    # --- syncing -------------------------------------------------------------------

    def _call(self, make: Callable[[Any], Any], what: str) -> Any:
        try:
            return self.api.call("calendar", "v3", make, write=False, what=what, expect=(404, 410))
        except NeedsUser:
            raise
        except Transient:
            raise
        except Exception as exc:
            status = _http_status(exc)
            if status == 410:
                raise _SyncTokenGone() from None
            if status == 404:
                raise NeedsUser(
                    f"Google Calendar: no calendar {self.calendar_id!r}",
                    hint="set calendar.calendar_id to \"primary\" or the id shown in the calendar's settings",
                ) from None
            raise

    def _full(self, start: datetime, end: datetime) -> None:
        lo, hi = start, end + RANGE_MARGIN
        items: dict[str, dict] = {}
        page_token = None
        while True:
            answer = self._call(lambda s, pt=page_token: _events(s).list(
                calendarId=self.calendar_id, singleEvents=True, showDeleted=True,
                timeMin=_rfc3339(lo), timeMax=_rfc3339(hi), maxResults=PAGE_SIZE, pageToken=pt,
            ), "reading the calendar")
            for item in answer.get("items", []):
                self._merge(items, item, known=self._items)
            page_token = answer.get("nextPageToken")
            if not page_token:
                break
        self._items = items
        self._sync_token = answer.get("nextSyncToken", "")
        self._range = (lo, hi)
        self._generation += 1

    def _incremental(self) -> bool:
        """Apply the changes since the sync token; True when there were any."""
        page_token = None
        changed = False
        updates: list[dict] = []
        while True:
            answer = self._call(lambda s, pt=page_token: _events(s).list(
                calendarId=self.calendar_id, singleEvents=True, showDeleted=True,
                syncToken=self._sync_token, maxResults=PAGE_SIZE, pageToken=pt,
            ), "reading the calendar's changes")
            updates.extend(answer.get("items", []))
            page_token = answer.get("nextPageToken")
            if not page_token:
                break
        for item in updates:
            self._merge(self._items, item, known=self._items)
            changed = True
        if updates:
            self._generation += 1
        new_token = answer.get("nextSyncToken", "")
        if new_token != self._sync_token:
            changed = True
        self._sync_token = new_token
        return changed

    @staticmethod
    def _merge(into: dict[str, dict], item: dict, known: dict[str, dict]) -> None:
        event_id = item.get("id")
        if not event_id:
            return
        if item.get("status") == "cancelled" and "start" not in item:
            before = known.get(event_id) or into.get(event_id)
            if before is not None and "start" in before:
                item = {**before, **item, "status": "cancelled"}
            elif not item.get("originalStartTime"):
                into.pop(event_id, None)  # deleted before we ever saw it: nothing to report
                return
        into[event_id] = item

    # --- converting ----------------------------------------------------------------

    def _between(self, start: datetime, end: datetime) -> CalendarRead:
        read = CalendarRead()
        siblings: dict[str, dict] = {}
        for item in self._items.values():
            parent = item.get("recurringEventId")
            if parent and "start" in item and item.get("status") != "cancelled":
                siblings.setdefault(parent, item)
        for item in self._items.values():
            if _is_our_reminder(item):
                continue  # one of our reminders, even where a server dropped its key
            try:
                event = self._event(item, siblings)
            except (KeyError, ValueError, TypeError, ZoneInfoNotFoundError) as exc:
                uid = str(item.get("iCalUID") or item.get("id"))
                read.problems.append(
                    f"Google calendar {self.calendar_id}: event {item.get('summary', '')!r} ({uid}) cannot be read: {exc}"
                )
                read.bad_uids.add(uid)
                continue
            if event is not None and event.start < end and (event.end > start or event.start >= start):
                read.events.append(event)
        read.events.sort(key=lambda e: (e.start, e.uid, e.recurrence_id))
        return read

    def _event(self, item: dict, siblings: dict[str, dict]) -> CalendarEvent | None:
        tz = self.context.timezone
        status = str(item.get("status") or "confirmed")
        rid = ""
        original = item.get("originalStartTime")
        if original:
            rid = str(original["date"]) if original.get("date") else _recurrence_text(_when(original, tz)[0])
        if "start" not in item:
            # a deleted event we never saw whole: only a cancelled occurrence can be placed
            parent = siblings.get(item.get("recurringEventId", ""))
            if not original or status != "cancelled":
                return None
            moment, all_day, zone = _when(original, tz)
            template = parent or {}
            length = timedelta(days=1) if all_day else timedelta(0)
            if template.get("start") and template.get("end"):
                t0, t1 = _when(template["start"], tz)[0], _when(template["end"], tz)[0]
                length = t1 - t0
            item = {**template, **item, "_start": moment, "_end": moment + length, "_all_day": all_day,
                    "_zone": zone}
        if "_start" in item:
            ev_start, ev_end, all_day, zone = item["_start"], item["_end"], item["_all_day"], item["_zone"]
        else:
            ev_start, all_day, zone = _when(item["start"], tz)
            ev_end = _when(item.get("end") or item["start"], tz)[0]
            if ev_end < ev_start:
                ev_end = ev_start
            if all_day and ev_end <= ev_start:
                ev_end = ev_start + timedelta(days=1)
        attendees = []
        for a in item.get("attendees") or []:
            if a.get("resource") or not a.get("email"):
                continue
            attendees.append(Attendee(
                email=self._address(a), name=str(a.get("displayName") or ""),
                partstat=PARTSTATS.get(str(a.get("responseStatus")), "needs-action"),
                role="opt-participant" if a.get("optional") is True else "req-participant",
            ))
        org = item.get("organizer") or {}
        organizer = Person(self._address(org), str(org.get("displayName") or "")) if org.get("email") else None
        return CalendarEvent(
            uid=str(item.get("iCalUID") or item["id"]),
            start=ev_start,
            end=ev_end,
            summary=str(item.get("summary") or ""),
            description=str(item.get("description") or ""),
            recurrence_id=rid,
            all_day=all_day,
            status=status if status in ("confirmed", "tentative", "cancelled") else "confirmed",
            attendees=tuple(attendees),
            organizer=organizer,
            timezone=zone,
            location=str(item.get("location") or ""),
            source=f"google:{self.calendar_id}",
        )

    def _address(self, who: dict) -> str:
        """The address of an attendee or organizer; Google marks the account's own entry
        ``self``: when that address is not one of the profile's, the profile's is used, so
        that the core knows the user (their declined answer, never an interviewer)."""
        email = str(who["email"])
        mine = self.context.user_emails
        if who.get("self") and mine and email.lower() not in (m.lower() for m in mine):
            return mine[0]
        return email

    # --- the cache file ------------------------------------------------------------

    def _load_cache(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION or data.get("calendar_id") != self.calendar_id:
                return
            self._range = (datetime.fromisoformat(data["range"][0]), datetime.fromisoformat(data["range"][1]))
            self._items = {str(k): v for k, v in data["items"].items()}
            self._sync_token = str(data["sync_token"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            log.warning("Google Calendar: ignoring the unreadable cache %s: %s", self.cache_file, exc)
            self._items, self._sync_token, self._range = {}, "", None

    def _save_cache(self) -> None:
        if self._range is None:
            return
        data = {
            "version": CACHE_VERSION,
            "calendar_id": self.calendar_id,
            "range": [self._range[0].isoformat(), self._range[1].isoformat()],
            "sync_token": self._sync_token,
            "items": self._items,
        }
        try:
            save_token(self.cache_file, data)  # private and atomic, like the token
        except OSError as exc:
            log.warning("Google Calendar: cannot write the cache %s: %s", self.cache_file, exc)


class _SyncTokenGone(Exception):
    """410 from events.list: the sync token expired; a full sync is needed."""


# --- the reminder sink ---------------------------------------------------------------------


class GoogleReminders(GoogleProvider):
    """The ``ReminderSink`` protocol on one Google calendar."""

    Settings = RemindersSettings
    scope_group = "calendar"
    label = "the Google reminder calendar"

    def __init__(self, settings: RemindersSettings, context: ProviderContext, api: GoogleApi):
        self.settings = settings
        self.context = context
        self.api = api
        self._calendar_id = "" if settings.create_calendar else settings.calendar_id
        self.calendar_file = context.data_dir / CALENDAR_FILE
        self.unkept_file = context.data_dir / UNKEPT_FILE
        self.tasks = (GoogleTaskList(api, context, settings.task_list, settings.api_endpoint)
                      if settings.tasks else None)
        self._read_back = False  # the first write of this process was read back and kept
        self._unkept: dict | None = None  # the verdict file's content, once read

    @classmethod
    def open(cls, settings: RemindersSettings, context: ProviderContext) -> GoogleReminders:
        return cls(settings, context, cls.account(settings, context))

    @classmethod
    def oauth_for(cls, settings: RemindersSettings) -> tuple[str, tuple[str, ...]]:
        scopes = list(SCOPES["calendar"])
        if settings.create_calendar:
            scopes += SCOPES["own_calendar"]
        if settings.tasks:
            scopes += SCOPES["tasks"]
        return "google", tuple(scopes)

    # --- ReminderSink --------------------------------------------------------------

    def find(self, key: str) -> Reminder | None:
        calendar_id = self._calendar(create=False)
        if calendar_id is None:
            return None
        for item in self._tagged(calendar_id, key):
            found = _reminder_of(key, item)
            if found is not None:
                return found
        return None

    def put(self, reminder: Reminder) -> None:
        wanted = _normalised(reminder)
        if self.context.dry_run:
            return
        calendar_id = self._calendar(create=True)
        assert calendar_id is not None
        self._refuse_if_unkept(calendar_id)
        body = self._body(wanted)
        try:
            self._put(calendar_id, wanted, body)
        except UnknownOutcome:
            # the answer was lost: look once more, and say "unknown" only if still unsure
            if not any(_reminder_of(wanted.key, i) == wanted for i in self._tagged(calendar_id, wanted.key)):
                raise
        if self.tasks is not None:
            if wanted.task:
                self.tasks.put(wanted)
            else:
                self.tasks.remove(wanted.key)

    def remove(self, key: str) -> None:
        if self.context.dry_run:
            return
        calendar_id = self._calendar(create=False)
        if calendar_id is not None:
            for item in self._tagged(calendar_id, key):
                self._delete(calendar_id, item["id"])
        if self.tasks is not None:
            self.tasks.remove(key)

    def flush(self) -> None:
        """Nothing to write: each put and remove reached Google when it returned."""
        if self.tasks is not None:
            self.tasks.flush()

    def place(self) -> str:
        if self.settings.create_calendar:
            return f"the Google calendar {self.settings.create_calendar!r}"
        return "your Google calendar" if self.settings.calendar_id == "primary" else \
            f"the Google calendar {self.settings.calendar_id!r}"

    def check(self) -> list[Check]:
        checks = self._check_calendar()
        if self.tasks is not None:
            checks.append(self.tasks.check() if checks[0].ok else
                          Check("google task list", False, "not tried: no usable token"))
        return checks

    def _check_calendar(self) -> list[Check]:
        token = token_check(self.api)
        if not token.ok:
            return [token, Check("google reminders calendar", False, "not tried: no usable token")]
        try:
            calendar_id = self._calendar(create=False)
            if calendar_id is not None:
                self._refuse_if_unkept(calendar_id)
            if calendar_id is None:
                return [token, Check("google reminders calendar", True,
                                     f"the calendar {self.settings.create_calendar!r} will be created on first use")]
            self._read(lambda s: _events(s).list(calendarId=calendar_id, maxResults=1,
                                                 privateExtendedProperty=f"{KEY_PROPERTY}=check"),
                       "reading the reminders calendar")
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return [token, Check.failed("google reminders calendar", exc)]
        return [token, Check("google reminders calendar", True, f"calendar {calendar_id!r} can be read")]

    def close(self) -> None:
        pass

    # --- writing -------------------------------------------------------------------

    def _put(self, calendar_id: str, wanted: Reminder, body: dict) -> None:
        existing = self._tagged(calendar_id, wanted.key)  # each one checked to carry the key
        if existing:
            first, *others = existing
            if (_reminder_of(wanted.key, first) != wanted or _popup(first) != body["reminders"]
                    or first.get("description") != body["description"]):
                self._write(lambda s: _events(s).update(calendarId=calendar_id, eventId=first["id"], body=body, sendUpdates="none"),
                            "updating a reminder")
            for extra in others:  # duplicates (written by hand or by an old version): one stays
                self._delete(calendar_id, extra["id"])
            return
        event_id = _event_id(wanted.key)
        try:
            answer = self._write(lambda s: _events(s).insert(calendarId=calendar_id, body={**body, "id": event_id},
                                                             sendUpdates="none"), "writing a reminder")
        except _Conflict:
            # the id is taken: a deleted reminder of this key (revived by the update) or a
            # write of ours whose answer was lost; the id derives from the key, so it is ours
            answer = self._write(lambda s: _events(s).update(calendarId=calendar_id, eventId=event_id, body=body,
                                                             sendUpdates="none"), "writing a reminder")
        self._check_kept(calendar_id, wanted.key, body, answer)

    # --- a server that does not keep the key -----------------------------------------

    def _check_kept(self, calendar_id: str, key: str, body: dict, answer: Any) -> None:
        """Read the first event this process writes back: when the server did not keep its
        key or its id, delete it (the server just answered its id: it is ours), remember the
        verdict and raise ``NeedsUser``; no more reminders are written to that calendar."""
        if self._read_back:
            return
        written = str(answer.get("id") or "") if isinstance(answer, dict) else ""
        stored = None
        if written:
            try:
                stored = self.api.call("calendar", "v3", lambda s: _events(s).get(calendarId=calendar_id, eventId=written),
                                       write=False, what="reading back a reminder", expect=(404, 410))
            except Exception as exc:
                if _http_status(exc) not in (404, 410):
                    raise
                stored = None  # the server does not have it under the id it answered
        lost = []
        if not isinstance(stored, dict):
            lost.append("being found under the id the server answered")
        else:
            if _key_of(stored) != key:
                lost.append("its private key (an extended property)")
            if stored.get("id") != _event_id(key):
                lost.append("the id it was given")
        if not lost:
            self._read_back = True
            return
        if isinstance(stored, dict) and stored.get("id") == written and stored.get("summary") == body["summary"]:
            try:  # the event just written, without the key: nothing could find it again
                self._delete(calendar_id, written)
            except (NeedsUser, Transient) as exc:
                log.warning("Google Calendar: could not delete the reminder just written (%s): %s", written, exc)
        verdict = {"endpoint": self.settings.api_endpoint, "calendar_id": calendar_id,
                   "lost": " and without ".join(lost)}
        self._unkept = verdict
        try:
            save_token(self.unkept_file, verdict)
        except OSError as exc:
            log.warning("Google Calendar: cannot write %s: %s", self.unkept_file, exc)
        self._refuse_if_unkept(calendar_id)

    def _refuse_if_unkept(self, calendar_id: str) -> None:
        """``NeedsUser`` when this server was found not to keep a reminder's key in this calendar."""
        if self._unkept is None:
            self._unkept = {}
            try:
                data = json.loads(self.unkept_file.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    self._unkept = data
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                log.warning("Google Calendar: ignoring the unreadable %s: %s", self.unkept_file, exc)
        verdict = self._unkept
        if verdict.get("calendar_id") != calendar_id or verdict.get("endpoint") != self.settings.api_endpoint:
            return
        server = f"the server at {self.settings.api_endpoint}" if self.settings.api_endpoint else "Google"
        lost = str(verdict.get("lost") or "its private key")
        raise NeedsUser(
            f"Google Calendar: no more reminders are written to the calendar {calendar_id!r}: {server} did not keep "
            f"what marks them as ours (a reminder written there came back without {lost}), so they could not be "
            "found again and would be duplicated",
            hint=(f"use a server that keeps them (Google does), or another reminders.kind or calendar; "
                  f"then delete {self.unkept_file} to try again"),
        )

    def _delete(self, calendar_id: str, event_id: str) -> None:
        try:
            self._write(lambda s: _events(s).delete(calendarId=calendar_id, eventId=event_id, sendUpdates="none"),
                        "removing a reminder")
        except _Gone:
            pass

    def _body(self, r: Reminder) -> dict:
        minutes = self.settings.popup_minutes or int(r.alarm_before.total_seconds() // 60)
        private = {KEY_PROPERTY: r.key, ALARM_PROPERTY: str(int(r.alarm_before.total_seconds()))}
        if r.task:
            private[TASK_PROPERTY] = "true"
        if r.link:
            private[LINK_PROPERTY] = r.link
        body = {
            "summary": r.title,
            "description": with_reminder_footer(r.description, r.key),
            "start": {"dateTime": _rfc3339(r.start), "timeZone": "UTC"},
            "end": {"dateTime": _rfc3339(r.start + r.duration), "timeZone": "UTC"},
            "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": minutes}]},
            "extendedProperties": {"private": private},
            "transparency": "transparent",
            "status": "confirmed",
        }
        if r.link.startswith(("https://", "http://")):
            body["source"] = {"url": r.link, "title": "The draft"}
        return body

    # --- reading -------------------------------------------------------------------

    def _tagged(self, calendar_id: str, key: str) -> list[dict]:
        items: list[dict] = []
        page_token = None
        while True:
            answer = self._read(lambda s, pt=page_token: _events(s).list(
                calendarId=calendar_id, privateExtendedProperty=f"{KEY_PROPERTY}={key}",
                showDeleted=False, maxResults=PAGE_SIZE, pageToken=pt,
            ), "looking for a reminder")
            # the server's filter is not trusted: only what carries the key is ours
            items.extend(i for i in answer.get("items", [])
                         if isinstance(i, dict) and i.get("status") != "cancelled" and _ours(i, key))
            page_token = answer.get("nextPageToken")
            if not page_token:
                break
        return sorted(items, key=lambda i: (str(i.get("created", "")), i["id"]))

    # --- the calendar --------------------------------------------------------------

    def _calendar(self, create: bool) -> str | None:
        if self._calendar_id:
            return self._calendar_id
        name = self.settings.create_calendar
        self._calendar_id = remembered_id(self.calendar_file, name, self.settings.api_endpoint, "Google")
        if self._calendar_id:
            return self._calendar_id
        found = self._calendar_named(name)
        if found is None:
            if not create or self.context.dry_run:
                return None
            try:
                answer = self._write(lambda s: s.calendars().insert(body={
                    "summary": name, "timeZone": self.context.timezone.key,
                    "description": "Reminders written by interview-followup.",
                }), f"creating the calendar {name!r}", expect=())
                found = str(answer["id"])
            except UnknownOutcome:
                # the answer was lost: a calendar may exist now; never make a second one
                found = self._calendar_named(name)
                if found is None:
                    raise
        self._calendar_id = found
        remember_id(self.calendar_file, name, found, self.settings.api_endpoint, "Google")
        return found

    def _calendar_named(self, name: str) -> str | None:
        page_token = None
        while True:
            answer = self._read(lambda s, pt=page_token: s.calendarList().list(pageToken=pt),
                                "listing the calendars", expect=())
            for item in answer.get("items", []):
                if item.get("summary") == name and item.get("accessRole") in ("owner", "writer"):
                    return str(item["id"])
            page_token = answer.get("nextPageToken")
            if not page_token:
                return None

    # --- calls ---------------------------------------------------------------------

    # what an event call may answer: no such calendar (404), the id taken (409), deleted (410)
    EVENT_ANSWERS = (404, 409, 410)

    def _read(self, make: Callable[[Any], Any], what: str, expect: tuple[int, ...] = EVENT_ANSWERS) -> Any:
        return self._sorted(lambda: self.api.call("calendar", "v3", make, write=False, what=what, expect=expect))

    def _write(self, make: Callable[[Any], Any], what: str, expect: tuple[int, ...] = EVENT_ANSWERS) -> Any:
        assert not self.context.dry_run
        return self._sorted(lambda: self.api.call("calendar", "v3", make, write=True, what=what, expect=expect))

    def _sorted(self, run: Callable[[], Any]) -> Any:
        try:
            return run()
        except (NeedsUser, Transient):
            raise
        except Exception as exc:
            status = _http_status(exc)
            if status == 409:
                raise _Conflict() from None
            if status == 410:
                raise _Gone() from None
            if status == 404:
                raise NeedsUser(
                    f"Google Calendar: no calendar {self._calendar_id!r} for the reminders",
                    hint="set reminders.calendar_id to \"primary\" or a calendar id, or use reminders.create_calendar",
                ) from None
            raise


class _Conflict(Exception):
    """409: the event id is taken."""


class _Gone(Exception):
    """410: the event was deleted already."""


# --- helpers -------------------------------------------------------------------------------


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"a time without an offset: {text}")
    return value


def _when(value: dict, tz: ZoneInfo) -> tuple[datetime, bool, str]:
    """(aware start, all day?, zone name) of a Google ``start``/``end``/``originalStartTime``."""
    zone_name = str(value.get("timeZone") or "")
    if value.get("dateTime"):
        moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        zone = ZoneInfo(zone_name) if zone_name else None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone or tz)
        elif zone is not None:
            moment = moment.astimezone(zone)
        return moment, False, zone_name
    if value.get("date"):
        day = date.fromisoformat(str(value["date"]))
        return datetime.combine(day, time(0), tzinfo=tz), True, tz.key
    raise ValueError("the event has no start time")


def _recurrence_text(value: datetime) -> str:
    """As ``daemon.calendar.ical`` writes a RECURRENCE-ID, so both sources give the same loop id."""
    return value.astimezone(UTC).isoformat()


def _event_id(key: str) -> str:
    """A Google event id (base32hex characters) derived from the key."""
    return "ifu" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _key_of(item: dict) -> str:
    """The key in an event's private extended property, or ""."""
    props = item.get("extendedProperties")
    private = props.get("private") if isinstance(props, dict) else None
    key = private.get(KEY_PROPERTY) if isinstance(private, dict) else None
    return key if isinstance(key, str) else ""


def _ours(item: dict, key: str) -> bool:
    """Whether the event is the reminder of ``key``, by what it carries (never by what the
    server was asked to filter): the key itself, or the id derived from it."""
    carried = _key_of(item)
    return carried == key or (not carried and item.get("id") == _event_id(key))


def _is_our_reminder(item: dict) -> bool:
    """Whether an event in a calendar read for interviews is one of our reminders: its
    key, its key-derived id, or the footer of its description."""
    return bool(_key_of(item)) or bool(_OUR_ID.fullmatch(str(item.get("id") or ""))) or is_our_reminder_text(
        str(item.get("summary") or ""), str(item.get("description") or ""))


def _normalised(r: Reminder) -> Reminder:
    if r.start.tzinfo is None or r.start.utcoffset() is None:
        raise ValueError("a reminder's start must be time-zone aware")
    if not r.key or any(c in r.key for c in ",\r\n\0") or len(r.key) > 200:
        raise ValueError(f"a bad reminder key: {r.key!r}")
    if r.duration < timedelta(0) or r.alarm_before < timedelta(0):
        raise ValueError("duration and alarm_before must not be negative")
    return Reminder(
        key=r.key,
        title=_clean(r.title),
        start=r.start.replace(microsecond=0),
        description=_clean(r.description),
        duration=timedelta(seconds=int(r.duration.total_seconds())),
        alarm_before=timedelta(seconds=int(r.alarm_before.total_seconds())),
        task=r.task,
        link=_clean(r.link).replace("\n", "")[:1000],  # a private property holds 1024 bytes at most
    )


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "")


def _popup(item: dict) -> Any:
    return item.get("reminders")


def _reminder_of(key: str, item: dict) -> Reminder | None:
    try:
        start = _parse_instant(item["start"]["dateTime"])
        end = _parse_instant(item["end"]["dateTime"])
        private = (item.get("extendedProperties") or {}).get("private") or {}
        if ALARM_PROPERTY in private:
            alarm = timedelta(seconds=int(private[ALARM_PROPERTY]))
        else:
            overrides = (item.get("reminders") or {}).get("overrides") or []
            alarm = timedelta(minutes=int(overrides[0]["minutes"])) if overrides else timedelta(0)
    except (KeyError, ValueError, TypeError, IndexError):
        return None  # edited beyond recognition: the next put replaces it
    return Reminder(
        key=key,
        title=str(item.get("summary") or ""),
        start=start,
        description=without_reminder_footer(str(item.get("description") or ""), key),
        duration=end - start,
        alarm_before=alarm,
        task=private.get(TASK_PROPERTY) == "true",
        link=str(private.get(LINK_PROPERTY, "")),
    )
