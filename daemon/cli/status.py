"""What ``status`` shows: each loop with its steps, as text or as JSON for scripts.

JSON shape (stable; new keys may be added):
{"now": ISO,
 "providers": {"calendar"|"mailbox"|"reminders": {"ok": bool, "problem": ""|"sign-in"|"user"|"transient",
   "detail", "since": ISO, "last_ok": ISO or null}},
 "last_pass": ISO or null (the last pass in which every provider worked, see ``last_pass``),
 "loops": [{"loop_id", "company", "role", "title", "start", "end", "size",
  "status": "open"|"closed"|"cancelled", "reason",
  "outcome": ""|"rejected"|"offer"|"next-round"|"info"|"answered"|"no-response",
  "application": loop id of the first round, "round": 1.., "flags": [text],
  "interviewers": [{"name","email"}],
  "steps": [{"name", "artifact": "draft"|"reminder", "due": ISO,
             "state": "scheduled"|"due"|"done"|"missed"|"cancelled"|"skipped",
             "detail", "written": artifact status or null, "note"}]}]}
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from interview_followup.daemon.loop.planning import LoopPlan
from interview_followup.daemon.store.state import PROBLEMS, Artifact, Health

WRITTEN = {
    "created": "written",
    "intent-create": "being written",
    "intent-update": "being updated",
    "intent-remove": "being removed",
    "removed": "removed",
    "gone": "sent or deleted by you",
    "left": "edited by you, left in place",
}


def as_json(plans: list[LoopPlan], artifacts: dict[str, Artifact], now: datetime,
            health: dict[str, Health] | None = None) -> str:
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
                "application": p.application or iv.loop_id,
                "round": p.round,
                "flags": list(p.flags),
                "interviewers": [{"name": x.name, "email": x.email} for x in iv.interviewers],
                "steps": steps,
            }
        )
    providers = {
        h.role: {"ok": h.ok, "problem": h.problem, "detail": h.detail, "since": h.since.isoformat(),
                 "last_ok": h.last_ok.isoformat() if h.last_ok else None}
        for h in (health or {}).values()
    }
    last = last_pass(health or {})
    return json.dumps({"now": now.isoformat(), "providers": providers, "last_pass": last.isoformat() if last else None,
                       "loops": loops}, indent=2, ensure_ascii=False)


def health_text(health: dict[str, Health], tz: ZoneInfo) -> str:
    """One line per provider: working (and when it last worked) or what is wrong since when."""
    if not health:
        return ""
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
    return "\n".join(lines) + "\n\n"


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
        state = p.reason or p.status
        lines.append(f"{head}  [{iv.loop_id}]  {start:%a %Y-%m-%d %H:%M}  {state}")
        for flag in p.flags:
            lines.append(f"  ! {flag}")
        for s in p.steps:
            a = artifacts.get(s.key)
            written = WRITTEN.get(a.status, a.status) if a else ""
            if written == "written":
                written = "in Drafts" if s.artifact == "draft" else "in the calendar"
            due = s.due.astimezone(tz)
            extra = "; ".join(x for x in (written, s.detail) if x)
            lines.append(f"  {s.name:<19} {due:%a %Y-%m-%d %H:%M}  {s.state:<9}  {extra}")
            if a and a.note:
                lines.append(f"  {'':<19} note: {a.note}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
