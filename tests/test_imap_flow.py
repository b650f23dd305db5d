"""The whole loop with the mailbox on a real Dovecot: drafts by IMAP, replies by IDLE."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import pytest

from conftest import ACME, World
from interview_followup.daemon.clock import OffsetClock
from interview_followup.daemon.config import load
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.service.runner import run_forever
from servers.dovecot import Dovecot
from servers.fixtures import dovecot  # noqa: F401  (a private server per test)

from email import message_from_bytes
from email.policy import default

AFTER = "2026-11-17T16:00:00+01:00"
REPLY = (
    b"From: Jane Doe <jane.doe@acme.example>\r\nTo: alex@example.org\r\n"
    b"Subject: Re: Thank you\r\nDate: Tue, 17 Nov 2026 16:30:00 +0100\r\n"
    b"Message-ID: <reply-1@acme.example>\r\n\r\nThank you, Alex. Unfortunately we have decided to move "
    b"forward with other candidates.\r\n"  # an answer: a courtesy alone would keep the loop open
)


@pytest.fixture
def imap_world(tmp_path, dovecot, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    config = f"""\
[profile]
name = "Alex Example"
email = "alex@example.org"
timezone = "Europe/Berlin"

[state]
dir = "state"

[calendar]
path = "calendar.ics"

[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {dovecot.port}
security = "plain"
username = "{dovecot.user}"
password_env = "TEST_IMAP_PASSWORD"
timeout_seconds = 5

[reminders]
path = "reminders.ics"
"""
    world = World(tmp_path, config)
    world.set_calendar(ACME)
    return world


def drafts(dovecot: Dovecot):
    folder = next(name for name, flag in dovecot.folders.items() if flag == "\\Drafts")
    return {uid: (m[b"FLAGS"], message_from_bytes(m[b"BODY[]"], policy=default))
            for uid, m in dovecot.messages(folder).items()}


def loop_status(world: World, now: str) -> str:
    return json.loads(world.cli("status", "--json", now=now).out)["loops"][0]["status"]


def test_the_whole_loop_runs_on_imap(imap_world, dovecot):
    imap_world.once(AFTER)
    (flags, draft), = drafts(dovecot).values()
    assert b"\\Draft" in flags and b"\\Seen" in flags
    assert draft[KEY_HEADER].endswith(".thank-you")
    assert "nothing to do" in imap_world.once(AFTER).out
    assert len(drafts(dovecot)) == 1
    dovecot.deliver(REPLY)
    r = imap_world.once("2026-11-17T17:00:00+01:00")
    assert "remove the untouched thank-you draft" in r.out
    # what is left is what the rejection asks for
    assert [str(d[KEY_HEADER]).partition(".")[2] for _, d in drafts(dovecot).values()] == ["feedback-request"]
    assert loop_status(imap_world, "2026-11-17T17:00:00+01:00") == "closed"


def run_daemon(world: World, start: str):
    config = load(world.config)
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(config, OffsetClock(datetime.fromisoformat(start))),
                              kwargs={"stop": stop}, daemon=True)
    thread.start()
    return stop, thread


def wait_for(predicate, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def test_a_reply_delivered_while_the_daemon_idles_closes_the_loop_within_seconds(imap_world, dovecot):
    stop, thread = run_daemon(imap_world, AFTER)
    try:
        wait_for(lambda: len(drafts(dovecot)) == 1, 10)
        time.sleep(0.5)  # let it settle into IDLE
        dovecot.deliver(REPLY)
        took = wait_for(lambda: loop_status(imap_world, AFTER) == "closed", 5)
        assert took < 3
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_after_a_server_restart_the_daemon_sees_the_reply_delivered_while_it_was_down(imap_world, dovecot):
    stop, thread = run_daemon(imap_world, AFTER)
    try:
        wait_for(lambda: len(drafts(dovecot)) == 1, 10)
        time.sleep(0.5)
        dovecot.stop()
        dovecot.deliver(REPLY)  # by the MDA while IMAP is down
        time.sleep(1.0)
        dovecot.start()
        wait_for(lambda: loop_status(imap_world, AFTER) == "closed", 30)
    finally:
        stop.set()
        thread.join(timeout=10)


def test_doctor_reports_login_folders_and_capabilities_one_line_each(imap_world, dovecot):
    r = imap_world.cli("doctor")
    assert r.code == 0, r.out
    mailbox_lines = [line for line in r.out.splitlines() if "mailbox:" in line]
    text = "\n".join(mailbox_lines)
    assert "login" in text.lower() and "drafts" in text.lower() and "IDLE" in text
    assert dovecot.password not in r.out + r.err


def test_doctor_fails_on_a_wrong_password_without_printing_it(imap_world, dovecot, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not the password")
    r = imap_world.cli("doctor")
    assert r.code == 1
    assert "FAIL" in r.out and "not the password" not in r.out + r.err


def test_a_refused_login_marks_the_mailbox_as_needing_re_authorisation_while_the_rest_keeps_working(
        imap_world, dovecot, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not the password")
    r = imap_world.cli("once", now=AFTER)
    assert r.code == 2  # the user is needed
    assert imap_world.reminder_uids(), "the reminders were written all the same"
    status = json.loads(imap_world.cli("status", "--json", now=AFTER).out)
    assert status["providers"]["mailbox"]["problem"] == "sign-in"
    assert status["providers"]["calendar"]["ok"] and status["providers"]["reminders"]["ok"]
    text = imap_world.cli("status", now=AFTER).out
    assert "mailbox:    NEEDS RE-AUTHORISATION since" in text and "interview-followup init" in text
    doctor = imap_world.cli("doctor").out
    assert "FAIL  mailbox: last passes: needs re-authorisation" in doctor
    assert "not the password" not in r.out + r.err + text + doctor

    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    imap_world.once("2026-11-17T16:05:00+01:00")
    status = json.loads(imap_world.cli("status", "--json", now=AFTER).out)
    assert status["providers"]["mailbox"]["ok"]
    assert len(drafts(dovecot)) == 1


def test_the_daemon_logs_a_refused_login_once_not_every_pass(imap_world, dovecot, monkeypatch, caplog):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not the password")
    import interview_followup.daemon.service.runner as service

    passes = []
    real = service.one_pass

    def counted(*args, **kwargs):
        passes.append(real(*args, **kwargs))
        return passes[-1]

    monkeypatch.setattr(service, "one_pass", counted)
    # the thank-you falls due two seconds after the start: a second pass then
    clock = OffsetClock(datetime.fromisoformat("2026-11-17T15:29:58+01:00"))
    stop = threading.Event()
    with caplog.at_level("INFO"):
        thread = threading.Thread(target=run_forever, args=(load(imap_world.config), clock),
                                  kwargs={"stop": stop}, daemon=True)
        thread.start()
        try:
            wait_for(lambda: len(passes) >= 2, 20)
        finally:
            stop.set()
            thread.join(timeout=10)
    assert all(p.errors for p in passes[:2])
    from_service = [r for r in caplog.records if r.name == "interview_followup.daemon.service.runner" and r.levelname == "ERROR"]
    assert len(from_service) == 1 and "refused the login" in from_service[0].getMessage()
    assert all("not the password" not in r.getMessage() for r in caplog.records)


def test_a_refused_imap_login_puts_one_sign_in_reminder_in_the_calendar_until_it_works(imap_world, dovecot,
                                                                                        monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "not the password")
    assert imap_world.cli("once", now="2026-11-17T16:00:00+01:00").code == 2
    assert imap_world.cli("once", now="2026-11-17T16:05:00+01:00").code == 2
    signs = [e for e in imap_world.reminders() if str(e["SUMMARY"]).startswith("Sign in again")]
    assert len(signs) == 1, "one reminder, not one per pass"
    assert "mailbox" in str(signs[0]["SUMMARY"]) and "not the password" not in imap_world.reminders_file.read_text()

    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    r = imap_world.cli("once", now="2026-11-17T16:10:00+01:00")
    assert r.code == 0, r.out + r.err
    assert "remove the reminder to sign in to the mailbox again" in r.out
    assert not [e for e in imap_world.reminders() if str(e["SUMMARY"]).startswith("Sign in again")]
