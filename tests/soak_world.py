"""The soak: the real daemon (``interview-followup run`` in a process of its own) against a
real Dovecot (the mailbox, with IDLE) and the Google emulator (the interview calendar and
the reminders calendar), while the servers are restarted, killed, their connections
dropped and their API answers made to fail, over and over, with an employer's reply
delivered after each fault.

Used by ``tests/test_soak.py`` (a short round in CI) and ``bench/soak.py`` (the long one,
which prints its figures). The checks: every reply closed its loop; no draft was written
twice (each draft key got one IMAP UID over the whole run) and no reminder exists twice;
the process's memory (RSS) and open file descriptors stayed flat; its log never held the
password, a token or a message's text.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import quote

from google_emulator import calendar_api
from google_emulator.fixtures import USER, write_token
from google_emulator.server import Emulator
from servers.dovecot import Dovecot

from interview_followup.daemon.config import load
from interview_followup.daemon.engine.reconcile import plans_from_state
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.store.state import State
from interview_followup.integrations.google_api import SCOPES
from interview_followup.integrations.google_calendar import KEY_PROPERTY

REPO = Path(__file__).resolve().parent.parent
REMINDERS_CALENDAR = "Interview follow-ups"
NOW = "2026-11-17T19:00:00+01:00"  # every interview below ended that afternoon
BODY_MARKER = "SOAKBODYMARKER"  # in every reply's text: it must never reach the log
FAULTS = (
    "restart the IMAP server",
    "drop the IMAP connections",
    "Google calendar answers 503",
    "kill the IMAP server",
    "Google reminder writes fail with 500",
    "Google refuses the sign-in (401), then accepts it again",
    "Google reminder write times out after it was done",
    "Google answers 429 (rate limit)",
)


def config_text(dovecot: Dovecot, google: Emulator) -> str:
    account = f'api_endpoint = "{google.url}"\ntimeout_seconds = 1\ntoken_file = "google-token.json"\n'
    return f"""\
[profile]
name = "Alex Example"
email = "{USER}"
timezone = "Europe/Berlin"

[timing]
poll_minutes = 1

[state]
dir = "state"

[calendar]
kind = "google"
{account}
[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {dovecot.port}
security = "plain"
username = "{dovecot.user}"
password_env = "SOAK_IMAP_PASSWORD"
timeout_seconds = 5

[reminders]
kind = "google"
create_calendar = "{REMINDERS_CALENDAR}"
{account}"""


def interview(i: int) -> dict:
    # one a minute from 08:00, a minute long: up to 600 of them end before the replies (18:30)
    start = datetime.fromisoformat("2026-11-17T08:00:00+01:00") + timedelta(minutes=i)
    domain = f"company{i}.example"
    return {
        "id": f"soakinterview{i}",
        "iCalUID": f"soak-{i}@test",
        "summary": f"Interview with Company{i}",
        "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"},
        "end": {"dateTime": (start + timedelta(minutes=1)).isoformat(), "timeZone": "Europe/Berlin"},
        "organizer": {"email": f"pat@{domain}", "displayName": f"Pat Number{i}"},
        "attendees": [
            {"email": f"pat@{domain}", "displayName": f"Pat Number{i}", "responseStatus": "accepted", "organizer": True},
            {"email": USER, "displayName": "Alex Example", "responseStatus": "accepted", "self": True},
        ],
    }


def reply(i: int) -> bytes:
    return (
        f"From: Pat Number{i} <pat@company{i}.example>\r\nTo: Alex Example <{USER}>\r\n"
        f"Subject: Re: Thank you\r\nDate: Tue, 17 Nov 2026 18:30:00 +0100\r\n"
        f"Message-ID: <soak-reply-{i}@company{i}.example>\r\n\r\n"
        f"Dear Alex, thank you for your message. {BODY_MARKER} It was a pleasure to meet you, but we have "
        f"decided to move forward with other candidates.\r\n"  # an answer: a courtesy alone keeps a loop open
    ).encode()


@dataclass
class Sample:
    at: float
    rss_kb: int
    fds: int


@dataclass
class Figures:
    rounds: int = 0
    seconds: float = 0.0
    faults: dict[str, int] = field(default_factory=dict)
    close_seconds: list[float] = field(default_factory=list)  # reply delivered -> loop closed
    samples: list[Sample] = field(default_factory=list)
    appended: dict[str, set[int]] = field(default_factory=dict)  # draft key -> IMAP UIDs seen
    log_lines: int = 0
    error_lines: int = 0
    problems: list[str] = field(default_factory=list)

    def flat(self, rss_kb_margin: int, fd_margin: int) -> tuple[bool, str]:
        """Compare the first and the last third of the samples taken after the warm-up."""
        s = self.samples[max(1, len(self.samples) // 5):]
        if len(s) < 3:
            return False, "too few samples"
        third = max(1, len(s) // 3)
        first, last = s[:third], s[-third:]
        rss0, rss1 = statistics.median(x.rss_kb for x in first), statistics.median(x.rss_kb for x in last)
        fd0, fd1 = max(x.fds for x in first), max(x.fds for x in last)
        text = f"RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB, open fds {fd0} -> {fd1}"
        return rss1 - rss0 <= rss_kb_margin and fd1 - fd0 <= fd_margin, text

    def trend(self, warmup_seconds: float) -> dict | None:
        """RSS and open fds after the warm-up: first, last, max, and the slope per hour of a
        least-squares line through every sample (time against value)."""
        if not self.samples:
            return None
        start = self.samples[0].at + warmup_seconds
        s = [x for x in self.samples if x.at >= start]
        if len(s) < 3:
            return None
        t = [x.at for x in s]
        out: dict = {"samples": len(s), "hours": (t[-1] - t[0]) / 3600}
        for name, values in (("rss_mib", [x.rss_kb / 1024 for x in s]), ("fds", [float(x.fds) for x in s])):
            tm, vm = statistics.fmean(t), statistics.fmean(values)
            var = sum((a - tm) ** 2 for a in t)
            slope = sum((a - tm) * (b - vm) for a, b in zip(t, values)) / var if var else 0.0
            out[name] = {"first": values[0], "last": values[-1], "max": max(values), "min": min(values),
                         "per_hour": slope * 3600}
        return out

    def trend_text(self, warmup_seconds: float) -> str:
        tr = self.trend(warmup_seconds)
        if tr is None:
            return f"after the {warmup_seconds:.0f} s warm-up: too few samples"
        r, f = tr["rss_mib"], tr["fds"]
        return (
            f"after the {warmup_seconds:.0f} s warm-up ({tr['samples']} samples over {tr['hours'] * 60:.1f} min):\n"
            f"  RSS MiB: first {r['first']:.1f}, last {r['last']:.1f}, min {r['min']:.1f}, max {r['max']:.1f}; "
            f"least-squares slope {r['per_hour']:+.2f} MiB/hour\n"
            f"  open fds: first {f['first']:.0f}, last {f['last']:.0f}, min {f['min']:.0f}, max {f['max']:.0f}; "
            f"least-squares slope {f['per_hour']:+.2f} fds/hour"
        )

    def summary(self) -> str:
        flat_ok, flat_text = self.flat(4096, 2)
        rss = [x.rss_kb / 1024 for x in self.samples]
        fds = [x.fds for x in self.samples]
        lines = [
            f"rounds: {self.rounds} in {self.seconds:.0f} s; faults: "
            + ", ".join(f"{k} x{v}" for k, v in self.faults.items()),
            f"reply -> loop closed: median {statistics.median(self.close_seconds):.1f} s, "
            f"max {max(self.close_seconds):.1f} s" if self.close_seconds else "no reply closed a loop",
            f"RSS MiB: min {min(rss):.1f}, max {max(rss):.1f}, last {rss[-1]:.1f}; "
            f"open fds: min {min(fds)}, max {max(fds)}, last {fds[-1]}" if self.samples else "no samples",
            f"flat: {'yes' if flat_ok else 'NO'} ({flat_text})",
            f"drafts written twice: {sum(1 for uids in self.appended.values() if len(uids) > 1)} "
            f"of {len(self.appended)}; log: {self.log_lines} lines, {self.error_lines} warnings/errors",
        ]
        return "\n".join(lines + [f"PROBLEM: {p}" for p in self.problems])


class Soak:
    def __init__(self, root: Path, loops: int = 3, steady: bool = False, trace_dir: Path | None = None):
        """``steady``: the calendar keeps ``loops`` interviews all along: once a reply closed
        a loop, that interview is deleted from the calendar as the next one is added, so the
        data the daemon is handed stays the same size (only the state's history of closed
        loops grows, by one row of each kind a round). Without it the calendar gains one
        interview each round. ``trace_dir``: the daemon runs under bench/traced_daemon.py and
        a snapshot of its Python heap is written there at every sample."""
        self.root = root
        self.trace_dir = trace_dir
        self.loops = loops
        self.steady = steady
        root.mkdir(parents=True, exist_ok=True)
        self.dovecot = Dovecot().start()
        self.google = Emulator(hold_seconds=2.0).start()
        calendar_api.install(self.google)
        self.config = root / "config.toml"
        self.config.write_text(config_text(self.dovecot, self.google))
        write_token(root / "google-token.json", self.google, SCOPES["calendar"] + SCOPES.get("own_calendar", []))
        for i in range(loops):
            self.google.calendar.add_event("primary", interview(i))
        self.log = root / "daemon.log"
        self.proc: subprocess.Popen | None = None
        self.figures = Figures()

    # --- the process ---------------------------------------------------------------------

    def start(self) -> None:
        # caches and the remembered calendar ids of its own: not those of an earlier run
        env = {**os.environ, "SOAK_IMAP_PASSWORD": self.dovecot.password, "XDG_DATA_HOME": str(self.root / "data")}
        env.pop("JOURNAL_STREAM", None)
        env.pop("NOTIFY_SOCKET", None)
        launcher = ["-m", "interview_followup.daemon"]
        if self.trace_dir is not None:
            launcher = [str(REPO / "bench" / "traced_daemon.py"), str(self.trace_dir), "--"]
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", *launcher, "--config", str(self.config), "--now", NOW, "-v", "run"],
                cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
            )

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.figures.problems.append("did not stop within 60 s of SIGTERM")
                return -9
        return self.proc.returncode

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.google.stop()
            self.dovecot.close()

    def sample(self) -> None:
        """RSS and open descriptors of the idle daemon (between passes: a pass holds the state
        files and its lock open, which is no leak)."""
        pid = self.proc.pid
        deadline = time.monotonic() + 10
        while True:
            links = []
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except OSError:
                    pass
            if not any(link.endswith("/state/lock") for link in links) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if self.trace_dir is not None:
            self.snapshot()
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        self.figures.samples.append(Sample(time.monotonic(), rss, len(links)))

    def snapshot(self) -> None:
        """Have the traced daemon write a snapshot of its heap and wait until it is there."""
        before = len(list(self.trace_dir.glob("*.snap"))) if self.trace_dir.exists() else 0
        os.kill(self.proc.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(self.trace_dir.glob("*.snap"))) <= before:
            time.sleep(0.1)

    # --- looking ---------------------------------------------------------------------------

    def loop_status(self) -> dict[str, str]:
        config = load(self.config)
        state = State.in_memory_copy(config.state_dir)
        try:
            plans = plans_from_state(state, config, datetime.fromisoformat(NOW))
        finally:
            state.close()
        return {p.interview.company: p.status for p in plans}

    def loops_closed(self) -> dict[str, bool]:
        return {company: status == "closed" for company, status in self.loop_status().items()}

    def all_done(self) -> bool:
        """Every loop closed (in a steady soak, the deleted interviews show as cancelled) and no draft left
        but the feedback requests the rejections ask for."""
        settled = ("closed", "cancelled") if self.steady else ("closed",)
        left = [m for m in self.dovecot.messages("Drafts").values() if m.get(b"BODY[]") and not str(
            message_from_bytes(m[b"BODY[]"], policy=default)[KEY_HEADER]).endswith(".feedback-request")]
        return all(s in settled for s in self.loop_status().values()) and not left

    def look_at_drafts(self) -> None:
        if not self.dovecot.running:
            return
        try:
            found = self.dovecot.messages("Drafts")
        except Exception:  # the server is being restarted by the test itself
            return
        for uid, m in found.items():
            if not m.get(b"BODY[]"):
                continue  # expunged while it was fetched (a draft removed as its loop closed)
            key = str(message_from_bytes(m[b"BODY[]"], policy=default)[KEY_HEADER])
            self.figures.appended.setdefault(key, set()).add(uid)

    def reminders_by_key(self) -> dict[str, int]:
        cals = [c for c in self.google.calendar.calendars.values() if c.summary == REMINDERS_CALENDAR]
        counts: dict[str, int] = {}
        for cal in cals:
            for event in self.google.calendar.events(cal.id):
                key = event.get("extendedProperties", {}).get("private", {}).get(KEY_PROPERTY, "?")
                counts[key] = counts.get(key, 0) + 1
        return counts

    def deliver(self, raw: bytes) -> None:
        """Deliver as an MTA would: try again when the server dropped the delivering
        connection (a second copy carries the same Message-ID, which counts once)."""
        for attempt in range(5):
            try:
                self.dovecot.deliver(raw)
                return
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.5)

    def reminders_path(self) -> str:
        """What the paths of requests on one event of the reminders calendar contain (its
        changes and removals; the searches for a key go to the list and are not hit)."""
        (cal,) = [c for c in self.google.calendar.calendars.values() if c.summary == REMINDERS_CALENDAR]
        return f"/calendars/{quote(cal.id, safe='')}/events/"

    def wait(self, predicate, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.figures.problems.append(f"the daemon exited with {self.proc.returncode}")
                return False
            try:
                if predicate():
                    return True
            except Exception:  # the state is being written: look again
                pass
            time.sleep(0.1)
        return False

    # --- faults ------------------------------------------------------------------------------

    def fault(self, n: int) -> str:
        what = FAULTS[n % len(FAULTS)]
        self.figures.faults[what] = self.figures.faults.get(what, 0) + 1
        d, g = self.dovecot, self.google
        if what == "restart the IMAP server":
            d.stop()
            time.sleep(0.3)
            d.start()
        elif what == "drop the IMAP connections":
            d.doveadm_run("kick", d.user)
            time.sleep(0.3)  # the kick is carried out after doveadm returns: not on our delivery
        elif what == "kill the IMAP server":
            d.kill()
            time.sleep(0.3)
            d.start()
        elif what == "Google calendar answers 503":
            g.fail(503, "/calendars/primary/events", times=4)
        elif what == "Google reminder writes fail with 500":
            g.fail(500, self.reminders_path(), times=3)
        elif what.startswith("Google refuses the sign-in"):
            g.invalid_grant = True  # the refresh that follows the 401 is refused: a revoked token
            g.fail(401, "/calendars/primary/", times=1)
        elif what == "Google reminder write times out after it was done":
            g.timeout_after_write(self.reminders_path(), times=1)
        elif what == "Google answers 429 (rate limit)":
            g.fail(429, "/calendar/v3/", times=3)
        return what

    # --- the run -------------------------------------------------------------------------------

    def run(self, rounds: int, per_round_seconds: float = 90.0, minutes: float | None = None) -> Figures:
        """``rounds`` rounds of fault and reply, or fewer when ``minutes`` have passed."""
        began = time.monotonic()
        self.start()
        if not self.wait(lambda: len(self.dovecot.messages("Drafts")) == self.loops, 60):
            self.figures.problems.append("the first pass did not write every thank-you draft")
        self.look_at_drafts()
        self.sample()
        for n in range(rounds):
            if minutes is not None and time.monotonic() - began > minutes * 60:
                rounds = n
                break
            what = self.fault(n)
            # the reply goes to the oldest open interview (its draft was written by now); a new
            # interview joins, so that drafts keep being written all along
            self.google.calendar.add_event("primary", interview(n + self.loops))
            self.deliver(reply(n))
            delivered = time.monotonic()
            company = f"Company{n}"
            if self.wait(lambda: self.loops_closed().get(company), per_round_seconds):
                self.figures.close_seconds.append(time.monotonic() - delivered)
            else:
                self.figures.problems.append(f"round {n} ({what}): the reply to {company} did not close its loop")
            self.google.invalid_grant = False  # signed in again
            if self.steady:  # the calendar keeps the same number of interviews
                self.google.calendar.delete_event("primary", f"soakinterview{n}")
            self.look_at_drafts()
            time.sleep(0.3)
            self.sample()
            self.figures.rounds += 1
        # the last interviews get their replies too, with no fault
        for n in range(rounds, rounds + self.loops):
            self.deliver(reply(n))
        # at the end: every loop closed, each untouched draft removed, nothing twice
        if not self.wait(self.all_done, 120):
            self.figures.problems.append("not every loop closed and cleaned up at the end")
        self.look_at_drafts()
        self.sample()
        code = self.stop()
        self.figures.seconds = time.monotonic() - began
        if code != 0:
            self.figures.problems.append(f"SIGTERM: exit status {code}, not 0")
        twice = {k: v for k, v in self.reminders_by_key().items() if v > 1}
        if twice:
            self.figures.problems.append(f"reminders written twice: {sorted(twice)}")
        for key, uids in self.figures.appended.items():
            if len(uids) > 1:
                self.figures.problems.append(f"draft {key} written {len(uids)} times")
        text = self.log.read_text(errors="replace")
        lines = text.splitlines()
        self.figures.log_lines = len(lines)
        self.figures.error_lines = sum(1 for line in lines if " WARNING " in line or " ERROR " in line)
        for secret, what in ((self.dovecot.password, "the IMAP password"), ("emulated-refresh", "the refresh token"),
                             ("emulated-secret", "the client secret"), ("emulated-1", "an access token"),
                             (BODY_MARKER, "a message's text")):
            if secret in text:
                self.figures.problems.append(f"{what} is in the log")
        if "Traceback" in text:
            self.figures.problems.append("a traceback in the log")
        return self.figures
