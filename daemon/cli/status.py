"""What ``status`` shows: the job search at a glance (``overview_text``: the providers, a
"today" block, one line per application, most urgent first; ``board.summary`` makes the
data, the board page shows the same), one application in detail (``as_text``: each round
with its steps), or every loop as JSON for scripts.

JSON shape (stable; new keys may be added):
{"now": ISO,
 "providers": {"calendar"|"mailbox"|"reminders": {"ok": bool, "problem": ""|"sign-in"|"user"|"transient",
   "detail", "since": ISO, "last_ok": ISO or null}},
 "last_pass": ISO or null (the last pass in which every provider worked, see ``last_pass``),
 "loops": [{"loop_id", "company", "role", "title", "start", "end", "size",
  "status": "open"|"closed"|"cancelled", "reason",
  "outcome": ""|"rejected"|"offer"|"next-round"|"info"|"answered"|"no-response"
             (closed by you: "rejected"|"offer"|"accepted"|"withdrawn"|"other"),
  "stage": "upcoming"|"waiting on you"|"waiting on them"|"closed (OUTCOME)", "stage_detail", "found_late": bool,
  "application": loop id of the first round, "round": 1.., "flags": [text],
  "interviewers": [{"name","email"}], "found_by": why the event is an interview ("" if not kept),
  "certainty": "clear"|"uncertain" (uncertain: nothing is drafted, the user is asked to `track` or `ignore` it),
  "decisions": [{"command": "close"|"snooze"|"skip"|"track"|"ignore", "at": ISO, "step", "until": DATE or null,
                 "outcome", "note", "text"}] (the user's commands in force, ``loop.steering``),
  "steps": [{"name", "artifact": "draft"|"reminder", "due": ISO,
             "state": "scheduled"|"due"|"done"|"missed"|"cancelled"|"skipped",
             "detail", "written": artifact status or null, "note"}]}],
 "skipped": [{"item": "part:id", "part": "calendar"|"mailbox"|"plan"|"reconcile"|"reminders",
   "detail": "ExceptionType: text", "since": ISO, "seen": ISO}],
 "board": the board page's path (``interview-followup board``),
 "today": [{"due": ISO, "what", "loop_id", "step", "company", "role", "subject", "where", "link",
   "overdue": bool}] (what to do by the end of the day: ``board.summary``)}
(``status LOOP --json``: the same, with only the loops of that application.)
("problem" "unexpected": the provider failed with an exception nobody planned for; "skipped":
items a pass left out after one, see ``engine.reconcile``.)

"stage" is where a loop stands, in words a person reads at a glance (``planning.glance``):
"upcoming" (the interview has not ended), "waiting on you" (something is yours to do now:
"stage_detail" says what, e.g. "send the follow-up"), "waiting on them" ("stage_detail":
what is awaited and the next follow-up), or "closed (OUTCOME)" with OUTCOME one of rejected,
offer, next round, answered, no response, cancelled, declined, ignored, and the outcomes
of ``close``: accepted, withdrawn, other ("stage_detail": how it closed). A closed loop has no step in the state "due". "found_late": the loop was found (or
the program first ran) after the thank-you's window, so no thank-you was drafted.
"status" and "outcome" keep their meaning: an employer's request for information leaves the
loop "open" with outcome "info" (waiting on you until you answer, then on them).

Outside text is neutralised in both forms: in the text, control characters, escape
sequences and bidirectional overrides become visible escapes (``logs.neutral``); in the
JSON, C1 controls, the bidirectional controls and the Unicode line separators are written
as ``\\uXXXX`` escapes too (JSON escapes the C0 ones itself), so the data is unchanged.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from interview_followup.daemon.board.summary import CLOSED, Application, Overview, Todo, when_words
from interview_followup.daemon.common import logs
from interview_followup.daemon.loop.planning import LoopPlan
from interview_followup.daemon.model import Command
from interview_followup.daemon.store.state import PARTS, PROBLEMS, Artifact, Health, Problem

# what JSON leaves as it is but a terminal or a log would obey: written as \uXXXX escapes
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F,
                                               *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)}

WRITTEN = {
    "created": "written",
    "intent-create": "being written",
    "intent-update": "being updated",
    "intent-remove": "being removed",
    "removed": "removed",
    "gone": "sent or deleted by you",
    "left": "edited by you, left in place",
    "held": "not written: see the note for what to fix",
}


def as_json(plans: list[LoopPlan], artifacts: dict[str, Artifact], now: datetime,
            health: dict[str, Health] | None = None, problems: dict[str, Problem] | None = None,
            board: Path | None = None, today: tuple[Todo, ...] = ()) -> str:
    loops = []
    for p in plans:
        iv = p.interview
        steps = []
        for s in p.steps:
            a = artifacts.get(s.key)
            steps.append(
                {
                    "name": s.name,
                    "artifact": s.artifact,
                    "due": s.due.isoformat(),
                    "state": s.state,
                    "detail": s.detail,
                    "written": a.status if a else None,
                    "note": a.note if a else "",
                }
            )
        loops.append(
            {
                "loop_id": iv.loop_id,
                "company": iv.company,
                "role": iv.role,
                "title": iv.title,
                "start": iv.start.isoformat(),
                "end": iv.end.isoformat(),
                "size": iv.size,
                "status": p.status,
                "reason": p.reason,
                "outcome": p.outcome,
                "stage": p.stage,
                "stage_detail": p.stage_detail,
                "found_late": p.found_late,
                "application": p.application or iv.loop_id,
                "round": p.round,
                "flags": list(p.flags),
                "interviewers": [{"name": x.name, "email": x.email} for x in iv.interviewers],
                "found_by": iv.found_by,
                "certainty": iv.certainty,
                "decisions": [{"command": c.command, "at": c.at.isoformat(), "step": c.step,
                               "until": c.until.isoformat() if c.until else None, "outcome": c.outcome,
                               "note": c.note, "text": decision_words(c)} for c in p.decisions],
                "steps": steps,
            }
        )
    providers = {
        h.role: {"ok": h.ok, "problem": h.problem, "detail": h.detail, "since": h.since.isoformat(),
                 "last_ok": h.last_ok.isoformat() if h.last_ok else None}
        for h in (health or {}).values()
    }
    last = last_pass(health or {})
    skipped = [{"item": p.item, "part": p.part, "detail": p.detail, "since": p.since.isoformat(),
                "seen": p.seen.isoformat()} for p in (problems or {}).values()]
    todo = [{"due": x.due.isoformat(), "what": x.what, "loop_id": x.loop_id, "step": x.step, "company": x.company,
             "role": x.role, "subject": x.subject, "where": x.where, "link": x.link, "overdue": x.overdue}
            for x in today]
    text = json.dumps({"now": now.isoformat(), "providers": providers, "last_pass": last.isoformat() if last else None,
                       "loops": loops, "skipped": skipped, "board": str(board) if board else None, "today": todo},
                      indent=2, ensure_ascii=False)
    return logs.scrub(text.translate(_JSON_ESCAPES))


def decision_words(c: Command, tz: ZoneInfo | None = None) -> str:
    """A command of the user's still in force, in words: "closed as rejected on Tue
    2026-11-24: they hired internally"."""
    on = f" on {c.at.astimezone(tz) if tz else c.at:%a %Y-%m-%d}"
    if c.command == "close":
        return f"closed as {c.outcome}{on}" + (f": {c.note}" if c.note else "")
    if c.command == "snooze":
        what = f"the {c.step} step" if c.step else "every step not yet done"
        return f"snoozed {what} until {c.until:%a %Y-%m-%d}{on}"
    if c.command == "skip":
        return f"skipped the {c.step} step{on}"
    return {"track": "tracked", "ignore": "ignored"}.get(c.command, c.command) + f" the event{on}"


def health_text(health: dict[str, Health], tz: ZoneInfo, problems: dict[str, Problem] | None = None) -> str:
    """One line per provider: working (and when it last worked) or what is wrong since when;
    then the items skipped after an unexpected error, one line each."""
    skipped = _skipped_text(problems or {}, tz)
    if not health:
        return skipped
    lines = []
    for role in ("calendar", "mailbox", "reminders"):
        h = health.get(role)
        if h is None:
            continue
        if h.ok:
            last = f"last worked {h.last_ok.astimezone(tz):%a %Y-%m-%d %H:%M}" if h.last_ok else "working"
            lines.append(f"{role + ':':<11} ok, {last}")
        else:
            what = PROBLEMS.get(h.problem, "failing")
            first = h.detail.splitlines()[0] if h.detail else ""
            lines.append(f"{role + ':':<11} {what.upper()} since {h.since.astimezone(tz):%a %Y-%m-%d %H:%M}: {first}")
            if h.problem == "sign-in":
                lines.append(f"{'':<11} run `interview-followup init` to sign in again; the other providers keep working")
    last = last_pass(health)
    when = f"{last.astimezone(tz):%a %Y-%m-%d %H:%M}" if last else "none yet"
    lines.append(f"{'last pass:':<11} {when} (the last one in which every provider worked)")
    return _lines(lines) + "\n\n" + skipped


def _skipped_text(problems: dict[str, Problem], tz: ZoneInfo) -> str:
    if not problems:
        return ""
    n = len(problems)
    lines = [f"{'skipped:':<11} {n} item{'' if n == 1 else 's'} after an unexpected error "
             "(a bug: please report it; the rest is processed)"]
    for p in problems.values():
        what = PARTS.get(p.part, p.part)
        item = p.item.partition(":")[2] or p.item
        lines.append(f"{'':<11} {what} {item}: {p.detail} (since {p.since.astimezone(tz):%a %Y-%m-%d %H:%M})")
    return _lines(lines) + "\n\n"


def _lines(lines: list[str]) -> str:
    """Lines built here, each neutralised (outside text in them cannot start another) and
    scrubbed."""
    return logs.scrub("\n".join(logs.neutral(line) for line in lines))


def last_pass(health: dict[str, Health]) -> datetime | None:
    """The last pass in which every provider worked: the earliest of their "last worked"
    moments (each refreshed at most every ``state.HEALTH_REFRESH`` while all is well, so
    this lags the real last pass by up to that much)."""
    moments = [health[r].last_ok if r in health else None for r in ("calendar", "mailbox", "reminders")]
    if any(m is None for m in moments):
        return None
    return min(moments)


def as_text(plans: list[LoopPlan], artifacts: dict[str, Artifact], tz: ZoneInfo) -> str:
    if not plans:
        return "No interviews found yet."
    lines = []
    first_start = {p.interview.loop_id: p.interview.start for p in plans if p.round == 1}
    for p in sorted(plans, key=lambda p: (first_start.get(p.application, p.interview.start), p.round)):
        iv = p.interview
        start = iv.start.astimezone(tz)
        head = f"{iv.company or 'unknown company'}"
        if iv.role:
            head += f" — {iv.role}"
        if p.round > 1:
            head = f"  round {p.round}: {head}"
        state = p.stage or p.status
        if p.stage_detail:
            state += f": {p.stage_detail}"
        if p.found_late:
            state += " (found late: no thank-you)"
        lines.append(f"{head}  [{iv.loop_id}]  {start:%a %Y-%m-%d %H:%M}  {state}")
        if p.status == "open" and p.reason:  # what the employer said, and how it was matched
            lines.append(f"  {p.reason.removeprefix('open: ')}")
        if iv.found_by:  # the detection's decision and its reasons
            lines.append(f"  {'maybe an interview' if iv.certainty == 'uncertain' else 'an interview'} "
                         f"because {iv.found_by}")
        for flag in p.flags:
            lines.append(f"  ! {flag}")
        for c in p.decisions:
            lines.append(f"  you: {decision_words(c, tz)}")
        for s in p.steps:
            a = artifacts.get(s.key)
            if p.status == "cancelled" and a is None:
                continue  # nothing was ever written for it: the reason above says it all
            written = WRITTEN.get(a.status, a.status) if a else ""
            if written == "written":
                written = "in Drafts" if s.artifact == "draft" else "in the calendar"
            due = s.due.astimezone(tz)
            extra = "; ".join(x for x in (written, s.detail) if x)
            lines.append(f"  {s.name:<19} {due:%a %Y-%m-%d %H:%M}  {s.state:<9}  {extra}")
            if a and a.note:
                lines.append(f"  {'':<19} note: {a.note}")
        lines.append("")
    return _lines(lines).rstrip() + "\n"


def overview_text(ov: Overview, tz: ZoneInfo, *, show_closed: bool = False, board: Path | None = None) -> str:
    """The search at a glance: a "today" block (what to do by the end of the day, the
    longest overdue first; the interviews of the day), then one line per application, most
    urgent first ("!" where something needs you or a look), the closed ones with --all."""
    now = ov.now
    lines = [f"Today, {now.astimezone(tz):%a %Y-%m-%d}:"]
    for w in ov.warnings:
        lines.append(f"  ! {w}")
    for x in ov.today:
        who = x.company or "unknown company"
        if x.step == "interview":
            lines.append(f"  - the interview with {who}{_role(x.role)} at {x.due.astimezone(tz):%H:%M}"
                         + (f" ({x.where})" if x.where else ""))
            continue
        due = when_words(x.due, now, tz)
        line = f"  {'!' if x.overdue else '-'} {x.what} — {who}{_role(x.role)}, due {due}"
        if x.subject:
            line += f": draft \"{x.subject}\""
        if x.where:
            line += f" {x.where}" if x.where.startswith("in ") else f" ({x.where})"
        lines.append(line)
        if x.link:
            lines.append(f"      {x.link}")
    if not ov.today and not ov.warnings:
        lines.append("  nothing to do today")
    shown = [a for a in ov.applications if show_closed or a.column != CLOSED]
    hidden = len(ov.applications) - len(shown)
    lines.append("")
    if not ov.applications:
        lines.append("No interviews found yet.")
    else:
        lines.append("Applications, most urgent first (`status LOOP` shows one in detail):")
        width = max((len(_head(a)) for a in shown), default=0)
        for a in shown:
            mark = "!" if a.column == "you" or (a.attention and a.column != CLOSED) else " "
            lines.append(f"{mark} {_head(a):<{width}}  round {a.round}  {line_words(a, now, tz)}  [{a.loop_id}]")
            for flag in a.attention:
                lines.append(f"  {'':<{width}}  ! {flag}")
        if hidden:
            lines.append(f"({hidden} closed application{'' if hidden == 1 else 's'} not shown: `status --all` "
                         "lists them)")
    if board is not None:
        lines.append("")
        lines.append(f"Board: {board} (`interview-followup board --open` to look at it)")
    return _lines(lines).rstrip() + "\n"


def line_words(a: Application, now: datetime, tz: ZoneInfo) -> str:
    """Where an application stands and what comes next, in one phrase: "waiting on you: send
    the follow-up, due since today 09:00", "upcoming: the interview tomorrow 15:00",
    "waiting on them: their answer; follow-up on Fri 2026-11-27", "closed (rejected)"."""
    words = a.stage_words()
    if a.closed and a.stage_detail:  # how it closed, in short
        detail = a.stage_detail if len(a.stage_detail) <= 70 else a.stage_detail[:69] + "…"
        words += f": {detail}"
    if a.latest.found_late:
        words += " (found late: no thank-you)"
    if not a.next_step or a.next_at is None:
        return words
    when = when_words(a.next_at, now, tz)
    if a.column == "you":
        return f"{words}, due {when}"
    if a.column == "upcoming":
        return f"{words}: {a.next_step} {when}"
    if "follow-up on" in a.stage_detail and "follow-up" in a.next_step:
        return words  # the stage says it already
    return f"{words}; next: {a.next_step.removeprefix('send the ')} {when}"


def _head(a) -> str:
    return f"{a.company or 'unknown company'}" + (f" — {a.role}" if a.role else "")


def _role(role: str) -> str:
    return f" ({role})" if role else ""
