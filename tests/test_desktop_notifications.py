"""Desktop notifications through a real session bus: a private dbus-daemon and a
notification service on it (tests/servers/notifications.py) receive what ``Desktop`` sends
through notify-send or gdbus, and what the daemon says once per event."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import ACME
from interview_followup.daemon.engine.attention import APP, Desktop, Notice
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.config import load
from interview_followup.daemon.service.runner import Daemon
from servers.notifications import (  # noqa: F401  (fixtures)
    NotificationService,
    notification_service,
    require,
    session_bus,
)

NOTIFY_SEND_HINT = "notify-send is not installed: apt-get install libnotify-bin"
GDBUS_HINT = "gdbus is not installed: apt-get install libglib2.0-bin"
TOOLS = ("notify-send", "gdbus")


def only(tool: str, folder: Path) -> str:
    """A PATH with ``tool`` alone on it, so that Desktop has that one to choose."""
    found = require(tool, NOTIFY_SEND_HINT if tool == "notify-send" else GDBUS_HINT)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / tool).symlink_to(found)
    return str(folder)


def desktop_with(tool: str, folder: Path) -> Desktop:
    desktop = Desktop({**os.environ, "PATH": only(tool, folder)})
    assert desktop.bus == os.environ["DBUS_SESSION_BUS_ADDRESS"]
    assert os.path.basename(desktop.command("t", "b")[0]) == tool
    return desktop


def attention_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "interview_followup.daemon.engine.attention" and r.levelno == logging.WARNING]


@pytest.mark.parametrize("tool", TOOLS)
def test_a_notice_reaches_the_notification_service(tool, notification_service, tmp_path):
    desktop = desktop_with(tool, tmp_path / "bin")
    title = "Draft ready: thank-you note to Acme & Söhne's \"team\""
    body = "It is in your Drafts folder.\nRead it, adjust it and send it yourself."
    assert desktop.notify(Notice(title, body))
    (got,) = notification_service.wait_for(1)
    assert (got.app_name, got.summary) == (APP, title)
    # notify-send hands the body over as given; gdbus gets it as a GVariant literal
    assert got.body == body
    assert desktop.notify(Notice("Acme answered: an offer", ""))
    assert [n.summary for n in notification_service.wait_for(2)] == [title, "Acme answered: an offer"]
    assert notification_service.received()[1].body == ""


@pytest.mark.parametrize("tool", TOOLS)
def test_a_nul_in_calendar_or_mail_text_is_dropped_not_raised(tool, notification_service, tmp_path):
    desktop = desktop_with(tool, tmp_path / "bin")
    assert desktop.notify(Notice("Draft ready: thank-you note to Ac\0me", "in\0 Drafts"))
    (got,) = notification_service.wait_for(1)
    assert (got.summary, got.body) == ("Draft ready: thank-you note to Acme", "in Drafts")


@pytest.mark.parametrize("tool", TOOLS)
def test_without_a_notification_service_it_warns_once_and_does_not_raise(tool, session_bus, tmp_path, caplog):
    desktop = desktop_with(tool, tmp_path / "bin")
    caplog.set_level(logging.WARNING, logger="interview_followup.daemon.engine.attention")
    assert not desktop.notify(Notice("Draft ready: thank-you note to Acme", "x"))
    assert not desktop.notify(Notice("Acme answered", "y"))
    assert not desktop.notify(Notice("Mail to Acme bounced", "z"))
    (warning,) = attention_warnings(caplog)
    assert warning.startswith(f"desktop notification failed ({tool} exited with ")
    assert "org.freedesktop.Notifications" in warning, warning
    assert warning.endswith("reminders in the calendar still work")

    # the service comes (a notification daemon started late): delivered again, and a later
    # outage is worth one warning of its own
    service = NotificationService(session_bus.address)
    service.start()
    try:
        assert desktop.notify(Notice("Acme answered", "y"))
        assert [n.summary for n in service.wait_for(1)] == ["Acme answered"]
    finally:
        service.close()
    assert not desktop.notify(Notice("Mail to Acme bounced", "z"))
    assert not desktop.notify(Notice("Mail to Acme bounced", "z"))
    assert len(attention_warnings(caplog)) == 2


def test_the_daemon_notifies_each_event_once(world, notification_service):
    require("notify-send", NOTIFY_SEND_HINT)  # what the Desktop picks on the PATH as it is
    world.set_calendar(ACME)
    clock = FixedClock(datetime.fromisoformat("2026-11-17T16:00:00+01:00"))  # the thank-you is due
    d = Daemon(load(world.config), clock, desktop=Desktop())

    def summaries() -> list[str]:
        return [n.summary for n in notification_service.received()]

    try:
        d.work()
        assert summaries() == ["Draft ready: thank-you note to Acme"]
        d.work()  # nothing new
        assert summaries() == ["Draft ready: thank-you note to Acme"]
        world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
                      date="Tue, 17 Nov 2026 17:00:00 +0100",
                      body="Dear Alex, we regret to tell you that we decided to move forward with other candidates.")
        clock.set(clock.now() + timedelta(hours=2))
        d.work()  # the reply, and the request for feedback it leads to
        after_reply = summaries()
        assert after_reply == ["Draft ready: thank-you note to Acme", "Draft ready: request for feedback to Acme",
                               "Acme answered: a rejection"]
        d.work()  # nothing new
        assert summaries() == after_reply
    finally:
        d._close()
    got = notification_service.received()
    assert {n.app_name for n in got} == {APP}
    assert len({n.id for n in got}) == len(got)
    assert all("regret" not in n.summary + n.body for n in got), "a message's text reached the desktop"


@pytest.mark.parametrize("failure, advice", [
    ("address", "check the address"),
    ("", "check the address"),  # recorded before the kind was kept
    ("full", "their mailbox is full: try again in a few days, or write to another contact"),
    ("too-large", "the message was too large: send it again without the attachment (or with a link to it)"),
    ("other", "the receiving server refused it: check the address, or write to another contact"),
])
def test_a_bounce_notice_gives_the_advice_of_its_kind_of_failure(failure, advice, tmp_path):
    from interview_followup.daemon.engine.attention import notices
    from interview_followup.daemon.model import Observation
    from interview_followup.daemon.store.state import State

    state = State.open(tmp_path / "state")
    try:
        state.add_observation(Observation("inbox/7", "acme", "bounce",
                                          datetime.fromisoformat("2026-11-17T17:00:00+01:00"),
                                          "a bounce of your mail", outcome=failure, address="kim.lee@acme.example"))
        (notice,) = notices(state).values()
    finally:
        state.close()
    assert notice.title == "Mail to an interview bounced"  # no loop recorded for "acme" here
    assert notice.body == f"Your mail to kim.lee@acme.example could not be delivered: {advice}."
