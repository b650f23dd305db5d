"""A real ``run`` (a subprocess on a World: Maildir, .ics calendar, reminders file) sent
SIGHUP and SIGTERM at random moments: during a pass, just after one, in the wait between
passes, during a reload. Used by ``tests/test_signals.py`` and ``bench/signals.py``."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-17T16:00:00+01:00"  # after the ACME interview: the passes have work to do


class Daemon:
    """``interview-followup run`` on ``world``, its log read as it grows."""

    def __init__(self, world, log_file: Path):
        self.log_file = log_file
        with open(log_file, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "interview_followup.daemon", "--config", str(world.config),
                 "--now", NOW, "run"],
                cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            )

    def text(self) -> str:
        return self.log_file.read_text(errors="replace")

    def wait_for(self, predicate, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate(self.text()):
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the daemon ended ({self.proc.returncode}) before {what}:\n{self.text()[-3000:]}")
            time.sleep(0.002)
        raise AssertionError(f"not within {seconds} s: {what}\n{self.text()[-3000:]}")

    def started(self) -> None:
        self.wait_for(lambda t: "running;" in t, 60, "the start")

    def reloads(self) -> int:
        return self.text().count("configuration reloaded")

    def hup(self, seconds: float = 10) -> None:
        """One SIGHUP; its reload logged within ``seconds``."""
        before = self.reloads()
        self.proc.send_signal(signal.SIGHUP)
        self.wait_for(lambda t: t.count("configuration reloaded") > before, seconds, f"reload #{before + 1}")

    def term(self, seconds: float = 10) -> float:
        """SIGTERM; the daemon exits 0 within ``seconds``. The time it took."""
        sent = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"SIGTERM: still running after {seconds} s\n{self.text()[-3000:]}") from None
        assert code == 0, f"exit status {code}\n{self.text()[-3000:]}"
        assert self.text().rstrip().endswith("daemon.service.runner: stopped"), self.text()[-3000:]
        return time.monotonic() - sent

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def random_pause(rng: random.Random, longest: float) -> None:
    """Mostly very short (right after a reload, inside the pass it starts), sometimes longer
    (in the wait between passes)."""
    time.sleep(rng.choice((0, rng.uniform(0, 0.003), rng.uniform(0, 0.03), rng.uniform(0, longest))))


def hups(world, log_file: Path, count: int, rng: random.Random, mail_every: int = 7) -> list[float]:
    """``count`` SIGHUPs at random moments to one daemon, new mail delivered now and then
    (passes of their own); each must be followed by a logged reload. The seconds each took."""
    daemon = Daemon(world, log_file)
    took = []
    try:
        daemon.started()
        for i in range(count):
            if mail_every and i % mail_every == 0:
                world.deliver("INBOX", sender=f"news{i}@shop.example", subject=f"Offer {i}",
                              date="Tue, 17 Nov 2026 15:30:00 +0100")
            random_pause(rng, 0.2)
            start = time.monotonic()
            daemon.hup()
            took.append(time.monotonic() - start)
        daemon.term()
    finally:
        daemon.kill()
    return took


def terms(world, log_dir: Path, runs: int, rng: random.Random, hups_before: int = 3) -> list[float]:
    """``runs`` daemons, each sent a few SIGHUPs (not waited for) and then SIGTERM at random
    moments; each must exit 0 within 10 s. The seconds each exit took."""
    took = []
    for run in range(runs):
        daemon = Daemon(world, log_dir / f"run-{run}.log")
        try:
            daemon.started()
            for _ in range(rng.randrange(hups_before + 1)):
                random_pause(rng, 0.1)
                daemon.proc.send_signal(signal.SIGHUP)
            random_pause(rng, 0.3)
            took.append(daemon.term())
        finally:
            daemon.kill()
    return took
