"""``history LOOP``: every decision about one loop, with its time and reason.

In time order: why the event is an interview (when it was found), its moves and
cancellation, each mail matched to the loop and why, each draft and reminder written,
updated, removed or left, and each command of the user's; then the steps as planned now,
each with its reason. Read-only (on a copy of the state).

JSON shape (``--json``; new keys may be added):
{"loop_id", "company", "role", "title", "start", "found_by", "certainty", "status", "stage", "reason",
 "entries": [{"at": ISO, "kind": "found"|"moved"|"cancelled"|"reopened"|"draft"|"reminder"|"you"|"mail",
              "text"}],
 "steps": [{"name", "artifact", "due": ISO, "state", "detail"}]}
"""

from __future__ import annotations

import argparse
import json

from interview_followup.daemon.cli.main import find_loop
from interview_followup.daemon.clock import Clock
from interview_followup.daemon.common import logs
from interview_followup.daemon.config import Config
from interview_followup.daemon.engine.plans import plans_from_state
from interview_followup.daemon.board.timeline import loop_history, mail_words  # noqa: F401 (mail_words: moved there)
from interview_followup.daemon.store.state import State


def cmd_history(config: Config, clock: Clock, args: argparse.Namespace) -> int:
    state = State.in_memory_copy(config.state_dir)
    try:
        iv = find_loop(state, args.loop)
        now = clock.now()
        plan = next(p for p in plans_from_state(state, config, now) if p.interview.loop_id == iv.loop_id)
        entries = loop_history(state, iv)  # the board's timeline shows the same (``board.timeline``)
    finally:
        state.close()
    p = plan.interview
    if args.json:
        data = {"loop_id": p.loop_id, "company": p.company, "role": p.role, "title": p.title,
                "start": p.start.isoformat(), "found_by": p.found_by, "certainty": p.certainty,
                "status": plan.status, "stage": plan.stage,
                "reason": plan.reason,
                "entries": [{"at": e.at.isoformat(), "kind": e.kind, "text": e.text} for e in entries],
                "steps": [{"name": s.name, "artifact": s.artifact, "due": s.due.isoformat(), "state": s.state,
                           "detail": s.detail} for s in plan.steps]}
        print(logs.scrub(json.dumps(data, indent=2, ensure_ascii=False)))
        return 0
    tz = config.tz
    stage = plan.stage + (f": {plan.stage_detail}" if plan.stage_detail else "")
    lines = [f"{p.company or 'unknown company'}" + (f" — {p.role}" if p.role else "")
             + f"  [{p.loop_id}]  {p.start.astimezone(tz):%a %Y-%m-%d %H:%M}  {stage}"]
    if p.found_by:  # the decision as it stands now (the entries say how it was reached)
        lines.append(f"  {'maybe an interview' if p.certainty == 'uncertain' else 'an interview'} because {p.found_by}")
    for e in entries:
        lines.append(f"  {e.at.astimezone(tz):%a %Y-%m-%d %H:%M}  {e.kind:<9} {e.text}")
    lines.append("")
    lines.append("Planned now:")
    for s in plan.steps:
        lines.append(f"  {s.name:<19} {s.due.astimezone(tz):%a %Y-%m-%d %H:%M}  {s.state:<9}  {s.detail}")
    print(logs.scrub("\n".join(logs.neutral(line) for line in lines)))
    return 0
