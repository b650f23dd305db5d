"""What needs the user, and how it reaches them.

Two channels:
- *Reminder events* in the user's reminder sink. The planner makes them for every loop
  (a draft to send, an answer to give, a bounced address); ``account_reminders`` adds
  one when a calendar or mailbox sign-in must be renewed, and takes it away once the
  sign-in works again. It goes through the reminder sink like every other reminder, so
  it is never made when the sink itself is the provider that fails.
- *Desktop notifications* from the daemon (``run``), when a desktop session bus is there
  (``$DBUS_SESSION_BUS_ADDRESS``): through ``notify-send`` when installed, else through
  ``gdbus`` and the freedesktop Notifications interface. ``notices`` lists what is worth
  one — a draft ready, an employer's reply, a bounce, a sign-in to renew — each under a
  key that stays the same, so the daemon says each thing once, never again every pass.

Neither channel carries a message's text: a reply is named by who answered and what it
means, never quoted.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta

from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import artifact_key
from interview_followup.daemon.loop.planning import bounce_advice
from interview_followup.daemon.model import Reminder
from interview_followup.daemon.store.state import CREATED, INTENT_CREATE, INTENT_REMOVE, OPEN_INTENTS, REMOVED, Artifact, State

log = logging.getLogger(__name__)

APP = "interview-followup"
ACCOUNT = "account"  # the loop id of reminders that belong to no interview
SIGN_IN_ROLES = ("calendar", "mailbox")  # the sink cannot remind of its own sign-in
ROLE_WORDS = {"calendar": "calendar", "mailbox": "mailbox", "reminders": "reminders calendar"}
DRAFT_WORDS = {
    "thank-you": "thank-you note",
    "followup": "follow-up",
    "feedback-request": "request for feedback",
    "decision-time": "answer to the offer",
}
OUTCOME_WORDS = {
    "rejection": "a rejection",
    "offer": "an offer",
    "next-round": "a next round",
    "info": "a request for information",
}
NOTIFY_TIMEOUT_SECONDS = 10


def sign_in_key(role: str) -> str:
    return artifact_key(ACCOUNT, f"{role}-sign-in")


def account_reminders(state: State, sink, failing: dict[str, tuple[str, str]], now: datetime,
                      dry_run: bool = False) -> list[tuple[Callable[[], None], str]]:
    """Keep one reminder per calendar or mailbox whose sign-in must be renewed; remove it
    when that provider works again. Returns each change put in the sink: (record it as
    done, what was done in words); the caller flushes the sink (``ReminderSink.flush``)
    and only then records them.

    ``failing`` is the pass's role -> (problem, message); a transient failure leaves things
    as they are. Nothing is done when the reminder sink failed in this pass."""
    if "reminders" in failing:
        return []
    changes: list[tuple[Callable[[], None], str]] = []
    would = "would " if dry_run else ""
    artifacts = state.artifacts()
    for role in SIGN_IN_ROLES:
        key = sign_in_key(role)
        current = artifacts.get(key)
        failure = failing.get(role)
        if failure is not None and failure[0] == "sign-in":
            if current is not None and current.status == CREATED:
                continue  # said once; it stays in the calendar until the sign-in works
            reminder = _sign_in_reminder(key, role, failure[1], now)
            _record(state, key, role, INTENT_CREATE, now)
            sink.put(reminder)
            changes.append((functools.partial(_record, state, key, role, CREATED, now),
                            f"{would}add the reminder {reminder.title!r}"))
        elif failure is None and current is not None and current.status in (CREATED, *OPEN_INTENTS):
            _record(state, key, role, INTENT_REMOVE, now)
            sink.remove(key)
            changes.append((functools.partial(_record, state, key, role, REMOVED, now),
                            f"{would}remove the reminder to sign in to the {ROLE_WORDS[role]} again: it works again"))
    return changes


def _sign_in_reminder(key: str, role: str, detail: str, now: datetime) -> Reminder:
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    first = detail.splitlines()[0] if detail else ""
    return Reminder(
        key=key,
        title=f"Sign in again: {APP} cannot reach your {ROLE_WORDS[role]}",
        start=start,
        description=(
            f"{first}\n\nUntil you sign in again no draft is written and no reply is noticed "
            f"through the {ROLE_WORDS[role]}; everything else keeps working.\n"
            f"Run `{APP} init` (or fix the password command in the configuration), then "
            f"`{APP} doctor` to check. This reminder goes away by itself once it works."
        ),
        task=True,
    )


def _record(state: State, key: str, role: str, status: str, now: datetime) -> None:
    state.record(Artifact(key, ACCOUNT, f"{role}-sign-in", "reminder", status), now)


# --- desktop notifications -------------------------------------------------------------


@frozen
class Notice:
    title: str
    body: str = ""


def notices(state: State) -> dict[str, Notice]:
    """Everything recorded in the state that deserves a desktop notification, by a key
    that stays the same from pass to pass (the daemon shows each key once)."""
    loops = {iv.loop_id: iv for iv, _ in state.loops()}

    def company(loop_id: str) -> str:
        iv = loops.get(loop_id)
        return (iv.company or iv.title) if iv is not None else "an interview"

    out: dict[str, Notice] = {}
    for a in state.artifacts().values():
        if a.kind == "draft" and a.status == CREATED:
            base = "followup" if a.step.startswith("followup") else a.step
            what = DRAFT_WORDS.get(base, a.step)
            out[f"draft:{a.key}"] = Notice(
                f"Draft ready: {what} to {company(a.loop_id)}",
                "It is in your Drafts folder. Read it, adjust it and send it yourself.",
            )
    for o in state.observations():
        if o.kind == "reply" and o.promises_answer:  # not an answer yet: they say one will come
            by = f" by {o.returns_on:%a %d %b}" if o.returns_on else ""
            out[f"reply:{o.loop_id}:{o.ref}"] = Notice(
                f"{company(o.loop_id)} will answer{by}",
                f"The follow-up waits until then. `{APP} status` shows what comes next.",
            )
        elif o.kind == "reply" and o.undecided:  # it may be their answer: the user reads it
            out[f"reply:{o.loop_id}:{o.ref}"] = Notice(
                f"A message from {o.sender_words} ({company(o.loop_id)}) may be their answer",
                f"Read it; if it decides, `{APP} close` the loop. The follow-up stays planned.",
            )
        elif o.kind == "reply":
            said = OUTCOME_WORDS.get(o.outcome, "")
            out[f"reply:{o.loop_id}:{o.ref}"] = Notice(
                f"{company(o.loop_id)} answered" + (f": {said}" if said else ""),
                f"`{APP} status` shows what comes next.",
            )
        elif o.kind == "bounce":  # the advice follows the kind of failure (address, full, too large)
            out[f"bounce:{o.loop_id}:{o.ref}"] = Notice(
                f"Mail to {company(o.loop_id)} bounced",
                f"Your mail to {o.address or 'an interviewer'} could not be delivered: {bounce_advice(o)}.",
            )
    for h in state.health().values():
        if not h.ok and h.problem == "sign-in":
            out[f"sign-in:{h.role}:{h.since.isoformat()}"] = Notice(
                f"{APP}: sign in to your {ROLE_WORDS.get(h.role, h.role)} again",
                f"Run `{APP} init`, then `{APP} doctor`. The rest keeps working meanwhile.",
            )
    return out


class Desktop:
    """Desktop notifications, when a session bus is there. Failures are logged once."""

    def __init__(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.bus = env.get("DBUS_SESSION_BUS_ADDRESS", "")
        self.path = env.get("PATH", os.defpath)
        self._complained = False

    def command(self, title: str, body: str) -> list[str] | None:
        notify_send = shutil.which("notify-send", path=self.path)
        if notify_send:
            return [notify_send, f"--app-name={APP}", "--", title, body]
        gdbus = shutil.which("gdbus", path=self.path)
        if gdbus:
            return [
                gdbus, "call", "--session",
                "--dest", "org.freedesktop.Notifications",
                "--object-path", "/org/freedesktop/Notifications",
                "--method", "org.freedesktop.Notifications.Notify",
                "--", _gvariant_string(APP), "uint32 0", "''", _gvariant_string(title), _gvariant_string(body),
                "@as []", "@a{sv} {}", "int32 -1",
            ]
        return None

    def notify(self, notice: Notice) -> bool:
        if not self.bus:
            return False
        # a NUL (from a calendar or a message) cannot be passed on a command line
        cmd = self.command(notice.title.replace("\0", ""), notice.body.replace("\0", ""))
        if cmd is None:
            return False
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=NOTIFY_TIMEOUT_SECONDS,
                                  env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.bus})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return self._failed(f"{os.path.basename(cmd[0])}: {exc}")
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
            return self._failed(f"{os.path.basename(cmd[0])} exited with {done.returncode}"
                                + (f": {why[0]}" if why else ""))
        self._complained = False
        return True

    def _failed(self, why: str) -> bool:
        if not self._complained:
            log.warning("desktop notification failed (%s); reminders in the calendar still work", why)
            self._complained = True
        return False


def _gvariant_string(text: str) -> str:
    """``text`` as a GVariant text-format string literal (what gdbus parses)."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"
