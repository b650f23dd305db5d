"""IMAP figures against a real Dovecot (prints them; not a test).

For a mailbox of 1,000 and of 50,000 messages it prints:
- the wall time and the number of IMAP commands of a pass where nothing changed;
- the time from a reply's APPEND to its loop being closed by the running daemon (IDLE on),
  median and worst of 20, beside its floor measured in the same run on the same server: a
  bare imapclient client in IDLE on the inbox, from the same APPEND to its EXISTS, median and
  worst of 20, and the ratios (issue 17: median at most 1.15 x, worst at most 1.3 x);
- the resident memory of the idle daemon (a separate `interview-followup run` process).
Targets: idle pass at 50k at most 1.2 x the pass at 1k; reply to closed within 2 s; idle
RSS under 60 MB. Needs Dovecot (`bash tests/run.sh` installs it). Usage:
  python bench/imap_bench.py [N ...]
"""

from __future__ import annotations

import imaplib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from servers.dovecot import Dovecot  # noqa: E402

from interview_followup.daemon.clock import FixedClock, OffsetClock  # noqa: E402
from interview_followup.daemon.config import load  # noqa: E402
from interview_followup.daemon.engine.reconcile import one_pass  # noqa: E402
from interview_followup.daemon.providers import open_providers  # noqa: E402
from interview_followup.daemon.service.runner import run_forever  # noqa: E402

NOW = "2026-11-20T18:00:00+01:00"
COMPANIES = 20
OLD_MAIL_TIME = datetime.fromisoformat("2026-01-05T10:00:00+00:00").timestamp()


def config_text(server: Dovecot) -> str:
    return f"""\
[profile]
name = "Bench User"
email = "alex@example.org"
timezone = "Europe/Berlin"
[timing]
poll_minutes = 60
[state]
dir = "state"
[calendar]
path = "calendar.ics"
[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {server.port}
security = "plain"
username = "{server.user}"
password_env = "BENCH_IMAP_PASSWORD"
[reminders]
path = "reminders.ics"
"""


def calendar() -> str:
    events = []
    for i in range(COMPANIES):
        events.append(
            "BEGIN:VEVENT\r\n"
            f"UID:bench-{i}@bench\r\nDTSTAMP:20261101T090000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:20261119T{8 + i // 4:02d}{(i % 4) * 15:02d}00\r\n"
            f"DTEND;TZID=Europe/Berlin:20261119T{8 + i // 4:02d}{(i % 4) * 15 + 10:02d}00\r\n"
            f"SUMMARY:Interview with Company{i}\r\n"
            f"ATTENDEE;CN=Person {i}:mailto:person{i}@company{i}.example\r\n"
            "END:VEVENT\r\n"
        )
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def fill(server: Dovecot, n: int) -> None:
    """N old messages straight into the Maildir, then Dovecot indexes them."""
    cur = server.home() / "Maildir" / "cur"
    cur.mkdir(parents=True, exist_ok=True)
    uid, gid = server._mail_user.pw_uid, server._mail_user.pw_gid
    for i in range(n):
        path = cur / f"{1767607200 + i}.M{i}P1.bench:2,S"
        path.write_bytes(
            f"From: sender{i % 700}@list{i % 41}.example\r\nTo: alex@example.org\r\n"
            f"Subject: Old message {i}\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n"
            f"Message-ID: <old-{i}@bench>\r\n\r\n{'x' * 400}\r\n".encode()
        )
        os.utime(path, (OLD_MAIL_TIME, OLD_MAIL_TIME))
        os.chown(path, uid, gid)
    for p in (server.home(), server.home() / "Maildir", cur):
        os.chown(p, uid, gid)
    server.doveadm_run("force-resync", "-u", server.user, "INBOX")


class CommandCount:
    """Counts the IMAP commands every imaplib connection in this process sends."""

    def __enter__(self):
        self.count = 0
        self.real = imaplib.IMAP4._command

        def counted(conn, name, *args):
            self.count += 1
            return self.real(conn, name, *args)

        imaplib.IMAP4._command = counted
        return self

    def __exit__(self, *exc):
        imaplib.IMAP4._command = self.real


def reply(i: int) -> bytes:
    return (
        f"From: Person {i} <person{i}@company{i}.example>\r\nTo: alex@example.org\r\n"
        f"Subject: Re: Thank you\r\nDate: Fri, 20 Nov 2026 17:00:00 +0100\r\n"
        f"Message-ID: <reply-{i}-{time.time_ns()}@bench>\r\n\r\nThanks!\r\n"
    ).encode()


def idle_floor(server: Dovecot, rounds: int = COMPANIES) -> list[float]:
    """APPEND -> EXISTS seen by a bare client in IDLE on the inbox: what any client needs to
    learn of new mail (the daemon's figure minus everything the daemon does). The APPEND is
    the bench's own (``server.deliver``: log in, APPEND, log out), the same as below."""
    watcher = server.client()
    watcher.select_folder("INBOX", readonly=True)
    seen = threading.Event()
    ready = threading.Event()
    done = threading.Event()
    stamp = [0.0]

    def watch() -> None:
        watcher.idle()
        ready.set()
        while not done.is_set():
            for response in watcher.idle_check(timeout=0.2):
                if len(response) >= 2 and response[1] == b"EXISTS":
                    stamp[0] = time.perf_counter()
                    seen.set()
        watcher.idle_done()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(10)
    out = []
    try:
        for i in range(rounds):
            seen.clear()
            t0 = time.perf_counter()
            server.deliver(reply(1000 + i))
            if not seen.wait(30):
                raise RuntimeError("the bare client saw no EXISTS within 30 s")
            out.append(stamp[0] - t0)
            time.sleep(0.3)
    finally:
        done.set()
        thread.join(timeout=5)
        watcher.logout()
    return out


def replies_seen(conn: sqlite3.Connection) -> int:
    """(One read-only connection kept open for the whole measurement: one opened and closed
    at every look, every 2 ms, may checkpoint the state's write-ahead log under the running
    daemon, and takes the interpreter lock from the daemon's thread longer.)"""
    return conn.execute("SELECT count(*) FROM observations WHERE kind = 'reply'").fetchall()[0][0]


def measure(n: int) -> dict[str, float]:
    """Prints the figures for ``n`` messages; returns the reply latencies and their floor."""
    server = Dovecot()
    try:
        server.start()
        fill(server, n)
        os.environ["BENCH_IMAP_PASSWORD"] = server.password
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "config.toml").write_text(config_text(server))
            (root / "calendar.ics").write_text(calendar())
            config = load(root / "config.toml")
            clock = FixedClock(datetime.fromisoformat(NOW))
            providers = open_providers(config, clock)
            t0 = time.perf_counter()
            one_pass(config, clock, providers=providers)
            first = time.perf_counter() - t0
            times, commands = [], []
            for _ in range(5):
                with CommandCount() as c:
                    t0 = time.perf_counter()
                    one_pass(config, clock, providers=providers)
                    times.append(time.perf_counter() - t0)
                commands.append(c.count)
            providers.close()
            print(f"{n:>6} messages: first pass {first:6.2f} s; nothing-changed pass median "
                  f"{statistics.median(times) * 1000:6.1f} ms, {max(commands)} IMAP commands")

            floor = idle_floor(server)

            stop = threading.Event()
            daemon = threading.Thread(target=run_forever, args=(config, OffsetClock(datetime.fromisoformat(NOW))),
                                      kwargs={"stop": stop}, daemon=True)
            daemon.start()
            time.sleep(3)
            db = sqlite3.connect(f"file:{config.state_dir / 'state.sqlite3'}?mode=ro", uri=True)
            latencies = []
            for i in range(COMPANIES):
                before = replies_seen(db)
                t0 = time.perf_counter()
                server.deliver(reply(i))
                while replies_seen(db) == before and time.perf_counter() - t0 < 30:
                    time.sleep(0.002)
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.3)  # the rest of the pass (drafts, board) ends: each reply meets an idle daemon
            db.close()
            stop.set()
            daemon.join(timeout=15)
            med, worst = statistics.median(latencies), max(latencies)
            fmed, fworst = statistics.median(floor), max(floor)
            print(f"{'':>6}           reply APPEND -> loop closed: median {med * 1000:.0f} ms, "
                  f"worst {worst * 1000:.0f} ms (of {len(latencies)})")
            print(f"{'':>6}           floor, APPEND -> EXISTS in a bare IDLE client: median {fmed * 1000:.0f} ms, "
                  f"worst {fworst * 1000:.0f} ms (of {len(floor)}); ratio median {med / fmed:.2f}x, "
                  f"worst {worst / fworst:.2f}x (targets 1.15x, 1.3x)")

            proc = subprocess.Popen(
                [sys.executable, "-m", "interview_followup.daemon", "--config", str(root / "config.toml"), "--now", NOW, "run"],
                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(6)
            rss = next(line for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS"))
            proc.terminate()
            proc.wait(timeout=15)
            print(f"{'':>6}           idle daemon resident memory: {int(rss.split()[1]) / 1024:.1f} MB")
            return {"median": med, "worst": worst, "floor median": fmed, "floor worst": fworst}
    finally:
        server.close()


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [1000, 50000]:
        measure(size)
