"""What a pass where nothing changed costs on Google (prints figures; not a test).

Calendar, mailbox and reminders all on Google, served by the local emulator of the tests
(tests/google_emulator): Gmail filled with N messages (1,000 and 50,000 by default), the
calendar with 20 interviews. After a first pass, it runs passes where nothing changed and
prints, for each, the HTTP requests per API (calendar source, Gmail, reminders calendar,
token endpoint; the target is one per source: events.list with the sync token and
history.list, and nothing for the reminders) and the wall time. Two ways, as the program
runs: providers kept open between passes (the `run` daemon), and opened afresh for each
pass (`once`, which finds the token and the calendar's sync state in its files).
Usage: python bench/google_idle.py [N ...]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from google_emulator import calendar_api, gmail_api  # noqa: E402
from google_emulator.fixtures import USER, write_token  # noqa: E402
from google_emulator.server import Emulator  # noqa: E402

from interview_followup.daemon.clock import FixedClock  # noqa: E402
from interview_followup.daemon.config import load  # noqa: E402
from interview_followup.daemon.engine.reconcile import one_pass  # noqa: E402
from interview_followup.daemon.providers import open_providers  # noqa: E402
from interview_followup.integrations.google_api import SCOPES  # noqa: E402

NOW = "2026-11-20T18:00:00+01:00"
COMPANIES = 20
OLD_MAIL = datetime(2026, 1, 5, 10, tzinfo=timezone.utc)  # before the 30 days the first pass reads
RECENT_MAIL = 50  # of the N, this many arrived in the last days
IDLE_PASSES = 5
REMINDERS_CALENDAR = "Interview follow-ups"


def config_text(endpoint: str) -> str:
    account = f'token_file = "google-token.json"\napi_endpoint = "{endpoint}"\n'
    return f"""\
[profile]
name = "Bench User"
email = "{USER}"
timezone = "Europe/Berlin"
[state]
dir = "state"
[calendar]
kind = "google"
{account}
[mailbox]
kind = "gmail"
{account}
[reminders]
kind = "google"
create_calendar = "{REMINDERS_CALENDAR}"
{account}"""


def fill_calendar(api: calendar_api.CalendarApi) -> None:
    for i in range(COMPANIES):
        start = datetime(2026, 11, 19, 8 + i // 4, (i % 4) * 15, tzinfo=timezone(timedelta(hours=1)))
        api.add_event("primary", {
            "id": f"bench{i:04d}",
            "summary": f"Interview with Company{i}",
            "start": {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": (start + timedelta(minutes=10)).isoformat(), "timeZone": "Europe/Berlin"},
            "attendees": [
                {"email": f"person{i}@company{i}.example", "displayName": f"Person {i}", "responseStatus": "accepted"},
                {"email": USER, "responseStatus": "accepted", "self": True},
            ],
        })


def fill_gmail(api: gmail_api.GmailApi, n: int) -> None:
    recent_from = datetime.fromisoformat(NOW) - timedelta(days=5)
    for i in range(n):
        recent = i >= n - RECENT_MAIL
        when = recent_from + timedelta(minutes=i % 1000) if recent else OLD_MAIL + timedelta(seconds=i)
        raw = (
            f"From: sender{i % 700}@list{i % 41}.example\r\nTo: {USER}\r\n"
            f"Subject: Message {i}\r\nDate: {when:%a, %d %b %Y %H:%M:%S %z}\r\n"
            f"Message-ID: <bench-{i}@list.example>\r\n\r\n{'x' * 400}\r\n"
        ).encode()
        api.deliver(raw, ("INBOX",), received=when)


def api_of(path: str, reminders_prefix: str) -> str:
    if path == "/token":
        return "token"
    if path.startswith("/gmail/"):
        return "gmail"
    if path.startswith("/calendar/v3/calendars/primary/"):
        return "calendar"
    if path.startswith(reminders_prefix) or path.startswith("/calendar/v3/"):
        return "reminders"
    return "other"


def idle_passes(emulator: Emulator, config, clock, keep_open: bool, prefix: str) -> tuple[list[float], Counter, list]:
    providers = open_providers(config, clock) if keep_open else None
    times, worst, paths = [], Counter(), []
    try:
        for _ in range(IDLE_PASSES):
            before = len(emulator.requests)
            t0 = time.perf_counter()
            report = one_pass(config, clock, providers=providers)
            times.append(time.perf_counter() - t0)
            if report.actions or report.errors:
                raise SystemExit(f"not an idle pass: {report.actions + report.errors}")
            made = emulator.requests[before:]
            counts = Counter(api_of(p, prefix) for _, p in made)
            for api in ("calendar", "gmail", "reminders", "token"):
                worst[api] = max(worst[api], counts[api])
            if len(made) > len(paths):
                paths = made
    finally:
        if providers is not None:
            providers.close()
    return times, worst, paths


def measure(n: int) -> None:
    emulator = Emulator().start()
    try:
        cal = calendar_api.install(emulator)
        gmail = gmail_api.install(emulator, USER)
        t0 = time.perf_counter()
        fill_gmail(gmail, n)
        fill_calendar(cal)
        fill_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "config.toml").write_text(config_text(emulator.url))
            scopes = SCOPES["calendar"] + SCOPES.get("own_calendar", []) + SCOPES["gmail"]
            write_token(root / "google-token.json", emulator, scopes)
            config = load(root / "config.toml")
            clock = FixedClock(datetime.fromisoformat(NOW))
            t0 = time.perf_counter()
            report = one_pass(config, clock)
            first = time.perf_counter() - t0
            first_requests = len(emulator.requests)
            if report.errors:
                raise SystemExit(f"the first pass failed: {report.errors}")
            (own,) = [c.id for c in cal.calendars.values() if c.summary == REMINDERS_CALENDAR]
            prefix = f"/calendar/v3/calendars/{own}"
            print(f"{n:>6} messages: fill {fill_s:5.1f} s, first pass {first:5.2f} s ({first_requests} requests, "
                  f"{len(gmail.drafts)} drafts, {len(cal.events(own))} reminders)")
            for keep_open, how in ((True, "providers kept open (run)"), (False, "providers opened each pass (once)")):
                times, worst, paths = idle_passes(emulator, config, clock, keep_open, prefix)
                print(f"{'':>6}           idle pass, {how}: median {statistics.median(times) * 1000:6.1f} ms; "
                      f"requests calendar {worst['calendar']}, gmail {worst['gmail']}, "
                      f"reminders {worst['reminders']}, token {worst['token']}")
                if worst["calendar"] > 1 or worst["gmail"] > 1 or worst["reminders"] or worst["token"]:
                    for method, path in paths:
                        print(f"{'':>17}{method} {path}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [1000, 50000]:
        measure(size)
