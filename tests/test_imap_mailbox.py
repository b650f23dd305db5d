"""The IMAP mailbox against a real Dovecot: the contract, plus what only a network server
can get wrong (lost connections, IDLE, UIDVALIDITY, folder layouts, TLS, logins)."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from contracts.mailbox_contract import SINCE, MailboxContract, make_draft, make_message
from servers.fixtures import (  # noqa: F401 - fixtures
    dovecot,
    dovecot_minimal,
    dovecot_plain_layout,
    dovecot_server,
    dovecot_tls,
    imap_user,
)

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.errors import NeedsUser, Transient, UnknownOutcome
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.mail.parse import parse_message
from interview_followup.daemon.providers import ProviderContext, StopSignal, WatchableMailbox, provider_class
from interview_followup.integrations.imap_mailbox import ImapMailbox, Settings

REPO = Path(__file__).resolve().parent.parent
PASSWORD_ENV = "IMAP_TEST_PASSWORD"


@pytest.fixture(autouse=True)
def _password(monkeypatch, dovecot_server):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_server.password)


def context(base: Path, dry_run: bool = False) -> ProviderContext:
    return ProviderContext(
        timezone=ZoneInfo("Europe/Berlin"),
        base_dir=base,
        data_dir=base / "data",
        user_emails=("alex@example.org",),
        clock=FixedClock(datetime(2026, 11, 17, 12, tzinfo=timezone.utc)),
        dry_run=dry_run,
    )


def settings_for(server, user: str | None = None, **overrides) -> Settings:
    values = dict(host=server.host, port=server.port, security="plain",
                  username=user or server.user, password_env=PASSWORD_ENV, timeout_seconds=5)
    values.update(overrides)
    return Settings(**values)


def open_mailbox(server, user=None, tmp_path=Path("."), dry_run=False, **overrides) -> ImapMailbox:
    return ImapMailbox.open(settings_for(server, user, **overrides), context(tmp_path, dry_run))


def drafts_on_server(server, user=None, folder="Drafts") -> dict[int, dict]:
    return server.messages(folder, user)


def keys_of(messages: dict[int, dict]) -> list[str]:
    return [parse_message(m[b"BODY[]"], ref="", folder="").key for m in messages.values()]


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class CommandLog:
    """The IMAP commands a client sends (tag and arguments dropped), by wrapping the send
    of the imaplib object under imapclient."""

    def __init__(self, mailbox: ImapMailbox, monkeypatch):
        self.commands: list[str] = []
        imap = mailbox.session.ensure()._imap
        real = imap.send

        def send(data: bytes) -> None:
            for line in data.split(b"\r\n"):
                m = re.match(rb"^[A-Z]+\d+ (UID )?([A-Z]+)", line)
                if m:
                    self.commands.append(((m[1] or b"") + m[2]).decode())
            return real(data)

        monkeypatch.setattr(imap, "send", send)


# --- the contract ---------------------------------------------------------------------


class TestImapContract(MailboxContract):
    @pytest.fixture
    def mailbox(self, dovecot_server, imap_user, tmp_path):
        self.server, self.user = dovecot_server, imap_user
        mb = open_mailbox(dovecot_server, imap_user, tmp_path)
        yield mb
        mb.close()

    @pytest.fixture
    def deliver(self, dovecot_server, imap_user):
        folders = {"inbox": "INBOX", "sent": "Sent"}
        return lambda raw, folder="inbox": dovecot_server.deliver(raw, folders[folder], user=imap_user)

    def assert_flagged_draft(self, mailbox, stored):
        messages = drafts_on_server(self.server, self.user)
        uidvalidity, _, uid = stored.ref.partition(":")
        assert list(messages) == [int(uid)]
        assert int(uidvalidity) == self.server.uidvalidity("Drafts", self.user)
        flags = set(messages[int(uid)][b"FLAGS"])
        assert {b"\\Draft", b"\\Seen"} <= flags


# --- drafts ---------------------------------------------------------------------------


def test_a_draft_lands_in_drafts_with_its_headers_and_flags(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    draft = make_draft()
    stored = mb.write_draft(draft)
    (uid, item), = drafts_on_server(dovecot_server, imap_user).items()
    assert stored.ref == f"{dovecot_server.uidvalidity('Drafts', imap_user)}:{uid}"
    assert {b"\\Draft", b"\\Seen"} <= set(item[b"FLAGS"])
    msg = email.message_from_bytes(item[b"BODY[]"], policy=email.policy.default)
    assert msg[KEY_HEADER] == draft.key
    assert msg["Message-ID"] == f"<{draft.key}.draft.interview-followup@example.org>"
    assert msg["Subject"] == "Thank you for today"
    assert dovecot_server.messages("INBOX", imap_user) == {}
    assert dovecot_server.messages("Sent", imap_user) == {}
    mb.close()


def test_a_second_pass_creates_nothing(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    draft = make_draft()
    for _ in range(3):  # what the core does on every pass: look for the key, write if absent
        if mb.find_draft(draft.key) is None:
            mb.write_draft(draft)
    assert keys_of(drafts_on_server(dovecot_server, imap_user)) == [draft.key]
    mb.close()


def test_a_key_that_is_a_prefix_of_another_is_not_confused(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    mb.write_draft(make_draft("3f2a9c1b.thank-you-nudge"))
    assert mb.find_draft("3f2a9c1b.thank-you") is None
    stored = mb.write_draft(make_draft("3f2a9c1b.thank-you"))
    assert mb.find_draft("3f2a9c1b.thank-you").ref == stored.ref
    mb.close()


def test_remove_draft_expunges_exactly_that_draft(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    other = mb.write_draft(make_draft("bbbbbbbb.follow-up"))
    stored = mb.write_draft(make_draft())
    # a message the user deleted in their client but has not expunged yet
    pending = dovecot_server.deliver(make_message("user's own draft"), "Drafts", user=imap_user,
                                     flags=(b"\\Draft", b"\\Deleted"))
    mb.remove_draft(stored)
    left = drafts_on_server(dovecot_server, imap_user)
    assert sorted(left) == sorted([int(other.ref.split(":")[1]), pending])
    mb.close()


def test_remove_draft_with_a_stale_ref_removes_the_same_text_only(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    stored = mb.write_draft(make_draft())
    dovecot_server.bump_uidvalidity("Drafts", imap_user)  # every ref is void now
    mb.remove_draft(stored)
    assert drafts_on_server(dovecot_server, imap_user) == {}
    edited = make_draft(body="Dear Jane,\n\nI changed this myself.\n")
    stale = mb.write_draft(make_draft())
    mb.remove_draft(stale)  # the same text: gone
    mb.write_draft(edited)
    mb.remove_draft(stale.__class__(stale.key, "1:999", stale.message))  # edited: left alone
    assert keys_of(drafts_on_server(dovecot_server, imap_user)) == [edited.key]
    mb.close()


def test_dry_run_writes_and_removes_nothing(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, dry_run=True)
    stored = mb.write_draft(make_draft())
    assert stored.ref == ""
    mb.remove_draft(stored)
    assert drafts_on_server(dovecot_server, imap_user) == {}
    mb.close()


# --- reading --------------------------------------------------------------------------


def test_a_pass_where_nothing_changed_is_one_command_per_folder(dovecot_server, imap_user, tmp_path, monkeypatch):
    """The same commands for 1 message and for 1,001: a NOOP on the inbox kept open
    between passes, and a STATUS of Sent."""
    seen = []
    for count in (1, 1000):
        mb = open_mailbox(dovecot_server, imap_user, tmp_path)
        if count > 1:
            dovecot_server.deliver_many([make_message(f"bulk {i}") for i in range(count)], user=imap_user)
        else:
            dovecot_server.deliver(make_message("one"), user=imap_user)
        _, cursor = mb.read_new(None, SINCE)
        log = CommandLog(mb, monkeypatch)
        for _ in range(3):
            messages, cursor = mb.read_new(cursor, SINCE)
            assert messages == []
        seen.append(list(log.commands))
        mb.close()
    assert seen[0] == seen[1] == ["NOOP", "STATUS"] * 3


def test_new_mail_after_the_cursor_is_read_without_rereading_the_folder(dovecot_server, imap_user, tmp_path, monkeypatch):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    dovecot_server.deliver_many([make_message(f"old {i}") for i in range(50)], user=imap_user)
    _, cursor = mb.read_new(None, SINCE)
    dovecot_server.deliver(make_message("the answer"), user=imap_user)
    log = CommandLog(mb, monkeypatch)
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["the answer"]
    assert log.commands.count("UID FETCH") == 1
    mb.close()


def test_mail_announced_during_another_command_is_not_missed_by_the_next_noop(dovecot_server, imap_user, tmp_path):
    """An EXISTS that came with the answer to another command on the inbox kept open
    (imaplib keeps it aside) still tells the next read that mail arrived."""
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    _, cursor = mb.read_new(None, SINCE)
    dovecot_server.deliver(make_message("arrived while busy"), user=imap_user)
    mb.session.client.search(["ALL"])  # its answer carries the EXISTS, which a NOOP never repeats
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["arrived while busy"]
    assert mb.read_new(cursor, SINCE)[0] == []
    mb.close()


def test_mail_arriving_before_the_inbox_is_kept_open_again_is_read_next_time(dovecot_server, imap_user, tmp_path,
                                                                            monkeypatch):
    """Mail that arrives after the inbox was read, while Sent is read, is in the answer to
    the EXAMINE that keeps the inbox open, not in the next NOOP's: it is read next time."""
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    real = mb._read_folder
    arrived = []

    def read_folder(role, *args):
        if role == "sent" and not arrived:
            arrived.append(dovecot_server.deliver(make_message("arrived meanwhile"), user=imap_user))
        return real(role, *args)

    monkeypatch.setattr(mb, "_read_folder", read_folder)
    first, cursor = mb.read_new(None, SINCE)
    assert first == [] and arrived
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["arrived meanwhile"]
    assert mb.read_new(cursor, SINCE)[0] == []
    mb.close()


def test_a_uidvalidity_change_does_not_report_old_mail_again(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    dovecot_server.deliver(make_message("read before"), user=imap_user, when=an_hour_ago)
    dovecot_server.deliver(make_message("sent before", sender="alex@example.org"), "Sent",
                           user=imap_user, when=an_hour_ago)
    first, cursor = mb.read_new(None, SINCE)
    assert sorted(m.subject for m in first) == ["read before", "sent before"]
    old_refs = {m.ref for m in first}
    dovecot_server.bump_uidvalidity("INBOX", imap_user)
    dovecot_server.bump_uidvalidity("Sent", imap_user)
    dovecot_server.deliver(make_message("arrived after"), user=imap_user)
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["arrived after"]
    assert not {m.ref for m in messages} & old_refs
    assert mb.read_new(cursor, SINCE)[0] == []
    mb.close()


def test_raw_utf8_headers_round_trip(dovecot_server, imap_user, tmp_path):
    raw = (
        "From: Zoë Ångström <zoe@acme.example>\n"
        "To: alex@example.org\n"
        "Subject: Réponse — entretien 面接\n"
        f"Date: {email.utils.format_datetime(datetime.now(timezone.utc))}\n"
        "Message-ID: <utf8-1@acme.example>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "Grüße aus Köln\n"
    ).encode()
    dovecot_server.deliver(raw, user=imap_user)
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    (m,), _ = mb.read_new(None, SINCE)
    assert m.subject == "Réponse — entretien 面接"
    assert m.sender.name == "Zoë Ångström"
    assert m.body.strip() == "Grüße aus Köln"
    mb.close()


# --- lost connections -----------------------------------------------------------------


def _drafts_dir_has_files(server, user=None) -> bool:
    drafts = server.home(user) / "Maildir" / ".Drafts"
    return any(any((drafts / sub).iterdir()) for sub in ("new", "cur") if (drafts / sub).exists())


@pytest.mark.parametrize("stored_first", [False, True], ids=["killed-before-stored", "answer-lost-after-stored"])
def test_an_append_cut_by_a_dying_server_never_gives_two_drafts(dovecot, tmp_path, monkeypatch, stored_first):
    mb = open_mailbox(dovecot, None, tmp_path)
    draft = make_draft()
    mb.find_draft(draft.key)  # connected, Drafts found
    imap = mb.session.client._imap
    real_send, real_complete = imap.send, imap._command_complete

    def send(data: bytes) -> None:
        if not stored_first and draft.key.encode() in data:  # the message itself: die first
            dovecot.kill()
        return real_send(data)

    def complete(name, tag):
        if stored_first and name == "APPEND":
            assert wait_for(lambda: _drafts_dir_has_files(dovecot), 5)
            dovecot.kill()
            raise TimeoutError("timed out")  # the answer never came
        return real_complete(name, tag)

    monkeypatch.setattr(imap, "send", send)
    monkeypatch.setattr(imap, "_command_complete", complete)
    with pytest.raises(UnknownOutcome):
        mb.write_draft(draft)
    dovecot.start()
    # the core's recovery: look for the key first, write only if it is not there
    found = mb.find_draft(draft.key)
    assert (found is not None) == stored_first
    if found is None:
        mb.write_draft(draft)
    assert keys_of(drafts_on_server(dovecot)) == [draft.key]
    assert mb.find_draft(draft.key) is not None
    mb.close()


def test_a_server_found_dead_before_a_write_is_transient_and_nothing_is_doubled(dovecot, tmp_path):
    mb = open_mailbox(dovecot, None, tmp_path)
    draft = make_draft()
    assert mb.find_draft(draft.key) is None
    dovecot.kill()
    with pytest.raises(Transient) as caught:
        mb.write_draft(draft)
    assert not isinstance(caught.value, UnknownOutcome)  # nothing was sent
    dovecot.start()
    if mb.find_draft(draft.key) is None:
        mb.write_draft(draft)
    assert keys_of(drafts_on_server(dovecot)) == [draft.key]
    mb.close()


def test_a_restarted_server_is_reconnected_within_the_call(dovecot, tmp_path):
    mb = open_mailbox(dovecot, None, tmp_path)
    _, cursor = mb.read_new(None, SINCE)
    dovecot.restart()
    dovecot.deliver(make_message("after the restart"))
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["after the restart"]
    mb.close()


# --- watch ----------------------------------------------------------------------------


class Watcher:
    def __init__(self, mailbox: ImapMailbox, stop: threading.Event | None = None):
        self.calls = 0
        self.lock = threading.Lock()
        self.stop = stop or threading.Event()
        self.thread = threading.Thread(target=mailbox.watch, args=(self.stop, self.changed), daemon=True)

    def changed(self) -> None:
        with self.lock:
            self.calls += 1

    def __enter__(self) -> Watcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()

    def wait_for_call(self, after: int, timeout: float) -> float:
        start = time.monotonic()
        assert wait_for(lambda: self.calls > after, timeout), f"changed() not called within {timeout} s"
        return time.monotonic() - start


def test_the_mailbox_can_be_watched(dovecot_server, imap_user, tmp_path):
    assert isinstance(open_mailbox(dovecot_server, imap_user, tmp_path), WatchableMailbox)


def test_a_reply_delivered_during_idle_is_noticed_within_seconds(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    with Watcher(mb) as w:
        w.wait_for_call(0, 10)  # connected: changed() once
        time.sleep(0.3)
        before = w.calls
        dovecot_server.deliver(make_message("the answer"), user=imap_user)
        assert w.wait_for_call(before, 3) < 3
    mb.close()


def test_a_watcher_in_idle_wakes_only_for_mail_or_the_stop(dovecot_server, imap_user, tmp_path, monkeypatch):
    import interview_followup.integrations.imap_mailbox as imap_mailbox

    waits = []
    real_wait = imap_mailbox.idle_wait
    monkeypatch.setattr(imap_mailbox, "idle_wait", lambda *a: waits.append(1) or real_wait(*a))
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    stop = StopSignal()
    with Watcher(mb, stop) as w:
        w.wait_for_call(0, 10)
        time.sleep(2.5)  # a watcher on a timer would have woken twice by now
        assert len(waits) <= 1
        before = w.calls
        dovecot_server.deliver(make_message("wakes it"), user=imap_user)
        w.wait_for_call(before, 3)
        stop.set()
        started = time.monotonic()
        w.thread.join(timeout=5)
        assert time.monotonic() - started < 0.5  # the stop wakes it at once, not at a tick
    stop.close()
    mb.close()


def test_a_stop_signal_can_be_polled_once_set():
    import select

    stop = StopSignal()
    poller = select.poll()
    poller.register(stop.fileno(), select.POLLIN)
    assert poller.poll(0) == []
    stop.set()
    stop.set()  # twice is harmless
    assert stop.is_set() and poller.poll(0)
    stop.close()
    stop.close()  # so is closing twice


def test_idle_is_renewed(dovecot_server, imap_user, tmp_path, monkeypatch):
    from imapclient import IMAPClient

    issued = []
    real_idle = IMAPClient.idle
    monkeypatch.setattr(IMAPClient, "idle", lambda client: issued.append(1) or real_idle(client))
    monkeypatch.setattr(Settings, "__post_init__", lambda self: None)  # allow a tiny period
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, idle_renew_minutes=0.02)
    with Watcher(mb) as w:
        w.wait_for_call(0, 10)
        assert wait_for(lambda: len(issued) >= 3, 10)  # 1.2 s each
        before = w.calls
        dovecot_server.deliver(make_message("after renewals"), user=imap_user)
        w.wait_for_call(before, 3)
    assert w.calls == before + 1  # a renewal alone is not new mail
    mb.close()


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_watch_recovers_from_a_server_restart_and_mail_delivered_meanwhile_is_read(dovecot, tmp_path, how):
    mb = open_mailbox(dovecot, None, tmp_path)
    _, cursor = mb.read_new(None, SINCE)
    with Watcher(mb) as w:
        w.wait_for_call(0, 10)
        before = w.calls
        getattr(dovecot, how)()
        dovecot.deliver(make_message("delivered while down"))  # straight into the Maildir
        time.sleep(1.5)  # the watcher fails to reconnect at least once
        dovecot.start()
        w.wait_for_call(before, 15)
        messages, cursor = mb.read_new(cursor, SINCE)
        assert [m.subject for m in messages] == ["delivered while down"]
        before = w.calls
        dovecot.deliver(make_message("after the restart"))
        w.wait_for_call(before, 3)
    mb.close()


class RecordingStop(threading.Event):
    """A stop event whose waits return at once and are recorded; set after ``n`` waits."""

    def __init__(self, n: int):
        super().__init__()
        self.n, self.delays = n, []

    def wait(self, timeout=None) -> bool:
        self.delays.append(timeout)
        if len(self.delays) >= self.n:
            self.set()
        return self.is_set()


def test_watch_backs_off_exponentially_with_jitter(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_SERVER_SECRET", "x")
    settings = Settings(host="127.0.0.1", port=1, security="plain", username="u", password_env="NO_SERVER_SECRET")
    stop = RecordingStop(11)
    ImapMailbox.open(settings, context(tmp_path)).watch(stop, lambda: None)  # nothing listens on port 1
    for n, delay in enumerate(stop.delays):
        base = min(300, 2 ** n)
        assert 0.7 * base <= delay <= 1.3 * base, (n, delay)
    assert len(set(stop.delays)) == len(stop.delays)  # jittered


def test_watch_waits_long_when_the_user_must_act(dovecot_server, imap_user, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)  # no secret: NeedsUser
    stop = RecordingStop(2)
    open_mailbox(dovecot_server, imap_user, tmp_path).watch(stop, lambda: None)
    assert all(delay >= 0.7 * 64 for delay in stop.delays)


def test_watch_without_idle_waits_for_stop(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, idle=False)
    with Watcher(mb) as w:
        time.sleep(0.3)
        assert w.thread.is_alive() and w.calls == 0


# --- folders --------------------------------------------------------------------------


def test_without_special_use_the_configured_names_are_used(dovecot_plain_layout, tmp_path, monkeypatch):
    server = dovecot_plain_layout
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    user = server.add_user()
    mb = open_mailbox(server, user, tmp_path, drafts="Entwürfe", sent="Gesendet")
    stored = mb.write_draft(make_draft(subject="Danke für das Gespräch"))
    assert keys_of(server.messages("Entwürfe", user)) == [stored.key]
    assert mb.find_draft(stored.key).ref == stored.ref
    server.deliver(make_message("gesendet", sender="alex@example.org"), "Gesendet", user=user)
    server.deliver(make_message("not the sent folder", sender="alex@example.org"), "Sent", user=user)
    messages, _ = mb.read_new(None, SINCE)
    assert [(m.folder, m.subject) for m in messages] == [("sent", "gesendet")]
    checks = {c.name: c for c in mb.check()}
    assert checks["imap drafts"].ok and "name (mailbox.drafts)" in checks["imap drafts"].detail
    assert checks["imap sent"].ok and "'Gesendet'" in checks["imap sent"].detail
    mb.close()


def test_a_missing_drafts_folder_is_never_guessed(dovecot_plain_layout, tmp_path, monkeypatch):
    server = dovecot_plain_layout
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    user = server.add_user()
    mb = open_mailbox(server, user, tmp_path)  # drafts = "Drafts": there is none
    with pytest.raises(NeedsUser) as caught:
        mb.write_draft(make_draft())
    text = str(caught.value)
    assert "'Drafts'" in text and "'Entwürfe'" in text and "'Gesendet'" in text and "mailbox.drafts" in text
    with pytest.raises(NeedsUser):
        mb.find_draft("3f2a9c1b.thank-you")
    assert "Drafts" not in {name for _, _, name in server.list_folders(user)}  # nothing created
    checks = {c.name: c for c in mb.check()}
    assert not checks["imap drafts"].ok and "Entwürfe" in checks["imap drafts"].detail
    assert checks["imap sent"].ok and "'Sent'" in checks["imap sent"].detail
    mb.close()


def test_a_missing_sent_folder_leaves_the_inbox_readable(dovecot_plain_layout, tmp_path, monkeypatch, caplog):
    server = dovecot_plain_layout
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    user = server.add_user()
    server.deliver(make_message("a reply"), user=user)
    mb = open_mailbox(server, user, tmp_path, drafts="Entwürfe", sent="Postausgang")
    messages, cursor = mb.read_new(None, SINCE)
    assert [m.subject for m in messages] == ["a reply"]
    assert "no Sent folder" in caplog.text
    assert mb.read_new(cursor, SINCE)[0] == []
    assert not {c.name: c for c in mb.check()}["imap sent"].ok
    mb.close()


def test_check_reports_login_folders_and_capabilities(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    checks = {c.name: c for c in mb.check()}
    assert list(checks) == ["imap login", "imap drafts", "imap sent", "imap capabilities"]
    assert all(c.ok for c in checks.values())
    assert "SPECIAL-USE \\Drafts" in checks["imap drafts"].detail
    assert "SPECIAL-USE \\Sent" in checks["imap sent"].detail
    for cap in ("IDLE yes", "CONDSTORE yes", "UIDPLUS yes", "SPECIAL-USE yes", "MOVE yes"):
        assert cap in checks["imap capabilities"].detail
    mb.close()


def test_open_does_not_connect(tmp_path):
    settings = Settings(host="127.0.0.1", port=1, security="plain", username="u", password_env="NOPE")
    mb = ImapMailbox.open(settings, context(tmp_path))
    assert mb.session.client is None
    mb.close()
    with pytest.raises(Transient):
        mb.read_new(None, SINCE)  # nothing listens on port 1


# --- logins and settings --------------------------------------------------------------


def test_the_password_comes_from_a_command(dovecot_server, imap_user, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, password_env="",
                      password_command=f"printf '%s\\nsecond line\\n' '{dovecot_server.password}'")
    assert mb.find_draft("3f2a9c1b.thank-you") is None
    mb.close()


def test_the_password_comes_from_the_environment(dovecot_server, imap_user, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_IMAP_SECRET", dovecot_server.password)
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, password_env="MY_IMAP_SECRET")
    assert mb.check()[0].ok
    mb.close()


def test_a_wrong_password_needs_the_user_and_is_never_shown(dovecot, tmp_path, monkeypatch):
    # a server of its own: Dovecot delays every login from an address after failed ones
    monkeypatch.setenv(PASSWORD_ENV, "wrong-secret-9f8e7d")
    mb = open_mailbox(dovecot, None, tmp_path)
    with pytest.raises(NeedsUser) as caught:
        mb.read_new(None, SINCE)
    assert "wrong-secret-9f8e7d" not in str(caught.value)
    assert dovecot.user in str(caught.value) and "password_command" in str(caught.value)
    (check,) = mb.check()
    assert not check.ok and "wrong-secret-9f8e7d" not in check.detail
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)  # fixed: read again, works
    assert mb.read_new(None, SINCE)[0] == []
    mb.close()


def test_no_secret_is_a_clear_error(dovecot_server, imap_user, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    mb = open_mailbox(dovecot_server, imap_user, tmp_path)
    with pytest.raises(NeedsUser, match=PASSWORD_ENV):
        mb.find_draft("x.y")


def test_xoauth2_without_a_token_source_waits_for_the_google_set_up(dovecot_server, imap_user, tmp_path):
    mb = open_mailbox(dovecot_server, imap_user, tmp_path, auth="xoauth2", password_env="")
    with pytest.raises(NeedsUser, match="Google"):
        mb.find_draft("x.y")
    tokens = []
    mb.token_source = lambda: tokens.append(1) or "ya29.token"
    with pytest.raises(NeedsUser):  # this Dovecot has no XOAUTH2: refused like a bad login
        mb.find_draft("x.y")
    assert tokens == [1]


def test_plain_text_is_only_allowed_to_a_loopback_address():
    for host in ("localhost", "127.0.0.1", "::1", "[::1]", "127.0.0.2"):
        Settings(host=host, security="plain", username="u", password_env="X")
    for host in ("imap.example.org", "192.168.1.10", "10.0.0.1"):
        with pytest.raises(ValueError, match="loopback"):
            Settings(host=host, security="plain", username="u", password_env="X")
    Settings(host="imap.example.org", username="u", password_env="X")  # tls is the default


def test_settings_reject_what_cannot_work():
    good = dict(host="imap.example.org", username="u", password_env="X")
    for bad in (dict(host=""), dict(username=""), dict(password_env=""), dict(port=0),
                dict(drafts=""), dict(drafts="a\nb"), dict(timeout_seconds=0), dict(idle_renew_minutes=11)):
        with pytest.raises(ValueError):
            Settings(**{**good, **bad})
    Settings(**{**good, "auth": "xoauth2", "password_env": ""})  # the token comes from elsewhere


def test_every_setting_is_documented():
    import dataclasses

    assert all(f.metadata.get("doc") for f in dataclasses.fields(Settings))


def test_the_config_loader_reports_settings_errors_with_the_key(tmp_path):
    from interview_followup.daemon import config as cfg
    from interview_followup.daemon.errors import ConfigError

    text = (REPO / "config.example.toml").read_text()
    text = re.sub(r'(?ms)^\[mailbox\].*?(?=^\[reminders\])',
                  '[mailbox]\nkind = "imap"\nhost = "imap.example.org"\nsecurity = "plain"\n'
                  'username = "alex"\npassword_env = "X"\n\n', text)
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        cfg.load(path)
    assert "mailbox" in str(caught.value) and "loopback" in str(caught.value)


# --- TLS ------------------------------------------------------------------------------


def test_tls_with_the_servers_ca_file(dovecot_tls, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password)
    for security, port in (("tls", dovecot_tls.tls_port), ("starttls", dovecot_tls.port)):
        mb = open_mailbox(dovecot_tls, None, tmp_path, security=security, port=port, ca_file=dovecot_tls.ca_file)
        assert mb.check()[0].ok, mb.check()[0].detail
        assert mb.session.client.socket().version().startswith("TLS")
        mb.close()


def test_an_untrusted_certificate_needs_the_user(dovecot_tls, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password)
    for security, port in (("tls", dovecot_tls.tls_port), ("starttls", dovecot_tls.port)):
        mb = open_mailbox(dovecot_tls, None, tmp_path, security=security, port=port)
        with pytest.raises(NeedsUser, match="ca_file"):
            mb.find_draft("x.y")
        mb.close()


def test_tls_to_a_plain_text_port_needs_the_user(dovecot_tls, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password)
    mb = open_mailbox(dovecot_tls, None, tmp_path, security="tls", port=dovecot_tls.port, ca_file=dovecot_tls.ca_file)
    with pytest.raises(NeedsUser, match="starttls"):
        mb.find_draft("x.y")


def test_idle_over_tls_notices_new_mail(dovecot_tls, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password)
    user = dovecot_tls.add_user()
    mb = open_mailbox(dovecot_tls, user, tmp_path, security="tls", port=dovecot_tls.tls_port,
                      ca_file=dovecot_tls.ca_file)
    with Watcher(mb) as w:
        w.wait_for_call(0, 10)
        time.sleep(0.3)
        for n in range(2):
            before = w.calls
            dovecot_tls.deliver(make_message(f"over TLS {n}"), user=user)
            w.wait_for_call(before, 3)
    messages, _ = mb.read_new(None, SINCE)
    assert sorted(m.subject for m in messages) == ["over TLS 0", "over TLS 1"]
    mb.close()


def test_a_relative_ca_file_is_read_beside_the_config(dovecot_tls, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_tls.password)
    (tmp_path / "ca.pem").write_bytes(dovecot_tls.ca_file.read_bytes())
    mb = open_mailbox(dovecot_tls, None, tmp_path, security="tls", port=dovecot_tls.tls_port, ca_file=Path("ca.pem"))
    assert mb.check()[0].ok
    mb.close()
    mb = open_mailbox(dovecot_tls, None, tmp_path, security="tls", port=dovecot_tls.tls_port, ca_file=Path("missing.pem"))
    with pytest.raises(NeedsUser, match="missing.pem"):
        mb.find_draft("x.y")


# --- the rest -------------------------------------------------------------------------


def test_the_entry_point_names_this_class():
    assert provider_class("mailbox", "imap") is ImapMailbox


def test_the_modules_have_no_way_to_send():
    for name in ("imap_mailbox.py", "imap_connection.py"):
        source = (REPO / "integrations" / name).read_text()
        assert "smtplib" not in source and "sendmail" not in source and "SMTP" not in source


# --- a server with only the basics ----------------------------------------------------


def test_a_server_without_extensions_still_works(dovecot_minimal, tmp_path, monkeypatch):
    server = dovecot_minimal
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    user = server.add_user()
    mb = open_mailbox(server, user, tmp_path)
    caps = {c.name: c for c in mb.check()}["imap capabilities"]
    assert caps.ok and "IDLE no" in caps.detail and "UIDPLUS no" in caps.detail
    assert "no IDLE" in caps.detail and "timing.poll_minutes" in caps.detail
    # drafts: no APPENDUID to trust, so the ref comes from a search for the key
    stored = mb.write_draft(make_draft())
    (uid,) = server.messages("Drafts", user)
    assert stored.ref == f"{server.uidvalidity('Drafts', user)}:{uid}"
    assert mb.find_draft(stored.key).ref == stored.ref
    # no UID EXPUNGE: a message the user marked \Deleted keeps the draft from being expunged
    pending = server.deliver(make_message("user's own"), "Drafts", user=user, flags=(b"\\Deleted",))
    mb.remove_draft(stored)
    assert mb.find_draft(stored.key) is None  # marked \Deleted: gone for the program
    assert sorted(server.messages("Drafts", user)) == sorted([uid, pending])  # nothing expunged
    # without anything else marked, it is expunged for real
    c = server.client(user)
    c.select_folder("Drafts")
    c.expunge()
    c.logout()
    again = mb.write_draft(make_draft("bbbbbbbb.follow-up"))
    mb.remove_draft(again)
    assert server.messages("Drafts", user) == {}
    # reading: CLOSE instead of UNSELECT, and the cursor works the same
    server.deliver(make_message("a reply"), user=user)
    messages, cursor = mb.read_new(None, SINCE)
    assert [m.subject for m in messages] == ["a reply"]
    server.deliver(make_message("another"), user=user)
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["another"]
    assert mb.read_new(cursor, SINCE)[0] == []
    # no IDLE: watch() only waits for stop (the regular passes read the mail)
    with Watcher(mb) as w:
        time.sleep(0.5)
        assert w.thread.is_alive() and w.calls == 0
    mb.close()
