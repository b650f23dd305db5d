"""The engine: one pass reads the calendar and the mailbox, plans, and reconciles.

Reconciling compares the planner's steps with the artifacts the state records and makes
the difference real, recording an intent before every external write and the result
after it. An intent left open by a crash is resolved by looking for the artifact's key
before writing again, so no pass ever creates a second copy of anything.

Reminders are written once per pass: each ``put``/``remove`` follows its intent, and one
``ReminderSink.flush`` after the pass's reminder work (``_write_reminders``, also when a
part failed or the pass is stopping) makes them durable; only then are they recorded as
done (and what the pass said of them kept). A flush that fails leaves their intents open
for the next pass, which puts again (a put replaces by key) and takes back what was said.

Containment: nothing from outside stops a pass. An unexpected exception (one that is no
``FollowupError``: a bug, or an answer nobody planned for) is caught where it happened:
- reading one event (its detection), one message (what it means), planning one loop, or
  reconciling one step: that item is skipped and the rest is processed; a provider that
  left an item out of what it read (``logs.skipped``) is treated alike;
- a provider call as a whole (the calendar's read, the mailbox's read): that provider is
  marked failing for this pass ("unexpected", with the exception's type), and the others
  go on.
Each skipped item is named in a warning once (it is kept in the state's ``problems``
until it works again) with its traceback on the ``contained`` logger, and ``status``
lists it. Interrupts, exits and ``MemoryError`` are never caught.

Everything the pass reports (actions, warnings, errors, the provider health it records)
has outside text neutralised (``logs.neutral``: no control characters, no new lines) and
secrets scrubbed (``logs.scrub``), and so do the reminders it writes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from interview_followup.daemon.common import logs
from interview_followup.daemon.engine.attention import Notice, account_reminders, notices
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.loop.compose import build_message
from interview_followup.daemon.config import Config
from interview_followup.daemon.calendar.detection import Detector, event_title
from interview_followup.daemon.loop.steering import event_says, said_of
from interview_followup.daemon.loop.drafting import (
    DRAFT_TEMPLATES,  # noqa: F401 - named here as before
    Templates,
    draft_template,
    draft_recipients,
    check_draft,
    render_draft,
    values_for,
)
from interview_followup.daemon.engine.plans import _LOOPS_TOLD, plans_from_state
from interview_followup.daemon.loop import language, quality
from interview_followup.daemon.errors import NeedsUser, SignInExpired, Transient
from interview_followup.daemon.mail.parse import body_digest
from interview_followup.daemon.model import IGNORED, Draft, Interview, Person, Reminder, StoredDraft, loop_id_for
from interview_followup.daemon.loop.planning import (
    BOUNCE_STEPS,
    DONE,
    LoopPlan,
    Step,
    bounce_advice,
    bounce_step,
    decide_by,
    next_due,
)
from interview_followup.daemon.clock import Clock
from interview_followup.daemon.providers import (
    Mailbox,
    Progress,
    Providers,
    ReminderSink,
    no_progress,
    open_providers,
)
from interview_followup.daemon.mail.classify import Rules
from interview_followup.daemon.mail.replies import Known, understand
from interview_followup.daemon.store.state import (
    CREATED,
    DB_NAME,
    GONE,
    HELD,
    INTENT_CREATE,
    INTENT_REMOVE,
    INTENT_UPDATE,
    LEFT,
    OPEN_INTENTS,
    REMOVED,
    Artifact,
    State,
    exclusive,
)

# the parts of a pass, as the state's ``problems`` name them (``state.PARTS``)
PART_OF = {"calendar": "calendar", "mailbox": "mailbox", "drafts and reminders": "reconcile",
           "reminders": "reminders"}

log = logging.getLogger(__name__)

REMINDER_TEMPLATES = {
    "debrief": "debrief",
    "thank-you-reminder": "thank_you_reminder",
    "thank-you-nudge": "thank_you_nudge",
    "followup-reminder": "followup_reminder",
    "followup-call": "call_script",
    "feedback-request-reminder": "feedback_request_reminder",
    "answer-offer": "answer_offer",
    "answer-info": "answer_info",
    "check-address": "check_address",
    "retry-later": "retry_later",
    "resend-smaller": "resend_smaller",
    "move-on": "move_on",
    "confirm-interview": "confirm_interview",
}
# what a draft is called in a reminder about it
DRAFT_NAMES = {"thank-you": "thank-you draft", "followup": "follow-up draft",
               "feedback-request": "feedback request draft", "decision-time": "draft asking for time to decide"}
ANSWERING = ("feedback-request", "decision-time")  # drafts that answer the employer's message
ROLES = ("calendar", "mailbox", "reminders")
# reminders that ask the user to do something by a time, and the draft each is about
TASKS = {
    "thank-you-reminder": "thank-you",
    "thank-you-nudge": "thank-you",
    "followup-reminder": "followup",
    "followup-call": "",
    "feedback-request-reminder": "feedback-request",
    "answer-offer": "decision-time",
    "answer-info": "",
    "check-address": "",
    "retry-later": "",
    "resend-smaller": "",
    "confirm-interview": "",
}


def reminder_template(step: str) -> str:
    if step.startswith("followup") and step.endswith("-nudge"):
        return "followup_nudge"  # a follow-up still in Drafts a week after it was due
    if step.startswith("followup-") and step.endswith("-reminder"):
        return "followup_reminder"  # the reminder of a second or third follow-up
    return REMINDER_TEMPLATES[step]


def task_of(step: str) -> str | None:
    """The draft a task reminder is about ("" for none), or None when it is no task."""
    if step.startswith("followup") and step.endswith("-nudge"):
        return step.removesuffix("-nudge")
    if step.startswith("followup-") and step.endswith("-reminder"):
        return step.removesuffix("-reminder")
    return TASKS.get(step)


@dataclass
class PassReport:
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # parts of the pass that could not run
    needs_user: bool = False
    next_due: datetime | None = None  # when the next step falls due (for the daemon's sleep)
    failing: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (problem, why): state.PROBLEMS
    recovered: list[str] = field(default_factory=list)  # roles that work again after failing
    # the state after the pass, for the daemon's status line and notifications (None when the
    # pass did not get that far): read under the pass's lock, so the daemon need not read again
    plans: list[LoopPlan] | None = None
    notices: dict[str, Notice] | None = None
    # why the pass did nothing at all (its moment is before the state's last pass), or ""
    refused: str = ""
    # for the daemon's nothing-changed check (``engine.idle``): every part ran whole, with
    # nothing skipped; the mailbox cursor the state holds after the pass; the state files'
    # stamp taken under the pass's lock once the state was closed
    whole: bool = False
    mail_cursor: str | None = None
    state_stamp: str = ""


@frozen
class MailRead:
    """What ``Mailbox.read_new(before, ...)`` answered, read ahead by the daemon's
    nothing-changed check: the pass uses it instead of asking again (a mailbox may answer
    a second question with the same cursor differently: an IMAP NOOP reports new mail
    once)."""

    before: str | None
    messages: list
    cursor: str


def describe(iv: Interview) -> str:
    role = f" ({iv.role})" if iv.role else ""
    return logs.neutral(f"{iv.company or 'unknown company'}{role}")


def _short(text: str, limit: int = 80) -> str:
    text = logs.neutral(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Engine:
    def __init__(
        self,
        config: Config,
        state: State,
        providers: Providers,
        now: datetime,
        templates: Templates | None = None,
        dry_run: bool = False,
    ):
        self.config = config
        self.state = state
        self.providers = providers
        self.now = now
        self.templates = templates or Templates(config.templates_dir, config.profile.language)
        language.use_folder(config.templates_dir)  # the user's own languages' words
        self.dry_run = dry_run
        self.detector = Detector(config.profile, config.detection, config.companies, config.tz)
        self.rules = Rules.from_config(config.replies)
        self.report = PassReport()
        self.stopping: Callable[[], bool] = lambda: False  # true: end the pass after the step in flight
        self.progress: Progress = no_progress  # counts of long work, for a display on a terminal
        self.mail_read: MailRead | None = None  # the mailbox's answer, read ahead (see ``MailRead``)
        self._seen: dict[str, list] = {}  # loop id -> its observations, read once per reconcile
        self._planned: dict[str, tuple[Step, ...]] = {}  # loop id -> its planned steps, in this reconcile
        # items skipped after an unexpected error in this pass: "part:item" -> (part, detail)
        self.skipped: dict[str, tuple[str, str]] = {}
        self.done: set[str] = set()  # the parts that ran whole (their old problems can go)
        self._problems_before: set[str] | None = None
        self._told: set[str] = set()  # unexpected provider failures logged in this pass
        self._intents: dict[str, str] = {}  # artifact key -> the intent recorded in this pass (for history)
        # reminder changes put in the sink and not yet flushed: (record it as done, its line in report.actions)
        self._unwritten: list[tuple[Callable[[], None], int]] = []

    # --- the pass ------------------------------------------------------------------

    def run_pass(self) -> PassReport:
        if self._guarded("calendar", self.sync_calendar):
            self.done.add("calendar")
        if self._guarded("mailbox", self.sync_mail):
            self.done.add("mailbox")
        plans = self.plans()
        self.done.add("plan")
        reconciled = self._guarded("drafts and reminders", lambda: self.reconcile(plans)) \
            and not self.report.failing and not self.stopping()
        accounted = self._guarded("reminders", self._account_reminders)
        if self._write_reminders():  # the reminders of this pass, in one write
            if reconciled:
                self.done.add("reconcile")
            if accounted:
                self.done.add("reminders")
        self.report.next_due = next_due(plans, self.now)
        self.report.whole = self.done >= {"calendar", "mailbox", "plan", "reconcile", "reminders"} \
            and not self.skipped and not self.stopping()
        self._record_health()
        self.report.plans = plans_from_state(self.state, self.config, self.now, self._skip_loop)
        self.report.notices = {} if self.dry_run else self._notices()
        return self.report

    def _account_reminders(self) -> None:
        for record, text in account_reminders(self.state, self.providers.reminders, self.report.failing,
                                               self.now, self.dry_run):
            self.report.actions.append(text)
            self._unwritten.append((record, len(self.report.actions) - 1))

    def _unflushed(self, record: Callable[[], None], action: str) -> None:
        """A reminder change put in the sink: ``action`` is said now, and taken back when
        the flush fails; ``record`` (its step done) runs after the flush."""
        self._say(action)
        self._unwritten.append((record, len(self.report.actions) - 1))

    def _write_reminders(self) -> bool:
        """Flush the reminder sink once (``ReminderSink.flush``), then record the changes
        it made durable. When it fails, their intents stay open (the next pass does them
        again), what was said of them is taken back, and the sink fails for this pass as
        when a step failed. False when it failed."""
        pending, self._unwritten = self._unwritten, []
        # a sink made before ``flush`` existed writes each change at once
        flush = getattr(self.providers.reminders, "flush", lambda: None)
        try:
            flush()
        except (NeedsUser, Transient) as exc:
            self._take_back(pending)
            if "reminders" not in self.report.failing:  # else the failure was already told
                self._failed("reminders", exc)
            return False
        except Exception as exc:  # noqa: BLE001 - contained: see the module
            if logs.never_contained(exc):
                raise
            self._take_back(pending)
            self._failed_unexpectedly("reminders", exc)
            return False
        if not pending:
            return True
        return self._guarded("reminders", lambda: self._record_written(pending))

    def _record_written(self, pending: list[tuple[Callable[[], None], int]]) -> None:
        with self.state.transaction():
            for record, _ in pending:
                record()

    def _take_back(self, pending: list[tuple[Callable[[], None], int]]) -> None:
        for line in sorted((line for _, line in pending), reverse=True):
            del self.report.actions[line]

    def _guarded(self, part: str, work) -> bool:
        """Run one part of the pass; True when it ran whole. A ``FollowupError`` marks the
        part's provider failing; so does an unexpected exception (see the module)."""
        try:
            work()
            return True
        except (NeedsUser, Transient) as exc:
            self._failed(part, exc)
        except Exception as exc:  # noqa: BLE001 - contained: see the module
            if logs.never_contained(exc):
                raise
            self._failed_unexpectedly(part, exc)
        finally:
            self._collect_skipped(PART_OF.get(part, "reconcile"))
        return False

    def _failed(self, part: str, exc: NeedsUser | Transient) -> None:
        needs_user = isinstance(exc, NeedsUser)
        text = logs.error_text(exc)
        self.report.needs_user |= needs_user
        self.report.errors.append(f"{part}: {text}" + ("" if needs_user else " (will retry)"))
        if part in ROLES:
            problem = "sign-in" if isinstance(exc, SignInExpired) else "user" if needs_user else "transient"
            self.report.failing.setdefault(part, (problem, text))

    def _failed_unexpectedly(self, part: str, exc: Exception) -> None:
        """A part stopped by an unexpected exception: its provider fails for this pass
        (``"unexpected"``), named with the exception's type; logged with its traceback
        once while it keeps failing the same way."""
        who = f"the {part} provider" if part in ROLES else part
        detail = f"{who} failed unexpectedly: {logs.unexpected(exc)}"
        before = self.state.health().get(part) if part in ROLES else None
        told = before is not None and not before.ok and before.detail == detail
        if not told and detail not in self._told:
            logs.log_bug(f"the {part} part of this pass", exc)
            self._told.add(detail)
        self.report.errors.append(f"{part}: {detail} (a bug, or an answer it does not know: will retry)")
        if part in ROLES:
            self.report.failing.setdefault(part, ("unexpected", detail))

    def _skip(self, part: str, item: str, what: str, exc: BaseException) -> None:
        """``item`` was skipped after the unexpected ``exc``: named in a warning and logged
        with its traceback the first time, kept in the state's problems while it lasts."""
        if logs.never_contained(exc):
            raise exc
        key = f"{part}:{logs.neutral(item)}"
        detail = logs.unexpected(exc)
        if self._problems_before is None:
            try:
                self._problems_before = set(self.state.problems())
            except (NeedsUser, Transient):
                self._problems_before = set()
        if key not in self.skipped and key not in self._problems_before:
            logs.log_bug(what, exc)
            self._warn(f"{what} was skipped after an unexpected error ({detail}); the rest goes on. "
                       "This is a bug: please report it")
        self.skipped[key] = (part, detail)

    def _collect_skipped(self, part: str) -> None:
        """The items a provider left out of what it read (``logs.skipped``)."""
        for item, exc in logs.take_skipped():
            self._skip(part, item, item, exc)

    def _skip_loop(self, loop_id: str, iv: Interview, exc: BaseException) -> None:
        _LOOPS_TOLD.add(loop_id)
        self._skip("plan", loop_id, f"planning the loop for {describe(iv)} [{loop_id}]", exc)

    def _notices(self) -> dict[str, Notice]:
        try:
            return notices(self.state)
        except (NeedsUser, Transient):
            raise
        except Exception as exc:  # noqa: BLE001 - no desktop notices this time; the pass is done
            if logs.never_contained(exc):
                raise
            if "notices" not in self._told:
                logs.log_bug("the desktop notifications of this pass", exc)
                self._told.add("notices")
            return {}

    def _record_health(self) -> None:
        """Each provider's outcome into the state, for ``status`` and ``doctor``; and the
        items skipped in this pass."""
        with self.state.transaction():
            for role in ROLES:
                failure = self.report.failing.get(role)
                before = self.state.record_health(role, failure, self.now)
                if failure is None and before is not None and not before.ok:
                    self.report.recovered.append(role)
            if not self.dry_run or self.skipped:
                self.state.save_problems(self.skipped, self.done, self.now)

    def _say(self, text: str) -> None:
        self.report.actions.append(logs.scrub(logs.neutral(("would " if self.dry_run else "") + text)))

    def _warn(self, text: str) -> None:
        self.report.warnings.append(logs.scrub(logs.neutral(text)))

    # --- calendar ------------------------------------------------------------------

    def sync_calendar(self) -> None:
        det = self.config.detection
        start = self.now - timedelta(days=det.lookback_days)
        end = self.now + timedelta(days=det.lookahead_days)
        read = self.providers.calendar.read(start, end)
        self.progress("calendar", len(read.events), None, "events")
        for problem in read.problems:
            self._warn(problem)
        self._collect_skipped("calendar")  # events the provider could not read: left out
        found, bad = self._detect(read.events)
        says = event_says(self.state.commands())  # the user's `track` and `ignore`
        found = self._tracked(read.events, found, bad, says)
        found, too_many, series = self.detector.limit_series(found)  # a daily "interview" for months
        for problem in too_many:
            self._warn(problem)
        bad |= series
        for loop_id, iv in self._declined(read.events, bad).items():  # listed by `status`, never followed up
            found.setdefault(loop_id, iv)
        found = {k: iv for k, iv in found.items() if said_of(says, iv.uid, iv.title) != "ignore"}
        known = {iv.loop_id: iv for iv, _ in self.state.loops()}
        with self.state.transaction():
            if read.complete:  # for `track` and `ignore` by title
                self.state.save_events(self._titles(read.events))
            for loop_id, iv in found.items():
                try:
                    self._save_interview(iv, known.get(loop_id))
                except (NeedsUser, Transient):
                    raise
                except Exception as exc:  # noqa: BLE001 - contained: see the module
                    self._skip("calendar", f"{iv.uid}/{iv.recurrence_id}",
                               f"the event {_short(iv.title)!r} ({_short(iv.uid)})", exc)
                    bad.add(iv.uid)
            for loop_id, iv in known.items():
                if loop_id not in found and not iv.cancelled and said_of(says, iv.uid, iv.title) == "ignore":
                    self._save_interview(_replace(iv, cancelled=True, cancelled_reason=IGNORED), iv)
                    continue
                vanished = (
                    read.complete
                    and loop_id not in found
                    and not iv.cancelled
                    and start <= iv.start <= end
                    and iv.start > self.now
                    and iv.uid not in read.bad_uids
                    and iv.uid not in bad
                )
                if vanished:
                    gone = _replace(iv, cancelled=True, warnings=(*iv.warnings, "no longer in the calendar"),
                                    cancelled_reason="it is no longer in the calendar")
                    self.state.save_interview(gone, self.now)
                    self._say(f"cancel the loop for {describe(iv)}: it is no longer in the calendar")
                    self._history(loop_id, "cancelled", "cancelled: it is no longer in the calendar")

    def _tracked(self, events, found: dict[str, Interview], bad: set[str], says: dict[str, str]) -> dict[str, Interview]:
        """``found`` with the events the user tracked (``track``) that detection left out or
        found uncertain (now clear: "tracked by you"), in start order; an event whose checking raises is skipped and named (see the module)."""
        if "track" not in says.values():
            return found
        out = dict(found)
        for event in events:
            uid = str(getattr(event, "uid", ""))
            try:
                known = out.get(loop_id_for(uid, event.recurrence_id))
                if uid in bad or (known is not None and known.certainty != "uncertain") \
                        or said_of(says, uid, event_title(event)) != "track":
                    continue
                iv = self.detector.interview(event, declined_too=True, tracked=True)
            except Exception as exc:  # noqa: BLE001 - contained: see the module
                self._skip("calendar", f"{uid}/{getattr(event, 'recurrence_id', '')}",
                           f"the event {_short(str(getattr(event, 'summary', '')))!r} ({_short(uid)})", exc)
                continue
            if iv is not None:
                out[iv.loop_id] = iv
        return dict(sorted(out.items(), key=lambda kv: (kv[1].start, kv[0])))

    def _titles(self, events) -> dict[str, tuple[str, datetime]]:
        """UID -> (title, first start) of the events read, this program's reminders left out."""
        out: dict[str, tuple[str, datetime]] = {}
        for event in sorted(events, key=lambda e: e.start):
            if event.uid not in out and not self.detector.is_ours(event):
                out[event.uid] = (event_title(event), event.start)
        return out

    def _history(self, loop_id: str, kind: str, text: str) -> None:
        self.state.add_history(loop_id, self.now, kind, logs.neutral(text))

    def _save_interview(self, iv: Interview, before: Interview | None) -> None:
        """Record ``iv``. A cancelled or declined interview seen for the first time is
        recorded too, cancelled with its reason: ``status`` lists it, nothing is planned.
        A loop the program has followed as an interview stays one when the evidence later
        reads as uncertain (a title edited, rules that changed): its drafts and reminders are
        already out, and a question now would leave them orphaned."""
        if before is not None and before.certainty == "clear" and iv.certainty == "uncertain":
            iv = _replace(iv, certainty=before.certainty, found_by=before.found_by)
        if not self.state.save_interview(iv, self.now):
            return
        why = iv.cancelled_reason or "the event was cancelled"
        found = f"found {iv.title!r} on {self._when(iv.start)}: " + _decision_words(iv)
        if before is None and iv.cancelled:
            self._say(f"list the interview with {describe(iv)} on {self._when(iv.start)} as cancelled "
                      f"({why}): nothing is planned for it")
            self._history(iv.loop_id, "found", f"{found}; cancelled ({why}): nothing is planned")
        elif before is None and iv.certainty == "uncertain":
            self._say(f"ask whether {iv.title!r} on {self._when(iv.start)} is an interview (nothing is drafted "
                      f"until you `track` or `ignore` it)")
            self._history(iv.loop_id, "found", found)
        elif before is None:
            self._say(f"add the interview with {describe(iv)} on {self._when(iv.start)}")
            for w in iv.warnings:
                self._warn(f"{describe(iv)}: {w}")
            self._history(iv.loop_id, "found", found)
        elif iv.cancelled and not before.cancelled:
            self._say(f"cancel the loop for {describe(iv)}: {why}")
            self._history(iv.loop_id, "cancelled", f"cancelled: {why}")
        elif before.cancelled and not iv.cancelled:
            self._say(f"reopen the loop for {describe(iv)}: the event is an interview again")
            self._history(iv.loop_id, "reopened", f"reopened: {found}")
        elif iv.certainty != before.certainty:
            now_is = "an interview" if iv.certainty == "clear" else "uncertain (you are asked)"
            self._say(f"the event {iv.title!r} is now {now_is}")
            self._history(iv.loop_id, "found", f"now {_decision_words(iv)}")
        elif (iv.start, iv.end) != (before.start, before.end):
            self._say(f"move the loop for {describe(iv)} to {self._when(iv.start)}")
            self._history(iv.loop_id, "moved", f"moved to {self._when(iv.start)}")

    def _declined(self, events, bad: set[str]) -> dict[str, Interview]:
        """The interviews among ``events`` the user declined, cancelled ("you declined it"),
        by loop id; an event whose checking raises is skipped and named (see the module)."""
        out: dict[str, Interview] = {}
        for event in events:
            uid = str(getattr(event, "uid", ""))
            try:
                if uid in bad or not self.detector.declined(event):
                    continue
                iv = self.detector.interview(event, declined_too=True)
            except Exception as exc:  # noqa: BLE001 - contained: see the module
                self._skip("calendar", f"{uid}/{getattr(event, 'recurrence_id', '')}",
                           f"the event {_short(str(getattr(event, 'summary', '')))!r} ({_short(uid)})", exc)
                continue
            if iv is not None:
                out.setdefault(iv.loop_id, iv)
        return self.detector.limit_series(out)[0]

    def _detect(self, events) -> tuple[dict[str, Interview], set[str]]:
        """The interviews among ``events`` by loop id (in start order), and the UIDs of the
        events whose detection raised unexpectedly: each of those is skipped (and its loop,
        if known, is not taken for vanished), the rest detected as usual."""
        try:
            return {iv.loop_id: iv for iv in self.detector.detect(events)}, set()
        except Exception as exc:  # noqa: BLE001 - one bad event: find it below
            if logs.never_contained(exc):
                raise
        found: dict[str, Interview] = {}
        bad: set[str] = set()
        for event in events:
            try:
                interviews = self.detector.detect([event])
            except Exception as exc:  # noqa: BLE001 - contained: see the module
                uid = str(getattr(event, "uid", ""))
                bad.add(uid)
                self._skip("calendar", f"{uid}/{getattr(event, 'recurrence_id', '')}",
                           f"the event {_short(str(getattr(event, 'summary', '')))!r} ({_short(uid)})", exc)
                continue
            for iv in interviews:
                found.setdefault(iv.loop_id, iv)
        ordered = sorted(found.values(), key=lambda iv: (iv.start, iv.loop_id))
        return {iv.loop_id: iv for iv in ordered}, bad

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self.config.tz)
        return f"{local:%a %Y-%m-%d %H:%M}"

    # --- mail ----------------------------------------------------------------------

    def sync_mail(self) -> None:
        since = self.now - timedelta(days=self.config.detection.lookback_days)
        before = self.state.cursor("mailbox")
        ahead, self.mail_read = self.mail_read, None
        if ahead is not None and ahead.before == before:
            messages, cursor = ahead.messages, ahead.cursor
        else:
            messages, cursor = self.providers.mailbox.read_new(before, since)
        if not messages and cursor == before:
            self.report.mail_cursor = before
            return  # nothing new: no write to the state at all
        known = self._known()
        by_id = {iv.loop_id: iv for iv in known.interviews}
        self._collect_skipped("mailbox")  # messages the provider could not read: left out
        with self.state.transaction():
            for msg in messages:
                try:
                    self._note(msg, known, by_id)
                except (NeedsUser, Transient):
                    raise
                except Exception as exc:  # noqa: BLE001 - contained: see the module
                    ref = str(getattr(msg, "ref", ""))
                    self._skip("mailbox", ref, f"the message {_short(ref)}", exc)
            self.state.set_cursor("mailbox", cursor)
        self.report.mail_cursor = cursor

    def _note(self, msg, known: Known, by_id: dict[str, Interview]) -> None:
        """What one message means, recorded."""
        obs = understand(msg, known, self.now, self.rules)
        if obs and self.state.add_observation(obs):
            self._say(_noted(obs, describe(by_id[obs.loop_id])))
            if obs.kind == "sent":
                if obs.message_id:
                    known.sent_ids.setdefault(obs.loop_id, set()).add(obs.message_id)
                if obs.thread_id:
                    known.sent_threads.setdefault(obs.loop_id, set()).add(obs.thread_id)

    def _known(self) -> Known:
        sent_ids: dict[str, set[str]] = {}
        sent_threads: dict[str, set[str]] = {}
        for o in self.state.observations():
            if o.kind == "sent" and o.message_id:
                sent_ids.setdefault(o.loop_id, set()).add(o.message_id)
            if o.kind == "sent" and o.thread_id:
                sent_threads.setdefault(o.loop_id, set()).add(o.thread_id)
        return Known(
            interviews=[iv for iv, _ in self.state.loops()],
            debriefs=self.state.debriefs(),
            user_emails=self.config.profile.emails,
            user_domain=self.config.profile.email.rpartition("@")[2],
            sent_ids=sent_ids,
            sent_threads=sent_threads,
            agency_domains=self.config.companies.agencies,
        )

    # --- planning ------------------------------------------------------------------

    def plans(self) -> list[LoopPlan]:
        return plans_from_state(self.state, self.config, self.now, self._skip_loop)

    # --- reconciling ---------------------------------------------------------------

    def reconcile(self, plans: list[LoopPlan]) -> None:
        artifacts = self.state.artifacts()
        debriefs = self.state.debriefs()
        self._seen = {}
        for o in self.state.observations():
            self._seen.setdefault(o.loop_id, []).append(o)
        self._planned = {p.interview.loop_id: p.steps for p in plans}
        # providers that failed in this pass are left alone until the next
        failed: set[str] = set(self.report.failing)
        for p in plans:
            if self.stopping():
                self._warn("stopped before every step was reconciled; the next run goes on")
                return
            # drafts first: the thank-you reminder reports the draft's checks
            drafts = [s for s in p.steps if s.artifact == "draft"]
            for step in drafts:
                self._step(failed, "mailbox", self._reconcile_draft, p, step, artifacts.get(step.key), debriefs)
            if drafts:  # what the drafts' reconciling recorded, for their reminders
                keys = [s.key for s in drafts]
                for key in keys:
                    artifacts.pop(key, None)
                artifacts.update(self.state.artifacts(keys))
            for step in p.steps:
                if step.artifact == "reminder":
                    self._step(failed, "reminders", self._reconcile_reminder, p, step,
                               artifacts.get(step.key), artifacts, debriefs)

    def _step(self, failed: set[str], provider: str, work, p: LoopPlan, step: Step, *args) -> None:
        """One step's reconciliation; a provider that fails is skipped for the rest of the
        pass; a step that raises unexpectedly is skipped, the others go on."""
        if provider in failed or self.stopping():
            return
        try:
            work(p, step, *args)
        except (NeedsUser, Transient) as exc:
            failed.add(provider)
            self._failed(provider, exc)
        except Exception as exc:  # noqa: BLE001 - contained: see the module
            self._skip("reconcile", step.key, f"the {step.name} {step.artifact} for {describe(p.interview)}", exc)
        finally:
            self._collect_skipped("reconcile")

    def _record(self, step: Step, status: str, ref: str = "", digest: str = "", note: str = "", kind: str = "",
                inputs: str = "", previous: str = "") -> None:
        a = Artifact(step.key, step.loop_id, step.name, kind or step.artifact, status, ref, digest, note,
                     inputs, previous)
        self.state.record(a, self.now)
        self._artifact_history(step, status, note)

    def _artifact_history(self, step: Step, status: str, note: str) -> None:
        """An artifact's new status in its loop's history: written, updated, removed, left,
        held, gone (an intent is no decision: it says which of written and updated it was)."""
        if status in OPEN_INTENTS:
            self._intents[step.key] = status
            return
        before = self._intents.pop(step.key, "")
        what = f"the {step.name}" + ("" if step.name.endswith(f"-{step.artifact}") else f" {step.artifact}")
        why = f" ({step.detail})" if step.detail else ""
        if status == CREATED:
            verb = "updated" if before == INTENT_UPDATE else "wrote" if step.artifact == "draft" else "added"
            text = f"{verb} {what} for {self._when(step.due)}{why}"
        elif status == REMOVED:
            text = f"removed {what}{why}"
        elif status == GONE:
            text = f"{what} left Drafts: sent or deleted by you"
        elif status == LEFT:
            text = f"left {what} in Drafts: you edited it{why}"
        elif status == HELD:
            text = f"held {what} back: {note}"
        else:
            return
        self._history(step.loop_id, step.artifact, text)

    def _reconcile_draft(self, p: LoopPlan, step: Step, current: Artifact | None, debriefs) -> None:
        """Make the draft of ``step`` what the plan wants: written once (never a second copy,
        never again after the user sent or deleted it), rewritten while untouched when what it
        was made from changes, held back while it fails the checks, removed while untouched
        when no longer wanted. An edited draft is the user's: left, and the change reported."""
        mailbox = self.providers.mailbox
        iv = p.interview
        debrief = debriefs.get(iv.loop_id)
        if step.want:
            if current is not None and current.status == INTENT_UPDATE:
                self._finish_rewrite(p, step, current, debrief)
                return
            if current is not None and current.status == CREATED:
                self._rewrite_if_changed(p, step, current, debrief)
                return
            if current is not None and current.status not in (INTENT_CREATE, REMOVED, HELD):
                return  # written before: never written twice, even if the user deleted it
            # (REMOVED: the program took its untouched draft away when it was no longer
            # wanted, e.g. a promise moved the follow-up later: written again when due)
            if current is not None and current.status != HELD:  # a crash after the intent: was it written?
                found = mailbox.find_draft(step.key)
                if found is not None:
                    self._record(step, CREATED, found.ref, current.digest, current.note, inputs=current.inputs)
                    return
            rendered = self._render_draft(p, step, debrief)
            if self._held(p, step, current, rendered):
                return
            self._record(step, INTENT_CREATE, "", rendered.digest, rendered.note, inputs=rendered.inputs)
            stored = mailbox.write_draft(rendered.draft)
            self._record(step, CREATED, stored.ref, rendered.digest, rendered.note, inputs=rendered.inputs)
            self._say(f"write the {step.name} draft for {describe(iv)} {self._written_to(stored, rendered)}")
            for w in rendered.warnings:
                self._warn(f"{describe(iv)}, {step.name} draft: {w}")
            return
        if current is None or current.status not in (CREATED, INTENT_CREATE, INTENT_REMOVE, INTENT_UPDATE):
            return
        found = mailbox.find_draft(step.key)
        if found is None:
            self._record(step, GONE if current.status == CREATED else REMOVED, current.ref, current.digest, current.note)
            return
        untouched = body_digest(found.message) in (current.digest, current.previous or current.digest)
        if not untouched:
            self._record(step, LEFT, found.ref, current.digest, "you edited it, so it was left in Drafts")
            self._warn(
                f"{describe(iv)}: the {step.name} draft was edited by you, so it was left in Drafts ({p.reason or step.detail})"
            )
            return
        self._record(step, INTENT_REMOVE, found.ref, current.digest, current.note)
        mailbox.remove_draft(found)
        self._record(step, REMOVED, found.ref, current.digest, current.note)
        self._say(f"remove the untouched {step.name} draft for {describe(iv)} ({p.reason or step.detail})")

    def _written_to(self, stored: StoredDraft, rendered: Rendered) -> str:
        """"to RECIPIENTS in FOLDER", read from the message written (what it printed is what it did)."""
        to = addressed_to(stored.message or rendered.draft.message) or "nobody yet (no usable address: add one)"
        return f"to {to} in {logs.neutral(self.providers.mailbox.place())}"

    def _held(self, p: LoopPlan, step: Step, current: Artifact | None, rendered: Rendered) -> bool:
        """True when the draft fails the quality checks: it is not written; the state keeps
        what to fix (its reminder and ``status`` show it), said once while it stays the same."""
        problems = self._problems(rendered)
        if not problems:
            return False
        note = "not written: " + "; ".join(problems)
        if current is None or current.status != HELD or current.note != note:
            self._record(step, HELD, "", rendered.digest, note, inputs=rendered.inputs)
            self._warn(f"{describe(p.interview)}: the {step.name} draft was {note}")
        return True

    def _rewrite_if_changed(self, p: LoopPlan, step: Step, current: Artifact, debrief) -> None:
        """A draft written before: rewritten when what it was made from changed (a debrief,
        a corrected date or role, a new contact) and the user has not touched it; an edited
        one is left, and the change reported once."""
        # what a rendering depends on, cheaply: unchanged since this process last found the
        # draft up to date, there is nothing to render (an idle pass of the daemon)
        cfg = self.config
        probe = repr((p.interview, debrief, cfg.profile, cfg.drafts, cfg.tz.key, p.outcome,
                      len(self._seen.get(p.interview.loop_id, ())), self.now.astimezone(cfg.tz).date()))
        if _UP_TO_DATE.get(step.key) == (probe, current.inputs):
            return
        rendered = self._render_draft(p, step, debrief)
        if not current.inputs:  # written by an older version: remember what it was made from
            self._record(step, CREATED, current.ref, current.digest, current.note, inputs=rendered.inputs)
            return
        if _made_from(current.inputs)["text"] == _made_from(rendered.inputs)["text"]:
            if len(_UP_TO_DATE) > 10_000:
                _UP_TO_DATE.clear()
            _UP_TO_DATE[step.key] = (probe, current.inputs)
            return
        iv = p.interview
        why = _what_changed(current.inputs, rendered.inputs)
        mailbox = self.providers.mailbox
        found = mailbox.find_draft(step.key)
        if found is None:  # sent or deleted by the user since: nothing to rewrite
            self._record(step, GONE, current.ref, current.digest, current.note, inputs=rendered.inputs)
            return
        if body_digest(found.message) != current.digest:
            self._record(step, CREATED, found.ref, current.digest, current.note, inputs=rendered.inputs)
            self._warn(f"{describe(iv)}: the {step.name} draft was edited by you, so it was left as it is; "
                       f"since it was written, {why}: look it over before sending")
            return
        problems = self._problems(rendered)
        if problems:  # the old draft stays until the new one can be written
            note = "not rewritten: " + "; ".join(problems)
            if current.note != note:
                self._record(step, CREATED, current.ref, current.digest, note, inputs=current.inputs)
                self._warn(f"{describe(iv)}: {why}, but the {step.name} draft was {note}")
            return
        self._record(step, INTENT_UPDATE, found.ref, rendered.digest, rendered.note, inputs=rendered.inputs,
                     previous=current.digest)
        mailbox.remove_draft(found)
        stored = mailbox.write_draft(rendered.draft)
        self._record(step, CREATED, stored.ref, rendered.digest, rendered.note, inputs=rendered.inputs)
        self._say(f"rewrite the untouched {step.name} draft for {describe(iv)} ({why}) {self._written_to(stored, rendered)}")

    def _finish_rewrite(self, p: LoopPlan, step: Step, current: Artifact, debrief) -> None:
        """A rewrite a crash interrupted: the old draft is removed before the new one is
        written, so the mailbox holds the old one, the new one, or neither; never both."""
        mailbox = self.providers.mailbox
        found = mailbox.find_draft(step.key)
        if found is not None:
            digest = body_digest(found.message)
            if digest == current.digest:  # the new one was written
                self._record(step, CREATED, found.ref, current.digest, current.note, inputs=current.inputs)
                return
            if digest != current.previous:  # edited by the user in between: theirs now
                self._record(step, CREATED, found.ref, current.previous, current.note, inputs=current.inputs)
                self._warn(f"{describe(p.interview)}: the {step.name} draft was edited by you, so it was left as it is")
                return
            mailbox.remove_draft(found)  # the old one, untouched
        rendered = self._render_draft(p, step, debrief)
        if self._held(p, step, current, rendered):
            return
        self._record(step, INTENT_UPDATE, "", rendered.digest, rendered.note, inputs=rendered.inputs,
                     previous=current.previous)
        stored = mailbox.write_draft(rendered.draft)
        self._record(step, CREATED, stored.ref, rendered.digest, rendered.note, inputs=rendered.inputs)
        self._say(f"rewrite the {step.name} draft for {describe(p.interview)} {self._written_to(stored, rendered)}")

    def _render_draft(self, p: LoopPlan, step: Step, debrief) -> Rendered:
        """The draft of ``step`` as it would be written now, what it was made from, and what
        the checks found (``problems``: it must not be written; ``warnings``: worth a look)."""
        cfg = self.config
        iv = p.interview
        answer = self._answer(p) if step.name in ANSWERING else None
        # never the user, never a robot: a tracking system's answer goes to the loop's people
        to, no_one = draft_recipients(iv, debrief, cfg.profile.emails, answer.address if answer is not None else "")
        code, _ = self.draft_language(p, debrief)
        extra = self._extra(p, code)
        template = self._draft_template(step.name, iv.loop_id, code)
        names = cfg.drafts.greeting_names

        def render(**more: str):  # the same pure function the property test checks
            return render_draft(self.templates, template, iv, debrief, cfg.profile, cfg.tz, self.now, to,
                                language=code, names=names, extra={**extra, **more})

        text = render()
        attachments = cfg.drafts.attachments if step.name == "thank-you" else ()
        warnings = check_draft(text.body, iv, attachments, cfg.drafts.max_words, names=names) \
            if step.name == "thank-you" else []
        warnings += language.left_out(cfg.profile, code, self.templates.source(template, code))
        if no_one and not (step.name == "thank-you" and not iv.interviewers):  # else check_draft says it
            warnings.append(no_one)
        sender = Person(cfg.profile.email, cfg.profile.name)
        if answer is not None:
            answers = answer.message_id
        else:
            answers = self._sent_in_loop(iv.loop_id) if step.name.startswith("followup") else ""
        references: tuple[str, ...] = ()
        if step.name.startswith("followup-"):  # a second follow-up answers the first, as sent
            answers, references = self._followup_thread(iv.loop_id, step.name) or (answers, ())
        raw, build_warnings = build_message(
            in_reply_to=answers,
            references=references,
            key=step.key,
            sender=sender,
            to=to,
            subject=text.head,
            body=text.body,
            when=self.now,
            attachments=tuple(a for a in attachments if a.is_file()),
        )
        # what it is made from: the text as it would read on any day ("today" and "yesterday"
        # change by themselves and are no reason to rewrite it), and why that changed
        timeless = render(when="")
        inputs = _inputs(
            interview=(iv.start, iv.end, iv.company, iv.role, iv.interviewers, iv.contact),
            debrief=(debrief.contact, debrief.asked_about, debrief.open_questions, debrief.forgot_to_ask,
                     debrief.role, debrief.company, debrief.language) if debrief else None,
            text=(template, timeless.head, timeless.body, [x.display() for x in to], sender.display(), answers,
                  [str(a) for a in attachments]),
        )
        warnings += build_warnings
        greets = "${greeting}" in self.templates.source(template, code)
        return Rendered(Draft(step.key, raw), body_digest(raw), warnings, inputs, iv, tuple(to), greets)

    def _problems(self, rendered: Rendered) -> list[str]:
        """What keeps a draft from being written (``loop.quality``): each says what to fix.
        Checked only when a draft is about to be written or rewritten, never on idle passes."""
        iv = rendered.interview
        return quality.problems(
            rendered.draft.message,
            user_emails=self.config.profile.emails,
            people_in_loop=[*iv.interviewers, *([iv.contact] if iv.contact else []), *rendered.to],
            greeting_style=self.config.drafts.greeting_names,
            known=[iv.company, iv.role],
            greets=rendered.greets,
        )

    def _answer(self, p: LoopPlan):
        """The employer's message that decided the loop's outcome (what its drafts answer)."""
        outcome = {"rejected": "rejection", "offer": "offer"}.get(p.outcome)
        if outcome is None:
            return None
        replies = [o for o in self._seen.get(p.interview.loop_id, ()) if o.kind == "reply" and o.outcome == outcome]
        return replies[-1] if replies else None

    def draft_language(self, p: LoopPlan, debrief) -> tuple[str, str]:
        """The language of the loop's drafts, and why in words (``language.choose``)."""
        return language.choose(p.interview, debrief, self.config)

    def _values(self, p: LoopPlan, debrief, code: str = language.DEFAULT) -> dict[str, str]:
        cfg = self.config
        return {**values_for(p.interview, debrief, cfg.profile, cfg.tz, self.now, code), **self._extra(p, code)}

    def _extra(self, p: LoopPlan, code: str) -> dict[str, str]:
        """The values that come from the loop's mail, not from the interview: the employer's
        words, the day to decide by, the addresses that bounced."""
        cfg = self.config
        values: dict[str, str] = {}
        answer = self._answer(p)
        if answer is not None:
            values["their_words"] = answer.phrase
            if p.outcome == "offer":
                by = decide_by(answer, cfg.timing, cfg.tz)
                values["decide_by"] = language.long_date(by, language.words(code))
        values["bounced"] = ", ".join(f.removeprefix("your mail to ").split(" bounced")[0] for f in p.flags)
        return values

    def _draft_template(self, step: str, loop_id: str, code: str = language.DEFAULT) -> str:
        """``draft_template``; a ``followup.txt`` of the user's (in the draft's language
        ``code``) stays theirs for every first follow-up, unless they also wrote a
        ``followup_first.txt``."""
        name = draft_template(step, self._thanked(loop_id))
        own = self.templates.own
        if name == "followup_first" and own("followup", code) and not own("followup_first", code):
            return "followup"
        return name

    def _thanked(self, loop_id: str) -> bool:
        """Whether the loop's thank-you was really sent (seen in Sent), as the planner reads it."""
        return any(s.name == "thank-you" and s.state == DONE for s in self._planned.get(loop_id, ()))

    def _followup_thread(self, loop_id: str, step: str) -> tuple[str, tuple[str, ...]] | None:
        """(In-Reply-To, References) of follow-up no. N: the follow-up before it as you sent
        it, after the thread that one answered (your thank-you, the earlier follow-ups); None
        when it was not seen in Sent with a Message-ID."""
        number = int(step.rpartition("-")[2]) if step.rpartition("-")[2].isdigit() else 2
        before = "followup" if number == 2 else f"followup-{number - 1}"
        sent = sorted((o for o in self._seen.get(loop_id, ()) if o.kind == "sent" and o.message_id),
                      key=lambda o: o.at)
        previous = next((o for o in reversed(sent) if o.step == before), None)
        if previous is None:  # sent without the key: the latest mail you sent in the loop
            done = next((s for s in self._planned.get(loop_id, ()) if s.name == before), None)
            previous = next((o for o in reversed(sent) if not o.step and (done is None or o.at >= done.due)), None)
        if previous is None:
            return None
        earlier = [o.message_id for o in sent if o.at < previous.at and o.message_id != previous.message_id]
        return previous.message_id, (*dict.fromkeys(earlier), previous.message_id)

    def _sent_in_loop(self, loop_id: str) -> str:
        """The Message-ID of the mail you sent in this loop (the thank-you first), or ""."""
        sent = [o for o in self._seen.get(loop_id, ()) if o.kind == "sent" and o.message_id]
        sent.sort(key=lambda o: (o.step != "thank-you", o.at))
        return sent[0].message_id if sent else ""

    def _reconcile_reminder(self, p: LoopPlan, step: Step, current: Artifact | None, artifacts, debriefs) -> None:
        sink = self.providers.reminders
        iv = p.interview
        if step.want:
            reminder = self._render_reminder(p, step, artifacts, debriefs)
            digest = _reminder_digest(reminder)
            if current is not None and current.status == CREATED and current.digest == digest:
                return
            fresh = current is None or current.status in (REMOVED, INTENT_CREATE)
            self._record(step, INTENT_CREATE if fresh else INTENT_UPDATE, "", digest)
            sink.put(reminder)
            verb = "add" if fresh else "update"
            # done once flushed (``_write_reminders``)
            self._unflushed(lambda: self._record(step, CREATED, reminder.key, digest),
                            f"{verb} the reminder {reminder.title!r} on {self._when(reminder.start)} "
                            f"in {logs.neutral(sink.place())}")
            return
        if current is None or current.status not in (CREATED, *OPEN_INTENTS):
            return
        self._record(step, INTENT_REMOVE, current.ref, current.digest)
        sink.remove(step.key)
        self._unflushed(lambda: self._record(step, REMOVED, current.ref, current.digest),
                        f"remove the reminder for {step.name} of {describe(iv)} ({p.reason or step.detail})")

    def _render_reminder(self, p: LoopPlan, step: Step, artifacts, debriefs) -> Reminder:
        cfg = self.config
        iv = p.interview
        # for the user: in the profile's language where the reminder has a template in it
        values = self._values(p, debriefs.get(iv.loop_id), self.templates.language_of(reminder_template(step.name)))
        if step.name in BOUNCE_STEPS.values():  # the addresses whose bounce asks for this
            values["bounced"] = ", ".join(sorted({o.address for o in self._seen.get(iv.loop_id, ())
                                                  if o.kind == "bounce" and o.address and bounce_step(o) == step.name}))
        about = task_of(step.name)
        draft = artifacts.get(f"{iv.loop_id}.{about}") if about else None
        template = reminder_template(step.name)
        if draft is not None and draft.status == HELD:  # no draft waits: say what to fix instead
            template = "draft_held"
            values["draft_name"] = DRAFT_NAMES.get(about.partition("-")[0] if about.startswith("followup") else about,
                                                   "draft")
            values["check_report"] = "\n".join(f"- {x}" for x in draft.note.removeprefix("not written: ").split("; "))
        elif draft is not None and draft.note and draft.status == CREATED:
            values["check_report"] = "Check before sending: " + draft.note
        text = self.templates.render(template, values)
        link = self.providers.mailbox.draft_link(f"{iv.loop_id}.{about}") if about else ""
        return Reminder(
            key=step.key,
            title=logs.scrub(text.head),
            start=step.due,
            description=logs.scrub(text.body + (f"\n\nOpen the draft: {link}" if link else "")),
            duration=timedelta(minutes=cfg.timing.reminder_minutes),
            alarm_before=timedelta(minutes=cfg.timing.alarm_minutes_before),
            task=about is not None,
            link=link,
        )


def _decision_words(iv: Interview) -> str:
    """The detection's decision about ``iv`` and its reasons, for the loop's history."""
    if iv.certainty == "uncertain":
        return "maybe an interview (uncertain: you are asked, nothing is drafted)" + (
            f" because {iv.found_by}" if iv.found_by else "")
    return f"an interview because {iv.found_by}" if iv.found_by else "an interview"


def addressed_to(raw: bytes) -> str:
    """The To header of a message, as "Name <address>, address": what ``once`` prints for a
    draft is read from the draft itself, never worked out again."""
    from email import message_from_bytes
    from email.policy import default

    try:
        header = message_from_bytes(raw, policy=default).get("To")
        people = getattr(header, "addresses", ()) if header is not None else ()
        return ", ".join(f"{a.display_name} <{a.addr_spec}>" if a.display_name else a.addr_spec for a in people)
    except Exception as exc:  # noqa: BLE001 - a header the parser rejects: say so, do not guess
        if logs.never_contained(exc):
            raise
        return "(its To header cannot be read)"


@frozen
class Rendered:
    """A draft rendered by the engine, before it is written."""

    draft: Draft
    digest: str  # of its body (``body_digest``): a draft whose body differs was edited by the user
    warnings: list[str]
    inputs: str  # what it was made from (``_inputs``)
    interview: Interview
    to: tuple[Person, ...]
    greets: bool = True  # its template opens with the program's greeting (``${greeting}``)

    @property
    def note(self) -> str:
        return "; ".join(self.warnings)


# drafts found up to date by this process: key -> (what their rendering depended on, their
# inputs). A user's template edited while the daemon runs is read at its next restart.
_UP_TO_DATE: dict[str, tuple[str, str]] = {}


def _inputs(**parts) -> str:
    """"name=digest;..." of each part a draft is made from: equal text, no rewrite; when it
    differs, the other parts say why (``_what_changed``)."""
    return ";".join(f"{name}={hashlib.sha256(repr(value).encode()).hexdigest()[:12]}"
                    for name, value in parts.items())


def _made_from(inputs: str) -> dict[str, str]:
    return dict(part.partition("=")[::2] for part in inputs.split(";") if part)


WHAT_CHANGED = {"interview": "the interview changed in the calendar", "debrief": "your debrief changed"}


def _what_changed(before: str, after: str) -> str:
    old, new = _made_from(before), _made_from(after)
    said = [words for part, words in WHAT_CHANGED.items() if old.get(part) != new.get(part)]
    return " and ".join(said) or "its template or your profile changed"


def _reminder_digest(r: Reminder) -> str:
    parts = [r.key, r.title, r.description, r.start.isoformat(), str(r.duration), str(r.alarm_before)]
    if r.task or r.link:  # plain reminders keep the digest they had before these fields existed
        parts += [str(r.task), r.link]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def _noted(o, loop: str) -> str:
    """The line a pass prints for a message it understood."""
    if o.kind == "sent":
        return f"note mail you sent about {loop}: {o.reason}"
    if o.kind == "out-of-office":
        return f"note an absence for {loop}: back on {o.returns_on.isoformat()} ({o.reason})"
    if o.kind == "bounce":
        return f"note a bounce for {loop}: your mail to {o.address} was not delivered: {bounce_advice(o)}"
    said = f' ("{o.phrase}")' if o.phrase else ""
    if o.promises_answer:
        by = f" by {o.returns_on.isoformat()}" if o.returns_on else ""
        return f"note a promise for {loop}: they will answer{by}{said}, {o.reason}"
    if o.undecided:
        return f"note a message that may be the answer for {loop}: {o.reason}"
    return f"note the answer for {loop}: {o.outcome}{said}, {o.reason}"


def _replace(iv, **changes):
    from dataclasses import replace

    return replace(iv, **changes)


class DryRunMailbox:
    """Reads through to the real mailbox; writes nothing."""

    def __init__(self, real: Mailbox):
        self.real = real

    def find_draft(self, key: str) -> StoredDraft | None:
        return self.real.find_draft(key)

    def write_draft(self, draft: Draft) -> StoredDraft:
        return StoredDraft(draft.key, "dry-run", draft.message)

    def remove_draft(self, stored: StoredDraft) -> None:
        pass

    def draft_link(self, key: str) -> str:
        return self.real.draft_link(key)

    def place(self) -> str:
        return self.real.place()

    def read_new(self, cursor, since):
        return self.real.read_new(cursor, since)

    def check(self):
        return self.real.check()

    def close(self) -> None:
        self.real.close()


class DryRunReminders:
    def __init__(self, real: ReminderSink):
        self.real = real

    def find(self, key: str) -> Reminder | None:
        return self.real.find(key)

    def put(self, reminder: Reminder) -> None:
        pass

    def remove(self, key: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def place(self) -> str:
        return self.real.place()

    def check(self):
        return self.real.check()

    def close(self) -> None:
        self.real.close()


def going_back(state: State, now: datetime, config: Config, dry_run: bool = False) -> PassReport | None:
    """The report of a pass refused because ``now`` is before the last pass the state
    records (``State.last_pass_at``), or None when the pass may run. The state never goes
    back in time: planning at an earlier moment would take back what was done since
    (remove a draft written for a later step, reopen a step already reminded). Nothing is
    read or written; the next pass at or after that moment runs as usual."""
    last = state.last_pass_at()
    if last is None or now >= last:
        return None

    def when(moment: datetime) -> str:
        return f"{moment.astimezone(config.tz):%a %Y-%m-%d %H:%M %Z}"

    why = (f"{'would do' if dry_run else 'did'} nothing: this moment ({when(now)}) is before the last pass "
           f"recorded in the state ({when(last)}), and the state never goes back in time (a pass in its past "
           f"would undo what was done since). Passes at or after {when(last)} run as usual; "
           "`status --now MOMENT` shows any moment without writing")
    return PassReport(warnings=[why], refused=why, next_due=last)


def one_pass(config: Config, clock: Clock, dry_run: bool = False, providers: Providers | None = None,
             stopping: Callable[[], bool] = lambda: False, progress: Progress = no_progress,
             mail_read: MailRead | None = None) -> PassReport:
    """A whole pass under the state lock; in a dry run against a throw-away copy of the state.
    A pass at a moment before the last one the state records does nothing (``going_back``).

    ``providers`` stay open when given (the daemon keeps them between passes). When
    ``stopping()`` turns true (SIGTERM), the pass ends after the step in flight; the next
    run picks up the rest, since every step is recorded as it is done. ``progress`` gets
    the counts of long work (events read, messages read), from the engine and from the
    providers this call opens (those given keep the ``progress`` they were opened with).
    ``mail_read``: the mailbox's answer read ahead by the daemon (used when the state's
    cursor is the one it was read from).
    """
    with exclusive(config.state_dir):
        report = _locked_pass(config, clock, dry_run, providers, stopping, progress, mail_read)
        if not dry_run:
            report.state_stamp = state_stamp(config.state_dir)  # still under the lock
        return report


def state_stamp(directory: Path) -> str:
    """The state files' (size, mtime_ns, ctime_ns, inode), "" when unknown: whatever writes
    the state (a command, another pass) changes it. An empty write-ahead log counts as none:
    a reader makes one, and a write either is in it or was copied into the database."""
    parts = []
    for name in (DB_NAME, DB_NAME + "-wal"):
        try:
            st = os.stat(directory / name)
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return ""
        parts.append("-" if name != DB_NAME and st.st_size == 0 else
                     f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}")
    return "|".join(parts)


def _locked_pass(config: Config, clock: Clock, dry_run: bool, providers: Providers | None,
                 stopping: Callable[[], bool], progress: Progress, mail_read: MailRead | None) -> PassReport:
    """``one_pass`` under the lock."""
    state = State.in_memory_copy(config.state_dir) if dry_run else State.open(config.state_dir)
    own = providers is None
    try:
        refused = going_back(state, clock.now(), config, dry_run)
        if refused is not None:
            return refused
        if providers is None:
            providers = open_providers(config, clock, dry_run, progress)
        if dry_run:
            providers = Providers(providers.calendar, DryRunMailbox(providers.mailbox), DryRunReminders(providers.reminders))
        templates = Templates(config.templates_dir, config.profile.language)
        engine = Engine(config, state, providers, clock.now(), templates, dry_run)
        engine.stopping = stopping
        engine.progress = progress
        engine.mail_read = mail_read
        return engine.run_pass()
    finally:
        if own and providers is not None:
            providers.close()
        state.close()
