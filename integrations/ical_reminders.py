"""What the iCalendar reminder sinks share: a reminder as a VEVENT and back.

Used by the .ics file sink (``ics_reminders``) and the CalDAV sink (``caldav_reminders``);
how each stores the event (a block in a file, an object on a server) is its own.

Rules:
- ``normalised``: the reminder exactly as the event holds it (UTC, whole seconds, text
  without control characters, a link on one line, each text cut to its cap), so that a
  reminder read back compares equal to the one written. A naive start, a key that cannot
  be a UID (empty, with ``,;\\``, a line break or NUL, unprintable) or a negative
  duration is a bug: ValueError.
- Caps: a title (the event's SUMMARY, made from the calendar's title) is cut to
  ``MAX_TITLE_CHARS`` (200) characters ending in "…", a description to
  ``MAX_DESCRIPTION_CHARS`` (20,000), a link to ``MAX_LINK_CHARS`` (2,000): a 5 MB
  title in a calendar makes no 5 MB reminder.
- ``event``: one VEVENT, UID ``keys.reminder_uid(key)``, DTSTART/DTEND in UTC, shown as
  free (TRANSP:TRANSPARENT), URL only when there is one, a task marked
  ``X-INTERVIEW-FOLLOWUP-TASK:TRUE``, and a VALARM of ACTION:DISPLAY with a DESCRIPTION
  (RFC 5545 requires one) and ``TRIGGER:-<alarm_before>``. Marked as ours twice over, so
  that no reader takes it for an interview even where a server rewrites the UID or drops
  X- properties: ``keys.REMINDER_PROPERTY`` with the key, and the DESCRIPTION ends with
  the reminder footer (``keys.reminder_footer``, a line the user sees).
- ``reminder_of``: the reverse, tolerant of hand edits: floating times and dates are in
  the user's zone, a missing DTEND is DURATION or zero, the first VALARM with a TRIGGER
  (relative or absolute) is the alarm, the footer is left out of the description. An
  event that cannot be read gives None (the next put rewrites it).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from icalendar import Alarm, Event

from interview_followup.daemon.clock import Clock
from interview_followup.daemon.keys import (
    REMINDER_PROPERTY,
    reminder_uid,
    with_reminder_footer,
    without_reminder_footer,
)
from interview_followup.daemon.model import Reminder

PRODID = "-//interview-followup//Reminders//EN"
UTC = timezone.utc
TASK_PROPERTY = "X-INTERVIEW-FOLLOWUP-TASK"  # the reminder asks the user to do something by its start
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_TITLE_CHARS = 200  # a reminder's SUMMARY (and its alarm's text)
MAX_DESCRIPTION_CHARS = 20_000  # its DESCRIPTION, before the footer
MAX_LINK_CHARS = 2_000  # its URL


def normalised(r: Reminder) -> Reminder:
    """The reminder exactly as the event will hold it (UTC, whole seconds, clean text)."""
    if r.start.tzinfo is None or r.start.utcoffset() is None:
        raise ValueError(f"reminder {r.key!r}: start must be time-zone aware")
    if not r.key or any(c in r.key for c in ",;\\\r\n\0") or not r.key.isprintable():
        raise ValueError(f"invalid reminder key {r.key!r}")
    if r.duration < timedelta(0):
        raise ValueError(f"reminder {r.key!r}: negative duration")
    return Reminder(
        key=r.key,
        title=_cut(_clean(r.title[: 4 * MAX_TITLE_CHARS]), MAX_TITLE_CHARS),
        start=r.start.astimezone(UTC).replace(microsecond=0),
        description=_cut(_clean(r.description[: 4 * MAX_DESCRIPTION_CHARS]), MAX_DESCRIPTION_CHARS),
        duration=timedelta(seconds=int(r.duration.total_seconds())),
        alarm_before=timedelta(seconds=int(r.alarm_before.total_seconds())),
        task=r.task,
        link=_cut(_clean(r.link[: 4 * MAX_LINK_CHARS]).replace("\n", ""), MAX_LINK_CHARS),
    )


def stamp(clock: Clock) -> datetime:
    """A DTSTAMP for now: UTC, whole seconds."""
    return clock.now().astimezone(UTC).replace(microsecond=0)


def event(r: Reminder, dtstamp: datetime, sequence: int) -> Event:
    """The VEVENT of a normalised reminder."""
    vevent = Event()
    vevent.add("UID", reminder_uid(r.key))
    vevent.add("DTSTAMP", dtstamp)
    vevent.add("SEQUENCE", sequence)
    vevent.add("DTSTART", r.start)
    vevent.add("DTEND", r.start + r.duration)
    vevent.add("SUMMARY", r.title)
    vevent.add("DESCRIPTION", with_reminder_footer(r.description, r.key))
    vevent.add(REMINDER_PROPERTY, r.key)
    vevent.add("TRANSP", "TRANSPARENT")  # a reminder does not make you busy
    if r.link:
        vevent.add("URL", r.link)
    if r.task:
        vevent.add(TASK_PROPERTY, "TRUE")
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", r.title or "Reminder")
    alarm.add("TRIGGER", -r.alarm_before)
    vevent.add_component(alarm)
    return vevent


def reminder_of(key: str, vevent: object, tz: tzinfo) -> Reminder | None:
    """The reminder an event of ours holds; None if it cannot be read (a put fixes it).

    ``tz`` is the user's zone, for floating times and dates.
    """
    try:
        start = aware(vevent.decoded("DTSTART"), tz)
        if "DTEND" in vevent:
            duration = aware(vevent.decoded("DTEND"), tz) - start
        elif "DURATION" in vevent:
            duration = vevent.decoded("DURATION")
        else:
            duration = timedelta(0)
        alarm_before = timedelta(0)
        for alarm in vevent.walk("VALARM"):
            if "TRIGGER" in alarm:
                trigger = alarm.decoded("TRIGGER")
                if isinstance(trigger, timedelta):
                    alarm_before = -trigger
                elif isinstance(trigger, (datetime, date)):
                    alarm_before = start - aware(trigger, tz)
                break
        return Reminder(
            key=key,
            title=str(vevent.get("SUMMARY", "")),
            start=start,
            description=without_reminder_footer(str(vevent.get("DESCRIPTION", "")), key),
            duration=duration,
            alarm_before=alarm_before,
            task=str(vevent.get(TASK_PROPERTY, "")).upper() == "TRUE",
            link=str(vevent.get("URL", "")),
        )
    except Exception:  # noqa: BLE001 - edited beyond recognition
        return None


def aware(value: object, tz: tzinfo) -> datetime:
    """A DATE or DATE-TIME value as a UTC instant; floating times and dates are in ``tz``."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0), tz)
    else:
        raise ValueError(f"not a date or time: {value!r}")
    return moment.astimezone(UTC)


def _clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when it was cut (the same
    text cut again stays the same, so a reminder read back compares equal)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
