"""Start-up (issue 17, item 4; prints figures, not a test): `--version` and `status` on the
bundled example beside `python -c pass`, medians of N runs each, interleaved so that the
machine's load falls on all three alike. Targets: `--version` <= 2x, `status` <= 3x.

Measured as installed: a pip-installed user has bytecode, so the package (``daemon/`` and
``integrations/``) is byte-compiled first into its ``__pycache__`` folders (git-ignored), and
the runs are made with PYTHONDONTWRITEBYTECODE removed from their environment (a machine
that sets it would otherwise recompile every source on every run, ~95 ms).

    .venv/bin/python bench/startup.py [N]
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T18:00:00+01:00"


def main(runs: int | None = None) -> dict[str, float]:
    """Prints the figures; returns each command's median, in seconds."""
    n = runs or (int(sys.argv[1]) if len(sys.argv) > 1 else 21)
    exe = Path(sys.executable).with_name("interview-followup")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for package in ("daemon", "integrations"):  # as installed: with bytecode
        if not compileall.compile_dir(REPO / package, quiet=1, force=False):
            raise SystemExit(f"could not byte-compile {package}/")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(REPO / "config.example.toml", work)
        shutil.copytree(REPO / "examples", work / "examples")
        once = [str(exe), "--config", "config.example.toml", "--now", NOW, "--commit", "once"]
        subprocess.run(once, cwd=work, env=env, check=True, capture_output=True)  # a state to show
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--version": [str(exe), "--version"],
            "status": [str(exe), "--config", "config.example.toml", "--now", NOW, "status"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(n):
            for name, argv in commands.items():
                start = time.perf_counter()
                subprocess.run(argv, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - start)
    floor = statistics.median(times["python -c pass"])
    targets = {"python -c pass": None, "--version": 2, "status": 3}
    print(f"{'command':<16} {'median':>9}  ratio  target   ({n} runs each, interleaved)")
    for name, runs in times.items():
        med = statistics.median(runs)
        target = targets[name]
        verdict = "" if target is None else f"<= {target}x  {'ok' if med / floor <= target else 'MISSED'}"
        print(f"{name:<16} {med * 1000:7.1f} ms  {med / floor:4.1f}x  {verdict}")
    return {name: statistics.median(runs) for name, runs in times.items()}


if __name__ == "__main__":
    main()
