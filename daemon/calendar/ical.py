"""Read iCalendar data into ``CalendarEvent`` occurrences.

Shared by every provider that receives VCALENDAR text (the .ics file provider, CalDAV).

Steps: decode, repair time-zone ids, split the text into its components (linear, no
recursion), parse the time zones and the events that matter with icalendar, check each
event, repair X-WR-TIMEZONE with x_wr_timezone, expand each UID with
recurring_ical_events, convert. ``parse_calendar`` does the expensive first part once;
``ParsedCalendar.between`` expands a window, so a provider can cache the parse of an
unchanged file.

What is parsed: icalendar parses about 15,000 lines a second, so only what can matter is
given to it. Components other than VEVENT and VTIMEZONE are never parsed; an event
repeated with the very same text is parsed once (the last copy); with a ``window``
(``parse_window``: the read's window, a day earlier and 30 days later), the UIDs all of
whose copies are single events (no RRULE, RDATE, EXRULE, RECURRENCE-ID or DURATION) that,
by the dates written in DTSTART and DTEND, lie more than two days outside it are not
parsed (``ParsedCalendar.serves`` tells the provider when to parse again). A 20 MB
export of 60,000 events over 27 years parses in 4 s instead of minutes.

Rules:
- Floating times (no TZID, no "Z") are wall-clock times in the user's zone ``tz``:
  the event gets ``tzinfo=tz`` and ``floating=True``, and the read says so in one problem
  line per file (the first such event named, the others counted; the same words on every
  read of one parse). In a calendar with X-WR-TIMEZONE (Google exports) x_wr_timezone has
  already placed them in that zone: no warning.
- All-day events (DATE values) start at local midnight (in ``tz``) of their first day
  and end at local midnight of the exclusive DTEND (one day when DTEND is missing or not
  after DTSTART); ``all_day=True``. A missing DTEND on a timed event is DURATION, or zero.
- Time zones: icalendar 7 maps IANA names, Windows names ("W. Europe Standard Time")
  and VTIMEZONE definitions ("Customized Time Zone"). Three repairs happen first:
  ``tzone://Microsoft/Utc`` is read as UTC; a VTIMEZONE whose TZID is not a known
  zone is given a unique id derived from its definition, because icalendar caches zones
  by TZID for the whole process (two Outlook invites with different "Customized Time
  Zone" definitions would otherwise share the first one); a "globally unique" TZID with
  no definition in the file ("/mozilla.org/20070129_1/Europe/Berlin") means the IANA zone
  it ends with. A TZID nothing can resolve is never read as UTC or floating: the event
  is reported in ``problems``.
- Times are canonical: a local time in the hour a DST change skips takes the offset
  before the gap (RFC 5545 3.3.5: 02:30 on the spring-forward night is 03:30 summer
  time); one that happens twice is its first occurrence.
- Versions: of several components with the same UID and RECURRENCE-ID (an update saved
  next to the original, a file concatenated with itself), the highest SEQUENCE, then the
  latest LAST-MODIFIED, then DTSTAMP wins; on a tie the last in the file. When the
  copies say different things (their stamps aside) it is reported, naming what decided
  ("the copy with SEQUENCE 2 is used (the next newest has SEQUENCE 0)"). A single event
  stays single (``recurrence_id`` ""). A SEQUENCE, LAST-MODIFIED or DTSTAMP that cannot be
  read counts as absent. ``ParsedCalendar.version`` gives a provider the version of each
  occurrence, to choose between files the same way (``newer_by`` words the choice).
- An event without UID is read under a key made from its DTSTART (with its TZID), SUMMARY,
  ORGANIZER and RECURRENCE-ID as written (``no-uid-`` and 16 hex digits): read again, it
  gets the same key and so the same loop; one problem line per file names the first such
  event and its key, and counts the others.
- ``recurrence_id`` is "" for single events; for occurrences of recurring events it is
  the original start as ISO text, in UTC when it has a zone (so an override written in
  another zone names the same occurrence), the date for all-day, naive when floating.
- Attendees: "mailto:" removed (case kept), CN as name, PARTSTAT lower case; rooms and
  resources (CUTYPE=ROOM/RESOURCE) and addresses without "@" are left out.
- Text (summary, description, names) is kept as data, CR/LF included. Bytes are UTF-8
  (with or without BOM), else Windows-1252 (a superset of Latin-1 in practice); lines
  are unfolded before decoding, since folding at 75 octets splits UTF-8 characters; a file
  cut off inside its last UTF-8 character is still UTF-8. A file read as Windows-1252 is
  named in one problem line. Of a text property given twice, the first counts.
- The program's own reminders are never read: an event whose UID ends in
  ``keys.UID_SUFFIX``, that carries ``keys.REMINDER_PROPERTY``, or whose description has
  the reminder footer (``keys.is_our_reminder_text``) is left out, so a server that
  rewrites UIDs or drops X- properties still cannot make one an interview.

Never stop, contained per event (``problems`` names the source, SUMMARY, UID and the
reason; the UID goes to ``bad_uids``, so the core cancels none of its loops):
- An event with two UID, DTSTART, DTEND, DURATION or RECURRENCE-ID properties, with a
  broken date/time/recurrence property, an unknown TZID, or one that fails to expand is
  skipped. All components of that UID are skipped: a broken override must not let the
  master resurrect the occurrence it moved. Any other exception while reading one event
  (or UID) is caught at that event.
- Each VTIMEZONE is parsed on its own: one that cannot be read makes only the events
  that use it unreadable (reported with the zone's name); a broken definition of a zone
  known by its name (an IANA or Windows name) is reported and the known zone is used. The
  events are parsed together, and when icalendar refuses that, one by one: a component
  that cannot be read, or is cut off or badly closed (a missing, stray or mismatched END
  line), is reported and the others are read. A component whose UID cannot be found, or a file cut off before its
  END:VCALENDAR, makes the read incomplete (``complete=False``: nothing is cancelled from
  it). Data that is not iCalendar at all gives one problem, never an exception. The same
  problem is given once, and at most ``MAX_PROBLEMS`` of them per read.

Bounded work (the values and their reasons are in ``daemon.calendar.limits``):
- Recurrence: RRULE with FREQ=SECONDLY or MINUTELY, or longer than ``MAX_RULE_CHARS``,
  is refused. Every expansion is counted in dateutil's own steps: one series may take
  ``SERIES_STEPS`` per window (over it: skipped and reported; the verdict is remembered
  for the parse, so later passes do not pay again), one read ``READ_STEPS`` for all series,
  and the VTIMEZONE definitions of one parse ``PARSE_STEPS``. A rule that never matches,
  or starts centuries back, is stopped there instead of running to the year 9999.
- Occurrences are produced lazily and only for the window; a series with more than
  ``MAX_OCCURRENCES`` in the window gives its first ones, is reported, and its UID counts
  as unreadable.
- Attendees: the first ``MAX_ATTENDEES`` of an event are read (the others are dropped
  before icalendar parses them); the event is reported.
- Lines: a content line longer than ``MAX_LINE_CHARS`` is cut there when it is text that
  is read (SUMMARY, DESCRIPTION, LOCATION, COMMENT), else left out, before icalendar
  parses it (it reads about a character a microsecond); the event is reported.
- Files: the providers refuse a calendar over ``calendar.max_megabytes`` before reading it.
- Problem lines show at most ``SHOWN_CHARS`` of a SUMMARY or UID, escaped (``repr``), so
  calendar text cannot forge a log line.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo, UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.tzid import tzid_from_tzinfo
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from interview_followup.daemon.calendar import limits
from interview_followup.daemon.calendar.limits import TooMuchWork, shorten, work_budget
from interview_followup.daemon.common.addresses import clean_address
from interview_followup.daemon.keys import (
    REMINDER_PROPERTY,
    is_our_reminder_text,
    key_from_uid,
)
from interview_followup.daemon.model import Attendee, CalendarEvent, CalendarRead, Person

# Properties whose breakage makes the time of an event unknown.
TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
# Properties an event may have once only (RFC 5545 3.6.1); two of them make it unreadable.
SINGLE_PROPERTIES = ("UID", "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
# Components that stand directly in a VCALENDAR (a BEGIN of one inside another means the
# other lost its END line).
TOP_LEVEL = frozenset({"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VAVAILABILITY"})
# TZIDs icalendar does not know, with the zone they mean.
TZID_ALIASES = {"tzone://microsoft/utc": "UTC"}
NOT_PEOPLE = {"ROOM", "RESOURCE"}
STATUSES = {"confirmed", "tentative", "cancelled"}
_EVERY = {"SECONDLY": "second", "MINUTELY": "minute"}


@dataclass
class ParsedCalendar:
    """A parsed, checked calendar: its events grouped by UID, ready to expand."""

    source: str
    groups: list[tuple[str, icalendar.Calendar]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    bad_uids: set[str] = field(default_factory=set)
    zone_names: dict[str, str] = field(default_factory=dict)  # repaired TZID -> as written
    broken_zones: dict[str, str] = field(default_factory=dict)  # TZID -> why it is unreadable
    cancelled: bool = False  # METHOD:CANCEL (an iTIP cancellation)
    readable: bool = True  # False when the data as a whole is not usable iCalendar
    complete: bool = True  # False when part of the data could not be read at all (see docs)
    refused: dict[str, str] = field(default_factory=dict)  # UID -> problem: too costly to expand
    window: tuple[datetime, datetime] | None = None  # single events outside it were not parsed
    # (UID, recurrence id or "") -> (SEQUENCE, LAST-MODIFIED, DTSTAMP) of each component read
    versions: dict[tuple[str, str], tuple[int, datetime, datetime]] = field(default_factory=dict)
    floating: list[tuple[str, str]] = field(default_factory=list)  # (SUMMARY, UID) at floating times
    # UID -> the version of its group (see ``_note_keys``): its expansions are cached under it
    expansion_keys: dict[str, str | None] = field(default_factory=dict)

    def version(self, uid: str, recurrence_id: str = "") -> tuple[int, datetime, datetime]:
        """(SEQUENCE, LAST-MODIFIED, DTSTAMP) of the component an occurrence comes from:
        its override, else its series (or single event); what is absent counts as oldest."""
        found = self.versions.get((uid, recurrence_id)) or self.versions.get((uid, ""))
        return found or (0, _NEVER, _NEVER)

    def serves(self, start: datetime, end: datetime) -> bool:
        """Whether this parse holds every event the window [start, end) may show."""
        return self.window is None or self.window[0] <= start and end <= self.window[1]

    @property
    def event_count(self) -> int:
        """How many events (UIDs) could be read."""
        return len(self.groups)

    def between(self, start: datetime, end: datetime, tz: ZoneInfo) -> CalendarRead:
        """The occurrences overlapping [start, end), with the problems found so far."""
        read = CalendarRead(
            problems=list(self.problems), bad_uids=set(self.bad_uids), complete=self.complete
        )
        with work_budget(limits.READ_STEPS):
            for uid, group in self.groups:
                self._expand_into(read, uid, group, start, end, tz)
        read.events.sort(key=lambda e: (e.start, e.uid))
        if self.floating:  # one line per file, the same on every read of this parse
            summary, uid = self.floating[0]
            more = len(self.floating) - 1
            read.problems.append(_problem(
                self.source, summary, uid,
                f"has a floating time (no time zone): it is read in your time zone, "
                f"{getattr(tz, 'key', None) or tz}"
                + (f"; so are {more} other event(s) of this file" if more else ""),
            ))
        read.problems = _few(read.problems, self.source)
        return read

    def _expand_into(
        self,
        read: CalendarRead,
        uid: str,
        group: icalendar.Calendar,
        start: datetime,
        end: datetime,
        tz: ZoneInfo,
    ) -> None:
        refused = self.refused.get(uid)
        if refused is not None:
            read.problems.append(refused)
            read.bad_uids.add(uid)
            return
        summary = _summary_of(group)
        notes: list[str] = []
        try:
            with work_budget(limits.SERIES_STEPS):
                single = _single_occurrence(group, start, end)
                if single is not None:
                    occurrences, capped = single, False
                else:
                    key = self.expansion_keys.get(uid)
                    got = _cached_occurrences(key, group, start, end) if key else None
                    occurrences, capped = got if got is not None else _occurrences(group, start, end)
            recurring = _is_recurring(group)
            events = [self._event(occ, uid, tz, recurring, notes) for occ in occurrences]
        except TooMuchWork:
            left = limits.steps_left()
            if left is not None and left <= 0:  # the read's budget, not this series'
                read.problems.append(_problem(
                    self.source, summary, uid,
                    "was not read: expanding the recurring events of this calendar took too "
                    "much work in this pass (see the other problems)",
                ))
            else:
                problem = _problem(
                    self.source, summary, uid,
                    "takes too much work to expand (a recurrence rule, of the event or of its "
                    "time zone, that starts centuries back, repeats very often or never "
                    "matches); it is skipped",
                )
                self.refused[uid] = problem
                read.problems.append(problem)
            read.bad_uids.add(uid)
            return
        except Exception as exc:  # noqa: BLE001 - bad data in one event stays in that event
            read.problems.append(_problem(self.source, summary, uid, f"cannot be read: {_why(exc)}"))
            read.bad_uids.add(uid)
            return
        if capped:
            notes.append(
                f"has more than {limits.MAX_OCCURRENCES} occurrences in the window; only the "
                f"first {limits.MAX_OCCURRENCES} are read"
            )
            read.bad_uids.add(uid)
        for note in dict.fromkeys(notes):
            read.problems.append(_problem(self.source, summary, uid, note))
        read.events.extend(events)

    def _event(
        self, occ: icalendar.Event, uid: str, tz: ZoneInfo, recurring: bool, notes: list[str]
    ) -> CalendarEvent:
        raw_start = occ.start
        all_day = not isinstance(raw_start, datetime)
        raw_end = occ.end
        if all_day:
            first = raw_start
            after = (
                raw_end
                if isinstance(raw_end, date) and raw_end > first
                else first + timedelta(days=1)
            )
            ev_start = _canonical(datetime.combine(first, time(0), tzinfo=tz))
            ev_end = _canonical(datetime.combine(after, time(0), tzinfo=tz))
        else:
            ev_start, ev_end = _canonical(_aware(raw_start, tz)), _canonical(_aware(raw_end, tz))
        floating = not all_day and raw_start.tzinfo is None
        status = _text(occ, "STATUS", "CONFIRMED").lower().replace("canceled", "cancelled")
        if self.cancelled:
            status = "cancelled"
        rid = _date_value(occ, "RECURRENCE-ID")
        attendees = _as_list(_get(occ, "ATTENDEE"))
        if len(attendees) > limits.MAX_ATTENDEES:
            notes.append(
                f"has {len(attendees)} attendees; only the first {limits.MAX_ATTENDEES} are read"
            )
            attendees = attendees[: limits.MAX_ATTENDEES]
        return CalendarEvent(
            uid=uid,
            start=ev_start,
            end=ev_end,
            summary=_text(occ, "SUMMARY"),
            description=_text(occ, "DESCRIPTION"),
            categories=_categories(_get(occ, "CATEGORIES")),
            recurrence_id=_recurrence_text(rid) if recurring and rid is not None else "",
            all_day=all_day,
            floating=floating,
            status=status if status in STATUSES else "confirmed",
            attendees=tuple(_attendees(attendees)),
            organizer=_person(_first(_get(occ, "ORGANIZER"))),
            timezone=tz.key if all_day or floating else self._zone_name(ev_start.tzinfo),
            location=_text(occ, "LOCATION"),
            source=self.source,
        )

    def _zone_name(self, zone: tzinfo | None) -> str:
        if isinstance(zone, ZoneInfo):
            return zone.key
        if zone is UTC:
            return "UTC"
        name = _unescape(tzid_from_tzinfo(zone) or "")
        name = self.zone_names.get(name, name)
        return WINDOWS_TO_OLSON.get(name, name)


# An event that does not repeat (one VEVENT, no rule, no extra dates, no override) is its
# own occurrence: it is read as it is when the library's own span test says it overlaps the
# window, by the library's own start and end (DURATION, a missing DTEND, dates), without
# building a series and a copy of it for each read (most events of a calendar are such).
# Anything unusual about it goes the library's whole way, which reports what is wrong.
SINGLE_EVENT_SHORTCUT = True
_REPEATS = ("RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID")


def _single_occurrence(group: icalendar.Calendar, start: datetime, end: datetime) -> list[icalendar.Event] | None:
    """``[event]`` or ``[]`` for a group of one event that does not repeat; None otherwise."""
    events = group.subcomponents
    if not SINGLE_EVENT_SHORTCUT or len(events) != 1:
        return None
    event = events[0]
    if event.name != "VEVENT" or any(name in event for name in _REPEATS) or "DTSTART" not in event:
        return None
    try:
        from recurring_ical_events.adapters.event import EventAdapter
        from recurring_ical_events.util import time_span_contains_event

        adapter = EventAdapter(event)
        return [event] if time_span_contains_event(start, end, adapter.start, adapter.end) else []
    except TooMuchWork:
        raise  # a time zone's rules ran out of the budget: asking them again would run uncounted
    except Exception:  # noqa: BLE001 - the library's whole way says what is wrong
        return None


def _occurrences(
    group: icalendar.Calendar, start: datetime, end: datetime
) -> tuple[list[icalendar.Event], bool]:
    """The occurrences of one UID's series in [start, end), at most ``MAX_OCCURRENCES``,
    produced lazily (the cap stops the expansion); True when there were more."""
    query = recurring_ical_events.of(group)
    cap = limits.MAX_OCCURRENCES
    series_list = getattr(query, "series", None)
    if series_list is None:  # pragma: no cover - another recurring_ical_events: its own list
        found = query.between(start, end)
        return found[:cap], len(found) > cap
    out: list[icalendar.Event] = []
    for series in series_list:
        for occurrence in series.between(start, end):
            if len(out) == cap:
                return out, True
            out.append(occurrence.as_component(False))
    return out, False


# --- expansions kept between reads ------------------------------------------------------
#
# A UID's group is a function of its raw lines (every copy), the calendar's own properties
# and the VTIMEZONE definitions its lines name: a hash of those is its version. Its
# occurrences are expanded over the window and a margin (the window moves with the clock),
# kept, and narrowed to each read's window by the library's own span check
# (``Occurrence.is_in_span``, as ``between`` does). The work the expansion took is charged
# to the read's budgets on every use, as if it ran again; an expansion over the margin that
# reaches ``MAX_OCCURRENCES``, runs out of budget or fails is not used: the read expands the
# window itself, as without the cache. LRU, at most ``MAX_CACHED_EXPANSIONS`` versions.

EXPAND_BEFORE = timedelta(days=1)
EXPAND_AFTER = timedelta(days=7)


@dataclass(slots=True)
class _Expansion:
    start: datetime
    end: datetime
    items: list[tuple[object, icalendar.Event]] | None  # None: expand each window itself
    steps: int
    too_much: bool = False  # the expansion ran out of its budget: so would the window's


_EXPANSIONS: OrderedDict[str, _Expansion] = OrderedDict()


def clear_expansion_cache() -> None:
    """Forget every kept expansion."""
    _EXPANSIONS.clear()


def _note_keys(parsed: ParsedCalendar, raw: _RawCalendar, events: list[_Block]) -> None:
    """The version of each UID of ``events`` (None when it cannot be told: a UID in two
    VCALENDARs of one file)."""
    texts: dict[str, list[str]] = {}
    for block in events:
        uid = block.value("UID").strip()
        if uid:
            texts.setdefault(uid, []).append("\n".join(block.lines))
    if not texts:
        return
    zones = {
        b.value("TZID"): "\n".join(b.lines) for b in raw.blocks if b.name == "VTIMEZONE"
    }
    head = "\n".join(raw.header).encode()
    for uid, parts in texts.items():
        if uid in parsed.expansion_keys:
            parsed.expansion_keys[uid] = None
            continue
        digest = hashlib.sha256(head)
        used: set[str] = set()
        for text in parts:
            digest.update(b"\0")
            digest.update(text.encode("utf-8", "surrogatepass"))
            if "TZID" in text.upper():
                for m in _TZID_PARAM.finditer(text):
                    used.add(m.group(1) if m.group(1) is not None else m.group(2))
        for tzid in sorted(used):
            digest.update(b"\1" + tzid.encode("utf-8", "surrogatepass") + b"\2")
            digest.update(zones.get(tzid, "").encode("utf-8", "surrogatepass"))
        parsed.expansion_keys[uid] = digest.hexdigest()


def _cached_occurrences(
    key: str, group: icalendar.Calendar, start: datetime, end: datetime
) -> tuple[list[icalendar.Event], bool] | None:
    """``_occurrences`` from the kept expansion of this version, or None: expand it.
    Raises ``TooMuchWork`` (the open budget spent) when the expansion needs more work than
    the budget has left: expanding again would not fit either, and an interrupted dateutil
    rule must not be asked again (its cache would then run on uncounted)."""
    try:
        entry = _EXPANSIONS.get(key)
        if entry is not None and entry.start <= start and end <= entry.end:
            _EXPANSIONS.move_to_end(key)
        else:
            entry = _expand_wide(group, start - EXPAND_BEFORE, end + EXPAND_AFTER)
            _EXPANSIONS[key] = entry
            _EXPANSIONS.move_to_end(key)
            while len(_EXPANSIONS) > limits.MAX_CACHED_EXPANSIONS:
                _EXPANSIONS.popitem(last=False)
    except Exception:  # noqa: BLE001 - expanded the usual way, which reports what is wrong
        return None
    if entry.too_much or (entry.items is not None and not limits.charge(entry.steps)):
        limits.exhaust()
        raise TooMuchWork("the recurrence rule needs too much work to expand")
    if entry.items is None:
        return None
    try:
        return [component for occ, component in entry.items if occ.is_in_span(start, end)], False
    except Exception:  # noqa: BLE001
        return None


def _expand_wide(group: icalendar.Calendar, start: datetime, end: datetime) -> _Expansion:
    items: list[tuple[object, icalendar.Event]] | None = []
    too_much = False
    with limits.separate_budget(limits.SERIES_STEPS) as spent:
        try:
            series_list = recurring_ical_events.of(group).series
            for series in series_list:
                for occurrence in series.between(start, end):
                    if len(items) == limits.MAX_OCCURRENCES:
                        raise _Capped
                    items.append((occurrence, occurrence.as_component(False)))
        except TooMuchWork:
            items, too_much = None, True
        except Exception:  # noqa: BLE001 - the cap, bad data: expanded the usual way
            items = None
    return _Expansion(start, end, items, spent[0], too_much)


class _Capped(Exception):
    """An expansion over the margin reached ``MAX_OCCURRENCES``."""


# A parse made for the window [start, end) keeps the single events that may fall into
# [start - 1 day, end + 30 days]: it serves the windows of the next 30 days too (the
# window moves on with the clock), and is made again when the window leaves it.
PARSE_BEFORE = timedelta(days=1)
PARSE_AFTER = timedelta(days=30)


def parse_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """What to give ``parse_calendar`` as ``window`` for a read of [start, end)."""
    return start - PARSE_BEFORE, end + PARSE_AFTER


def read_calendar(
    data: bytes, *, start: datetime, end: datetime, tz: ZoneInfo, source: str
) -> CalendarRead:
    """Every occurrence in ``data`` overlapping [start, end); never raises on bad data."""
    return parse_calendar(data, source=source, window=(start, end)).between(start, end, tz)


def parse_calendar(
    data: bytes, *, source: str, window: tuple[datetime, datetime] | None = None
) -> ParsedCalendar:
    """Parse and check iCalendar ``data``; problems are collected, never raised.

    With ``window``, single events that certainly lie outside it are not parsed at all
    (see the module's docs): the parse serves the windows inside it (``serves``)."""
    parsed = ParsedCalendar(source=source, window=window)
    try:
        with work_budget(limits.PARSE_STEPS):
            _parse_into(parsed, data)
    except Exception as exc:  # noqa: BLE001 - a bug or a case not foreseen: one problem, no stop
        parsed.problems.append(f"{source}: cannot be read: {_why(exc)}")
        parsed.groups.clear()
        parsed.readable = False
    parsed.problems = _few(parsed.problems, source)
    return parsed


def _few(problems: list[str], source: str) -> list[str]:
    """Each problem once, at most ``MAX_PROBLEMS`` of them and a line counting the rest."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= limits.MAX_PROBLEMS:
        return unique
    rest = len(unique) - limits.MAX_PROBLEMS
    return [*unique[: limits.MAX_PROBLEMS], f"{source}: {rest} more problems like these"]


def _parse_into(parsed: ParsedCalendar, data: bytes) -> None:
    source = parsed.source
    text, legacy = _decode(data)
    if "BEGIN:VCALENDAR" not in text.upper():
        parsed.problems.append(f"{source}: not an iCalendar file (no BEGIN:VCALENDAR)")
        parsed.readable = False
        return
    if legacy:
        parsed.problems.append(
            f"{source}: the file is not UTF-8; it was read as Windows-1252 (Western European, "
            "a superset of Latin-1): if names or titles show wrong letters, export it as UTF-8"
        )
    text, parsed.zone_names = _repair_tzids(text)
    raws = _split_components(text, parsed)
    del text
    if not any(raw.closed or raw.blocks for raw in raws):
        parsed.problems.append(f"{source}: not a readable iCalendar file (no complete VCALENDAR inside)")
        parsed.readable = False
        return
    for raw in raws:
        cal = _read_components(parsed, raw)
        if cal is not None:
            _add_calendar(parsed, cal)


def _add_calendar(parsed: ParsedCalendar, cal: icalendar.Calendar) -> None:
    source = parsed.source
    if _text(cal, "CALSCALE", "GREGORIAN").upper() != "GREGORIAN":
        parsed.problems.append(
            f"{source}: calendar scale {shorten(_text(cal, 'CALSCALE'), 40)!r} is not supported"
        )
        parsed.readable = False
        return
    parsed.cancelled = parsed.cancelled or _text(cal, "METHOD").upper() == "CANCEL"
    by_uid: dict[str, list[icalendar.Event]] = {}
    keyed: list[tuple[str, str]] = []  # (SUMMARY, key) of the events without UID
    for event in _walk(cal, "VEVENT"):
        summary = _text(event, "SUMMARY")
        uid = _text(event, "UID").strip()
        if not uid:
            uid = _content_key(event)
            keyed.append((summary, uid))
            event.pop("UID", None)
            event.add("UID", uid)
        if _is_ours(event, uid, summary):
            continue  # one of this program's reminders: never an interview
        by_uid.setdefault(uid, []).append(event)
    if keyed:  # one line per calendar, not one per event
        summary, key = keyed[0]
        more = len(keyed) - 1
        parsed.problems.append(_problem(
            source, summary, "",
            f"has no UID: it is read under the key {key!r}, made from its start, title and "
            "organizer (a change to one of them makes it another event)"
            + (f"; so are {more} other event(s) without UID in this file" if more else ""),
        ))
    zone = _text(cal, "X-WR-TIMEZONE")
    clean: list[tuple[str, list[icalendar.Event]]] = []
    for uid, events in by_uid.items():
        try:
            reasons = [r for r in (_broken(e, parsed) for e in events) if r]
            if reasons:
                summary = _text(events[0], "SUMMARY")
                parsed.problems.append(_problem(source, summary, uid, "; ".join(dict.fromkeys(reasons))))
                parsed.bad_uids.add(uid)
                continue
            clean.append((uid, _latest_versions(parsed, uid, events)))
        except Exception as exc:  # noqa: BLE001 - one event's data stays in that event
            summary = _text(events[0], "SUMMARY")
            parsed.problems.append(_problem(source, summary, uid, f"cannot be read: {_why(exc)}"))
            parsed.bad_uids.add(uid)
    if zone and not _known_x_wr_timezone(zone):
        parsed.problems.append(
            f"{source}: unknown X-WR-TIMEZONE {shorten(zone, 60)!r}: UTC times are used as "
            "they are and floating times are read in your time zone"
        )
        zone = ""
    if zone:
        whole = icalendar.Calendar()
        whole.add("X-WR-TIMEZONE", zone)
        for _, events in clean:
            for event in events:
                whole.add_component(event)
        try:
            converted = x_wr_timezone.to_standard(whole)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - find the event it is about, below
            converted = None
        if converted is not None:
            clean = _regroup(converted)
            zone = ""
    for uid, events in clean:
        group = icalendar.Calendar()
        for event in events:
            group.add_component(event)
        if zone:  # the whole calendar could not be converted: one UID at a time
            try:
                group.add("X-WR-TIMEZONE", zone)
                group = x_wr_timezone.to_standard(group)
            except Exception as exc:  # noqa: BLE001 - one event's data stays in that event
                summary = _text(events[0], "SUMMARY")
                parsed.problems.append(_problem(
                    source, summary, uid,
                    f"cannot be placed in the calendar's zone {shorten(zone, 60)!r}: {_why(exc)}",
                ))
                parsed.bad_uids.add(uid)
                continue
        parsed.groups.append((uid, group))
        _note_versions_and_floating(parsed, uid, group)


def _regroup(cal: icalendar.Calendar) -> list[tuple[str, list[icalendar.Event]]]:
    groups: dict[str, list[icalendar.Event]] = {}
    for event in cal.subcomponents:
        if event.name == "VEVENT":
            groups.setdefault(_text(event, "UID").strip(), []).append(event)
    return list(groups.items())


NO_UID_PREFIX = "no-uid-"
_KEY_PROPERTIES = ("DTSTART", "SUMMARY", "ORGANIZER", "RECURRENCE-ID")


def _content_key(event: icalendar.Event) -> str:
    """A stable UID for an event that has none: a hash of its start (with its zone), title,
    organizer and recurrence id as written, so the same event read again gets the same
    key (and the same loop), while a description or an attendee may change."""
    parts = []
    for name in _KEY_PROPERTIES:
        value = _first(_get(event, name))
        try:
            text = value.to_ical().decode("utf-8", "replace") if value is not None else ""
            tzid = str(getattr(value, "params", {}).get("TZID", ""))
        except Exception:  # noqa: BLE001 - a broken property counts as absent
            text, tzid = "", ""
        parts.append(f"{name};{tzid}:{text}")
    return NO_UID_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _note_versions_and_floating(parsed: ParsedCalendar, uid: str, group: icalendar.Calendar) -> None:
    """Remember the version of each component of ``uid`` (for a provider choosing between
    files) and whether it starts at a floating time (warned about in ``between``)."""
    floating = False
    for event in group.subcomponents:
        rid = _date_value(event, "RECURRENCE-ID")
        parsed.versions[(uid, _recurrence_text(rid) if rid is not None else "")] = _version(event)
        start = _date_value(event, "DTSTART")
        floating = floating or (isinstance(start, datetime) and start.tzinfo is None)
    if floating:
        parsed.floating.append((_summary_of(group), uid))


def newer_by(kept: tuple[int, datetime, datetime], other: tuple[int, datetime, datetime]) -> tuple[str, str]:
    """What tells the version ``kept`` from ``other`` (each a ``version``): the first of
    SEQUENCE, LAST-MODIFIED and DTSTAMP that differs, as words for each ("SEQUENCE 3",
    "SEQUENCE 1"); ("", "") when none does."""
    for name, mine, theirs in zip(("SEQUENCE", "LAST-MODIFIED", "DTSTAMP"), kept, other):
        if mine != theirs:
            return f"{name} {_shown_stamp(mine)}", f"{name} {_shown_stamp(theirs)}"
    return "", ""


def _shown_stamp(value: object) -> str:
    if isinstance(value, datetime):
        return "none" if value == _NEVER else value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def _differ(chosen: icalendar.Event, copies: list[icalendar.Event]) -> bool:
    """Whether any of ``copies`` says something else than ``chosen``, their version stamps
    left aside."""
    mine = _content_lines(chosen)
    return any(_content_lines(e) != mine for e in copies if e is not chosen)


_STAMPS = (b"DTSTAMP", b"LAST-MODIFIED", b"SEQUENCE", b"CREATED")


def _content_lines(event: icalendar.Event) -> list[bytes]:
    try:
        text = re.sub(rb"\r\n[ \t]", b"", event.to_ical())
    except Exception:  # noqa: BLE001 - cannot be written out: count it as different
        return [str(id(event)).encode()]
    return sorted(line for line in text.split(b"\r\n") if not line.upper().startswith(_STAMPS))


def _known_x_wr_timezone(zone: str) -> bool:
    """Whether x_wr_timezone can use this X-WR-TIMEZONE (it raises for unknown names)."""
    probe = icalendar.Calendar()
    probe.add("X-WR-TIMEZONE", zone)
    try:
        x_wr_timezone.to_standard(probe)
    except Exception:  # noqa: BLE001 - an unknown zone name, typically
        return False
    return True


def _is_ours(event: icalendar.Event, uid: str, summary: str) -> bool:
    """One of this program's reminders: by its UID, its X- property or its footer."""
    if key_from_uid(uid) is not None:
        return True
    try:
        if REMINDER_PROPERTY in event:
            return True
    except Exception:  # noqa: BLE001
        pass
    description = _text(event, "DESCRIPTION")
    return is_our_reminder_text(summary, description)


def _latest_versions(
    parsed: ParsedCalendar, uid: str, events: list[icalendar.Event]
) -> list[icalendar.Event]:
    """One component per occurrence: of several with the same RECURRENCE-ID (or none), the
    newest by SEQUENCE, then LAST-MODIFIED, then DTSTAMP; on a tie, the last in the file,
    and the clash is reported when the copies differ."""
    by_rid: dict[str, list[icalendar.Event]] = {}
    for event in events:
        rid = _date_value(event, "RECURRENCE-ID")
        by_rid.setdefault(_recurrence_text(rid) if rid is not None else "", []).append(event)
    kept = []
    for copies in by_rid.values():
        if len(copies) == 1:
            kept.append(copies[0])
            continue
        versions = [_version(e) for e in copies]
        newest = max(versions)
        tied = [e for e, v in zip(copies, versions) if v == newest]
        chosen = tied[-1]
        if len(tied) > 1:
            chosen_text = chosen.to_ical()
            others = {_text(e, "SUMMARY") for e in tied if e.to_ical() != chosen_text}
            if others:
                names = ", ".join(repr(shorten(n, limits.SHOWN_CHARS)) for n in sorted(others)[:5])
                parsed.problems.append(_problem(
                    parsed.source, _text(chosen, "SUMMARY"), uid,
                    f"appears {len(tied)} times with nothing to tell which is newer (no higher "
                    f"SEQUENCE, LAST-MODIFIED or DTSTAMP; also as {names}): the last one in the "
                    "file is used",
                ))
        elif _differ(chosen, copies):
            runner_up = max(v for v in versions if v != newest)
            mine, theirs = newer_by(newest, runner_up)
            parsed.problems.append(_problem(
                parsed.source, _text(chosen, "SUMMARY"), uid,
                f"appears {len(copies)} times in the file with different content: the copy "
                f"with {mine} is used (the next newest has {theirs})",
            ))
        kept.append(chosen)
    for event in kept:  # recurring_ical_events compares SEQUENCE itself: give it a number
        value = _get(event, "SEQUENCE")
        if value is not None and not isinstance(value, int):
            sequence = _version(event)[0]
            del event["SEQUENCE"]
            event.add("SEQUENCE", sequence)
    return kept


_NEVER = datetime.min.replace(tzinfo=UTC)


def _version(event: icalendar.Event) -> tuple[int, datetime, datetime]:
    """(SEQUENCE, LAST-MODIFIED, DTSTAMP); what cannot be read counts as absent."""
    try:
        sequence = int(str(_first(_get(event, "SEQUENCE")) or 0).strip())
    except (TypeError, ValueError):
        sequence = 0
    return (sequence, *(_stamp(_date_value(event, name)) for name in ("LAST-MODIFIED", "DTSTAMP")))


def _stamp(value: object) -> datetime:
    if not isinstance(value, datetime):
        return _NEVER
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _broken(event: icalendar.Event, parsed: ParsedCalendar) -> str:
    """Why this event cannot be read, or ""; never raises."""
    try:
        return _why_broken(event, parsed)
    except Exception as exc:  # noqa: BLE001 - a property even the checks cannot read
        return f"cannot be read: {_why(exc)}"


def _why_broken(event: icalendar.Event, parsed: ParsedCalendar) -> str:
    reasons = [
        f"{name} is invalid ({shorten(str(msg), 200)})"
        for name, msg in event.errors
        if name in TIME_PROPERTIES
    ]
    if reasons:
        return "; ".join(reasons)
    for name in SINGLE_PROPERTIES:
        value = event.get(name)
        if isinstance(value, list) and len(value) > 1:
            return f"has {len(value)} {name} properties (one is allowed)"
    if "DTSTART" not in event:
        return "has no DTSTART"
    start, end = event["DTSTART"].dt, _date_value(event, "DTEND")
    if end is not None and isinstance(start, datetime) != isinstance(end, datetime):
        return "mixes a date and a date-time in DTSTART and DTEND"
    for rule in _as_list(event.get("RRULE")):
        text = rule.to_ical().decode("utf-8", "replace")
        if len(text) > limits.MAX_RULE_CHARS:
            return f"has an RRULE of {len(text)} characters (at most {limits.MAX_RULE_CHARS} are read)"
        freq = str(_first(rule.get("FREQ")) or "").upper()
        if freq in limits.REFUSED_FREQUENCIES:
            return (
                f"repeats every {_EVERY.get(freq, freq.lower())} (RRULE FREQ={freq}); such a "
                "series is not read"
            )
    for name in TIME_PROPERTIES:
        for prop in _as_list(event.get(name)):
            tzid = getattr(prop, "params", {}).get("TZID")
            if tzid and any(isinstance(v, datetime) and v.tzinfo is None for v in _values(prop)):
                shown = parsed.zone_names.get(tzid, tzid)
                why = parsed.broken_zones.get(tzid)
                if why is not None:
                    return (
                        f"{name} uses the time zone {shorten(shown, 60)!r}, whose definition "
                        f"in the file cannot be read ({why})"
                    )
                return f"{name} uses the unknown time zone {shorten(shown, 60)!r}"
    return ""


def _values(prop: object) -> list[object]:
    if hasattr(prop, "dts"):  # EXDATE, RDATE
        return [d.dt for d in prop.dts]
    return [getattr(prop, "dt", None)]


def _is_recurring(group: icalendar.Calendar) -> bool:
    events = group.subcomponents
    return len(events) > 1 or any(
        name in e for e in events for name in ("RRULE", "RDATE", "RECURRENCE-ID")
    )


def _summary_of(group: icalendar.Calendar) -> str:
    return next((_text(e, "SUMMARY") for e in group.subcomponents), "")


def _problem(source: str, summary: str, uid: str, what: str) -> str:
    who = f"UID {shorten(uid, limits.SHOWN_CHARS)!r}" if uid else "no UID"
    return f"{source}: event {shorten(summary, limits.SHOWN_CHARS)!r} ({who}) {what}"


event_problem = _problem  # for providers: a problem line naming the source and the event


def _why(exc: BaseException) -> str:
    """An exception caught on bad data as a short line for a problem (escaped: it may quote
    the data). Running out of memory is never contained: it is raised again."""
    if isinstance(exc, MemoryError):
        raise exc
    text = str(exc) or type(exc).__name__
    text = shorten(text, 200)
    return text if text.isprintable() else repr(text)


# --- reading properties that may be broken ---------------------------------------------


def _get(component: icalendar.cal.Component, name: str) -> object:
    try:
        return component.get(name)
    except Exception:  # noqa: BLE001 - a property icalendar cannot even hand out
        return None


def _first(value: object) -> object:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(component: icalendar.cal.Component, name: str, default: str = "") -> str:
    """A text property as a string (the first when given twice); ``default`` when absent."""
    value = _first(_get(component, name))
    if value is None:
        return default
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return default


def _date_value(component: icalendar.cal.Component, name: str) -> date | None:
    """A DATE or DATE-TIME property's value (the first when given twice); None when absent
    or broken (icalendar 7 raises on ``.dt`` of a broken property)."""
    value = _first(_get(component, name))
    if value is None:
        return None
    try:
        result = value.dt
    except Exception:  # noqa: BLE001 - BrokenCalendarProperty, or no .dt at all
        return None
    return result if isinstance(result, date) else None


def _walk(root: icalendar.cal.Component, name: str) -> Iterator[icalendar.cal.Component]:
    """Every component called ``name`` under ``root``, in file order, without recursion
    (a file may nest thousands deep)."""
    stack = list(reversed(root.subcomponents))
    while stack:
        component = stack.pop()
        if component.name == name:
            yield component
        stack.extend(reversed(component.subcomponents))


# --- a file icalendar cannot read as a whole -------------------------------------------


@dataclass
class _Block:
    """One top-level component of a VCALENDAR, as its unfolded lines."""

    name: str
    lines: list[str]
    damage: str = ""  # why the block is cut off, or ""
    top: dict[str, str] = field(default_factory=dict)  # its own properties: name -> first line

    def value(self, prop: str) -> str:
        """The raw value of the block's own first ``prop`` line, TEXT escapes undone."""
        line = self.top.get(prop)
        return _unescape(line[_value_start(line) + 1 :]) if line is not None else ""


@dataclass
class _RawCalendar:
    header: list[str] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    closed: bool = False


def _zone_used(raw: _RawCalendar, tzid: str) -> bool:
    """Whether an event of ``raw`` names the time zone ``tzid`` in a TZID parameter."""
    wanted = {f"TZID={tzid}".casefold(), f'TZID="{tzid}"'.casefold()}
    for block in raw.blocks:
        if block.name == "VEVENT":
            for line in block.lines:
                head = line[: _value_start(line)].casefold()
                if any(w + ":" in head + ":" or w + ";" in head for w in wanted):
                    return True
    return False


def _read_components(parsed: ParsedCalendar, raw: _RawCalendar) -> icalendar.Calendar | None:
    """The events of one VCALENDAR as icalendar reads them: time zones one by one (a
    broken one is remembered, its events are reported later), then the events that may
    matter all at once, or one by one when that fails."""
    source = parsed.source
    if not raw.closed:
        parsed.complete = False
        parsed.problems.append(f"{source}: the file ends before END:VCALENDAR (cut off?)")
    header = raw.header
    if header and _calendar(header, []) is None:
        parsed.problems.append(f"{source}: the calendar's own properties cannot be read")
        header = []
    for block in _unique(b for b in raw.blocks if b.name == "VTIMEZONE"):
        tzid = block.value("TZID")
        why = block.damage or _parse_error(header, block.lines, limits.SERIES_STEPS)
        if why:
            parsed.broken_zones[tzid] = why
            shown = parsed.zone_names.get(tzid, tzid)
            if tzid not in parsed.zone_names and _known_zone(tzid):
                parsed.problems.append(
                    f"{source}: the definition of the time zone {shorten(shown, 60)!r} cannot be "
                    f"read ({why}); the known zone of that name is used instead"
                )
                continue
            parsed.problems.append(
                f"{source}: the time zone {shorten(shown, 60)!r} cannot be read ({why}); only "
                + ("the events that use it are skipped" if _zone_used(raw, tzid)
                   else "the events that use it would be skipped, and none does: nothing is lost")
            )
    events: list[_Block] = []
    for block in raw.blocks:
        if block.name != "VEVENT":
            continue  # to-dos, journals, free/busy: never read
        if block.damage:
            _report_block(parsed, block, header)
        else:
            events.append(block)
    events = _unique(events)
    if parsed.window is not None:
        events = _within(events, *parsed.window)
    _note_keys(parsed, raw, events)
    together = _calendar(header, [line for b in events for line in b.lines])
    if together is not None:
        return together
    cal = _calendar(header, []) or icalendar.Calendar()
    for block in events:
        got = _calendar(header, block.lines)
        if got is None:
            _report_block(parsed, block, header)
            continue
        for component in got.subcomponents:
            cal.add_component(component)
    return cal


def _unique(blocks: Iterable[_Block]) -> list[_Block]:
    """Blocks whose text is the same as a later one's left out (a file concatenated with
    itself, an event repeated thousands of times): the last one stays, as the last copy
    wins a tie between versions."""
    last: dict[str, int] = {}
    kept = list(blocks)
    for i, block in enumerate(kept):
        last["\n".join(block.lines)] = i
    chosen = set(last.values())
    return [b for i, b in enumerate(kept) if i in chosen]


_RECURRING = ("RRULE", "RDATE", "EXRULE", "RECURRENCE-ID", "DURATION")
WINDOW_MARGIN = timedelta(days=2)  # time zones (up to 26 h apart) and all-day ends


def _within(blocks: list[_Block], start: datetime, end: datetime) -> list[_Block]:
    """``blocks`` without the UIDs all of whose copies are single events that, by the dates
    written in their DTSTART and DTEND, ended more than ``WINDOW_MARGIN`` before ``start``
    or start more than that after ``end``: no window inside [start, end] can hold them."""
    first = (start.astimezone(UTC) - WINDOW_MARGIN).strftime("%Y%m%d")
    last = (end.astimezone(UTC) + WINDOW_MARGIN).strftime("%Y%m%d")
    by_uid: dict[str, list[_Block]] = {}
    for block in blocks:
        by_uid.setdefault(block.value("UID").strip(), []).append(block)
    outside = {
        uid for uid, group in by_uid.items() if uid and all(_outside(b, first, last) for b in group)
    }
    return [b for b in blocks if b.value("UID").strip() not in outside]


def _outside(block: _Block, first: str, last: str) -> bool:
    """Whether a single event's dates (YYYYMMDD) lie wholly before ``first`` or after ``last``."""
    if any(name in block.top for name in _RECURRING):
        return False
    start = block.value("DTSTART")[:8]
    end = block.value("DTEND")[:8] if "DTEND" in block.top else start
    if not all(len(d) == 8 and d.isdigit() for d in (start, end)):
        return False
    return (start < first and end < first) or start > last


def _report_block(parsed: ParsedCalendar, block: _Block, header: list[str]) -> None:
    why = block.damage or _parse_error(header, block.lines, None) or "it cannot be parsed"
    uid = block.value("UID").strip()
    if uid:
        parsed.bad_uids.add(uid)
    else:
        parsed.complete = False  # nothing names what it was: cancel nothing
    if block.name == "VEVENT":
        parsed.problems.append(_problem(parsed.source, block.value("SUMMARY"), uid, f"cannot be read: {why}"))
    else:
        parsed.problems.append(f"{parsed.source}: a {block.name[:20]} component cannot be read: {why}")


def _calendar(header: list[str], lines: list[str]) -> icalendar.Calendar | None:
    try:
        found = icalendar.Calendar.from_ical(_wrap(header, lines), multiple=True)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - reported by the caller
        return None
    return next((c for c in found if c.name == "VCALENDAR"), None)


def _parse_error(header: list[str], lines: list[str], steps: int | None) -> str:
    """Why icalendar cannot parse these lines, or ""."""
    try:
        if steps is None:
            found = icalendar.Calendar.from_ical(_wrap(header, lines), multiple=True)
        else:
            with work_budget(steps):
                found = icalendar.Calendar.from_ical(_wrap(header, lines), multiple=True)
    except TooMuchWork:
        return "its recurrence rules take too much work to expand"
    except Exception as exc:  # noqa: BLE001
        return _why(exc)
    return "" if any(c.name == "VCALENDAR" for c in found) else "it cannot be parsed"


def _wrap(header: list[str], lines: list[str]) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", *header, *lines, "END:VCALENDAR", ""])


def _split_components(text: str, parsed: ParsedCalendar) -> list[_RawCalendar]:
    """The VCALENDARs of unfolded ``text``: calendar properties and top-level components,
    each component's lines kept; tolerant of missing, stray and mismatched END lines (a
    component that is cut off or badly closed is marked ``damage``). Linear, no recursion.

    What icalendar would spend seconds on is trimmed here, each event trimmed named in a
    problem: ATTENDEE lines after the first ``MAX_ATTENDEES`` of an event are left out
    (icalendar parses about 15,000 lines a second), and a line longer than
    ``MAX_LINE_CHARS`` is cut there when it is text we read (SUMMARY, DESCRIPTION,
    LOCATION, COMMENT) and left out otherwise (icalendar reads about a character a
    microsecond: one 5 MB title took 5 s)."""
    out: list[_RawCalendar] = []
    raw: _RawCalendar | None = None
    block: _Block | None = None
    stack: list[str] = []
    attendees = 0
    cut: list[str] = []  # what was trimmed from the current top-level component
    for line in text.split("\r\n"):
        if not line.strip():
            continue
        name = _prop_name(line)
        if len(line) > limits.MAX_LINE_CHARS:
            line = _cut_line(line, name)
            cut.append(f"{name[:40] or 'a line'} of more than {limits.MAX_LINE_CHARS} characters")
            if not line:
                continue
        value = line[_value_start(line) + 1 :].strip().upper() if name in ("BEGIN", "END") else ""
        if raw is None:
            if name == "BEGIN" and value == "VCALENDAR":
                raw = _RawCalendar()
                out.append(raw)
            cut.clear()
            continue
        if block is not None and name == "BEGIN" and value in TOP_LEVEL:
            block.damage = block.damage or f"its END:{block.name} is missing"
            _report_trimmed(parsed, block, cut, attendees)
            block = None
        if block is None:
            if name == "BEGIN" and value:
                block = _Block(name=value[:40], lines=[line])
                stack = [value]
                attendees = 0
                raw.blocks.append(block)
            elif name == "END" and value == "VCALENDAR":
                raw.closed = True
                raw = None
            elif name not in ("BEGIN", "END"):
                raw.header.append(line)
            if block is None and cut:
                parsed.problems.append(f"{parsed.source}: a calendar property was too long and is left out")
                cut.clear()
            continue
        if name == "END" and value == "VCALENDAR":
            block.damage = block.damage or f"its END:{block.name} is missing"
            _report_trimmed(parsed, block, cut, attendees)
            block, raw.closed, raw = None, True, None
            continue
        if name == "ATTENDEE" and len(stack) == 1:
            attendees += 1
            if attendees > limits.MAX_ATTENDEES:
                continue
        block.lines.append(line)
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            if value in stack:
                while stack.pop() != value:
                    block.damage = block.damage or f"END:{value[:20]} closes another component"
            else:
                block.damage = block.damage or f"END:{value[:20]} without BEGIN"
            if not stack:
                _report_trimmed(parsed, block, cut, attendees)
                block = None
        elif len(stack) == 1:
            block.top.setdefault(name, line)
    if block is not None:
        block.damage = block.damage or f"its END:{block.name} is missing"
        _report_trimmed(parsed, block, cut, attendees)
    return out


_TEXT_READ = ("SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT")


def _cut_line(line: str, name: str) -> str:
    """A line over ``MAX_LINE_CHARS``: cut there when it is text we read (never in the
    middle of an escape), else "" (left out)."""
    if name not in _TEXT_READ or _value_start(line) >= limits.MAX_LINE_CHARS // 2:
        return ""
    cut = line[: limits.MAX_LINE_CHARS]
    trailing = len(cut) - len(cut.rstrip("\\"))
    return cut[:-1] if trailing % 2 else cut


def _report_trimmed(parsed: ParsedCalendar, block: _Block, cut: list[str], attendees: int) -> None:
    """Name the component that lost lines to the bounds, once, and forget them."""
    what = list(dict.fromkeys(cut))
    if attendees > limits.MAX_ATTENDEES:
        what.append(f"{attendees} attendees, of which the first {limits.MAX_ATTENDEES} are read")
    cut.clear()
    if what:
        parsed.problems.append(_problem(
            parsed.source, block.value("SUMMARY"), block.value("UID").strip(),
            "is too large in part: " + "; ".join(what) + " (cut to the bounds)",
        ))


def _prop_name(line: str) -> str:
    end = len(line)
    for sep in (";", ":"):
        i = line.find(sep)
        if i != -1 and i < end:
            end = i
    return line[:end].strip().upper()


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _canonical(value: datetime) -> datetime:
    """The same instant as the wall-clock time its zone really shows then.

    A local time in the hour skipped by a DST change (02:30 on the spring-forward night)
    means the offset before the gap (RFC 5545 3.3.5), so it is 03:30 summer time; Python
    keeps it as "02:30+01:00", which compares and subtracts wrongly against other times of
    the same zone. A time that exists twice keeps its first occurrence (fold=0).
    """
    return value.astimezone(UTC).astimezone(value.tzinfo)


def _recurrence_text(value: date | datetime) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def _unescape(text: str) -> str:
    """TEXT escapes undone (icalendar names a zone "Amsterdam\\, Berlin" as written)."""
    return re.sub(r"\\([,;\\])", r"\1", text)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _categories(value: object) -> tuple[str, ...]:
    out: list[str] = []
    for prop in _as_list(value):
        try:
            items = getattr(prop, "cats", None)
            for item in items if items is not None else [prop]:
                text = str(item).strip()
                if text:
                    out.append(text)
        except Exception:  # noqa: BLE001 - a broken CATEGORIES line is no category
            continue
    return tuple(out)


def _address(value: object) -> str:
    # a URI more often than an address: MAILTO:, ?role=..., %40, <...> (common.addresses)
    return clean_address(value)


def _attendees(props: list) -> Iterable[Attendee]:
    for prop in props:
        try:
            params = getattr(prop, "params", {})
            email = _address(prop)
            if "@" not in email or str(params.get("CUTYPE", "")).upper() in NOT_PEOPLE:
                continue
            partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).lower()
            name = str(params.get("CN", ""))
            role = str(params.get("ROLE", "REQ-PARTICIPANT")).lower()
            group = str(params.get("CUTYPE", "")).upper() == "GROUP"
        except Exception:  # noqa: BLE001 - a broken ATTENDEE line is no attendee
            continue
        yield Attendee(email=email, name=name, partstat=partstat, role=role, group=group)


def _person(value: object) -> Person | None:
    if value is None:
        return None
    try:
        email = _address(value)
        name = str(getattr(value, "params", {}).get("CN", ""))
    except Exception:  # noqa: BLE001 - a broken ORGANIZER line is no organizer
        return None
    if "@" not in email:
        return None
    return Person(email=email, name=name)


def _decode(data: bytes) -> tuple[str, bool]:
    """Unfolded text, and whether it was read as Windows-1252 (it is not UTF-8). Lines are
    unfolded as bytes first: writers that fold at 75 octets split UTF-8 characters, and
    decoding the folded file would fail (and fall back to Windows-1252, garbling every
    non-ASCII letter). A UTF-8 file cut off inside its last character is UTF-8 without it."""
    data = re.sub(rb"(?:\r\n|\r|\n)[ \t]", b"", data)
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # only ever the end of the data
            try:
                return data[: len(data) - (exc.end - exc.start)].decode("utf-8-sig"), False
            except UnicodeDecodeError:
                pass
    return data.decode("cp1252", errors="replace"), True


_TZID_PARAM = re.compile(r';(?i:TZID)=(?:"([^"]*)"|([^;:]*))')
_ALIAS_PARAM = re.compile(
    ';(?i:TZID)="?(' + "|".join(map(re.escape, TZID_ALIASES)) + ')"?(?=[;:])', re.IGNORECASE
)


def _repair_tzids(text: str) -> tuple[str, dict[str, str]]:
    """Give custom VTIMEZONEs unique TZIDs and map known aliases (see module docs).

    Returns the new text and {new TZID: TZID as written}.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = re.sub(r"\n[ \t]", "", lines).split("\n")  # unfold
    renamed: dict[str, str] = {}
    block: list[str] | None = None
    for line in lines:
        upper = line.upper()
        if upper.startswith("BEGIN:VTIMEZONE"):
            block = []
        elif block is not None and upper.startswith("END:VTIMEZONE"):
            tzid = next((b.partition(":")[2] for b in block if b.upper().startswith("TZID:")), "")
            if tzid and not _known_zone(tzid):
                body = "\n".join(
                    b for b in block if not b.upper().startswith(("TZID:", "LAST-MODIFIED"))
                )
                renamed[tzid] = f"{tzid} ~{hashlib.sha256(body.encode()).hexdigest()[:10]}"
            block = None
        elif block is not None:
            block.append(line)
    out = [_rewrite_line(line, renamed) for line in lines]
    return "\r\n".join(out), {new: old for old, new in renamed.items()}


def _rewrite_line(line: str, renamed: dict[str, str]) -> str:
    if line.upper().startswith("TZID:") and line[5:] in renamed:
        return "TZID:" + renamed[line[5:]]
    if ";" not in line or "TZID" not in line.upper():
        return line
    head_end = _value_start(line)  # only parameters are rewritten, never the value

    def alias(m: re.Match[str]) -> str:
        return f";TZID={TZID_ALIASES[m.group(1).lower()]}" if m.start() < head_end else m.group(0)

    def rename(m: re.Match[str]) -> str:
        tzid = m.group(1) if m.group(1) is not None else m.group(2)
        if m.start() >= head_end:
            return m.group(0)
        if tzid in renamed:
            return f';TZID="{renamed[tzid]}"'
        zone = _without_vendor_prefix(tzid)
        return f";TZID={zone}" if zone else m.group(0)

    line = _ALIAS_PARAM.sub(alias, line)
    head_end = _value_start(line)
    return _TZID_PARAM.sub(rename, line)


def _value_start(line: str) -> int:
    """Index of the ':' that ends the name and parameters of a content line."""
    colon = line.find(":")
    if colon != -1 and '"' not in line[:colon]:
        return colon  # no quoted parameter before it: the common case, in C
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return i
    return len(line)


def _without_vendor_prefix(tzid: str) -> str:
    """The IANA zone at the end of a "globally unique" TZID with no definition in the file
    (old Thunderbird: "/mozilla.org/20070129_1/Europe/Berlin"), or ""."""
    if not tzid.startswith("/"):
        return ""
    parts = tzid.strip("/").split("/")
    for i in range(1, len(parts)):
        name = "/".join(parts[i:])
        if "/" in name and _known_zone(name):
            return name
    return ""


def _known_zone(tzid: str) -> bool:
    name = tzid.strip().strip("/")
    if name in WINDOWS_TO_OLSON or name.lower() in TZID_ALIASES:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
