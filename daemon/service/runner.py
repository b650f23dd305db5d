"""``run``: the long-running loop, made to run for months under systemd or by hand.

When a pass runs: at start; every ``timing.poll_minutes`` (a ``schedule`` job); as soon
as a step falls due; when a mailbox that can push (IMAP IDLE) reports new mail; after a
configuration reload. In between the loop sleeps on an event: no busy waiting.

Sleep and suspend: the sleep is cut into pieces of at most ``MAX_SLEEP_SECONDS`` (and of
half the systemd watchdog interval), and every wake-up compares the wall clock with the
next due moment. A machine that slept through several due steps and poll times thus runs
*one* pass on waking, which does every step that fell due meanwhile, each once (the engine
compares what should exist with what it recorded). The poll job, like any ``schedule`` job,
runs once after missing several of its times, then plans the next run from the moment it
ran (``Job.run`` → ``_schedule_next_run``); ``tests/test_service.py`` checks both.

Clock changes: ``schedule`` (1.2) keeps its times in naive local time
(``datetime.datetime.now()``), so at the autumn change a 5-minute poll fell due 65 minutes
later and at the spring change too early. The poll job is therefore a ``ClockJob`` of a
``ClockScheduler``: the same ``schedule`` API and behaviour, but "now" is the program's
clock in UTC, which has no daylight saving time. A wall clock stepped forward (NTP, a
suspended machine) makes the poll due once, not once per missed time; stepped back, the
next poll is still at most one interval away.

Failures: a pass that meets a temporary failure (server down, DNS, disk full) logs it
once and comes back sooner, backing off exponentially with jitter up to the poll
interval; the other providers keep working meanwhile. Nothing temporary ends the loop,
and neither does anything else that is no interrupt: a state folder that cannot be used
(read-only, full, a file in its place) is reported with its path and tried again at every
pass, so ``run`` recovers by itself once it is fixed; an unexpected exception (a bug, an
answer nobody planned for) is contained by the engine per item or per provider, and one
that escapes a whole pass is logged once with its traceback (the ``contained`` logger) and
retried like a temporary failure.

Signals: SIGTERM (and SIGINT) let the step in flight finish (the rest of the pass is left to the next run), then the watcher and the
connections are closed and ``run`` returns 0. A second SIGINT interrupts at once. SIGHUP
reloads the configuration file; a broken new file is reported with its keys, and the
configuration running so far stays in force.

systemd (``Type=notify``): READY=1 once the first pass is done, STATUS= with the open
loops and the next step after every pass, WATCHDOG=1 from this loop (never from another
thread) at half the watchdog interval, so a pass that hangs lets the watchdog restart
the service. Desktop notifications: see ``daemon.engine.attention``.

Cheap when idle: before each pass the providers' change checks are asked (the calendar's
``change_token``, the mailbox's ``read_new`` from the last cursor, the state files' stamp);
when nothing changed and no step fell due the pass is left out (``daemon.engine.idle``). The board page
(``daemon.board.write``) is rewritten after every pass that changed what it shows.

Fast to answer: new mail announced by IDLE wakes the loop at once (no delay, no debounce),
and once the first pass is done what reading a reply compiles on first use is compiled
(``_warm_up``), so the first reply after a start costs no more than the next ones.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import signal
import threading
from datetime import datetime, timedelta, timezone

import schedule

from interview_followup.daemon.board import snapshot
from interview_followup.daemon.board.write import Refresher, board_path
from interview_followup.daemon.common import logs
from interview_followup.daemon.engine.attention import Desktop, Notice, notices
from interview_followup.daemon.engine.idle import Quiet
from interview_followup.daemon.clock import Clock
from interview_followup.daemon.config import Config, load
from interview_followup.daemon.engine.reconcile import PassReport, one_pass, plans_from_state
from interview_followup.daemon.errors import FollowupError, NeedsUser, Transient
from interview_followup.daemon.frozen import build_all
from interview_followup.daemon.service.heap import give_back_free_memory
from interview_followup.daemon.loop.planning import SCHEDULED
from interview_followup.daemon.providers import Providers, StopSignal, WatchableMailbox, open_providers
from interview_followup.daemon.service.sdnotify import Notifier
from interview_followup.daemon.store.state import PROBLEMS, State

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30.0
MAX_SLEEP_SECONDS = 60.0  # how late, at most, a wake from suspend is noticed


class ClockJob(schedule.Job):
    """A ``schedule`` job whose "now" is the program's clock in UTC, never local time.

    ``schedule.Job`` reads ``datetime.datetime.now()`` (naive local time) in ``should_run``,
    ``run`` and ``_schedule_next_run``, with no way to pass a clock in: those three are
    replaced here; the builder (``every(n).minutes.do(f)``), ``Scheduler.run_pending``,
    ``CancelJob`` and the ordering of jobs are the library's. ``next_run`` and ``last_run``
    are aware UTC moments. (The library's own time-zone support is for ``.at()`` only: an
    interval job still counts in naive local time.) Only intervals are supported: ``.at()``,
    weekdays and ``.until()`` are times of the local wall clock, where a daylight-saving
    change does matter. Should a later ``schedule`` rename ``_schedule_next_run``, its naive
    ``next_run`` would meet the aware clock and fail at once (TypeError), not silently.
    """

    scheduler: "ClockScheduler"

    def __init__(self, interval: int, scheduler: "ClockScheduler"):
        super().__init__(interval, scheduler)
        self.planned: timedelta | None = None  # the interval the next run was planned with

    def now(self) -> datetime:
        return self.scheduler.clock.now().astimezone(timezone.utc)

    @property
    def should_run(self) -> bool:
        assert self.next_run is not None, "must run _schedule_next_run before"
        return self.seconds_left() <= 0

    def seconds_left(self) -> float:
        """Seconds until the next run (negative when overdue). A wall clock stepped back
        would put it more than one interval away: it is then planned one interval from now."""
        assert self.next_run is not None and self.planned is not None
        now = self.now()
        if self.next_run - now > self.planned:
            self.next_run = now + self.planned
        return (self.next_run - now).total_seconds()

    def run(self):
        schedule.logger.debug("Running job %s", self)
        ret = self.job_func()
        self.last_run = self.now()
        self._schedule_next_run()  # from now: the runs missed meanwhile are not made up
        return ret

    def until(self, until_time):
        raise schedule.ScheduleValueError("until() is a wall-clock time: not supported by a ClockJob")

    def _schedule_next_run(self) -> None:
        if self.unit not in ("seconds", "minutes", "hours", "days", "weeks"):
            raise schedule.ScheduleValueError(
                "Invalid unit (valid units are `seconds`, `minutes`, `hours`, `days`, and `weeks`)")
        if self.at_time is not None or self.start_day is not None:
            raise schedule.ScheduleValueError("at() and weekdays are wall-clock times: not supported by a ClockJob")
        interval = self.interval
        if self.latest is not None:
            if not self.latest >= self.interval:
                raise schedule.ScheduleError("`latest` is greater than `interval`")
            interval = random.randint(self.interval, self.latest)
        self.planned = timedelta(**{self.unit: interval})
        self.next_run = self.now() + self.planned


class ClockScheduler(schedule.Scheduler):
    """A ``schedule.Scheduler`` whose jobs (``ClockJob``) run on ``clock``, in UTC."""

    def __init__(self, clock: Clock):
        super().__init__()
        self.clock = clock

    def every(self, interval: int = 1) -> ClockJob:
        return ClockJob(interval, self)

    @property
    def idle_seconds(self) -> float | None:
        return min((job.seconds_left() for job in self.jobs), default=None)


class Daemon:
    def __init__(self, config: Config, clock: Clock, dry_run: bool = False, stop: threading.Event | None = None,
                 notifier: Notifier | None = None, desktop: Desktop | None = None):
        self.config = config
        self.clock = clock
        self.dry_run = dry_run
        self.stop = stop or threading.Event()
        self.notifier = notifier or Notifier()
        self.desktop = desktop or Desktop()
        self.wake = threading.Event()  # a stop request, new mail, a reload
        self.mail_arrived = threading.Event()
        self.reload_requested = threading.Event()
        self.providers: Providers | None = None
        self.watcher: threading.Thread | None = None
        self.watcher_stop = StopSignal()
        self.failures = 0
        self.wake_at: datetime | None = None  # the clock's moment of the next due step or retry
        self.warned: set[str] = set()
        self.bugs: set[str] = set()  # unexpected exceptions logged in this pass (see ``_bug``)
        self.told: set[str] | None = None  # notice keys already shown (None: not read yet)
        self.passes = 0
        self.last_status = ""
        self.job: ClockJob | None = None  # the poll
        self.board = Refresher()  # the board page, rewritten after a pass that changed it
        self.board_seen = ""  # the plans (and day) the board was last made from
        self.quiet = Quiet()  # the last whole pass, to leave out passes where nothing changed
        self._restore_signals = None  # puts back the handlers found before ``run``

    # --- life ------------------------------------------------------------------------

    def run(self) -> int:
        threading.Thread(target=lambda: (self.stop.wait(), self.wake.set()), daemon=True, name="stop-relay").start()
        if threading.current_thread() is threading.main_thread():
            self._install_signal_handlers()
        self.told = self._notice_keys()  # what was there before this run is not news
        self._start()
        log.info(
            "running; a pass every %d minutes, at each due step%s (drafts only, never sends)%s",
            self.config.timing.poll_minutes,
            " and when mail arrives" if self.watcher else "",
            "; systemd watchdog every %g s" % self.notifier.watchdog_seconds if self.notifier.watchdog_seconds else "",
        )
        self.job.run()  # the first pass
        self.notifier.ready(self.last_status)
        self._warm_up()
        while not self.stop.is_set():
            self.wake.wait(timeout=self._sleep_seconds())
            self.wake.clear()
            if self.stop.is_set():
                break
            self.notifier.watchdog()  # the loop is alive: it woke up and is not stuck in a pass
            reloaded = self.reload_requested.is_set() and self._reload()
            now = self.clock.now()
            due = self.wake_at is not None and now >= self.wake_at
            if reloaded or self.mail_arrived.is_set() or due or self.job.should_run:
                self.mail_arrived.clear()
                self.job.run()  # one pass; the poll interval starts again from now
                self.notifier.watchdog()  # a long pass that did finish is no hang
        self.notifier.stopping()
        if self._restore_signals is not None:
            self._restore_signals()
        self._close()
        log.info("stopped")
        self.notifier.close()
        return 0

    def _warm_up(self) -> None:
        """Once, after the first pass, while nothing is waiting: compile what reading a
        reply compiles on first use (the reply rules' phrases, some 70 ms), so that the
        first reply after a start is no slower than the ones after it. A failure here is
        left to the pass that meets it."""
        try:
            from interview_followup.daemon.mail.classify import Rules

            for rule in Rules.from_config(self.config.replies).rules:
                rule.pattern  # noqa: B018 - compiled and cached on first use
        except Exception as exc:  # noqa: BLE001 - only a warm-up
            if logs.never_contained(exc):
                raise
            log.debug("warming up the reply rules failed (%s); the first reply compiles them", exc)

    def _install_signal_handlers(self) -> None:
        """The handlers only write the signal's number to a pipe: no lock, no Event, no
        logging in them, for the main thread may be inside any of those when a signal comes
        (an Event set from a handler that interrupted that Event's own ``wait`` or ``clear``
        takes its lock a second time and hangs for good, SIGTERM included). The ``signals``
        thread reads the pipe and does the rest. A second SIGINT interrupts at once."""
        read, write = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(write, False)

        def on_signal(signum, _frame):
            if signum == signal.SIGINT and self.stop.is_set():
                raise KeyboardInterrupt  # asked twice at a terminal: stop now
            try:
                os.write(write, bytes((signum,)))
            except OSError:  # full: thousands unread, the thread has enough to act on
                pass

        def relay() -> None:
            while data := os.read(read, 512):
                for signum in data:
                    if signum == signal.SIGHUP:
                        self.reload_requested.set()
                    else:
                        if not self.stop.is_set():
                            log.info("%s: stopping after the step in flight", signal.Signals(signum).name)
                        self.stop.set()
                    self.wake.set()
            os.close(read)

        threading.Thread(target=relay, daemon=True, name="signals").start()
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}

        def restore() -> None:
            for s, handler in previous.items():
                signal.signal(s, handler)
            os.close(write)  # the thread reads the end and closes its side

        self._restore_signals = restore

    def _start(self) -> None:
        """Open the providers and the mail watcher for ``self.config``; schedule the poll."""
        self._open()
        self.job = ClockScheduler(self.clock).every(self.config.timing.poll_minutes).minutes.do(self.work)

    def _open(self) -> BaseException | None:
        """Open what is not open yet; the error when the providers cannot be opened."""
        if self.providers is None:
            try:
                self.providers = open_providers(self.config, self.clock, self.dry_run)
            except FollowupError as exc:  # tried again at the next pass
                return exc
            except Exception as exc:  # noqa: BLE001 - a bug in a provider's open: tried again too
                if logs.never_contained(exc):
                    raise
                return exc
        if self.watcher is None and isinstance(self.providers.mailbox, WatchableMailbox):
            if self.watcher_stop.is_set():  # that of a watcher stopped before: a new one
                self.watcher_stop = StopSignal()
            build_all()  # the records the watcher shares, built before it starts (see daemon.frozen)
            self.watcher = threading.Thread(
                target=self.providers.mailbox.watch, args=(self.watcher_stop, self._new_mail),
                daemon=True, name="mail-watch",
            )
            self.watcher.start()
        return None

    def _close(self) -> None:
        self.watcher_stop.set()
        if self.watcher is not None:
            self.watcher.join(timeout=30)
            if self.watcher.is_alive():
                log.warning("the mail watcher did not stop within 30 s")
            else:
                self.watcher_stop.close()  # (one still running may poll it: left open)
            self.watcher = None
        if self.providers is not None:
            self.providers.close()
            self.providers = None

    def _new_mail(self) -> None:
        self.mail_arrived.set()
        self.wake.set()

    def _sleep_seconds(self) -> float:
        wait = min(MAX_SLEEP_SECONDS, max(0.0, self.job.seconds_left()))
        if self.notifier.watchdog_seconds:
            wait = min(wait, self.notifier.watchdog_seconds / 2)
        if self.wake_at is not None:
            wait = min(wait, max(0.0, (self.wake_at - self.clock.now()).total_seconds()))
        return wait

    # --- configuration ---------------------------------------------------------------

    def _reload(self) -> bool:
        """Load the configuration file again; True when the new one is in force."""
        self.reload_requested.clear()
        path = self.config.path
        try:
            new = load(path)
        except FollowupError as exc:
            log.error("SIGHUP: the configuration was not reloaded, the one loaded before keeps running: %s", exc)
            self.notifier.status(f"{self.last_status}; the new configuration has errors (see the log)")
            return False
        self.notifier.status("reloading the configuration")
        self._close()
        self.config = new
        self.warned.clear()
        self.failures = 0
        self.quiet = Quiet()  # a new configuration: the next pass runs whole
        self._start()
        log.info("SIGHUP: configuration reloaded from %s", path)
        return True

    # --- one pass --------------------------------------------------------------------

    def work(self) -> None:
        self.passes += 1
        problem = self._open()  # providers that could not be opened before: try again
        if problem is not None:
            if not isinstance(problem, FollowupError):
                self._bug("opening the providers", problem)
            report = PassReport(errors=[f"opening the providers: {self._text(problem)}"],
                                needs_user=isinstance(problem, NeedsUser))
            self.quiet.baseline = None
        else:
            started = self.clock.now()
            probe = self.quiet.check(self.providers, self.config, started)
            if probe.quiet:
                log.debug("nothing changed since the last pass: no pass needed")
                return
            try:
                report = one_pass(self.config, self.clock, self.dry_run, self.providers, self.stop.is_set,
                                  mail_read=probe.mail)
            except Transient as exc:  # the state is busy or the disk full, say: try again soon
                report = PassReport(errors=[logs.error_text(exc)])
            except NeedsUser as exc:  # the state folder needs the user: say so, keep running
                report = PassReport(errors=[logs.error_text(exc)], needs_user=True)
            except Exception as exc:  # noqa: BLE001 - never ends the loop: logged once, retried
                if logs.never_contained(exc):
                    raise
                self._bug("the pass", exc)
                report = PassReport(errors=[f"the pass failed unexpectedly: {logs.unexpected(exc)}"])
            self.quiet.after(report, probe, self.config, started)
        self._log(report)
        self.wake_at = report.next_due
        transient = any(problem in ("transient", "unexpected") for problem, _ in report.failing.values())
        if transient or (report.errors and not report.needs_user):
            self.failures += 1
            poll = self.config.timing.poll_minutes * 60.0
            delay = min(poll, FIRST_RETRY_SECONDS * 2 ** (self.failures - 1)) * random.uniform(0.8, 1.2)
            retry = self.clock.now() + timedelta(seconds=delay)
            self.wake_at = min(self.wake_at, retry) if self.wake_at else retry
        else:
            self.failures = 0
        try:
            self._look_at_state(report)
        except FollowupError as exc:
            log.debug("after the pass: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the status line is not worth the loop
            if logs.never_contained(exc):
                raise
            self._bug("the status after the pass", exc)
        try:
            self._refresh_board(report)
        except FollowupError as exc:
            if str(exc) not in self.warned:
                log.warning("the board page was not written: %s", logs.error_text(exc))
            self.warned.add(str(exc))
        except Exception as exc:  # noqa: BLE001 - the page is not worth the loop
            if logs.never_contained(exc):
                raise
            self._bug("the board page after the pass", exc)
        give_back_free_memory()  # the resident size follows what is in use, not the busiest pass

    def _text(self, exc: BaseException) -> str:
        return logs.error_text(exc) if isinstance(exc, FollowupError) else logs.unexpected(exc)

    def _bug(self, what: str, exc: BaseException) -> None:
        """An unexpected exception that ended ``what``: its traceback once while it lasts."""
        key = f"bug: {what}: {logs.unexpected(exc)}"
        if key not in self.warned:
            logs.log_bug(what, exc)
        self.bugs.add(key)

    def _log(self, report: PassReport) -> None:
        for line in report.actions:
            log.info("%s", line)
        # a broken event or a revoked token is worth one line, not one every pass
        for line in report.warnings:
            if line not in self.warned:
                log.warning("%s", line)
        for line in report.errors:
            if line not in self.warned:
                # the engine's lines are neutralised already, and their hint lines are ours
                log.error(line)  # no arguments: not %-formatted
        for role in report.recovered:
            log.info("%s works again", role)
        self.warned = set(report.warnings) | set(report.errors) | self.bugs
        self.bugs = set()

    def _look_at_state(self, report: PassReport) -> None:
        """After a pass: the status line for systemd, and desktop notifications."""
        plans, found = report.plans, report.notices
        if plans is None or found is None:  # the pass did not get that far: read the state
            try:
                state = State.in_memory_copy(self.config.state_dir)
            except FollowupError:
                return  # reported by the pass already
            try:
                plans = plans_from_state(state, self.config, self.clock.now())
                found = {} if self.dry_run else notices(state)
            finally:
                state.close()
        self.last_status = status_line(plans, report, self.clock.now(), self.config)
        self.notifier.status(self.last_status)
        if self.told is None:
            self.told = set()
        for key, notice in found.items():
            if key not in self.told:
                self._tell(notice)
        self.told |= set(found)

    def _refresh_board(self, report: PassReport) -> None:
        """Rewrite the board page (``board.write``) after a pass that changed what it shows:
        one that did something, or whose plans (or day) differ from the last pass's. An idle
        pass compares a digest and reads nothing more."""
        if self.dry_run or report.plans is None:
            return
        now = self.clock.now()
        seen = hashlib.sha256(f"{now.astimezone(self.config.tz).date()}{report.plans!r}".encode()).hexdigest()
        if not report.actions and seen == self.board_seen and board_path(self.config).exists():
            return
        state = State.in_memory_copy(self.config.state_dir)
        try:
            snap = snapshot.read(state, self.config, now, timelines=True, plans=report.plans)
        finally:
            state.close()
        mailbox = self.providers.mailbox if self.providers is not None else None
        self.board.refresh(snap, self.config, snapshot.drafts_place(self.config, self.clock, mailbox))
        self.board_seen = seen

    def _notice_keys(self) -> set[str]:
        try:
            state = State.in_memory_copy(self.config.state_dir)
        except FollowupError:
            return set()
        try:
            return set(notices(state))
        finally:
            state.close()

    def _tell(self, notice: Notice) -> None:
        log.info("for you: %s", notice.title)
        self.desktop.notify(notice)


def status_line(plans, report: PassReport, now: datetime, config: Config) -> str:
    """"2 open loops, next step: followup for Acme on Mon 23 Nov 09:00" (and what fails)."""
    open_loops = [p for p in plans if p.status == "open"]
    text = f"{len(open_loops)} open loop{'' if len(open_loops) == 1 else 's'}"
    upcoming = [(s.due, s, p) for p in plans for s in p.steps if s.state == SCHEDULED and s.due > now]
    if upcoming:
        due, step, p = min(upcoming, key=lambda x: x[0])
        text += f", next step: {step.name} for {p.interview.company or 'an interview'} on " \
                f"{due.astimezone(config.tz):%a %d %b %H:%M}"
    else:
        text += ", no step planned"
    for role, (problem, _) in sorted(report.failing.items()):
        text += f"; {role} {PROBLEMS.get(problem, 'failing')}"
    if report.errors and not report.failing:
        text += "; the last pass failed, retrying"
    return text


def run_forever(config: Config, clock: Clock, dry_run: bool = False, stop: threading.Event | None = None) -> int:
    return Daemon(config, clock, dry_run, stop).run()
