"""Shared fixtures: a user's world in a temporary folder (calendar, Maildir, reminders,
state) driven through the real command line."""

from __future__ import annotations

import io
import logging
import mailbox
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime
from pathlib import Path

import icalendar
import pytest

from interview_followup.daemon.cli.main import main
from interview_followup.daemon.keys import KEY_HEADER

REPO = Path(__file__).resolve().parent.parent

# The least a configuration holds besides its calendar: who the drafts are from (a
# configuration without it is refused and points at `interview-followup init`).
WHO = """\
[profile]
name = "Alex Example"
email = "alex@example.org"
"""

PROFILE = """\
[profile]
name = "Alex Example"
email = "alex@example.org"
timezone = "Europe/Berlin"
fit = "my years of backend work match what the team needs."

[state]
dir = "state"
"""


def config(
    calendar: str = 'kind = "ics"\npath = "calendar.ics"\n',
    mailbox: str = 'kind = "maildir"\npath = "Mail"\n',
    reminders: str = 'kind = "ics"\npath = "reminders.ics"\n',
) -> str:
    """The test user's config: their profile and state folder, and the three providers'
    sections (each given as its lines after the [header]); by default all local files."""
    return f"{PROFILE}\n[calendar]\n{calendar}\n[mailbox]\n{mailbox}\n[reminders]\n{reminders}"


CONFIG = config()


def vevent(
    uid: str,
    start: str,
    end: str,
    summary: str,
    attendees: tuple[tuple[str, str], ...] = (("Jane Doe", "jane.doe@acme.example"),),
    description: str = "",
    extra: str = "",
    tzid: str = "Europe/Berlin",
) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T090000Z",
        f"DTSTART;TZID={tzid}:{start}" if tzid else f"DTSTART:{start}",
        f"DTEND;TZID={tzid}:{end}" if tzid else f"DTEND:{end}",
        f"SUMMARY:{summary}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{description}")
    for name, email in attendees:
        lines.append(f"ATTENDEE;CN={name};PARTSTAT=ACCEPTED:mailto:{email}")
    lines.append("ATTENDEE;CN=Alex Example;PARTSTAT=ACCEPTED:mailto:alex@example.org")
    if extra:
        lines.append(extra)
    lines.append("END:VEVENT")
    return "\n".join(lines)


def vcalendar(*events: str) -> str:
    body = "\n".join(events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tests//EN\n{body}\nEND:VCALENDAR\n"


@dataclass
class Result:
    code: int
    out: str
    err: str


class World:
    """A user's folder: config, calendar, Maildir, reminders file and state."""

    def __init__(self, root: Path, config: str = CONFIG):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "config.toml"
        self.config.write_text(config, encoding="utf-8")
        self.calendar = root / "calendar.ics"
        self.maildir = root / "Mail"
        self.reminders_file = root / "reminders.ics"
        self.state_dir = root / "state"
        self.set_calendar()

    def set_calendar(self, *events: str) -> None:
        self.calendar.write_text(vcalendar(*events).replace("\n", "\r\n"), encoding="utf-8")

    def cli(self, *args: str, now: str | None = None, commit: bool = True) -> Result:
        """The command line with ``args``; ``now``: as if it were then. The tests' moments
        are real passes (``--commit``) whatever the wall clock says: a later ``--now`` is
        otherwise a preview that writes nothing (``commit=False`` to see one)."""
        argv = ["--config", str(self.config)]
        if now:
            argv += ["--now", now] + (["--commit"] if commit else [])
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv + list(args))
        return Result(code, out.getvalue(), err.getvalue())

    def once(self, now: str) -> Result:
        r = self.cli("once", now=now)
        assert r.code == 0, r.out + r.err
        return r

    def folder(self, name: str) -> mailbox.Maildir:
        md = mailbox.Maildir(self.maildir, factory=None, create=False)
        return md if name == "INBOX" else md.get_folder(name)

    def drafts(self) -> list[EmailMessage]:
        """The messages in the Drafts folder (new/ and cur/; tmp/ holds no message yet)."""
        folder = self.maildir / ".Drafts"
        files = [p for sub in ("new", "cur") if (folder / sub).is_dir() for p in sorted((folder / sub).iterdir())]
        return [message_from_bytes(p.read_bytes(), policy=default) for p in files]

    def draft_keys(self) -> list[str]:
        return sorted(str(m[KEY_HEADER]) for m in self.drafts())

    def reminders(self) -> list[icalendar.Event]:
        if not self.reminders_file.exists():
            return []
        cal = icalendar.Calendar.from_ical(self.reminders_file.read_bytes())
        return list(cal.walk("VEVENT"))

    def reminder_uids(self) -> list[str]:
        return sorted(str(e["UID"]) for e in self.reminders())

    def mail_after_the_interview(self, now: str, **mail) -> Result:
        """The Acme interview took place (a pass an hour after it), then ``mail`` came to the
        inbox; the pass at ``now`` reads it."""
        self.set_calendar(ACME)
        self.once("2026-11-17T16:00:00+01:00")
        self.deliver("INBOX", **mail)
        return self.once(now)

    def deliver(self, folder: str, *, sender: str, to: str = "alex@example.org", subject: str = "Re: your interview",
                date: str = "Mon, 23 Nov 2026 10:00:00 +0100", body: str = "Thanks for your note.",
                headers: dict[str, str] | None = None) -> None:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = date
        msg["Message-ID"] = f"<{abs(hash((sender, subject, date, folder)))}@test.example>"
        for k, v in (headers or {}).items():
            msg[k] = v
        msg.set_content(body)
        md = mailbox.Maildir(self.maildir, factory=None, create=True)
        target = md if folder == "INBOX" else (
            md.get_folder(folder) if folder in md.list_folders() else md.add_folder(folder)
        )
        target.add(mailbox.MaildirMessage(msg.as_bytes()))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "contains_bug: the test provokes an unexpected exception on purpose, which the program "
        "contains and logs on the `contained` logger (without the mark such a record fails the test)",
    )


class _Contained(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def bugs_are_loud(request):
    """The program contains an unexpected exception (one event, one message, one step, one
    provider call: see daemon/engine/reconcile.py) so that the daemon never stops; in the
    tests it is still a bug. A test that logs such a record on the ``contained`` logger, or
    leaves an item a provider skipped uncollected, fails, unless it is marked
    ``contains_bug`` (it provokes one on purpose); ``bugs_are_loud.records`` are the records."""
    from interview_followup.daemon.common import logs

    handler = _Contained()
    logger = logging.getLogger(logs.BUG_LOGGER)
    logger.addHandler(handler)
    logs.take_skipped()
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    left = logs.take_skipped()
    if request.node.get_closest_marker("contains_bug"):
        return
    found = [handler.format(r) if r.exc_info is None else f"{r.getMessage()}\n{logging.Formatter().formatException(r.exc_info)}"
             for r in handler.records]
    found += [f"{item}: {exc!r} (skipped by a provider, never collected)" for item, exc in left]
    if found:
        pytest.fail("an unexpected exception was contained (a bug; mark the test contains_bug if it is "
                    "provoked on purpose):\n" + "\n".join(found), pytrace=False)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Every test gets XDG folders of its own: tokens, caches and state never leak between
    tests (a cache from an earlier test's server on a reused port would be trusted) and
    nothing is written to the real home."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    for name in ("STATE_DIRECTORY", "INTERVIEW_FOLLOWUP_CONFIG", "NOTIFY_SOCKET", "JOURNAL_STREAM",
                 "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


ACME = vevent(
    "acme-1@test",
    "20261117T140000",
    "20261117T150000",
    "Acme – Backend Engineer interview",
    attendees=(("Jane Doe", "jane.doe@acme.example"), ("Ravi Patel", "ravi@acme.example")),
)
