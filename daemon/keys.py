"""How the program tags what it creates, so it can find it again after any crash."""

from __future__ import annotations

KEY_HEADER = "X-Interview-Followup-Key"
UID_SUFFIX = "@interview-followup"


def artifact_key(loop_id: str, step: str) -> str:
    """The deterministic key of the object a step creates, e.g. ``3f2a9c1b.thank-you``."""
    return f"{loop_id}.{step}"


def reminder_uid(key: str) -> str:
    return f"{key}{UID_SUFFIX}"


def key_from_uid(uid: str) -> str | None:
    return uid[: -len(UID_SUFFIX)] if uid.endswith(UID_SUFFIX) else None


def message_id(key: str, domain: str) -> str:
    """The deterministic Message-ID of a draft."""
    return f"<{key}.draft{UID_SUFFIX.replace('@', '.')}@{domain or 'localhost'}>"


# A line every reminder this program writes into a calendar carries at the end of its
# description: the user cannot mistake it, and a server that drops the private tags
# (extended properties, X- properties) still keeps it, so the program's own reminders are
# never read back as interviews. It only keeps them from being read; it never makes an
# event ours to change or delete (a copy made by hand carries it too): that takes the key
# itself (an extended property, a UID, a key-derived id).
REMINDER_MARK = "interview-followup reminder"


def reminder_footer(key: str) -> str:
    """The last line of a reminder's description, e.g. ``(interview-followup reminder 3f2a9c1b.debrief)``."""
    return f"({REMINDER_MARK} {key})"


def is_our_reminder_text(summary: str, description: str) -> bool:
    """True for the text of a reminder this program wrote: a footer line in its
    description (on any line: a server may add text after it). ``summary`` is taken for
    callers that have both; no summary marks a reminder."""
    text = description or ""
    if f"({REMINDER_MARK} " not in text:  # one scan; lines are split only where a footer may be
        return False
    return any(_is_footer(line) for line in text.splitlines())


def _is_footer(line: str) -> bool:
    line = line.strip()
    return (line.startswith(f"({REMINDER_MARK} ") and line.endswith(")")
            and " " not in line[len(REMINDER_MARK) + 2:-1] and len(line) > len(REMINDER_MARK) + 3)


# The X- property every reminder event this program writes as iCalendar (.ics file, CalDAV)
# carries, with the key as its value. Like the footer it only keeps an event from being
# read as an interview; the UID (``reminder_uid``) is what makes an event ours to change.
REMINDER_PROPERTY = "X-INTERVIEW-FOLLOWUP-KEY"


def with_reminder_footer(description: str, key: str) -> str:
    """``description`` with the reminder footer as its last paragraph."""
    footer = reminder_footer(key)
    return f"{description}\n\n{footer}" if description else footer


def without_reminder_footer(description: str, key: str) -> str:
    """``description`` as it was before ``with_reminder_footer`` (unchanged without one)."""
    footer = reminder_footer(key)
    if description == footer:
        return ""
    return description[: -len(footer) - 2] if description.endswith("\n\n" + footer) else description
