"""Never stop, never harm (issue 13): one bad item is skipped and named once, the rest is
processed; a provider that answers unexpectedly fails alone; a state folder, Maildir or
reminders file that cannot be used is reported with its path and the right exit status,
and the daemon recovers once it is fixed; nothing that does not carry the product's key is
ever updated or deleted, whatever a server's search returns."""

from __future__ import annotations

import errno
import shutil
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import interview_followup.daemon.engine.plans as plans
import interview_followup.daemon.engine.reconcile as reconcile
from conftest import ACME, REPO, World, config, vevent
from interview_followup.daemon.calendar.detection import Detector
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.common.files import os_error
from interview_followup.daemon.config import load
from interview_followup.daemon.engine.reconcile import one_pass
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.service.runner import Daemon
from interview_followup.daemon.store.state import State
from interview_followup.integrations.ics_calendar import IcsCalendar
from interview_followup.integrations.maildir_mailbox import MaildirMailbox
from test_service import run_on_a_full_disk, unshare_works

INITECH = vevent("initech-1@test", "20261117T123000", "20261117T131500", "Interview with Initech",
                 attendees=(("Sam Lee", "sam@initech.example"),))
BEFORE = "2026-11-17T12:00:00+01:00"  # both interviews known, Acme still to come
AFTER = "2026-11-17T16:00:00+01:00"  # both thank-you drafts due


def contained(bugs) -> list[str]:
    return [r.getMessage() for r in bugs.records]


# --- one item --------------------------------------------------------------------------------


@pytest.mark.contains_bug
def test_an_event_whose_detection_raises_is_skipped_named_once_listed_in_status_and_its_loop_kept(
        world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME, INITECH)
    world.once("2026-11-17T09:00:00+01:00")  # both loops known
    real = Detector.interview

    def interview(self, event):
        if event.uid == "acme-1@test":
            raise KeyError("a property nobody planned for")
        return real(self, event)

    monkeypatch.setattr(Detector, "interview", interview)
    first = world.once(BEFORE)
    assert "the event 'Acme – Backend Engineer interview' (acme-1@test) was skipped" in first.out, first.out
    assert "KeyError" in first.out and "cancel" not in first.out, "a loop was cancelled for a bug"
    assert len(contained(bugs_are_loud)) == 1
    second = world.cli("once", now="2026-11-17T12:05:00+01:00")
    assert second.code == 0 and "was skipped" not in second.out, "warned again"
    assert len(contained(bugs_are_loud)) == 1
    status = world.cli("status", now=BEFORE)
    assert "skipped:" in status.out and "event acme-1@test/" in status.out and "KeyError" in status.out
    assert "Acme" in status.out and "cancelled" not in status.out
    monkeypatch.setattr(Detector, "interview", real)  # fixed (an upgrade): gone from status
    world.once("2026-11-17T12:10:00+01:00")
    assert "skipped:" not in world.cli("status", now=BEFORE).out


@pytest.mark.contains_bug
def test_a_message_that_cannot_be_understood_is_skipped_and_the_others_are_read(world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME)
    world.once(BEFORE)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="BOOM",
                  date="Wed, 18 Nov 2026 09:00:00 +0100")
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: your interview",
                  date="Wed, 18 Nov 2026 10:00:00 +0100",
                  body="Unfortunately we decided to move forward with other candidates.")
    real = reconcile.understand

    def understand(msg, *args):
        if msg.subject == "BOOM":
            raise ValueError("a header nobody planned for")
        return real(msg, *args)

    monkeypatch.setattr(reconcile, "understand", understand)
    r = world.once("2026-11-18T11:00:00+01:00")
    assert "note the answer for Acme" in r.out and "rejected" in r.out, r.out
    assert "the message inbox/" in r.out and "was skipped" in r.out and "ValueError" in r.out
    assert len(contained(bugs_are_loud)) == 1
    status = world.cli("status", now="2026-11-18T11:00:00+01:00").out
    assert "message inbox/" in status and "ValueError: a header nobody planned for" in status


@pytest.mark.contains_bug
def test_a_step_whose_write_raises_is_skipped_and_the_other_steps_are_done(world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME, INITECH)
    world.once(BEFORE)
    real = MaildirMailbox.write_draft

    def write_draft(self, draft):
        if draft.key.endswith(".thank-you") and b"jane.doe@acme" in draft.message:
            raise AttributeError("'NoneType' object has no attribute 'group'")
        return real(self, draft)

    monkeypatch.setattr(MaildirMailbox, "write_draft", write_draft)
    r = world.once(AFTER)
    assert "the thank-you draft for Acme (Backend Engineer) was skipped" in r.out, r.out
    assert "write the thank-you draft for Initech" in r.out
    assert len(world.drafts()) == 1 and len(contained(bugs_are_loud)) == 1
    monkeypatch.setattr(MaildirMailbox, "write_draft", real)
    r = world.once("2026-11-17T16:05:00+01:00")  # the intent left open is resolved: one draft each
    assert "write the thank-you draft for Acme" in r.out and len(world.drafts()) == 2


@pytest.mark.contains_bug
def test_a_loop_whose_planning_raises_is_left_out_and_the_other_loops_go_on(world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME, INITECH)
    world.once(BEFORE)
    acme = next(iv.loop_id for iv, _ in _loops(world) if iv.company == "Acme")
    real = plans.plan_loop

    def plan_loop(facts, *args):
        if facts.interview.loop_id == acme:
            raise ZeroDivisionError("division by zero")
        return real(facts, *args)

    monkeypatch.setattr(plans, "plan_loop", plan_loop)
    r = world.once(AFTER)
    assert f"planning the loop for Acme (Backend Engineer) [{acme}] was skipped" in r.out, r.out
    assert "write the thank-you draft for Initech" in r.out and len(world.drafts()) == 1
    assert len(contained(bugs_are_loud)) == 1


def _loops(world):
    state = State.in_memory_copy(world.state_dir)
    try:
        return state.loops()
    finally:
        state.close()


# --- one provider call -----------------------------------------------------------------------


@pytest.mark.contains_bug
def test_a_provider_read_that_raises_unexpectedly_fails_that_provider_alone(world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME)
    world.once(BEFORE)

    class HttpError(Exception):
        pass

    def read(self, start, end):
        raise HttpError("<HttpError 404 when requesting .../users/me/profile returned Not Found>")

    monkeypatch.setattr(IcsCalendar, "read", read)
    r = world.cli("once", now=AFTER)
    assert r.code == 75 and "Traceback" not in r.err, r.err
    assert "calendar: the calendar provider failed unexpectedly: HttpError: <HttpError 404" in r.err
    assert "write the thank-you draft for Acme" in r.out, "the mailbox did not go on"
    status = world.cli("status", now=AFTER).out
    assert "calendar:   FAILING UNEXPECTEDLY, RETRYING since" in status and "HttpError" in status
    assert "mailbox:    ok" in status and "reminders:  ok" in status
    world.cli("once", now="2026-11-17T16:05:00+01:00")
    assert len(contained(bugs_are_loud)) == 1, "logged again while failing the same way"
    monkeypatch.undo()
    r = world.once("2026-11-17T16:10:00+01:00")
    assert "calendar:   ok" in world.cli("status", now=AFTER).out


@pytest.mark.contains_bug
def test_run_never_exits_for_an_unexpected_exception_and_retries(world, monkeypatch, bugs_are_loud):
    world.set_calendar(ACME)
    daemon = Daemon(load(world.config), FixedClock(datetime.fromisoformat(AFTER)))
    calls = []
    real = reconcile.one_pass

    def broken(*args, **kwargs):
        calls.append(1)
        raise TypeError("unsupported operand type(s)")

    import interview_followup.daemon.service.runner as runner

    monkeypatch.setattr(runner, "one_pass", broken)
    daemon.work()
    daemon.work()
    assert len(calls) == 2 and daemon.failures == 2 and daemon.wake_at is not None, "no retry planned"
    assert len(contained(bugs_are_loud)) == 1, "the same bug logged every pass"
    monkeypatch.setattr(runner, "one_pass", real)
    daemon.work()
    assert daemon.failures == 0 and len(world.drafts()) == 1
    daemon._close()


@pytest.mark.parametrize("fatal", [KeyboardInterrupt, SystemExit, MemoryError])
def test_interrupts_exits_and_memory_errors_are_never_contained(world, monkeypatch, fatal):
    world.set_calendar(ACME)

    def interview(self, event):
        raise fatal()

    monkeypatch.setattr(Detector, "interview", interview)
    with pytest.raises(fatal):
        one_pass(load(world.config), FixedClock(datetime.fromisoformat(BEFORE)))


def test_the_suite_fails_a_test_that_logs_a_contained_bug(tmp_path):
    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_bug.py").write_text(
        "import pytest\n"
        "from interview_followup.daemon.common import logs\n"
        "def test_unmarked():\n"
        "    logs.log_bug('the event x', KeyError('k'))\n"
        "def test_skipped_by_a_provider():\n"
        "    logs.skipped('Maildir message inbox/1', ValueError('v'))\n"
        "@pytest.mark.contains_bug\n"
        "def test_marked():\n"
        "    logs.log_bug('the event x', KeyError('k'))\n"
    )
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "2 errors" in done.stdout, done.stdout + done.stderr
    assert "ERROR test_bug.py::test_unmarked" in done.stdout and "test_marked" not in done.stdout
    assert "an unexpected exception was contained" in done.stdout


# --- state folder, Maildir and reminders file ---------------------------------------------------


def test_os_errors_are_sorted_by_errno_and_name_the_path():
    path = Path("/x/state")
    for code in (errno.ENOSPC, errno.EDQUOT):
        exc = os_error(OSError(code, "No space left on device"), "state folder", path)
        assert isinstance(exc, Transient) and "/x/state" in str(exc)
    for code in (errno.EACCES, errno.EPERM, errno.EROFS):
        exc = os_error(OSError(code, "Read-only file system"), "state folder", path)
        assert isinstance(exc, NeedsUser) and "/x/state: Read-only file system" in str(exc)
    exc = os_error(OSError(errno.EACCES, "Permission denied", "/x/state/.tmp1"), "state folder", path)
    assert "/x/state: Permission denied (/x/state/.tmp1)" in str(exc)
    assert isinstance(os_error(OSError(errno.EIO, "I/O error"), "Maildir:", path), Transient)


def test_a_state_folder_that_is_a_file_needs_the_user_and_run_recovers_once_it_is_fixed(world):
    world.set_calendar(ACME)
    world.state_dir.write_text("not a folder")
    r = world.cli("once", now=AFTER)
    assert r.code == 2 and "Traceback" not in r.err, r.err
    assert f"state folder {world.state_dir} is a file, not a folder" in r.err
    daemon = Daemon(load(world.config), FixedClock(datetime.fromisoformat(AFTER)))
    daemon.work()  # run: reported, not ended
    assert not world.drafts()
    world.state_dir.unlink()
    daemon.work()
    assert len(world.drafts()) == 1 and daemon.failures == 0
    daemon._close()


def in_namespace(script: str) -> subprocess.CompletedProcess:
    if not unshare_works():
        if os.environ.get("CI"):
            pytest.fail("unshare -m does not work here: the read-only and full-disk tests need a mount namespace")
        pytest.skip("unshare -m does not work here")
    return subprocess.run(["unshare", "-m", "sh", "-c", "set -u\n" + script], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_a_read_only_state_folder_is_reported_with_its_path_exit_2_and_recovers(world):
    world.set_calendar(ACME)
    world.once(BEFORE)
    stash = world.root / "stash"
    shutil.copytree(world.state_dir, stash)
    prog = f"{sys.executable} -P -m interview_followup.daemon --config {world.config}"
    done = in_namespace(f"""
mount -t tmpfs -o size=4m tmpfs {world.state_dir}
cp -a {stash}/. {world.state_dir}/
mount -o remount,ro {world.state_dir}
{prog} --now {AFTER} once; echo "exit=$?"
mount -o remount,rw {world.state_dir}
{prog} --now {AFTER} once; echo "exit=$?"
""")
    out, err = done.stdout, done.stderr
    assert "exit=2" in out and "Traceback" not in err, out + err
    assert str(world.state_dir) in err and "Read-only file system" in err, err
    assert "write the thank-you draft" in out.split("exit=2")[1] and out.rstrip().endswith("exit=0"), out + err


def test_a_full_disk_under_the_reminders_file_is_temporary_not_a_permission_problem(tmp_path):
    world = World(tmp_path, config(reminders='kind = "ics"\npath = "rem/reminders.ics"\n'))
    (tmp_path / "rem").mkdir()
    world.set_calendar(ACME)
    done = run_on_a_full_disk(world, tmp_path / "rem", f"""
fill
$IF --now {BEFORE} once; echo "exit=$?"
free
$IF --now {BEFORE} once; echo "exit=$?"
""")
    out, err = done.stdout, done.stderr
    assert "exit=75" in out and "Traceback" not in err, out + err
    assert f"reminders file {tmp_path / 'rem' / 'reminders.ics'}: No space left on device" in err, err
    assert "add the reminder" in out.split("exit=75")[1] and out.rstrip().endswith("exit=0"), out + err


def test_a_read_only_maildir_needs_the_user_and_the_rest_works(world):
    world.set_calendar(ACME)
    world.once(BEFORE)
    prog = f"{sys.executable} -P -m interview_followup.daemon --config {world.config}"
    done = in_namespace(f"""
mount --bind {world.maildir} {world.maildir}
mount -o remount,bind,ro {world.maildir}
{prog} --now {AFTER} once; echo "exit=$?"
""")
    out, err = done.stdout, done.stderr
    assert "exit=2" in out and "Traceback" not in err, out + err
    assert f"Maildir: {world.maildir}" in err and "Read-only file system" in err, err


# --- never touch what is not ours ----------------------------------------------------------------


def test_maildir_never_removes_a_file_by_its_name_alone(tmp_path):
    from interview_followup.daemon.model import StoredDraft

    world = World(tmp_path)
    world.set_calendar(ACME)
    world.once(AFTER)
    (key,) = world.draft_keys()
    (ours,) = (world.maildir / ".Drafts" / "cur").iterdir()
    uniq, message = ours.name.split(":2,")[0], ours.read_bytes()
    ours.unlink()  # the user's mail program saved a draft of theirs under the same name
    theirs = ours.with_name(f"{uniq}:2,DS")
    theirs.write_bytes(b"From: alex@example.org\nSubject: my own draft\n\nmine\n")
    mailbox = MaildirMailbox.open(load(world.config).mailbox.settings, _context(world))
    mailbox.remove_draft(StoredDraft(key=key, ref=uniq, message=message))
    assert theirs.exists(), "a draft without our key was deleted"


def _context(world):
    from zoneinfo import ZoneInfo

    from interview_followup.daemon.providers import ProviderContext

    return ProviderContext(timezone=ZoneInfo("Europe/Berlin"), base_dir=world.root, data_dir=world.root / "data",
                           user_emails=("alex@example.org",), clock=FixedClock(datetime.fromisoformat(AFTER)))


# --- servers whose search returns what was not asked for ------------------------------------------

from servers.fixtures import caldav_user, dovecot_minimal, dovecot_server, radicale_server  # noqa: E402,F401

USERS_DRAFT = (b"From: Alex Example <alex@example.org>\r\nTo: someone@example.com\r\nSubject: my own draft\r\n"
               b"X-Interview-Followup-Key: 3f2a9c1b.thank-you-not\r\n\r\nmine, with a key that only looks like ours\r\n")
USERS_OTHER_DRAFT = b"From: Alex Example <alex@example.org>\r\nSubject: another draft of mine\r\n\r\nmine\r\n"


@pytest.mark.parametrize("server_kind", ["full", "minimal"])
def test_imap_touches_no_draft_without_our_key_when_search_returns_every_message(
        server_kind, request, tmp_path, monkeypatch):
    """A server whose SEARCH ignores the criteria and answers every UID: the key header is
    read on our side before anything is found, replaced or removed (with UIDPLUS, and
    without it, where EXPUNGE needs to know what else is marked \\Deleted)."""
    from imapclient import IMAPClient

    from contracts.mailbox_contract import make_draft
    from interview_followup.daemon.model import StoredDraft
    from test_imap_mailbox import PASSWORD_ENV, keys_of, open_mailbox

    server = request.getfixturevalue("dovecot_server" if server_kind == "full" else "dovecot_minimal")
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    user = server.add_user()
    mb = open_mailbox(server, user, tmp_path)
    stored = mb.write_draft(make_draft())
    server.deliver(USERS_DRAFT, "Drafts", user=user, flags=(b"\\Draft",))
    server.deliver(USERS_OTHER_DRAFT, "Drafts", user=user, flags=(b"\\Draft", b"\\Deleted"))
    real = IMAPClient.search

    def search(self, criteria="ALL", charset=None):
        return real(self, ["ALL"])  # whatever was asked

    monkeypatch.setattr(IMAPClient, "search", search)
    assert mb.find_draft("3f2a9c1b.followup") is None
    assert mb.find_draft(stored.key).key == stored.key
    mb.remove_draft(StoredDraft("3f2a9c1b.followup", "", USERS_OTHER_DRAFT))
    mb.remove_draft(StoredDraft(stored.key, "", stored.message))  # by key and text, no ref
    mb.close()
    monkeypatch.undo()  # the test's own look is with an honest search
    left = server.messages("Drafts", user)
    kept = {keys_of({u: m})[0]: set(m[b"FLAGS"]) for u, m in left.items()}
    assert kept.pop("") == {b"\\Draft", b"\\Deleted"} and kept.pop("3f2a9c1b.thank-you-not") == {b"\\Draft"}, \
        "a draft that is not ours was touched"
    # ours is gone; without UIDPLUS it stays marked \Deleted while one of the user's is too
    assert kept == {} or (server_kind == "minimal" and b"\\Deleted" in kept[stored.key])


def test_caldav_touches_no_object_without_our_uid_when_the_server_ignores_the_filter(
        tmp_path, radicale_server, caldav_user, monkeypatch):
    """A server that ignores the calendar-query filter and answers every object of the
    reminders calendar (the Google emulator did): the user's own events there, and an
    object holding ours beside one of theirs, are never rewritten nor deleted."""
    import re
    from dataclasses import replace

    from contracts.reminder_contract import make_reminder
    from interview_followup.daemon.keys import reminder_uid
    from test_caldav_reminders import CALENDAR, PASSWORD_ENV, open_sink, stored_keys

    server, user = radicale_server, caldav_user
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    sink = open_sink(tmp_path, server, user)
    ours = make_reminder()
    sink.put(ours)
    cal = server.calendars_of(user)[CALENDAR]
    dentist = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//me//EN\r\nBEGIN:VEVENT\r\nUID:dentist-1@me\r\n"
               "DTSTAMP:20261101T090000Z\r\nDTSTART:20261118T090000Z\r\nDTEND:20261118T100000Z\r\n"
               "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    server.put(cal, dentist, name="dentist.ics", user=user)
    other = reminder_uid("5cc1f4b2.debrief")
    mixed = dentist.replace("dentist-1@me", "lunch-2@me").replace("Dentist", "Lunch").replace(
        "END:VCALENDAR", f"BEGIN:VEVENT\r\nUID:{other}\r\nDTSTAMP:20261101T090000Z\r\n"
                         "DTSTART:20261118T120000Z\r\nSUMMARY:Debrief\r\nEND:VEVENT\r\nEND:VCALENDAR")
    server.store_directly(cal, "mixed.ics", mixed, user=user)
    before = server.objects(cal, user)
    real = sink.account.report

    def report(url, body, depth, what):
        body = re.sub(r"<c:filter>.*</c:filter>", '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter>', body)
        return real(url, body, depth, what)

    monkeypatch.setattr(sink.account, "report", report)
    assert sink.find("someone.else") is None
    sink.remove("someone.else")
    sink.remove("5cc1f4b2.debrief")  # only in the mixed object: left alone
    sink.put(replace(ours, title="Send the thank-you today"))
    after = server.objects(cal, user)
    assert after["dentist.ics"] == before["dentist.ics"] and after["mixed.ics"] == before["mixed.ics"]
    sink.remove(ours.key)
    after = server.objects(cal, user)
    assert set(after) == {"dentist.ics", "mixed.ics"}, after.keys()
    assert after["dentist.ics"] == before["dentist.ics"] and after["mixed.ics"] == before["mixed.ics"]
    assert stored_keys(server, user) == ["", "", "5cc1f4b2.debrief"]
