"""Leak nothing (issue 13): a secret is hidden in every form a server or library may echo
it, wherever an error's text goes (stderr, the log, ``status``, the state, the reminders
file); outside text cannot move the terminal or forge a log line; temporary files of an
interrupted write are cleaned at the next start; state and token files are kept private."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import ACME, World, config, vevent
from interview_followup.daemon.common import logs
from interview_followup.daemon.common.logs import JournalFormatter, PlainFormatter, hide, neutral, scrub, secret_forms
from interview_followup.daemon.errors import NeedsUser

AFTER = "2026-11-17T16:00:00+01:00"
SECRET = "s3cr\"et\\pa'ss-word"  # a quote, a backslash and an apostrophe: every escape there is
USER = "alex@example.org"


def prog(world: World) -> list[str]:
    return [sys.executable, "-P", "-m", "interview_followup.daemon", "--config", str(world.config)]


# --- secrets in every form -------------------------------------------------------------------


def test_every_form_a_server_may_echo_is_hidden():
    hide(SECRET, USER)
    quoted = SECRET.replace("\\", "\\\\").replace('"', '\\"')
    plain = base64.b64encode(f"\0{USER}\0{SECRET}".encode()).decode()
    xoauth2 = base64.b64encode(f"user={USER}\x01auth=Bearer {SECRET}\x01\x01".encode()).decode()
    echoes = [
        f'a1 NO [AUTHENTICATIONFAILED] LOGIN "{USER}" "{quoted}"',  # IMAP quoted string
        repr(f'a1 NO LOGIN "{USER}" "{quoted}"'.encode()),  # ... as an exception shows bytes
        f"a1 LOGIN {USER} {{{len(SECRET)}}}\r\n{SECRET}",  # a literal
        f"a2 AUTHENTICATE PLAIN {plain}",
        f"a3 AUTHENTICATE XOAUTH2 {xoauth2}",
        "password=" + "s3cr%22et%5Cpa%27ss-word",  # URL-encoded
        json.dumps({"password": SECRET}),
        repr(SECRET),
    ]
    for echo in echoes:
        cleaned = scrub(echo)
        assert "s3cr" not in cleaned and "[hidden]" in cleaned, (echo, cleaned)
        assert plain[:-4] not in cleaned and xoauth2[8:-8] not in cleaned
    assert {SECRET, quoted, plain, xoauth2} <= secret_forms(SECRET, USER)
    hide("abc")  # too short to hide: it would hit everywhere
    assert scrub("abc def") == "abc def"


class EchoingImapServer:
    """A tiny IMAP server that refuses every login and quotes the LOGIN line it got in its
    refusal. No real server does that by default (Dovecot never echoes a password), which
    is why this fake stands in for one that does: a misconfigured or hostile server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as f:
            f.write(b"* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS] echoing server ready\r\n")
            f.flush()
            for line in f:
                tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
                command = rest.split(b" ", 1)[0].upper()
                if command == b"CAPABILITY":
                    f.write(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                elif command == b"LOGIN":
                    f.write(tag + b" NO [AUTHENTICATIONFAILED] Authentication failed: " + rest + b"\r\n")
                elif command == b"LOGOUT":
                    f.write(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                    f.flush()
                    return
                else:
                    f.write(tag + b" BAD what\r\n")
                f.flush()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()


def test_a_password_echoed_by_the_server_reaches_no_output_no_state_and_no_reminder(tmp_path):
    server = EchoingImapServer()
    try:
        world = World(tmp_path, config(mailbox=(
            f'kind = "imap"\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "plain"\n'
            f'username = "{USER}"\npassword_env = "ECHO_TEST_SECRET"\ntimeout_seconds = 5\n')))
        world.set_calendar(ACME)
        env = {**os.environ, "ECHO_TEST_SECRET": SECRET}
        once = subprocess.run([*prog(world), "-v", "--now", AFTER, "once"], capture_output=True, text=True,
                              env=env, timeout=60)
        status = subprocess.run([*prog(world), "--now", AFTER, "status"], capture_output=True, text=True,
                                env=env, timeout=60)
        status_json = subprocess.run([*prog(world), "--now", AFTER, "status", "--json"], capture_output=True,
                                     text=True, env=env, timeout=60)
    finally:
        server.close()
    assert once.returncode == 2 and "refused the login" in once.stderr, once.stdout + once.stderr
    assert "Authentication failed: LOGIN" in once.stderr and "[hidden]" in once.stderr, once.stderr
    assert "Sign in again" in world.reminders_file.read_text(), "no sign-in reminder: the test proves nothing"
    stored = b"".join(p.read_bytes() for p in world.state_dir.iterdir() if p.is_file())
    places = {
        "stderr of once": once.stderr, "stdout of once": once.stdout, "status": status.stdout,
        "status --json": status_json.stdout, "the state": stored.decode("utf-8", "replace"),
        "the reminders file": world.reminders_file.read_text(),
    }
    for form in secret_forms(SECRET, USER) | {"s3cr"}:
        for where, text in places.items():
            assert form not in text, f"the password, as {form!r}, is in {where}"
    assert "PROVIDERS" not in status.stdout and "mailbox:    NEEDS RE-AUTHORISATION" in status.stdout


# --- control characters from outside ----------------------------------------------------------


def test_neutral_makes_outside_text_one_harmless_line():
    text = "Acme\x1b[2J\x1b]0;title\x07 \u202eevil\u2066 x\u2069\nFORGED\r\x85\u2028\x00\tend\x9b31m"
    out = neutral(text)
    assert out == ("Acme\\e[2J\\e]0;title\\x07 \\u202eevil\\u2066 x\\u2069\\nFORGED\\r\\x85\\u2028\\x00 end\\x9b31m")
    assert out.isprintable() and neutral(out) == out
    assert neutral("Zoë Ångström – Backend") == "Zoë Ångström – Backend"


def _record(level: int, msg: str, args=(), exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("interview_followup.daemon.x", level, __file__, 1, msg, args, exc_info)


def test_a_newline_in_outside_text_starts_no_log_line_and_tracebacks_keep_their_lines():
    title = "Acme interview\n2026-11-17 16:00:00,000 ERROR daemon.x: FORGED\x1b[31m"
    journal, plain = JournalFormatter(), PlainFormatter(logs.PLAIN_FORMAT)
    for f in (journal, plain):
        text = f.format(_record(logging.WARNING, "the event %r: %s", (title, title)))
        assert "\n" not in text and "\x1b" not in text and "FORGED\\e[31m" in text, text
    try:
        raise ValueError(f"bad title {title}")
    except ValueError:
        exc_info = sys.exc_info()
    text = journal.format(_record(logging.ERROR, "a bug", exc_info=exc_info))
    lines = text.split("\n")
    assert lines[0] == "<3>daemon.x: a bug" and lines[1] == "<3>Traceback (most recent call last):"
    assert all(line.startswith("<3>") for line in lines) and len(lines) > 3
    assert not any("FORGED" in line and not line.startswith("<3>ValueError") for line in lines), lines
    assert lines[-1].startswith("<3>ValueError: bad title Acme interview\\n2026") and "\x1b" not in text
    # our own message of several lines keeps them, each with the prefix
    assert journal.format(_record(logging.ERROR, "one\ntwo")) == "<3>daemon.x: one\n<3>two"
    err = NeedsUser("reminders file /x\nFORGED: no", hint="fix it")
    text = journal.format(_record(logging.ERROR, "%s", (err,)))
    assert text == "<3>daemon.x: reminders file /x\\nFORGED: no\n<3>  hint: fix it"


def test_calendar_text_with_control_sequences_reaches_no_terminal_and_no_journal_line(tmp_path):
    evil = "Acme\x1b[2J\u202e – Backend\x07 Engineer interview\\n2026-11-17 16:00:00 ERROR daemon.x: FORGED"
    world = World(tmp_path)
    world.set_calendar(vevent("acme-1@test", "20261117T140000", "20261117T150000", evil))
    once = subprocess.run([*prog(world), "--now", AFTER, "once"], capture_output=True, text=True, timeout=60)
    status = subprocess.run([*prog(world), "--now", AFTER, "status"], capture_output=True, text=True, timeout=60)
    doctor = subprocess.run([*prog(world), "doctor"], capture_output=True, text=True, timeout=60)
    history = subprocess.run([*prog(world), "--now", AFTER, "history", "acme"], capture_output=True, text=True,
                             timeout=60)
    assert once.returncode == 0 and "write the thank-you draft for Acme" in once.stdout, once.stdout + once.stderr
    for out in (once.stdout, once.stderr, status.stdout, doctor.stdout, doctor.stderr, history.stdout,
                history.stderr):
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
        assert not any(line.startswith("2026-11-17 16:00:00 ERROR") for line in out.splitlines()), out
    # the title as written is shown where it is quoted (history), its controls made visible
    assert "[2J\\u202e" in history.stdout


def test_the_daemon_log_of_a_hostile_title_is_one_journal_line_per_record(world, monkeypatch):
    from datetime import datetime

    from interview_followup.daemon.clock import FixedClock
    from interview_followup.daemon.config import load
    from interview_followup.daemon.service.runner import Daemon

    world.set_calendar(vevent("acme-1@test", "20261117T140000", "20261117T150000",
                              "Acme – Backend interview\\n<3>daemon.x: FORGED\x1b[2J"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JournalFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        daemon = Daemon(load(world.config), FixedClock(datetime.fromisoformat(AFTER)))
        daemon.work()
        daemon._close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = stream.getvalue().splitlines()
    # written, or held back for the "<3>" in its role: either way the title's text is logged
    assert any("the thank-you draft" in line for line in lines), lines
    assert all(line.startswith(("<6>daemon.", "<4>daemon.", "<3>daemon.")) for line in lines), lines
    assert "\x1b" not in stream.getvalue()


# --- temporary files, modes ---------------------------------------------------------------------


def test_our_stale_maildir_temp_files_are_removed_at_start_and_nobody_elses(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T12:00:00+01:00")  # the Maildir exists
    tmp = world.maildir / ".Drafts" / "tmp"
    host = socket.gethostname()
    stale = tmp / f"1700000000.M1P2Q3.{host}.interview-followup.tmp"
    fresh = tmp / f"1700000001.M1P2Q4.{host}.interview-followup.tmp"
    theirs = tmp / f"1700000000.M1P2Q3.{host}"  # another mail program's, same pattern otherwise
    theirs_too = world.maildir / "tmp" / "1700000000.12345_1.mutt"
    for p in (stale, fresh, theirs, theirs_too):
        p.write_bytes(b"Subject: half-written\n\n")
    hour_ago = time.time() - 3700
    for p in (stale, theirs, theirs_too):
        os.utime(p, (hour_ago, hour_ago))
    world.once("2026-11-17T12:05:00+01:00")
    assert not stale.exists(), "our temp file of a killed write was left"
    assert fresh.exists() and theirs.exists() and theirs_too.exists()


def test_a_draft_write_killed_half_way_leaves_only_a_file_the_next_start_removes(world, monkeypatch):
    from interview_followup.integrations import maildir_mailbox

    world.set_calendar(ACME)
    world.once("2026-11-17T12:00:00+01:00")

    def killed(fd):
        raise KeyboardInterrupt  # the process dies between the write and the link

    monkeypatch.setattr(maildir_mailbox.os, "fsync", killed)
    monkeypatch.setattr(maildir_mailbox, "_unlink_quietly", lambda path: None)  # no cleanup: killed
    assert world.cli("once", now=AFTER).code == 130
    monkeypatch.undo()
    (left,) = (world.maildir / ".Drafts" / "tmp").iterdir()
    assert left.name.endswith(".interview-followup.tmp")
    old = time.time() - 3700
    os.utime(left, (old, old))
    world.once("2026-11-17T16:05:00+01:00")
    assert not list((world.maildir / ".Drafts" / "tmp").iterdir()) and len(world.drafts()) == 1


def test_state_files_with_loose_modes_are_made_private_at_open_and_said_so(world, caplog):
    world.set_calendar(ACME)
    world.once("2026-11-17T12:00:00+01:00")
    db = world.state_dir / "state.sqlite3"
    wal = Path(f"{db}-wal")
    wal.touch()
    for p in (db, wal):
        p.chmod(0o644)
    world.state_dir.chmod(0o755)
    caplog.set_level(logging.INFO, logger="interview_followup.daemon.common.files")
    world.once("2026-11-17T12:05:00+01:00")
    assert stat.S_IMODE(world.state_dir.stat().st_mode) == 0o700
    for p in (db, wal):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    said = [r.getMessage() for r in caplog.records if r.name == "interview_followup.daemon.common.files"]
    assert any(f"made {db} private (mode 0600, was 0644)" in line for line in said), said
    assert any(str(world.state_dir) in line and "0700" in line for line in said), said


def test_a_token_file_with_a_loose_mode_is_made_private_when_read(tmp_path):
    from interview_followup.integrations.google_api import GoogleApi

    token = tmp_path / "token.json"
    token.write_text("{}")
    token.chmod(0o644)
    try:
        GoogleApi(token).credentials()
    except Exception:  # noqa: BLE001 - an empty token is refused later: only the mode matters here
        pass
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_google_tokens_are_hidden_once_the_token_file_is_read(tmp_path):
    import json
    import logging

    from interview_followup.daemon.common import logs
    from interview_followup.integrations.google_api import GoogleApi

    token = tmp_path / "google-token.json"
    token.write_text(json.dumps({"token": "ya29.access-token-value", "refresh_token": "1//refresh-token-value",
                                 "client_id": "id", "client_secret": "client-secret-value"}))
    token.chmod(0o600)
    GoogleApi(token).credentials()
    line = logs.PlainFormatter(logs.PLAIN_FORMAT).format(logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "echo %s %s %s", ("ya29.access-token-value", "1//refresh-token-value",
                                                           "client-secret-value"), None))
    assert "token-value" not in line and "client-secret-value" not in line
