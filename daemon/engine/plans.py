"""The plan of every loop the state knows (``plans_from_state``): what a pass plans, and what
``status``, the board and the steering commands show, without importing the rest of the
engine (the calendar detection, the mail rules, the providers), so that they start quickly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from interview_followup.daemon.common import logs
from interview_followup.daemon.config import Config
from interview_followup.daemon.loop.planning import LoopFacts, LoopPlan, group_rounds, plan_loop
from interview_followup.daemon.model import Interview
from interview_followup.daemon.store.state import State


def plans_from_state(state: State, config: Config, now: datetime,
                     skip: Callable[[str, Interview, BaseException], None] | None = None) -> list[LoopPlan]:
    """The plan for every loop the state knows, at ``now`` (what ``planning.plan`` does,
    one loop at a time): a loop whose planning raises unexpectedly is left out and given to
    ``skip(loop_id, interview, exc)`` (by default logged as a contained bug); the others
    are planned as usual. Should grouping the rounds fail, each loop is planned alone."""
    debriefs = state.debriefs()
    observations: dict[str, list] = {}
    for o in state.observations():
        observations.setdefault(o.loop_id, []).append(o)
    written: dict[str, set[str]] = {}  # the steps whose artifact was ever written, per loop
    for a in state.artifacts().values():
        written.setdefault(a.loop_id, set()).add(a.step)
    commands = state.commands()
    facts = [
        LoopFacts(iv, first_seen, debriefs.get(iv.loop_id), tuple(observations.get(iv.loop_id, ())),
                  frozenset(written.get(iv.loop_id, ())), tuple(c for c in commands if c.concerns(iv)))
        for iv, first_seen in state.loops()
    ]
    skip = skip or _skip_loop_once
    try:
        rounds = group_rounds(facts)
    except Exception as exc:  # noqa: BLE001 - contained: each loop is planned alone
        if logs.never_contained(exc):
            raise
        logs.log_bug("grouping the interviews into rounds", exc)
        rounds = {}
    plans = []
    for f in facts:
        try:
            plans.append(plan_loop(f, now, config.timing, config.tz, rounds.get(f.interview.loop_id)))
        except Exception as exc:  # noqa: BLE001 - contained: the other loops are planned
            if logs.never_contained(exc):
                raise
            skip(f.interview.loop_id, f.interview, exc)
    return plans


_LOOPS_TOLD: set[str] = set()  # loops whose planning failed, logged in this process


def _skip_loop_once(loop_id: str, iv: Interview, exc: BaseException) -> None:
    """Outside a pass (``status``, the daemon's status line): a loop whose planning fails is
    logged once per process (the pass records it in the state's problems for ``status``)."""
    if loop_id not in _LOOPS_TOLD:
        _LOOPS_TOLD.add(loop_id)
        logs.log_bug(f"planning the loop {loop_id}", exc)
