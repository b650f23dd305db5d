"""Whether the daemon's next pass may be left out: nothing changed since the last one.

A pass costs what changed. Before each pass the daemon asks the providers their cheap
change checks, and when none reports a change it does no calendar expansion, no planning
and no reconciling (logged at debug: "nothing changed"). The pass is left out only when
all of these hold, against the last pass that ran whole (``PassReport.whole``: every part
ran, nothing was skipped, no provider failed, no error):

- the calendar's ``change_token()`` is the one taken just before that pass (None, "cannot
  tell", never matches);
- the mailbox has nothing new: ``read_new`` from the cursor that pass left answers no
  message and the same cursor. That answer is handed to the next pass (``MailRead``), which
  uses it instead of asking again;
- the state files are as that pass left them, stamped under its lock (a ``track``, a
  ``done`` or any other command, another process's pass, all write the state);
- no step fell due (``PassReport.next_due``), the local day is the same (the board shows
  the day), and that pass is less than ``HEALTH_REFRESH`` old: the health ``status`` shows
  stays as fresh as before, and whatever else changes with time alone (the calendar's
  window moving on, a loop going silent, a reminder deleted by hand, an edited template)
  is seen within that time;
- no configuration reload since (the daemon starts a new ``Quiet``).

Anything uncertain means a whole pass: an exception in a check, a token of None, no
whole pass yet in this process. Nothing of this is written anywhere: it lives in the
daemon's memory only, so a restart (after a crash too) always begins with a whole pass,
and exactly-once and crash safety stay the engine's, unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from interview_followup.daemon.common import logs
from interview_followup.daemon.config import Config
from interview_followup.daemon.engine.reconcile import MailRead, PassReport, state_stamp
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.providers import Providers
from interview_followup.daemon.store.state import HEALTH_REFRESH

log = logging.getLogger(__name__)


@frozen
class Baseline:
    """What the last whole pass saw, and until when it stands."""

    calendar: str  # the calendar's change token, taken before that pass
    mail_cursor: str | None  # the mailbox cursor the state held after it
    state: str  # the state files' stamp after it
    at: datetime
    until: datetime


@dataclass
class Probe:
    """What the checks before a pass found: the calendar's token (None: unknown) and the
    mailbox's answer when it was asked (for the pass to use)."""

    calendar: str | None = None
    mail: MailRead | None = None
    quiet: bool = False  # nothing changed: leave the pass out


class Quiet:
    """The daemon's memory of its last whole pass (see the module)."""

    def __init__(self) -> None:
        self.baseline: Baseline | None = None

    def check(self, providers: Providers, config: Config, now: datetime) -> Probe:
        """Ask the providers whether anything changed since the baseline. Never raises:
        any doubt is a pass."""
        probe = Probe()
        try:
            probe.calendar = providers.calendar.change_token()
        except Exception as exc:  # noqa: BLE001 - the pass meets it again and reports it
            if logs.never_contained(exc):
                raise
            log.debug("the calendar's change check failed (%s): a whole pass", exc)
            return probe
        base = self.baseline
        if base is None or probe.calendar is None or probe.calendar != base.calendar:
            return probe
        if not base.at <= now < base.until:
            return probe
        if not base.state or state_stamp(config.state_dir) != base.state:
            return probe
        since = now - timedelta(days=config.detection.lookback_days)
        try:
            messages, cursor = providers.mailbox.read_new(base.mail_cursor, since)
        except Exception as exc:  # noqa: BLE001 - the pass meets it again and reports it
            if logs.never_contained(exc):
                raise
            log.debug("the mailbox's change check failed (%s): a whole pass", exc)
            return probe
        if messages or cursor != base.mail_cursor:
            probe.mail = MailRead(base.mail_cursor, messages, cursor)
            return probe
        probe.quiet = True
        return probe

    def after(self, report: PassReport, probe: Probe, config: Config, now: datetime) -> None:
        """Keep what a pass saw as the next baseline when it ran whole; forget it otherwise."""
        self.baseline = None
        if not report.whole or report.errors or report.failing or report.refused \
                or not report.state_stamp or probe.calendar is None:
            return
        local = now.astimezone(config.tz)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=config.tz)
        until = min(now + HEALTH_REFRESH, midnight)
        if report.next_due is not None:
            until = min(until, report.next_due)
        self.baseline = Baseline(probe.calendar, report.mail_cursor, report.state_stamp, now, until)
