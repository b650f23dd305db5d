"""Read iCalendar data into ``CalendarEvent`` occurrences.

Shared by every provider that receives VCALENDAR text (the .ics file provider, CalDAV).

Steps: decode, repair time-zone ids, parse with icalendar, check each event, repair
X-WR-TIMEZONE with x_wr_timezone, expand each UID with recurring_ical_events, convert.
``parse_calendar`` does the expensive first part once; ``ParsedCalendar.between`` expands
a window, so a provider can cache the parse of an unchanged file.

Rules:
- Floating times (no TZID, no "Z") are wall-clock times in the user's zone ``tz``:
  the event gets ``tzinfo=tz`` and ``floating=True``. In a calendar with X-WR-TIMEZONE
  (Google exports) x_wr_timezone has already placed them in that zone.
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
  latest LAST-MODIFIED, then DTSTAMP wins; on a tie the last in the file, reported when
  the copies differ. A single event stays single (``recurrence_id`` "").
- ``recurrence_id`` is "" for single events; for occurrences of recurring events it is
  the original start as ISO text, in UTC when it has a zone (so an override written in
  another zone names the same occurrence), the date for all-day, naive when floating.
- Robustness: an event without UID, with a broken date/time/recurrence property, an
  unknown TZID, or one that fails to expand is skipped and reported (``problems`` names
  the source, SUMMARY, UID and the reason; the UID goes to ``bad_uids``). All components
  of that UID are skipped: a broken override must not let the master resurrect the
  occurrence it moved. Data that is not iCalendar gives one problem, never an exception.
- Attendees: "mailto:" removed (case kept), CN as name, PARTSTAT lower case; rooms and
  resources (CUTYPE=ROOM/RESOURCE) and addresses without "@" are left out.
- Text (summary, description, names) is kept as data, CR/LF included. Bytes are UTF-8
  (with or without BOM), else Windows-1252 (a superset of Latin-1 in practice); lines
  are unfolded before decoding, since folding at 75 octets splits UTF-8 characters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo, UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.tzid import tzid_from_tzinfo
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from interview_followup.daemon.model import Attendee, CalendarEvent, CalendarRead, Person

# Properties whose breakage makes the time of an event unknown.
TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
# TZIDs icalendar does not know, with the zone they mean.
TZID_ALIASES = {"tzone://microsoft/utc": "UTC"}
NOT_PEOPLE = {"ROOM", "RESOURCE"}
STATUSES = {"confirmed", "tentative", "cancelled"}


@dataclass
class ParsedCalendar:
    """A parsed, checked calendar: its events grouped by UID, ready to expand."""

    source: str
    groups: list[tuple[str, icalendar.Calendar]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    bad_uids: set[str] = field(default_factory=set)
    zone_names: dict[str, str] = field(default_factory=dict)  # repaired TZID -> as written
    cancelled: bool = False  # METHOD:CANCEL (an iTIP cancellation)
    readable: bool = True  # False when the data as a whole is not usable iCalendar

    @property
    def event_count(self) -> int:
        """How many events (UIDs) could be read."""
        return len(self.groups)

    def between(self, start: datetime, end: datetime, tz: ZoneInfo) -> CalendarRead:
        """The occurrences overlapping [start, end), with the problems found so far."""
        read = CalendarRead(problems=list(self.problems), bad_uids=set(self.bad_uids))
        for uid, group in self.groups:
            summary = _summary_of(group)
            try:
                recurring = _is_recurring(group)
                occurrences = recurring_ical_events.of(group).between(start, end)
                events = [self._event(occ, uid, tz, recurring) for occ in occurrences]
            except Exception as exc:  # noqa: BLE001 - bad data in one event stays in that event
                read.problems.append(_problem(self.source, summary, uid, f"cannot be read: {exc}"))
                read.bad_uids.add(uid)
            else:
                read.events.extend(events)
        read.events.sort(key=lambda e: (e.start, e.uid))
        return read

    def _event(
        self, occ: icalendar.Event, uid: str, tz: ZoneInfo, recurring: bool
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
        status = str(occ.get("STATUS", "CONFIRMED")).lower().replace("canceled", "cancelled")
        if self.cancelled:
            status = "cancelled"
        rid = occ.get("RECURRENCE-ID")
        return CalendarEvent(
            uid=uid,
            start=ev_start,
            end=ev_end,
            summary=str(occ.get("SUMMARY", "")),
            description=str(occ.get("DESCRIPTION", "")),
            categories=_categories(occ.get("CATEGORIES")),
            recurrence_id=_recurrence_text(rid.dt) if recurring and rid is not None else "",
            all_day=all_day,
            floating=floating,
            status=status if status in STATUSES else "confirmed",
            attendees=tuple(_attendees(occ.get("ATTENDEE"))),
            organizer=_person(occ.get("ORGANIZER")),
            timezone=tz.key if all_day or floating else self._zone_name(ev_start.tzinfo),
            location=str(occ.get("LOCATION", "")),
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


def read_calendar(
    data: bytes, *, start: datetime, end: datetime, tz: ZoneInfo, source: str
) -> CalendarRead:
    """Every occurrence in ``data`` overlapping [start, end); never raises on bad data."""
    return parse_calendar(data, source=source).between(start, end, tz)


def parse_calendar(data: bytes, *, source: str) -> ParsedCalendar:
    """Parse and check iCalendar ``data``; problems are collected, never raised."""
    parsed = ParsedCalendar(source=source)
    text = _decode(data)
    if "BEGIN:VCALENDAR" not in text.upper():
        parsed.problems.append(f"{source}: not an iCalendar file (no BEGIN:VCALENDAR)")
        parsed.readable = False
        return parsed
    text, parsed.zone_names = _repair_tzids(text)
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # noqa: BLE001 - icalendar raises several kinds on bad files
        parsed.problems.append(f"{source}: not a readable iCalendar file: {exc}")
        parsed.readable = False
        return parsed
    calendars = [cal for cal in calendars if cal.name == "VCALENDAR"]
    if not calendars:
        parsed.problems.append(f"{source}: not an iCalendar file (no VCALENDAR inside)")
        parsed.readable = False
    for cal in calendars:
        _add_calendar(parsed, cal)
    return parsed


def _add_calendar(parsed: ParsedCalendar, cal: icalendar.Calendar) -> None:
    source = parsed.source
    if str(cal.get("CALSCALE", "GREGORIAN")).upper() != "GREGORIAN":
        parsed.problems.append(f"{source}: calendar scale {cal.get('CALSCALE')} is not supported")
        parsed.readable = False
        return
    parsed.cancelled = parsed.cancelled or str(cal.get("METHOD", "")).upper() == "CANCEL"
    by_uid: dict[str, list[icalendar.Event]] = {}
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            summary = str(event.get("SUMMARY", ""))
            parsed.problems.append(_problem(source, summary, "", "has no UID; it is skipped"))
            continue
        by_uid.setdefault(uid, []).append(event)
    clean = icalendar.Calendar()
    for name in ("X-WR-TIMEZONE", "CALSCALE"):
        if name in cal:
            clean[name] = cal[name]
    for uid, events in by_uid.items():
        reasons = [r for r in map(_broken, events) if r]
        if reasons:
            summary = str(events[0].get("SUMMARY", ""))
            parsed.problems.append(_problem(source, summary, uid, "; ".join(reasons)))
            parsed.bad_uids.add(uid)
            continue
        for event in _latest_versions(parsed, uid, events):
            clean.add_component(event)
    try:
        clean = x_wr_timezone.to_standard(clean)
    except Exception:  # noqa: BLE001 - an unknown zone name, typically
        parsed.problems.append(
            f"{source}: unknown X-WR-TIMEZONE {str(cal.get('X-WR-TIMEZONE'))!r}: UTC times are "
            "used as they are and floating times are read in your time zone"
        )
        del clean["X-WR-TIMEZONE"]
    groups: dict[str, icalendar.Calendar] = {}
    for event in clean.walk("VEVENT"):
        uid = str(event["UID"]).strip()
        groups.setdefault(uid, icalendar.Calendar()).add_component(event)
    parsed.groups.extend(groups.items())


def _latest_versions(
    parsed: ParsedCalendar, uid: str, events: list[icalendar.Event]
) -> list[icalendar.Event]:
    """One component per occurrence: of several with the same RECURRENCE-ID (or none), the
    newest by SEQUENCE, then LAST-MODIFIED, then DTSTAMP; on a tie, the last in the file,
    and the clash is reported when the copies differ."""
    by_rid: dict[str, list[icalendar.Event]] = {}
    for event in events:
        rid = event.get("RECURRENCE-ID")
        by_rid.setdefault(_recurrence_text(rid.dt) if rid is not None else "", []).append(event)
    kept = []
    for copies in by_rid.values():
        newest = max(map(_version, copies))
        tied = [e for e in copies if _version(e) == newest]
        chosen = tied[-1]
        others = {str(e.get("SUMMARY", "")) for e in tied if e.to_ical() != chosen.to_ical()}
        if others:
            names = ", ".join(repr(n) for n in sorted(others))
            parsed.problems.append(_problem(
                parsed.source, str(chosen.get("SUMMARY", "")), uid,
                f"appears {len(tied)} times with nothing to tell which is newer (no higher "
                f"SEQUENCE, LAST-MODIFIED or DTSTAMP; also as {names}): the last one in the "
                "file is used",
            ))
        kept.append(chosen)
    return kept


def _version(event: icalendar.Event) -> tuple[int, datetime, datetime]:
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    return (sequence, *(_stamp(event.get(name)) for name in ("LAST-MODIFIED", "DTSTAMP")))


def _stamp(prop: object) -> datetime:
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return datetime.min.replace(tzinfo=UTC)
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _broken(event: icalendar.Event) -> str:
    """Why this event's time cannot be read, or ""."""
    reasons = [
        f"{name} is invalid ({msg})" for name, msg in event.errors if name in TIME_PROPERTIES
    ]
    if reasons:
        return "; ".join(reasons)
    if "DTSTART" not in event:
        return "has no DTSTART"
    start, end = event["DTSTART"].dt, getattr(event.get("DTEND"), "dt", None)
    if end is not None and isinstance(start, datetime) != isinstance(end, datetime):
        return "mixes a date and a date-time in DTSTART and DTEND"
    for name in TIME_PROPERTIES:
        for prop in _as_list(event.get(name)):
            tzid = getattr(prop, "params", {}).get("TZID")
            if tzid and any(isinstance(v, datetime) and v.tzinfo is None for v in _values(prop)):
                return f"{name} uses the unknown time zone {tzid!r}"
    return ""


def _values(prop: object) -> list[object]:
    if hasattr(prop, "dts"):  # EXDATE, RDATE
        return [d.dt for d in prop.dts]
    return [getattr(prop, "dt", None)]


def _is_recurring(group: icalendar.Calendar) -> bool:
    events = group.walk("VEVENT")
    return len(events) > 1 or any(
        name in e for e in events for name in ("RRULE", "RDATE", "RECURRENCE-ID")
    )


def _summary_of(group: icalendar.Calendar) -> str:
    return next((str(e.get("SUMMARY", "")) for e in group.walk("VEVENT")), "")


def _problem(source: str, summary: str, uid: str, what: str) -> str:
    who = f"UID {uid!r}" if uid else "no UID"
    return f"{source}: event {summary!r} ({who}) {what}"


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
        items = getattr(prop, "cats", None)
        for item in items if items is not None else [prop]:
            text = str(item).strip()
            if text:
                out.append(text)
    return tuple(out)


def _address(value: object) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip()


def _attendees(value: object) -> Iterable[Attendee]:
    for prop in _as_list(value):
        params = getattr(prop, "params", {})
        email = _address(prop)
        if "@" not in email or str(params.get("CUTYPE", "")).upper() in NOT_PEOPLE:
            continue
        partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).lower()
        yield Attendee(email=email, name=str(params.get("CN", "")), partstat=partstat)


def _person(value: object) -> Person | None:
    if value is None:
        return None
    email = _address(value)
    if "@" not in email:
        return None
    return Person(email=email, name=str(getattr(value, "params", {}).get("CN", "")))


def _decode(data: bytes) -> str:
    """Unfolded text. Lines are unfolded as bytes first: writers that fold at 75 octets
    split UTF-8 characters, and decoding the folded file would fail (and fall back to
    Windows-1252, garbling every non-ASCII letter)."""
    data = re.sub(rb"(?:\r\n|\r|\n)[ \t]", b"", data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
