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


# what ``status`` shows is read from the state: it needs neither the pass (the engine, the
# calendar detection, the mail rules and parsing) nor the network or calendar libraries
NOT_FOR_STATUS = (
    "interview_followup.daemon.engine.reconcile",
    "interview_followup.daemon.engine.attention",
    "interview_followup.daemon.calendar.detection",
    "interview_followup.daemon.calendar.ical",
    "interview_followup.daemon.mail.classify",
    "interview_followup.daemon.mail.replies",
    "interview_followup.daemon.mail.automatic",
    "interview_followup.daemon.mail.promise",
    "interview_followup.daemon.mail.parse",
    "http.client",
    "urllib.request",
    *HEAVY,
)


def test_status_on_the_example_imports_neither_the_pass_nor_the_mail_rules(tmp_path):
    import shutil

    shutil.copy(REPO / "config.example.toml", tmp_path)
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    cli = [sys.executable, "-P", "-m", "interview_followup.daemon", "--config", "config.example.toml",
           "--now", "2026-11-20T18:00:00+01:00"]
    subprocess.run([*cli, "--commit", "once"], cwd=tmp_path, capture_output=True, check=True)  # a state to show
    program = ("import sys\nfrom interview_followup.daemon.cli.main import main\n"
               "sys.argv = ['interview-followup', '--config', 'config.example.toml',"
               " '--now', '2026-11-20T18:00:00+01:00', 'status']\n"
               "assert main() == 0\n"
               "print('MODULES', ' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-P", "-c", program], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout
    assert "Applications" in out, out
    loaded = set(out.rpartition("MODULES ")[2].split())
    wrong = sorted(m for m in loaded if m in NOT_FOR_STATUS or m.split(".")[0] in HEAVY)
    assert not wrong, wrong
