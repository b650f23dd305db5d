"""The user steers: ``close``, ``reopen``, ``snooze``, ``skip`` (a loop), ``track`` and
``ignore`` (an event).

Each command is recorded in the state (``State.add_command``, and a line of the loop's
history) at the clock's moment, under the state lock; the planner honours it from then on
(``loop.steering``), ``status`` shows it at once, and the next pass makes the drafts and
reminders match (it removes only drafts nobody edited). With a ``--now`` later than the
clock, a preview: said, not written (see ``main.is_preview``).

An event is named by its UID, by the loop id ``status`` shows, or by its title as the
last pass read it (without case: the whole title, or a part of it that only one title
has). An event the state has not seen yet is recorded as given: the next pass that reads
an event with that UID or title honours it.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime

from interview_followup.daemon.cli.main import find_loop, preview_words
from interview_followup.daemon.clock import Clock
from interview_followup.daemon.common import logs
from interview_followup.daemon.config import Config
from interview_followup.daemon.engine.plans import plans_from_state
from interview_followup.daemon.errors import NeedsUser
from interview_followup.daemon.loop.planning import DONE, LoopPlan
from interview_followup.daemon.loop.steering import steering
from interview_followup.daemon.model import Command, Interview
from interview_followup.daemon.store.state import State, exclusive

NEXT_PASS = "The next pass (`once`, or the running service) makes the drafts and reminders match."
# what each command did, in the loop's history and on the screen
OUTCOME_WORDS = {"rejected": "rejected", "offer": "an offer", "accepted": "accepted (you took the job)",
                 "withdrawn": "withdrawn (you withdrew)", "other": "closed"}


def cmd_steer(config: Config, clock: Clock, args: argparse.Namespace, preview: bool = False) -> int:
    with exclusive(config.state_dir):
        state = State.in_memory_copy(config.state_dir) if preview else State.open(config.state_dir)
        try:
            now = clock.now()
            if args.command in ("track", "ignore"):
                lines = _event_command(state, config, now, args)
            else:
                lines = _loop_command(state, config, now, args)
        finally:
            state.close()
    if preview:
        print(f"{preview_words(clock, config)}: it would be recorded.")
    print("\n".join(logs.scrub(logs.neutral(line)) for line in lines))
    return 0


# --- a loop ---------------------------------------------------------------------------------


def _loop_command(state: State, config: Config, now: datetime, args: argparse.Namespace) -> list[str]:
    iv = find_loop(state, args.loop)
    plan = plan_of(state, config, now, iv.loop_id)
    name = f"{describe(plan.interview)} [{iv.loop_id}]"
    step = getattr(args, "step", None) or ""
    if args.command == "close":
        if plan.interview.cancelled:
            raise NeedsUser(f"{name} is cancelled ({plan.interview.cancelled_reason or 'the event was cancelled'}): "
                            "there is nothing to close")
        note = " ".join(args.note.split()) if args.note else ""
        command = Command("close", now, iv.loop_id, iv.uid, outcome=args.outcome, note=note)
        said = f"closed it: {OUTCOME_WORDS[args.outcome]}" + (f" ({note})" if note else "")
        head = f"Closed {name}: {OUTCOME_WORDS[args.outcome]}" + (f" ({note})." if note else ".")
    elif args.command == "reopen":
        command, said, head = _reopen(plan, iv, name, step, now)
    elif args.command == "snooze":
        if plan.interview.cancelled:
            raise NeedsUser(f"{name} is cancelled: there is nothing to snooze")
        if step and check_step(plan, step, name).state == DONE:
            raise NeedsUser(f"the {step} step of {name} is done already: there is nothing to snooze")
        check_until(args.until, iv, config, now)
        command = Command("snooze", now, iv.loop_id, iv.uid, step=step, until=args.until)
        what = f"the {step} step" if step else "every step not yet done"
        said = f"snoozed {what} until {args.until:%a %Y-%m-%d}"
        head = f"Snoozed {what} of {name} until the morning of {args.until:%a %Y-%m-%d} (a working day)."
    else:  # skip
        s = check_step(plan, step, name)
        if s.state == DONE:
            raise NeedsUser(f"the {step} step of {name} is done already ({s.detail}): there is nothing to skip")
        command = Command("skip", now, iv.loop_id, iv.uid, step=step)
        said = f"skipped the {step} step"
        head = f"Skipped the {step} step of {name}: its draft or reminder is no longer wanted."
    with state.transaction():
        state.add_command(command)
        state.add_history(iv.loop_id, now, "you", said)
    return [head, *now_lines(plan_of(state, config, now, iv.loop_id), config), NEXT_PASS]


def _reopen(plan: LoopPlan, iv: Interview, name: str, step: str, now: datetime) -> tuple[Command, str, str]:
    steer = steering(plan.decisions)
    command = Command("reopen", now, iv.loop_id, iv.uid, step=step)
    if step:
        if step not in steer.skips:
            skipped = ", ".join(steer.skips) or "none"
            raise NeedsUser(f"the {step} step of {name} is not skipped by you: there is nothing to reopen "
                            f"(skipped steps: {skipped})")
        return command, f"reopened the {step} step", f"Reopened the {step} step of {name}: it is planned again."
    if steer.close is None and steer.ignore is None:
        how = f" ({plan.reason})" if plan.status != "open" and plan.reason else ""
        raise NeedsUser(f"{name} was neither closed nor ignored by you{how}: there is nothing to reopen",
                        hint="`reopen LOOP STEP` takes back a skip")
    what = "your close" if steer.close is not None else "your ignore"
    return command, f"reopened the loop (took back {what})", f"Reopened {name}: took back {what}."


def plan_of(state: State, config: Config, now: datetime, loop_id: str) -> LoopPlan:
    return next(p for p in plans_from_state(state, config, now) if p.interview.loop_id == loop_id)


def now_lines(plan: LoopPlan, config: Config) -> list[str]:
    """Where the loop stands now, and its steps the user's command changed."""
    stage = plan.stage or plan.status
    lines = [f"Now: {stage}" + (f": {plan.stage_detail}" if plan.stage_detail else "") + "."]
    for s in plan.steps:
        if "by you" in s.detail:
            lines.append(f"  {s.name:<19} {s.due.astimezone(config.tz):%a %Y-%m-%d %H:%M}  {s.state:<9}  {s.detail}")
    return lines


def check_step(plan: LoopPlan, step: str, name: str):
    """The planned step named ``step``; a name that is none says which ones there are."""
    found = plan.step(step)
    if found is None:
        valid = ", ".join(s.name for s in plan.steps) or "none"
        raise NeedsUser(f"{name} has no step {step!r}; its steps: {valid}")
    return found


def check_until(day: date, iv: Interview, config: Config, now: datetime) -> None:
    """A snooze's day: not before today or the interview's day, not more than a year after
    the later of the two (a typo in the year, most likely)."""
    today = now.astimezone(config.tz).date()
    held = iv.start.astimezone(config.tz).date()
    if day < today:
        raise NeedsUser(f"--until {day.isoformat()} is in the past (today is {today:%a %Y-%m-%d})")
    if day < held:
        raise NeedsUser(f"--until {day.isoformat()} is before the interview ({held:%a %Y-%m-%d})")
    first = max(today, held)
    try:
        year_on = first.replace(year=first.year + 1)
    except ValueError:  # 29 February
        year_on = first.replace(year=first.year + 1, day=28)
    if day > year_on:
        raise NeedsUser(f"--until {day.isoformat()} is more than a year away ({first:%a %Y-%m-%d}): check the year")


def describe(iv: Interview) -> str:
    return f"{iv.company or 'unknown company'}" + (f" ({iv.role})" if iv.role else "")


# --- an event -------------------------------------------------------------------------------


def find_event(state: State, text: str) -> tuple[str, str] | None:
    """(UID, title) of the event ``text`` names (see the module), or None when no event
    read so far is named so; several events named so: a ``NeedsUser`` listing them."""
    events = {uid: (title, start) for uid, (title, start) in state.events().items()}
    loops = [iv for iv, _ in state.loops()]
    for iv in loops:
        events.setdefault(iv.uid, (iv.title, iv.start))
    if text in events:
        return text, events[text][0]
    by_loop = next((iv for iv in loops if iv.loop_id == text), None)
    if by_loop is not None:
        return by_loop.uid, by_loop.title
    folded = text.casefold().strip()
    for hits in ([u for u, (t, _) in events.items() if t.casefold() == folded],
                 [u for u, (t, _) in events.items() if folded and folded in t.casefold()]):
        if len(hits) == 1:
            return hits[0], events[hits[0]][0]
        if hits:
            listed = "; ".join(f"{events[u][0]!r} on {events[u][1]:%Y-%m-%d} (UID {u})"
                               for u in sorted(hits, key=lambda u: events[u][1]))
            raise NeedsUser(f"{text!r} names several events: {listed}; give the UID or the whole title")
    return None


def _event_command(state: State, config: Config, now: datetime, args: argparse.Namespace) -> list[str]:
    text = " ".join(args.event.split())
    if not text:
        raise NeedsUser("give the event's UID or title")
    found = find_event(state, text)
    uid, title = found or (text, "")
    command = Command(args.command, now, event=uid)
    loops = [iv for iv, _ in state.loops() if iv.uid == uid]
    verb = {"track": "tracked", "ignore": "ignored"}[args.command]
    with state.transaction():
        state.add_command(command)
        for iv in loops:
            state.add_history(iv.loop_id, now, "you", f"{verb} the event {iv.title!r}")
    det = config.detection
    if found is None:
        window = f"{det.lookback_days} days back to {det.lookahead_days} days ahead"
        does = "follows it up" if args.command == "track" else "never follows it up"
        return [f"No event read so far has the UID or title {text!r}: recorded. The next pass that finds "
                f"an event with that UID or title in the calendar ({window}) {does}."]
    name = f"{title!r} (UID {uid})"
    if args.command == "ignore":
        lines = [f"Ignored the event {name}: it is never followed up."]
        for iv in loops:
            lines += [f"Its loop [{iv.loop_id}]:", *now_lines(plan_of(state, config, now, iv.loop_id), config)]
        if loops:
            lines.append("The next pass (`once`, or the running service) removes its reminders and the drafts "
                         "you did not edit.")
        return lines
    followed = [iv for iv in loops if not plan_of(state, config, now, iv.loop_id).interview.cancelled]
    if followed:
        ids = ", ".join(f"[{iv.loop_id}]" for iv in followed)
        return [f"Tracked the event {name}: it is followed up already ({ids}), and stays so."]
    return [f"Tracked the event {name}: the next pass (`once`, or the running service) starts its loop."]
