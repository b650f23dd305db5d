"""Reminder sink ``caldav``: reminders as events in a calendar on a CalDAV server.

Rules:
- The reminders go to the calendar named ``calendar`` ("Interview follow-ups" by
  default). When there is none of that name it is made on first use (MKCALENDAR) if
  ``create_calendar`` is true, else that is ``NeedsUser`` listing the calendars there are.
- One VEVENT per reminder, its UID ``keys.reminder_uid(key)``, times in UTC, shown as
  free (TRANSP:TRANSPARENT), with a VALARM of ACTION:DISPLAY, a DESCRIPTION (RFC 5545
  requires one) and ``TRIGGER:-<alarm_before>``. A task reminder carries
  ``X-INTERVIEW-FOLLOWUP-TASK:TRUE``; the link to its draft is its URL. ``find`` reads
  them back, so a reminder round-trips exactly (both ways are ``ical_reminders``, shared
  with the .ics file sink). A negative alarm is refused (ValueError), as on Google.
- Never two objects for one key: objects are looked up by UID (a ``calendar-query``
  REPORT), wherever they are in the calendar. A new one is written to an address derived
  from its UID with ``If-None-Match: *``, an existing one replaced with ``If-Match`` its
  ETag; duplicates found are deleted. A write whose answer was lost (a timeout, a dropped
  connection, a 5xx) is looked up again: if the object is there as wanted, the put
  succeeded; if not, ``UnknownOutcome``, and the next put looks before writing. A put
  that changes nothing writes nothing; a put that changes the reminder gets a new DTSTAMP
  and a higher SEQUENCE.
- ``tasks``: each task reminder is also a VTODO in the same calendar, DUE at the
  reminder's start, UID ``<key>@interview-followup-task``, related to its event — where
  the calendar takes to-dos (its ``supported-calendar-component-set``; otherwise the
  to-dos are left out, with a warning once and a failing ``doctor`` line). A to-do the
  user completed stays completed: its text and date follow the plan, its status is never
  reopened. A reminder that is no task, and ``remove``, delete the to-do.
- ``remove`` deletes every object of the key; absent is fine. Dry run: nothing is written.
- The server's search is never trusted alone: an object is updated or deleted only when
  the program reads in it, on its side, that every component of it carries exactly the
  UID of the key (ours: ``...@interview-followup``). An object a server returns for a
  search that does not match (a server that ignores the filter), or one that holds other
  components beside ours, is left alone (a warning, once).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import field
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import quote

from icalendar import Calendar, Todo

from interview_followup.daemon.errors import NeedsUser, Transient, UnknownOutcome
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import UID_SUFFIX, reminder_uid
from interview_followup.daemon.model import Check, Reminder
from interview_followup.daemon.providers import ProviderContext

from .caldav_account import (
    C,
    CALDAV_LIBRARIES,
    D,
    ICS_TYPE,
    NAMESPACES,
    XML_HEAD,
    AccountSettings,
    CalDavAccount,
    Collection,
    entries,
    find_named,
    task_uid,
    xml_text,
)
from .ical_reminders import PRODID, UTC, event, normalised, reminder_of, stamp

log = logging.getLogger(__name__)

KEPT_WHEN_DONE = ("STATUS", "COMPLETED", "PERCENT-COMPLETE")  # the user's ticking off


@frozen
class Settings(AccountSettings):
    calendar: str = field(default="Interview follow-ups", metadata={
        "doc": "The calendar (its name) the reminders go to.", "ask": True})
    create_calendar: bool = field(default=True, metadata={
        "doc": "Make that calendar on first use when there is none of that name (false: it must exist)."})
    tasks: bool = field(default=False, metadata={
        "doc": "Also keep each task reminder (send the thank-you, send the follow-up, make the call) as a "
               "to-do in the same calendar, where the server allows to-dos there.", "ask": True})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.calendar.strip() or any(c in self.calendar for c in "\r\n\0"):
            raise ValueError("calendar must be a calendar name on one line")


@frozen
class _Stored:
    url: str
    etag: str
    component: object  # the VEVENT or VTODO (icalendar)
    sequence: int


class CalDavReminders:
    """The ``ReminderSink`` protocol on one calendar of a CalDAV account."""

    Settings = Settings
    requires = CALDAV_LIBRARIES  # imported by open_providers before the calendar is opened
    label = "the CalDAV reminder calendar"

    def __init__(self, settings: Settings, context: ProviderContext, account: CalDavAccount | None = None):
        self.settings = settings
        self.context = context
        self.account = account or CalDavAccount(settings, context, "reminders")
        self._calendar: Collection | None = None
        self._warned_tasks = False
        self._warned_mixed: set[str] = set()

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> CalDavReminders:
        return cls(settings, context)

    # --- ReminderSink --------------------------------------------------------------

    def find(self, key: str) -> Reminder | None:
        cal = self._find_calendar(create=False)
        if cal is None:
            return None
        for stored in self._lookup(cal, reminder_uid(key), "VEVENT"):
            found = self._reminder_of(key, stored.component)
            if found is not None:
                return found
        return None

    def put(self, reminder: Reminder) -> None:
        wanted = _normalised(reminder)
        if self.context.dry_run:
            return
        cal = self._find_calendar(create=True)
        assert cal is not None
        self._put(cal, reminder_uid(wanted.key), "VEVENT",
                  same=lambda c: self._reminder_of(wanted.key, c) == wanted,
                  render=lambda old, seq: _event(wanted, self._stamp(), seq))
        if self.settings.tasks and self._takes_tasks(cal):
            if wanted.task:
                self._put(cal, task_uid(wanted.key), "VTODO",
                          same=lambda c: _todo_fields(c) == _todo_fields(_todo(wanted, self._stamp(), 0, None)),
                          render=lambda old, seq: _todo(wanted, self._stamp(), seq, old))
            else:
                self._delete_all(cal, task_uid(wanted.key), "VTODO")

    def remove(self, key: str) -> None:
        if self.context.dry_run:
            return
        cal = self._find_calendar(create=False)
        if cal is None:
            return
        self._delete_all(cal, reminder_uid(key), "VEVENT")
        if self.settings.tasks and self._takes_tasks(cal):
            self._delete_all(cal, task_uid(key), "VTODO")

    def flush(self) -> None:
        """Nothing: each put and remove reached the server when it returned."""

    def place(self) -> str:
        return f"the calendar {self.settings.calendar!r}"

    def check(self) -> list[Check]:
        try:
            cal = self._find_calendar(create=False)
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return [Check.failed("caldav reminders calendar", exc)]
        who = f"{self.account.host} as {self.settings.username or 'no sign-in'}"
        if cal is None:
            return [Check("caldav reminders calendar", True,
                          f"{who}: the calendar {self.settings.calendar!r} will be made on first use")]
        checks = [Check("caldav reminders calendar", True, f"{who}: calendar {cal.name!r} ({cal.url})")]
        if self.settings.tasks:
            ok = cal.holds("VTODO")
            checks.append(Check("caldav tasks", ok, "to-dos are kept beside the reminders" if ok else
                                f"the calendar {cal.name!r} takes no to-dos ({', '.join(cal.components)} only): "
                                "tasks are left out; set reminders.tasks = false, or name a calendar that takes "
                                "to-dos in reminders.calendar"))
        return checks

    def close(self) -> None:
        self.account.close()
        self._calendar = None

    # --- the calendar --------------------------------------------------------------

    def _find_calendar(self, create: bool) -> Collection | None:
        if self._calendar is not None:
            return self._calendar
        name = self.settings.calendar
        calendars = self.account.calendars()
        found = find_named(calendars, name)
        if found is None and self.account.single:
            found = calendars[0] if calendars else None  # the URL is that one calendar
        if found is None:
            if not create:
                return None
            if not self.settings.create_calendar:
                there = ", ".join(repr(c.name) for c in calendars) or "none"
                raise NeedsUser(f"{self.account.where}: no calendar named {name!r} (calendars there: {there})",
                                hint="name one of them in reminders.calendar, or set reminders.create_calendar = true")
            found = self._make_calendar(name)
        if not found.holds("VEVENT"):
            raise NeedsUser(f"{self.account.where}: the calendar {found.name!r} takes no events "
                            f"({', '.join(found.components)} only)",
                            hint="name a calendar for events in reminders.calendar")
        self._calendar = found
        return found

    def _make_calendar(self, name: str) -> Collection:
        home = self.account.home()
        slug = "interview-followup-" + hashlib.sha256(name.encode()).hexdigest()[:8]
        url = f"{home}{slug}/"
        components = ("VEVENT", "VTODO") if self.settings.tasks else ("VEVENT",)
        for comps in dict.fromkeys((components, ("VEVENT",))):
            comp_xml = "".join(f'<c:comp name="{c}"/>' for c in comps)
            body = (f"{XML_HEAD}<c:mkcalendar {NAMESPACES}><d:set><d:prop>"
                    f"<d:displayname>{xml_text(name)}</d:displayname>"
                    f"<c:supported-calendar-component-set>{comp_xml}</c:supported-calendar-component-set>"
                    "</d:prop></d:set></c:mkcalendar>")
            reply = self.account.request("MKCALENDAR", url, body, what=f"making the calendar {name!r}", write=True)
            if reply.status in (200, 201, 405):  # 405: something is there (a make whose answer was lost)
                break
        found = find_named(self.account.calendars(), name)
        if found is None:
            raise NeedsUser(f"{self.account.where}: the server did not make the calendar {name!r} "
                            f"({reply.status})", hint=f"make a calendar named {name!r} yourself, or name an "
                                                      "existing one in reminders.calendar")
        log.info("CalDAV: made the calendar %r for the reminders", name)
        return found

    def _takes_tasks(self, cal: Collection) -> bool:
        if cal.holds("VTODO"):
            return True
        if not self._warned_tasks:
            self._warned_tasks = True
            log.warning("CalDAV: the calendar %r takes no to-dos: tasks are left out (reminders.tasks)", cal.name)
        return False

    # --- objects -------------------------------------------------------------------

    def _lookup(self, cal: Collection, uid: str, component: str) -> list[_Stored]:
        """Every object in the calendar whose ``component`` has this UID (one request)."""
        body = (f"{XML_HEAD}<c:calendar-query {NAMESPACES}><d:prop><d:getetag/><c:calendar-data/></d:prop>"
                f'<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}">'
                f'<c:prop-filter name="UID"><c:text-match collation="i;octet">{xml_text(uid)}</c:text-match>'
                "</c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>")
        what = "looking for a reminder"
        reply = self.account.report(cal.url, body, 1, what)
        if reply.status in (404, 410):
            self._calendar = None  # deleted meanwhile: looked for (and made) again next time
            raise Transient(f"{self.account.where}: the reminders calendar {cal.name!r} is gone; "
                            "it is looked for again on the next pass")
        if reply.status != 207:
            raise self.account.refused(reply, cal.url, what)
        if UID_SUFFIX not in uid:  # never: every UID written here carries the product's suffix
            raise ValueError(f"not a UID of this program: {uid!r}")
        found = []
        for entry in entries(reply.tree):
            data = entry.props.get(C + "calendar-data")
            if data is None or not data.text:
                continue
            try:
                parsed = Calendar.from_ical(data.text)
            except Exception:  # noqa: BLE001 - someone else's broken object: not ours to read
                continue
            # checked here, whatever the server's filter did (text-match is a substring
            # match, and some servers ignore the filter): the component must carry our UID
            mine = [c for c in parsed.walk(component) if str(c.get("UID", "")) == uid]
            if not mine:
                continue
            url = self.account.absolute(cal.url, entry.href)
            others = [c for c in parsed.subcomponents if c.name in ("VEVENT", "VTODO", "VJOURNAL")
                      and str(c.get("UID", "")) != uid]
            if others:  # ours beside something else: never overwritten, never deleted
                if url not in self._warned_mixed:
                    self._warned_mixed.add(url)
                    log.warning("CalDAV: %s holds other entries beside the reminder %r: it is left alone", url, uid)
                continue
            comp = mine[0]
            found.append(_Stored(url, entry.text(D + "getetag"), comp, _int(comp.get("SEQUENCE", 0))))
        return sorted(found, key=lambda s: (s.url != self._address(cal, uid), s.url))

    def _address(self, cal: Collection, uid: str) -> str:
        """Where a new object with ``uid`` goes: a name derived from it, safe in any URL."""
        return cal.url + quote("interview-followup-" + hashlib.sha256(uid.encode()).hexdigest()[:32] + ".ics")

    def _put(self, cal: Collection, uid: str, component: str, *, same: Callable[[object], bool],
             render: Callable[[object | None, int], bytes]) -> None:
        for _ in range(3):
            found = self._lookup(cal, uid, component)
            try:
                if self._write(cal, uid, found, same, render):
                    return
            except UnknownOutcome:
                # the answer was lost: look again, and say "unknown" only if still unsure
                try:
                    if any(same(s.component) for s in self._lookup(cal, uid, component)):
                        return
                except Transient:
                    pass
                raise
        raise Transient(f"{self.account.where}: the reminder {uid!r} kept changing while it was being written")

    def _write(self, cal: Collection, uid: str, found: list[_Stored], same: Callable[[object], bool],
               render: Callable[[object | None, int], bytes]) -> bool:
        """One try; False when someone else changed the object meanwhile (try again)."""
        what = "writing a reminder"
        if found:
            first, *extra = found
            if not same(first.component):
                headers = {"Content-Type": ICS_TYPE}
                if first.etag:
                    headers["If-Match"] = first.etag
                reply = self.account.request("PUT", first.url, render(first.component, first.sequence + 1).decode(),
                                             headers, what=what, write=True)
                if reply.status == 412:
                    return False
                if reply.status not in (200, 201, 204):
                    raise self.account.refused(reply, first.url, what)
            for other in extra:  # duplicates (written by hand, or by another program): one stays
                self._delete(other.url)
            return True
        url = self._address(cal, uid)
        reply = self.account.request("PUT", url, render(None, 0).decode(),
                                     {"Content-Type": ICS_TYPE, "If-None-Match": "*"}, what=what, write=True)
        if reply.status in (412, 409) or C + "no-uid-conflict" in reply.preconditions:
            return False  # it exists after all (written meanwhile, or our own lost answer)
        if reply.status not in (200, 201, 204):
            raise self.account.refused(reply, url, what)
        return True

    def _delete_all(self, cal: Collection, uid: str, component: str) -> None:
        for stored in self._lookup(cal, uid, component):
            self._delete(stored.url)

    def _delete(self, url: str) -> None:
        what = "removing a reminder"
        reply = self.account.request("DELETE", url, what=what, write=True)
        if reply.status not in (200, 204, 404, 410):
            raise self.account.refused(reply, url, what)

    # --- reading -------------------------------------------------------------------

    def _reminder_of(self, key: str, vevent: object) -> Reminder | None:
        return reminder_of(key, vevent, self.context.timezone)

    def _stamp(self) -> datetime:
        return stamp(self.context.clock)


# --- the objects' text ------------------------------------------------------------------


def _calendar(component: object) -> bytes:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add_component(component)
    return cal.to_ical()


def _event(r: Reminder, dtstamp: datetime, sequence: int) -> bytes:
    return _calendar(event(r, dtstamp, sequence))


def _todo(r: Reminder, dtstamp: datetime, sequence: int, old: object | None) -> bytes:
    todo = Todo()
    todo.add("UID", task_uid(r.key))
    todo.add("DTSTAMP", dtstamp)
    todo.add("SEQUENCE", sequence)
    todo.add("DUE", r.start)
    todo.add("SUMMARY", r.title)
    if r.description:
        todo.add("DESCRIPTION", r.description)
    if r.link:
        todo.add("URL", r.link)
    todo.add("RELATED-TO", reminder_uid(r.key))
    done = old is not None and str(old.get("STATUS", "")).upper() == "COMPLETED"
    if done:  # ticked off by the user: it stays done
        for name in KEPT_WHEN_DONE:
            if name in old:
                todo[name] = old[name]
    else:
        todo.add("STATUS", "NEEDS-ACTION")
    return _calendar(todo)


def _todo_fields(todo: object) -> tuple | None:
    """What the program decides in a to-do (not its status: the user's)."""
    try:
        if isinstance(todo, bytes):
            todo = Calendar.from_ical(todo).walk("VTODO")[0]
        due = todo.decoded("DUE")
        return (str(todo.get("SUMMARY", "")), str(todo.get("DESCRIPTION", "")),
                due.astimezone(UTC) if isinstance(due, datetime) else due, str(todo.get("URL", "")),
                str(todo.get("RELATED-TO", "")))
    except Exception:  # noqa: BLE001 - edited beyond recognition: rewrite it
        return None


def _int(value: object) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _normalised(r: Reminder) -> Reminder:
    """The reminder exactly as the server will hold it; here a negative alarm is refused too."""
    if r.alarm_before < timedelta(0):
        raise ValueError(f"reminder {r.key!r}: negative alarm")
    return normalised(r)
