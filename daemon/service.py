"""``run``: the long-running loop.

A pass runs at start, at every poll interval (``timing.poll_minutes``, kept by the
``schedule`` library), as soon as a step falls due, and when a mailbox that can push
(IMAP IDLE) reports new mail; in between the process sleeps on an event, so it does no busy waiting and stops at once on SIGTERM or SIGINT. When a pass
meets a temporary failure the next one comes sooner, backing off exponentially (with
jitter) up to the poll interval.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from datetime import timedelta

import schedule

from .clock import Clock
from .config import Config
from .engine import PassReport, one_pass
from .errors import Transient
from .providers import WatchableMailbox, open_providers

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0


def run_forever(config: Config, clock: Clock, dry_run: bool = False, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    wake = threading.Event()  # set by a stop request or by new mail
    mail_arrived = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), wake.set()), daemon=True, name="stop-relay").start()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    poll = config.timing.poll_minutes * 60.0
    failures = 0
    wake_at = None  # the clock's moment of the next due step or retry
    warned: set[str] = set()

    providers = open_providers(config, clock, dry_run)  # kept open: their caches make idle passes cheap

    def work() -> None:
        nonlocal failures, wake_at
        try:
            report = one_pass(config, clock, dry_run, providers)
        except Transient as exc:  # the state is busy, say: try again soon
            report = PassReport(errors=[str(exc)])
        for line in report.actions:
            log.info("%s", line)
        # a broken event or a revoked token is worth one line, not one every pass
        for line in report.warnings:
            if line not in warned:
                log.warning("%s", line)
        for line in report.errors:
            if line not in warned:
                log.error("%s", line)
        for role in report.recovered:
            log.info("%s works again", role)
        warned.clear()
        warned.update(report.warnings, report.errors)
        wake_at = report.next_due
        if report.errors and not report.needs_user:
            failures += 1
            delay = min(poll, FIRST_RETRY_SECONDS * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)
            retry = clock.now() + timedelta(seconds=delay)
            wake_at = min(wake_at, retry) if wake_at else retry
        else:
            failures = 0

    def new_mail() -> None:
        mail_arrived.set()
        wake.set()

    watcher = None
    if isinstance(providers.mailbox, WatchableMailbox):
        watcher = threading.Thread(
            target=providers.mailbox.watch, args=(stop, new_mail), daemon=True, name="mail-watch"
        )
        watcher.start()

    scheduler = schedule.Scheduler()
    scheduler.every(config.timing.poll_minutes).minutes.do(work)
    log.info(
        "running; a pass every %d minutes, at each due step%s (drafts only, never sends)",
        config.timing.poll_minutes,
        " and when mail arrives" if watcher else "",
    )
    work()
    while not stop.is_set():
        idle = scheduler.idle_seconds
        wait = poll if idle is None else max(0.0, idle)
        if wake_at is not None:
            wait = min(wait, max(0.0, (wake_at - clock.now()).total_seconds()))
        wake.wait(timeout=wait)
        wake.clear()
        if stop.is_set():
            break
        if mail_arrived.is_set() or (wake_at is not None and clock.now() >= wake_at):
            mail_arrived.clear()
            wake_at = None
            work()
        scheduler.run_pending()
    if watcher is not None:
        watcher.join(timeout=10)
    providers.close()
    log.info("stopped")
    return 0
