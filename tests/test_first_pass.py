"""A first pass over a big mailbox: mail older than the look-back window is passed over
without being parsed (Maildir by file times, IMAP by ``SEARCH SINCE``), each message in the
window is parsed once, and a pass that takes a while shows its progress on a terminal."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import os
import pty
import re
import select
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ACME
from contracts.mailbox_contract import NOW, SINCE, make_message
from servers.fixtures import dovecot_server, imap_user  # noqa: F401 - fixtures

from interview_followup.daemon.cli import progress as progress_module
from interview_followup.daemon.cli.main import main
from interview_followup.daemon.cli.progress import TerminalProgress, shows_progress, terminal_progress
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.mail import parse
from interview_followup.daemon.providers import ProviderContext, no_progress
from interview_followup.integrations import imap_mailbox, maildir_mailbox
from interview_followup.integrations.imap_mailbox import ImapMailbox
from interview_followup.integrations.maildir_mailbox import MaildirMailbox, Settings

DAY = 86400
PASSWORD_ENV = "FIRST_PASS_IMAP_PASSWORD"


def context(base: Path, progress=no_progress) -> ProviderContext:
    return ProviderContext(
        timezone=ZoneInfo("Europe/Berlin"), base_dir=base, data_dir=base / "data",
        user_emails=("alex@example.org",), clock=FixedClock(NOW), progress=progress,
    )


def count_parses(monkeypatch, module) -> list[str]:
    """The subjects ``module`` parses with ``parse_message``, in order."""
    parsed: list[str] = []
    real = module.parse_message

    def counting(raw, **kw):
        msg = real(raw, **kw)
        parsed.append(msg.subject)
        return msg

    monkeypatch.setattr(module, "parse_message", counting)
    return parsed


# --- Maildir ---------------------------------------------------------------------------


def put(root: Path, subject: str, *, delivered: float, date: datetime | None, name_time: float | None = None,
        mtime: float | None = None) -> Path:
    """A message file in cur/ named at ``name_time`` (default: ``delivered``) with the mtime
    ``mtime`` (default: ``delivered``), carrying ``date`` in its Date header (None: none)."""
    raw = make_message(subject, date=date or NOW)
    if date is None:
        raw = re.sub(rb"(?m)^Date: .*\n", b"", raw)
    name_time = delivered if name_time is None else name_time
    path = root / "cur" / f"{int(name_time)}.F{abs(hash(subject))}P1.testhost:2,S"
    path.write_bytes(raw)
    stamp = delivered if mtime is None else mtime
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def maildir(tmp_path) -> MaildirMailbox:
    return MaildirMailbox.open(Settings(), context(tmp_path))


def test_old_mail_is_not_parsed_and_mail_in_the_window_is_parsed_once(maildir, monkeypatch):
    since = SINCE.timestamp()
    for i in range(30):  # delivered and dated long before the window
        put(maildir.root, f"old {i}", delivered=since - (40 + i) * DAY, date=SINCE - timedelta(days=40 + i))
    for i in range(5):  # a fresh copy of old mail: opened (the file is new), its Date decides
        put(maildir.root, f"copied {i}", delivered=time.time(), date=SINCE - timedelta(days=100))
    for i in range(3):
        put(maildir.root, f"recent {i}", delivered=time.time() - 60 * i, date=NOW - timedelta(minutes=i))
    opened: list[str] = []
    real_open = maildir_mailbox._read_message
    monkeypatch.setattr(maildir_mailbox, "_read_message",
                        lambda paths, *a: opened.append(os.fspath(paths[0])) or real_open(paths, *a))
    parsed = count_parses(monkeypatch, maildir_mailbox)
    messages, _ = maildir.read_new(None, SINCE)
    assert sorted(m.subject for m in messages) == ["recent 0", "recent 1", "recent 2"]
    assert sorted(parsed) == ["recent 0", "recent 1", "recent 2"]  # once each, nothing else
    assert len(opened) == 8 and not any(".F" + str(abs(hash("old 0"))) in p for p in opened)


def test_the_file_time_rule_of_a_first_pass(maildir):
    """Skipped unopened: a file delivered (by its name's timestamp and by its mtime) more
    than a day before the window, whatever its Date says. Opened, and kept by its Date: any
    file one of whose times is later than that."""
    since = SINCE.timestamp()
    inside = SINCE + timedelta(hours=2)
    put(maildir.root, "delivered long before, dated inside", delivered=since - 3 * DAY, date=inside)
    put(maildir.root, "old name, recent mtime, dated inside", delivered=time.time(), name_time=since - 3 * DAY,
        date=inside)
    put(maildir.root, "recent name, old mtime, dated inside", delivered=time.time(), mtime=since - 3 * DAY,
        date=inside)
    put(maildir.root, "delivered the day before, dated inside", delivered=since - DAY / 2, date=inside)
    put(maildir.root, "delivered the day before, dated before", delivered=since - DAY / 2,
        date=SINCE - timedelta(hours=12))
    put(maildir.root, "delivered recently, dated before", delivered=time.time(), date=SINCE - timedelta(hours=1))
    put(maildir.root, "delivered recently, no date", delivered=time.time(), date=None)
    put(maildir.root, "delivered before, no date", delivered=since - DAY / 2, date=None)
    messages, _ = maildir.read_new(None, SINCE)
    assert sorted(m.subject for m in messages) == [
        "delivered recently, no date",
        "delivered the day before, dated inside",
        "old name, recent mtime, dated inside",
        "recent name, old mtime, dated inside",
    ]


def test_the_date_is_read_from_the_header_as_the_parser_reads_it():
    corpus = [p for p in (Path(__file__).parent / "replies").rglob("*.eml")]
    assert corpus
    for path in corpus:
        raw = path.read_bytes()
        assert parse.message_date(raw) == parse.parse_message(raw, ref="", folder="").date, path
    folded = b"Subject: x\r\nDate: Mon, 23 Nov 2026\r\n 10:00:00 +0100\r\n\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
    assert parse.message_date(folded) == datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert parse.message_date(b"Subject: no date\n\nDate: Tue, 1 Dec 2026 10:00:00 +0000\n") is None
    assert parse.message_date(b"Date: not a date\n\n") is None
    assert parse.message_date(b"") is None


def test_the_parse_is_the_same_with_the_header_cache():
    """Parsed headers are shared between messages: the same raw value gives the same
    result whatever was parsed before it."""
    one = make_message("Re: one", sender='"Doe, Jane" <jane.doe@acme.example>')
    two = make_message("Re: two", sender="=?utf-8?q?Ren=C3=A9e?= <renee@acme.example>")
    first = [parse.parse_message(raw, ref="r", folder="inbox") for raw in (one, two, one)]
    parse._parsed_header.cache_clear()
    again = [parse.parse_message(raw, ref="r", folder="inbox") for raw in (two, one)]
    assert first[0] == first[2] == again[1]
    assert first[1] == again[0]
    assert first[1].sender.name == "Renée"


def test_plain_address_headers_are_read_as_the_standard_library_reads_them():
    """The quick reading of plain address headers gives what ``headerregistry`` gives, and
    leaves every other form to it."""
    names = ["Jane Doe", "O'Brien", "jane", "Doe, Jane", "x-y z", "Ann+Bob", "José", "J. Doe",
             "=?utf-8?q?Ren=C3=A9e?=", "Jane  Doe", " Jane", 'a"b', "a\\b", "(c) Jane", "support@acme.example"]
    addrs = ["jane.doe@acme.example", "JANE@ACME.EXAMPLE", "a+b@x-y.example", "a..b@x.example",
             "a@localhost", '"q"@x.example', "a@[1.2.3.4]", "=?x@y.z"]
    forms = ["{a}", "<{a}>", "{n} <{a}>", '"{n}" <{a}>', "{n}<{a}>"]
    values = [f.format(n=n, a=a) for f in forms for n in names for a in addrs]
    values += [", ".join(values[i:i + 3]) for i in range(0, len(values), 7)]
    values += [v + "," for v in values[:40]] + [v.replace(", ", ",\r\n ") for v in values[-40:]]
    quick = 0
    for value in values:
        msg = email.message_from_bytes(f"To: {value}\r\n\r\n".encode(), policy=email.policy.default)
        simple = parse._simple_addresses(parse._raw_values(msg, "to"))
        if simple is None:
            continue
        quick += 1
        assert simple == [(a.display_name, a.addr_spec) for h in msg.get_all("to") for a in h.addresses], value
    assert quick > 100
    assert parse._simple_addresses(["=?utf-8?q?Ren=C3=A9e?= <renee@acme.example>"]) is None


def test_the_maildir_reports_its_counts(tmp_path):
    calls = []
    mb = MaildirMailbox.open(Settings(), context(tmp_path, lambda *a: calls.append(a)))
    for i in range(4):
        put(mb.root, f"recent {i}", delivered=time.time(), date=NOW)
    put(mb.root / ".Sent", "sent", delivered=time.time(), date=NOW)
    put(mb.root, "old", delivered=SINCE.timestamp() - 10 * DAY, date=SINCE - timedelta(days=10))
    messages, cursor = mb.read_new(None, SINCE)
    assert len(messages) == 5
    assert calls[0] == ("reading mail", 0, 5, "messages")  # both folders listed: one total
    assert calls[-1] == ("reading mail", 5, 5, "messages")
    assert [c[1] for c in calls] == list(range(6))
    calls.clear()
    mb.read_new(cursor, SINCE)
    assert calls == []  # nothing to read: nothing reported


# --- IMAP ------------------------------------------------------------------------------


class FetchLog:
    """The UIDs the client FETCHes, and its SEARCH commands, read off the wire."""

    def __init__(self, mailbox: ImapMailbox, monkeypatch):
        self.fetched: set[int] = set()
        self.searches: list[str] = []
        imap = mailbox.session.ensure()._imap
        real = imap.send

        def send(data: bytes) -> None:
            line = data.decode(errors="replace")
            if m := re.search(r"UID FETCH ([\d:,*]+)", line):
                for part in m[1].split(","):
                    lo, _, hi = part.partition(":")
                    self.fetched.update(range(int(lo), int(hi or lo) + 1))
            if "SEARCH" in line:
                self.searches.append(line.strip())
            return real(data)

        monkeypatch.setattr(imap, "send", send)


def test_imap_fetches_only_mail_that_arrived_since_the_day_before_the_window(
    dovecot_server, imap_user, tmp_path, monkeypatch  # noqa: F811
):
    monkeypatch.setenv(PASSWORD_ENV, dovecot_server.password)
    server, user = dovecot_server, imap_user
    old_uids = [server.deliver(make_message(f"old {i}", date=SINCE - timedelta(days=40)), user=user,
                               when=SINCE - timedelta(days=40)) for i in range(5)]
    old_but_dated_inside = server.deliver(make_message("arrived long ago, dated inside", date=NOW), user=user,
                                          when=SINCE - timedelta(days=5))
    dated_before = server.deliver(make_message("arrived now, dated before", date=SINCE - timedelta(days=3)),
                                  user=user)
    recent = server.deliver(make_message("recent", date=NOW), user=user)
    mb = ImapMailbox.open(imap_mailbox.Settings(
        host=server.host, port=server.port, security="plain", username=user,
        password_env=PASSWORD_ENV, timeout_seconds=5), context(tmp_path))
    try:
        log = FetchLog(mb, monkeypatch)
        parsed = count_parses(monkeypatch, imap_mailbox)
        messages, _ = mb.read_new(None, SINCE)
    finally:
        mb.close()
    assert [m.subject for m in messages] == ["recent"]
    assert parsed == ["recent"]  # "dated before" was fetched, its Date read, and not parsed
    since_day = (SINCE - timedelta(days=1)).strftime("%d-%b-%Y")
    assert any(f"SINCE {since_day}" in s for s in log.searches), log.searches
    assert not log.fetched & {*old_uids, old_but_dated_inside}  # arrived long ago: never fetched
    assert {dated_before, recent} <= log.fetched


def test_imap_reports_its_counts(dovecot_server, imap_user, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_ENV, dovecot_server.password)
    monkeypatch.setattr(imap_mailbox, "BODY_BATCH", 2)
    for i in range(5):
        dovecot_server.deliver(make_message(f"recent {i}"), user=imap_user)
    calls = []
    mb = ImapMailbox.open(imap_mailbox.Settings(
        host=dovecot_server.host, port=dovecot_server.port, security="plain", username=imap_user,
        password_env=PASSWORD_ENV, timeout_seconds=5), context(tmp_path, lambda *a: calls.append(a)))
    try:
        messages, _ = mb.read_new(None, SINCE)
    finally:
        mb.close()
    assert len(messages) == 5
    assert calls == [("reading mail", n, 5, "messages") for n in (0, 2, 4, 5)]


# --- progress on a terminal -----------------------------------------------------------


class Terminal:
    """A pseudo-terminal: ``stream`` writes to it as a program's stderr would, ``output()``
    is what a terminal would have received."""

    def __init__(self):
        self.master, slave = pty.openpty()
        self.stream = os.fdopen(slave, "w", encoding="utf-8")
        self.received = b""

    def output(self) -> str:
        self.stream.flush()
        while select.select([self.master], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.received += chunk
        return self.received.decode()

    def close(self) -> None:
        self.stream.close()
        os.close(self.master)


@pytest.fixture
def terminal():
    t = Terminal()
    yield t
    t.close()


@pytest.fixture
def no_systemd(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)


def test_progress_is_shown_on_a_terminal_only_outside_systemd(terminal, tmp_path, no_systemd):
    assert shows_progress(terminal.stream)
    assert not shows_progress(terminal.stream, {"JOURNAL_STREAM": "8:1234"})
    assert not shows_progress(terminal.stream, {"INVOCATION_ID": "0123abcd"})
    with open(tmp_path / "err.log", "w") as f:
        assert not shows_progress(f)
        with terminal_progress(f) as progress:
            assert progress is no_progress
    assert not shows_progress(io.StringIO())


def test_progress_waits_a_second_then_redraws_in_place_and_is_erased(terminal):
    now = [0.0]
    display = TerminalProgress(terminal.stream, clock=lambda: now[0])
    display("calendar", 35, None, "events")
    display("reading mail", 0, 4126, "messages")
    now[0] = 0.5
    display("reading mail", 700, 4126, "messages")
    assert terminal.output() == ""  # a quick pass shows nothing
    now[0] = 1.0
    display("reading mail", 1200, 4126, "messages")
    now[0] = 1.05
    display("reading mail", 1300, 4126, "messages")  # within a tenth of a second: not drawn
    now[0] = 1.2
    display("reading mail", 4126, 4126, "messages")
    display.clear()
    first = "calendar: 35 events; reading mail: 1,200 / 4,126 messages"
    last = "calendar: 35 events; reading mail: 4,126 / 4,126 messages"
    assert terminal.output() == f"\r{first}\r{last}\r{' ' * len(last)}\r"


def test_a_log_line_does_not_share_the_progress_line(terminal, monkeypatch, no_systemd):
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    handler = logging.StreamHandler(terminal.stream)
    logging.getLogger().addHandler(handler)
    try:
        with terminal_progress(terminal.stream) as progress:
            progress("reading mail", 1, 10, "messages")
            logging.getLogger("test").warning("something to say")
        assert handler.filters == []
    finally:
        logging.getLogger().removeHandler(handler)
    out = terminal.output().replace("\r\n", "\n")
    line = "reading mail: 1 / 10 messages"
    assert out == f"\r{line}\r{' ' * len(line)}\rsomething to say\n"


def first_pass_world(world) -> None:
    world.set_calendar(ACME)
    for i in range(3):
        world.deliver("INBOX", sender=f"news{i}@list.example", subject=f"digest {i}",
                      date="Wed, 18 Nov 2026 10:00:00 +0100")


def run_once(world, stderr) -> tuple[int, str]:
    out = io.StringIO()
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, stderr
    try:
        code = main(["--config", str(world.config), "--now", "2026-11-18T18:00:00+01:00", "once"])
    finally:
        sys.stdout, sys.stderr = real
    return code, out.getvalue()


def test_once_shows_progress_on_a_terminal(world, terminal, monkeypatch, no_systemd):
    first_pass_world(world)
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)  # as if the pass took long
    code, out = run_once(world, terminal.stream)
    assert code == 0, out
    shown = terminal.output()
    assert "\rcalendar: 1 event" in shown
    assert "reading mail: 3 / 3 messages" in shown
    last = shown.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""  # erased at the end
    assert "Pass at" in out and "\r" not in out  # the report on stdout is untouched


def test_once_shows_no_progress_when_stderr_is_a_file(world, tmp_path, monkeypatch, no_systemd):
    first_pass_world(world)
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    with open(tmp_path / "stderr.txt", "w") as err:
        code, out = run_once(world, err)
    assert code == 0, out
    assert (tmp_path / "stderr.txt").read_text() == ""


def test_once_shows_no_progress_under_systemd(world, terminal, monkeypatch):
    first_pass_world(world)
    monkeypatch.setattr(progress_module, "DELAY_S", 0.0)
    monkeypatch.setenv("INVOCATION_ID", "0123456789abcdef")
    code, out = run_once(world, terminal.stream)
    assert code == 0, out
    assert "reading mail" not in terminal.output()
