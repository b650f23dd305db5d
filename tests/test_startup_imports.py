"""Start-up stays quick (issue 17, item 4): `--version` and loading the configuration import
no provider library. What is imported is checked, not how long it takes (``bench/startup.py``
has the timings)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

HEAVY = ("icalendar", "recurring_ical_events", "imapclient", "googleapiclient", "caldav")


def imported_after(code: str) -> set[str]:
    program = (f"import sys\n{code}\n"
               "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-P", "-c", program], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    return set(out)


def test_version_imports_no_provider_library_nor_the_engine():
    loaded = imported_after(
        "from interview_followup.daemon.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "assert 'interview_followup.daemon.engine.reconcile' not in sys.modules"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_loading_the_example_configuration_imports_no_calendar_or_mail_library():
    loaded = imported_after(
        "from pathlib import Path\n"
        "from interview_followup.daemon.config import load\n"
        "load(Path('config.example.toml'))"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_version_line_is_argparse_s():
    out = subprocess.run([sys.executable, "-P", "-m", "interview_followup.daemon", "--config", "x.toml", "--version"],
                         cwd=REPO, capture_output=True, text=True)
    from interview_followup.daemon import __version__

    assert (out.returncode, out.stdout) == (0, f"interview-followup {__version__}\n")
