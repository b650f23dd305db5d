"""The engine: one pass reads the calendar and the mailbox, plans, and reconciles.

Reconciling compares the planner's steps with the artifacts the state records and makes
the difference real, recording an intent before every external write and the result
after it. An intent left open by a crash is resolved by looking for the artifact's key
before writing again, so no pass ever creates a second copy of anything.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from interview_followup.daemon.engine.attention import Notice, account_reminders, notices
from interview_followup.daemon.loop.compose import build_message
from interview_followup.daemon.config import Config
from interview_followup.daemon.calendar.detection import Detector
from interview_followup.daemon.loop.drafting import Templates, answer_from_a_person, check_draft, values_for
from interview_followup.daemon.errors import NeedsUser, SignInExpired, Transient
from interview_followup.daemon.mail.parse import body_digest
from interview_followup.daemon.model import Draft, Interview, Person, Reminder, StoredDraft, recipients
from interview_followup.daemon.loop.planning import LoopFacts, LoopPlan, Step, decide_by, next_due, plan
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
    GONE,
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
    "move-on": "move_on",
}
DRAFT_TEMPLATES = {
    "thank-you": "thank_you",
    "followup": "followup",
    "feedback-request": "feedback_request",
    "decision-time": "decision_time",
}
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
}


def draft_template(step: str) -> str:
    return "followup_again" if step.startswith("followup-") else DRAFT_TEMPLATES[step]


def reminder_template(step: str) -> str:
    if step.startswith("followup-") and step.endswith("-reminder"):
        return "followup_reminder"  # the reminder of a second or third follow-up
    return REMINDER_TEMPLATES[step]


def task_of(step: str) -> str | None:
    """The draft a task reminder is about ("" for none), or None when it is no task."""
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


def describe(iv: Interview) -> str:
    role = f" ({iv.role})" if iv.role else ""
    return f"{iv.company or 'unknown company'}{role}"


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
        self.templates = templates or Templates(config.templates_dir)
        self.dry_run = dry_run
        self.detector = Detector(config.profile, config.detection, config.companies, config.tz)
        self.rules = Rules.from_config(config.replies)
        self.report = PassReport()
        self.stopping: Callable[[], bool] = lambda: False  # true: end the pass after the step in flight
        self.progress: Progress = no_progress  # counts of long work, for a display on a terminal
        self._seen: dict[str, list] = {}  # loop id -> its observations, read once per reconcile

    # --- the pass ------------------------------------------------------------------

    def run_pass(self) -> PassReport:
        self._guarded("calendar", self.sync_calendar)
        self._guarded("mailbox", self.sync_mail)
        plans = self.plans()
        self._guarded("drafts and reminders", lambda: self.reconcile(plans))
        self._guarded("reminders", lambda: self.report.actions.extend(account_reminders(
            self.state, self.providers.reminders, self.report.failing, self.now, self.dry_run)))
        self.report.next_due = next_due(plans, self.now)
        self._record_health()
        self.report.plans = plans_from_state(self.state, self.config, self.now)
        self.report.notices = {} if self.dry_run else notices(self.state)
        return self.report

    def _guarded(self, part: str, work) -> None:
        try:
            work()
        except (NeedsUser, Transient) as exc:
            self._failed(part, exc)

    def _failed(self, part: str, exc: NeedsUser | Transient) -> None:
        needs_user = isinstance(exc, NeedsUser)
        self.report.needs_user |= needs_user
        self.report.errors.append(f"{part}: {exc}" + ("" if needs_user else " (will retry)"))
        if part in ROLES:
            problem = "sign-in" if isinstance(exc, SignInExpired) else "user" if needs_user else "transient"
            self.report.failing.setdefault(part, (problem, str(exc)))

    def _record_health(self) -> None:
        """Each provider's outcome into the state, for ``status`` and ``doctor``."""
        with self.state.transaction():
            for role in ROLES:
                failure = self.report.failing.get(role)
                before = self.state.record_health(role, failure, self.now)
                if failure is None and before is not None and not before.ok:
                    self.report.recovered.append(role)

    def _say(self, text: str) -> None:
        self.report.actions.append(("would " if self.dry_run else "") + text)

    # --- calendar ------------------------------------------------------------------

    def sync_calendar(self) -> None:
        det = self.config.detection
        start = self.now - timedelta(days=det.lookback_days)
        end = self.now + timedelta(days=det.lookahead_days)
        read = self.providers.calendar.read(start, end)
        self.progress("calendar", len(read.events), None, "events")
        self.report.warnings.extend(read.problems)
        found = {iv.loop_id: iv for iv in self.detector.detect(read.events)}
        known = {iv.loop_id: iv for iv, _ in self.state.loops()}
        with self.state.transaction():
            for loop_id, iv in found.items():
                before = known.get(loop_id)
                if before is None and iv.cancelled:
                    continue
                if not self.state.save_interview(iv, self.now):
                    continue
                if before is None:
                    self._say(f"add the interview with {describe(iv)} on {self._when(iv.start)}")
                    for w in iv.warnings:
                        self.report.warnings.append(f"{describe(iv)}: {w}")
                elif iv.cancelled and not before.cancelled:
                    self._say(f"cancel the loop for {describe(iv)}: the event was cancelled")
                elif (iv.start, iv.end) != (before.start, before.end):
                    self._say(f"move the loop for {describe(iv)} to {self._when(iv.start)}")
            for loop_id, iv in known.items():
                vanished = (
                    read.complete
                    and loop_id not in found
                    and not iv.cancelled
                    and start <= iv.start <= end
                    and iv.start > self.now
                    and iv.uid not in read.bad_uids
                )
                if vanished:
                    gone = _replace(iv, cancelled=True, warnings=(*iv.warnings, "no longer in the calendar"))
                    self.state.save_interview(gone, self.now)
                    self._say(f"cancel the loop for {describe(iv)}: it is no longer in the calendar")

    def _when(self, moment: datetime) -> str:
        local = moment.astimezone(self.config.tz)
        return f"{local:%a %Y-%m-%d %H:%M}"

    # --- mail ----------------------------------------------------------------------

    def sync_mail(self) -> None:
        since = self.now - timedelta(days=self.config.detection.lookback_days)
        before = self.state.cursor("mailbox")
        messages, cursor = self.providers.mailbox.read_new(before, since)
        if not messages and cursor == before:
            return  # nothing new: no write to the state at all
        known = self._known()
        by_id = {iv.loop_id: iv for iv in known.interviews}
        with self.state.transaction():
            for msg in messages:
                obs = understand(msg, known, self.now, self.rules)
                if obs and self.state.add_observation(obs):
                    self._say(_noted(obs, describe(by_id[obs.loop_id])))
                    if obs.kind == "sent":
                        if obs.message_id:
                            known.sent_ids.setdefault(obs.loop_id, set()).add(obs.message_id)
                        if obs.thread_id:
                            known.sent_threads.setdefault(obs.loop_id, set()).add(obs.thread_id)
            self.state.set_cursor("mailbox", cursor)

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
        return plans_from_state(self.state, self.config, self.now)

    # --- reconciling ---------------------------------------------------------------

    def reconcile(self, plans: list[LoopPlan]) -> None:
        artifacts = self.state.artifacts()
        debriefs = self.state.debriefs()
        self._seen = {}
        for o in self.state.observations():
            self._seen.setdefault(o.loop_id, []).append(o)
        # providers that failed in this pass are left alone until the next
        failed: set[str] = set(self.report.failing)
        for p in plans:
            if self.stopping():
                self.report.warnings.append("stopped before every step was reconciled; the next run goes on")
                return
            # drafts first: the thank-you reminder reports the draft's checks
            drafts = [s for s in p.steps if s.artifact == "draft"]
            for step in drafts:
                self._step(failed, "mailbox", self._reconcile_draft, p, step, artifacts.get(step.key), debriefs)
            if drafts:
                artifacts = self.state.artifacts()
            for step in p.steps:
                if step.artifact == "reminder":
                    self._step(failed, "reminders", self._reconcile_reminder, p, step,
                               artifacts.get(step.key), artifacts, debriefs)

    def _step(self, failed: set[str], provider: str, work, *args) -> None:
        """One step's reconciliation; a provider that fails is skipped for the rest of the pass."""
        if provider in failed or self.stopping():
            return
        try:
            work(*args)
        except (NeedsUser, Transient) as exc:
            failed.add(provider)
            self._failed(provider, exc)

    def _record(self, step: Step, status: str, ref: str = "", digest: str = "", note: str = "", kind: str = "") -> None:
        a = Artifact(step.key, step.loop_id, step.name, kind or step.artifact, status, ref, digest, note)
        self.state.record(a, self.now)

    def _reconcile_draft(self, p: LoopPlan, step: Step, current: Artifact | None, debriefs) -> None:
        mailbox = self.providers.mailbox
        iv = p.interview
        if step.want:
            if current is not None and current.status != INTENT_CREATE:
                return  # written before: never written twice, even if the user deleted it
            if current is not None:  # a crash after the intent: was it written?
                found = mailbox.find_draft(step.key)
                if found is not None:
                    self._record(step, CREATED, found.ref, current.digest, current.note)
                    return
            draft, digest, warnings = self._render_draft(p, step, debriefs.get(iv.loop_id))
            note = "; ".join(warnings)
            self._record(step, INTENT_CREATE, "", digest, note)
            stored = mailbox.write_draft(draft)
            self._record(step, CREATED, stored.ref, digest, note)
            to = ", ".join(p.display() for p in recipients(iv, debriefs.get(iv.loop_id))) or "nobody yet"
            self._say(f"write the {step.name} draft for {describe(iv)} to {to}")
            for w in warnings:
                self.report.warnings.append(f"{describe(iv)}, {step.name} draft: {w}")
            return
        if current is None or current.status not in (CREATED, INTENT_CREATE, INTENT_REMOVE):
            return
        found = mailbox.find_draft(step.key)
        if found is None:
            self._record(step, GONE if current.status == CREATED else REMOVED, current.ref, current.digest, current.note)
            return
        if body_digest(found.message) != current.digest:
            self._record(step, LEFT, found.ref, current.digest, "you edited it, so it was left in Drafts")
            self.report.warnings.append(
                f"{describe(iv)}: the {step.name} draft was edited by you, so it was left in Drafts ({p.reason or step.detail})"
            )
            return
        self._record(step, INTENT_REMOVE, found.ref, current.digest, current.note)
        mailbox.remove_draft(found)
        self._record(step, REMOVED, found.ref, current.digest, current.note)
        self._say(f"remove the untouched {step.name} draft for {describe(iv)} ({p.reason or step.detail})")

    def _render_draft(self, p: LoopPlan, step: Step, debrief) -> tuple[Draft, str, list[str]]:
        cfg = self.config
        iv = p.interview
        answer = self._answer(p) if step.name in ANSWERING else None
        values = self._values(p, debrief)
        text = self.templates.render(draft_template(step.name), values)
        attachments = cfg.drafts.attachments if step.name == "thank-you" else ()
        warnings = check_draft(text.body, iv, attachments, cfg.drafts.max_words) if step.name == "thank-you" else []
        sender = Person(cfg.profile.email, cfg.profile.name)
        to = recipients(iv, debrief)
        if answer is not None:
            answers = answer.message_id
            if answer.address and answer_from_a_person(answer.address, iv):
                to = [next((x for x in to if x.email.lower() == answer.address.lower()), Person(answer.address))]
        else:
            answers = self._sent_in_loop(iv.loop_id) if step.name.startswith("followup") else ""
        raw, build_warnings = build_message(
            in_reply_to=answers,
            key=step.key,
            sender=sender,
            to=to,
            subject=text.head,
            body=text.body,
            when=self.now,
            attachments=tuple(a for a in attachments if a.is_file()),
        )
        return Draft(step.key, raw), body_digest(raw), warnings + build_warnings

    def _answer(self, p: LoopPlan):
        """The employer's message that decided the loop's outcome (what its drafts answer)."""
        outcome = {"rejected": "rejection", "offer": "offer"}.get(p.outcome)
        if outcome is None:
            return None
        replies = [o for o in self._seen.get(p.interview.loop_id, ()) if o.kind == "reply" and o.outcome == outcome]
        return replies[-1] if replies else None

    def _values(self, p: LoopPlan, debrief) -> dict[str, str]:
        cfg = self.config
        values = values_for(p.interview, debrief, cfg.profile, cfg.tz, self.now)
        answer = self._answer(p)
        if answer is not None:
            values["their_words"] = answer.phrase
            if p.outcome == "offer":
                by = decide_by(answer, cfg.timing, cfg.tz)
                values["decide_by"] = f"{by:%A}, {by.day} {by:%B %Y}"
        values["bounced"] = ", ".join(f.removeprefix("your mail to ").split(" bounced")[0] for f in p.flags)
        return values

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
            self._record(step, CREATED, reminder.key, digest)
            verb = "add" if fresh else "update"
            self._say(f"{verb} the reminder {reminder.title!r} on {self._when(reminder.start)}")
            return
        if current is None or current.status not in (CREATED, *OPEN_INTENTS):
            return
        self._record(step, INTENT_REMOVE, current.ref, current.digest)
        sink.remove(step.key)
        self._record(step, REMOVED, current.ref, current.digest)
        self._say(f"remove the reminder for {step.name} of {describe(iv)} ({p.reason or step.detail})")

    def _render_reminder(self, p: LoopPlan, step: Step, artifacts, debriefs) -> Reminder:
        cfg = self.config
        iv = p.interview
        values = self._values(p, debriefs.get(iv.loop_id))
        draft = artifacts.get(f"{iv.loop_id}.thank-you")
        if step.name == "thank-you-reminder" and draft is not None and draft.note:
            values["check_report"] = "Check before sending: " + draft.note
        text = self.templates.render(reminder_template(step.name), values)
        about = task_of(step.name)
        link = self.providers.mailbox.draft_link(f"{iv.loop_id}.{about}") if about else ""
        return Reminder(
            key=step.key,
            title=text.head,
            start=step.due,
            description=text.body + (f"\n\nOpen the draft: {link}" if link else ""),
            duration=timedelta(minutes=cfg.timing.reminder_minutes),
            alarm_before=timedelta(minutes=cfg.timing.alarm_minutes_before),
            task=about is not None,
            link=link,
        )


def plans_from_state(state: State, config: Config, now: datetime) -> list[LoopPlan]:
    """The plan for every loop the state knows, at ``now``."""
    debriefs = state.debriefs()
    observations: dict[str, list] = {}
    for o in state.observations():
        observations.setdefault(o.loop_id, []).append(o)
    facts = [
        LoopFacts(iv, first_seen, debriefs.get(iv.loop_id), tuple(observations.get(iv.loop_id, ())))
        for iv, first_seen in state.loops()
    ]
    return plan(facts, now, config.timing, config.tz)


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
        return f"note a bounce for {loop}: your mail to {o.address} was not delivered"
    said = f' ("{o.phrase}")' if o.phrase else ""
    return f"note the answer for {loop}: {o.outcome or 'other'}{said}, {o.reason}"


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

    def check(self):
        return self.real.check()

    def close(self) -> None:
        self.real.close()


def one_pass(config: Config, clock: Clock, dry_run: bool = False, providers: Providers | None = None,
             stopping: Callable[[], bool] = lambda: False, progress: Progress = no_progress) -> PassReport:
    """A whole pass under the state lock; in a dry run against a throw-away copy of the state.

    ``providers`` stay open when given (the daemon keeps them between passes). When
    ``stopping()`` turns true (SIGTERM), the pass ends after the step in flight; the next
    run picks up the rest, since every step is recorded as it is done. ``progress`` gets
    the counts of long work (events read, messages read), from the engine and from the
    providers this call opens (those given keep the ``progress`` they were opened with).
    """
    with exclusive(config.state_dir):
        state = State.in_memory_copy(config.state_dir) if dry_run else State.open(config.state_dir)
        own = providers is None
        try:
            if providers is None:
                providers = open_providers(config, clock, dry_run, progress)
            if dry_run:
                providers = Providers(providers.calendar, DryRunMailbox(providers.mailbox), DryRunReminders(providers.reminders))
            engine = Engine(config, state, providers, clock.now(), Templates(config.templates_dir), dry_run)
            engine.stopping = stopping
            engine.progress = progress
            return engine.run_pass()
        finally:
            if own and providers is not None:
                providers.close()
            state.close()
