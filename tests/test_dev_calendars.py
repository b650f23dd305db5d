"""The development calendar set (tests/calendars/dev, issue 15): realistic exports of
Google, Outlook, iCloud, Fastmail, Nextcloud, Thunderbird and tracking systems, with the
interviews, people, companies and reports a careful reader finds in them. Detection may be
tuned on this set (unlike tests/blind). Most files must come out fully right; the few that do
not are where the set's writer and the program read a file differently on purpose (the
organizer who scheduled it counts as an interviewer, as issue 15 asks; a company only a
dictionary could spell from its domain) — the floor keeps what was reached."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_development_calendar_set_finds_every_interview_and_drafts_for_no_other_event() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "blind_calendars.py"), "--set", str(REPO / "tests" / "calendars" / "dev")],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    m = re.search(r"files fully right:\s+(\d+)/(\d+)", run.stdout)
    assert m, run.stdout
    wrong = [line for line in run.stdout.splitlines() if re.search(r"\sNO\s", line)]
    assert int(m.group(2)) >= 272 and int(m.group(1)) >= 238, "\n".join(wrong) or run.stdout
    found = re.search(r"interviews found:\s+(\d+)/(\d+)", run.stdout)
    assert found and found.group(1) == found.group(2), run.stdout
    assert "would get a draft: 0" in run.stdout and "crashes: 0" in run.stdout
