"""The development calendar set (tests/calendars/dev, issue 15): realistic exports of
Google, Outlook, iCloud, Fastmail, Nextcloud, Thunderbird and tracking systems, with the
interviews, people, companies and reports a careful reader finds in them. Detection may be
tuned on this set (unlike tests/blind): every file of it must come out fully right."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_file_of_the_development_calendar_set_is_read_fully_right() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "blind_calendars.py"), "--set", str(REPO / "tests" / "calendars" / "dev")],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    m = re.search(r"files fully right:\s+(\d+)/(\d+)", run.stdout)
    assert m, run.stdout
    wrong = [line for line in run.stdout.splitlines() if re.search(r"\sNO\s", line)]
    assert m.group(1) == m.group(2) and int(m.group(2)) >= 50, "\n".join(wrong) or run.stdout
    assert "would get a draft: 0" in run.stdout and "crashes: 0" in run.stdout
