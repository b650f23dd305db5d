"""How long a first pass takes on a big mailbox (prints figures; not a test).

Builds a mailbox of N messages (50,000 by default) of about 4 KiB each, dated evenly over
the year before the pass, with a few replies to the example loops (examples/calendar.ics)
inside the window and a twentieth of the mail in Sent, then runs a first pass with the
default 30-day look-back and prints:

- the wall time and the CPU time of the pass (``one_pass``, the whole of it: calendar,
  mail, planning, drafts and reminders);
- the floor measured in the same run: listing the folders, a ``stat`` of every file and
  reading every file the pass must open (delivered within the window or the day before);
- the same for IMAP against a real Dovecot holding the same mail (written straight into
  the Dovecot user's Maildir before the server indexes it), unless --no-imap; its floor is a
  bare client's log-in, ``UID SEARCH SINCE`` and FETCH of the header fields matching needs.

Each figure is printed beside its floor and the ratio. Targets (issue 17): the Maildir and
the IMAP pass at 50,000 messages in at most 2 s each (2 cores). Usage:
  python bench/first_pass.py [--messages N] [--no-imap] [--no-maildir]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from interview_followup.daemon.clock import FixedClock  # noqa: E402
from interview_followup.daemon.config import load  # noqa: E402
from interview_followup.daemon.engine.reconcile import one_pass  # noqa: E402

NOW = datetime.fromisoformat("2026-11-20T18:00:00+01:00")
LOOKBACK_DAYS = 30  # the default detection.lookback_days
SLACK_S = 86400  # files delivered up to a day before the window are opened too
USER = "alex@example.org"

CONFIG = """\
[profile]
name = "Alex Example"
email = "alex@example.org"
timezone = "Europe/Berlin"
[detection]
lookback_days = {lookback}
[state]
dir = "state"
[calendar]
path = "calendar.ics"
{mailbox}
[reminders]
path = "reminders.ics"
"""

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or his from at which"
    " but have an they you were her she there been one all we their has would when if so no will"
    " meeting project update release notes invoice order shipping account weekly digest report"
    " team schedule review budget quarter planning design customer support ticket build deploy"
).split()
_rng = random.Random(7)
_LINES = [" ".join(_rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(2000)]


# --- the world ---------------------------------------------------------------------------


def _text(rng: random.Random, size: int) -> str:
    return "\n".join(rng.choices(_LINES, k=size // 80))


def _filler(i: int, when: datetime, sent: bool, rng: random.Random) -> bytes:
    """An ordinary message of about 4 KiB: newsletters, notifications, colleagues."""
    kind = i % 4
    sender = USER if sent else f"{['News', 'Shop', 'Team', 'Alerts'][kind]} {i % 97} <sender{i % 701}@list{i % 43}.example>"
    to = f"friend{i % 211}@mail{i % 17}.example" if sent else f"Alex Example <{USER}>"
    head = (
        f"From: {sender}\nTo: {to}\nSubject: {['Weekly digest', 'Your order', 'Re: planning', 'Alert'][kind]} {i}\n"
        f"Date: {format_datetime(when)}\nMessage-ID: <m{i}.{int(when.timestamp())}@bench.example>\nMIME-Version: 1.0\n"
    )
    if kind == 0:
        head += f"List-Id: <list{i % 43}.example>\nList-Unsubscribe: <mailto:leave@list{i % 43}.example>\n"
    text = _text(rng, 4100)
    if kind == 1:  # a multipart/alternative, as shops send
        html = "<html><body><p>" + text[:1200].replace("\n", "</p><p>") + "</p></body></html>"
        boundary = f"b{i}x"
        body = (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{text[:2000]}\n"
            f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n{html}\n--{boundary}--\n"
        )
    else:
        body = f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
    return (head + body).encode()


def _loop_mail() -> list[tuple[str, datetime, bytes]]:
    """Replies to the example loops, and mail you sent in them, inside the window."""
    def msg(sender, to, subject, when, body, mid, reply_to=""):
        refs = f"In-Reply-To: {reply_to}\nReferences: {reply_to}\n" if reply_to else ""
        return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {format_datetime(when)}\n"
                f"Message-ID: {mid}\n{refs}Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()

    day = NOW.replace(hour=0, minute=0, second=0)
    return [
        ("sent", day + timedelta(hours=16, minutes=30), msg(
            f"Alex Example <{USER}>", "Jane Doe <jane.doe@acme.example>", "Thank you",
            day + timedelta(hours=16, minutes=30),
            "Dear Jane,\n\nthank you for the conversation today.\n\nAlex", "<ty-acme@example.org>")),
        ("inbox", day + timedelta(hours=17), msg(
            "Jane Doe <jane.doe@acme.example>", f"Alex Example <{USER}>", "Re: Thank you",
            day + timedelta(hours=17),
            "Hi Alex,\n\nthanks, it was good to meet you. We will be in touch next week.\n\nJane",
            "<re-acme@acme.example>", "<ty-acme@example.org>")),
        ("inbox", day + timedelta(hours=9), msg(
            "Sophie Martin <sophie.martin@deloitte.com>", f"Alex Example <{USER}>",
            "Your application: Data Analyst", day + timedelta(hours=9),
            "Dear Alex,\n\nthank you for your time. Unfortunately we have decided to move forward"
            " with other candidates.\n\nBest regards,\nSophie", "<rej-deloitte@deloitte.com>")),
    ]


def build_world(n: int) -> list[tuple[str, float, bytes]]:
    """``(folder, delivery time, raw)`` for every message, oldest first."""
    rng = random.Random(42)
    start = (NOW - timedelta(days=365)).timestamp()
    step = 365 * 86400 / n
    out = []
    for i in range(n - 3):
        ts = start + i * step + rng.uniform(0, step)
        sent = i % 20 == 7
        out.append(("sent" if sent else "inbox", ts, _filler(i, datetime.fromtimestamp(ts, timezone.utc), sent, rng)))
    out.extend((folder, when.timestamp(), raw) for folder, when, raw in _loop_mail())
    out.sort(key=lambda m: m[1])
    return out


def write_maildir(root: Path, world, owner: tuple[int, int] | None = None) -> None:
    """The messages as files in ``cur/`` (seen), named and timed as an MDA delivers them."""
    dirs = {"inbox": root, "sent": root / ".Sent", "drafts": root / ".Drafts"}
    for folder in dirs.values():
        for sub in ("tmp", "new", "cur"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    for i, (folder, ts, raw) in enumerate(world):
        path = dirs[folder] / "cur" / f"{int(ts)}.M{int(ts % 1 * 1e6)}P{i}.bench:2,S"
        path.write_bytes(raw)
        os.utime(path, (ts, ts))
    if owner is not None:
        for dirpath, dirnames, filenames in os.walk(root.parent):
            os.chown(dirpath, *owner)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), *owner)
    for folder in dirs.values():  # folders last changed at the last delivery
        for sub in ("tmp", "new", "cur"):
            os.utime(folder / sub, (world[-1][1], world[-1][1]))


def floor(root: Path, since: float) -> tuple[float, int]:
    """List both folders, stat every file, read those delivered in the window (or the day
    before): what any first pass must at least do. Returns (seconds, files read)."""
    t0 = time.perf_counter()
    read = 0
    for folder in (root, root / ".Sent"):
        for sub in ("new", "cur"):
            with os.scandir(folder / sub) as it:
                for entry in it:
                    if entry.stat().st_mtime >= since - SLACK_S:
                        with open(entry.path, "rb") as f:
                            f.read()
                        read += 1
    return time.perf_counter() - t0, read


HEADER_FIELDS = ("DATE FROM TO CC REPLY-TO SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES AUTO-SUBMITTED PRECEDENCE "
                 "CONTENT-TYPE LIST-ID LIST-UNSUBSCRIBE RETURN-PATH X-FAILED-RECIPIENTS X-INTERVIEW-FOLLOWUP-KEY")


def imap_floor(server, since: datetime) -> tuple[float, int]:
    """What any IMAP first pass must at least do, by a bare client: log in, EXAMINE the inbox
    and Sent, ``UID SEARCH SINCE`` the day before the window, FETCH the header fields matching
    needs in batches of 500. Returns (seconds, messages fetched)."""
    t0 = time.perf_counter()
    client = server.client()
    fetched = 0
    try:
        for folder in ("INBOX", "Sent"):
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["SINCE", (since - timedelta(days=1)).date()]))
            for i in range(0, len(uids), 500):
                fetched += len(client.fetch(uids[i:i + 500], ["INTERNALDATE", f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]"]))
    finally:
        client.logout()
    return time.perf_counter() - t0, fetched


def timed_pass(config, clock) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    report = one_pass(config, clock)
    return time.perf_counter() - t0, time.process_time() - c0, report


def show(label: str, wall: float, cpu: float, report, floor_s: float | None, read: int,
         floor_what: str = "list + stat + read {n:,} files") -> None:
    notes = [a for a in report.actions if a.startswith("note")]
    floor_text = f"; floor {floor_s:.2f} s ({floor_what.format(n=read)}), ratio {wall / floor_s:.1f}x" \
        if floor_s is not None else ""
    print(f"{label}: first pass {wall:.2f} s wall, {cpu:.2f} s CPU{floor_text}; "
          f"{len(notes)} message(s) noted, {len(report.actions)} action(s), {len(report.errors)} error(s)")
    for e in report.errors:
        print(f"  error: {e}")


# --- the runs ----------------------------------------------------------------------------


def run_maildir(world, tmp: Path) -> tuple[float, float]:
    """Prints the Maildir figures; returns (the first pass, its floor), wall seconds."""
    root = tmp / "maildir-world"
    root.mkdir()
    t0 = time.perf_counter()
    write_maildir(root / "Mail", world)
    built = time.perf_counter() - t0
    (root / "calendar.ics").write_bytes((REPO / "examples" / "calendar.ics").read_bytes())
    (root / "config.toml").write_text(CONFIG.format(lookback=LOOKBACK_DAYS, mailbox=""))
    config = load(root / "config.toml")
    since = (NOW - timedelta(days=LOOKBACK_DAYS)).timestamp()
    floor(root / "Mail", since)  # the same page cache for both: every file read once before
    floor_s, read = floor(root / "Mail", since)
    wall, cpu, report = timed_pass(config, FixedClock(NOW))
    first_wall = wall
    print(f"Maildir, {len(world):,} messages ({built:.1f} s to write them):")
    show("  Maildir", wall, cpu, report, floor_s, read)
    wall, cpu, _ = timed_pass(config, FixedClock(NOW))
    print(f"  Maildir: the pass after it {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    shutil.rmtree(root)
    return first_wall, floor_s


def run_imap(world, tmp: Path) -> tuple[float, float]:
    """Prints the IMAP figures; returns (the first pass, its floor), wall seconds."""
    from servers.dovecot import Dovecot

    server = Dovecot()
    try:
        t0 = time.perf_counter()
        home = server.home() / "Maildir"
        mail = server._mail_user
        write_maildir(home, world, owner=(mail.pw_uid, mail.pw_gid))
        server.start()
        for folder in ("INBOX", "Sent", "Drafts"):
            server.doveadm_run("force-resync", "-u", server.user, folder)
            server.doveadm_run("index", "-u", server.user, folder)
        built = time.perf_counter() - t0
        root = tmp / "imap-world"
        root.mkdir()
        (root / "calendar.ics").write_bytes((REPO / "examples" / "calendar.ics").read_bytes())
        mailbox = (f'[mailbox]\nkind = "imap"\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "plain"\n'
                   f'username = "{server.user}"\npassword_env = "BENCH_IMAP_PASSWORD"\n')
        (root / "config.toml").write_text(CONFIG.format(lookback=LOOKBACK_DAYS, mailbox=mailbox))
        os.environ["BENCH_IMAP_PASSWORD"] = server.password
        config = load(root / "config.toml")
        since = NOW - timedelta(days=LOOKBACK_DAYS)
        imap_floor(server, since)  # the server's caches warm for both
        floor_s, read = imap_floor(server, since)
        wall, cpu, report = timed_pass(config, FixedClock(NOW))
        print(f"IMAP (Dovecot on loopback), {len(world):,} messages ({built:.1f} s to write and index them):")
        show("  IMAP", wall, cpu, report, floor_s, read,
             "log in + UID SEARCH SINCE + FETCH of the header fields of {n:,} messages")
        return wall, floor_s
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--no-imap", action="store_true")
    ap.add_argument("--no-maildir", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    world = build_world(args.messages)
    print(f"generated {len(world):,} messages of {sum(len(m[2]) for m in world) / len(world) / 1024:.1f} KiB"
          f" on average in {time.perf_counter() - t0:.1f} s; look-back {LOOKBACK_DAYS} days, pass at {NOW}")
    with tempfile.TemporaryDirectory(prefix="first-pass-") as tmp:
        if not args.no_maildir:
            run_maildir(world, Path(tmp))
        if not args.no_imap:
            run_imap(world, Path(tmp))


if __name__ == "__main__":
    main()
