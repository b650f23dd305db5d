"""What the overview and the board are made from: the state at one moment, read once
(``read``), and where the drafts are (``drafts_place``: the mailbox's words for its Drafts
folder and, for Gmail, a link that opens a draft). Read-only.
"""

from __future__ import annotations

import logging
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Callable

from interview_followup.daemon.clock import Clock
from interview_followup.daemon.config import Config
from interview_followup.daemon.engine.plans import plans_from_state
from interview_followup.daemon.errors import FollowupError
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.loop.planning import LoopPlan
from interview_followup.daemon.model import Debrief, Observation
from interview_followup.daemon.providers import ProviderContext, provider_class
from interview_followup.daemon.board.timeline import loop_history
from interview_followup.daemon.store.state import Artifact, Entry, Health, Problem, State

log = logging.getLogger(__name__)


@frozen
class Snapshot:
    """The state and the plans at one moment: what the status and the board show."""

    now: datetime
    plans: tuple[LoopPlan, ...]
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    debriefs: dict[str, Debrief] = field(default_factory=dict)
    health: dict[str, Health] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)
    observations: tuple[Observation, ...] = ()
    # loop id -> its timeline (``timeline.loop_history``); read only when asked (the board)
    timelines: dict[str, list[Entry]] = field(default_factory=dict)


def read(state: State, config: Config, now: datetime, *, timelines: bool = False,
         plans: list[LoopPlan] | None = None) -> Snapshot:
    """The snapshot of ``state`` at ``now`` (``plans`` when the caller planned already)."""
    if plans is None:
        plans = plans_from_state(state, config, now)
    observations = state.observations()
    lines: dict[str, list[Entry]] = {}
    if timelines:
        first_seen = {iv.loop_id: (iv, seen) for iv, seen in state.loops()}
        for loop_id, (iv, seen) in first_seen.items():
            lines[loop_id] = loop_history(state, iv, observations, seen)
    return Snapshot(now, tuple(plans), state.artifacts(), state.debriefs(), state.health(), state.problems(),
                    tuple(observations), lines)


def read_copy(config: Config, now: datetime, *, timelines: bool = False) -> Snapshot:
    """``read`` on a copy of the state (no lock taken, nothing written)."""
    state = State.in_memory_copy(config.state_dir)
    try:
        return read(state, config, now, timelines=timelines)
    finally:
        state.close()


@frozen
class DraftsPlace:
    """Where drafts are, in words ("Gmail Drafts", "Drafts on imap.example.org", a Maildir
    folder), and ``link(key)``: an address that opens the draft with ``key``, or ""."""

    place: str = ""
    link: Callable[[str], str] = lambda key: ""


def drafts_place(config: Config, clock: Clock, mailbox=None) -> DraftsPlace:
    """The ``DraftsPlace`` of the open ``mailbox``, or of the configured one opened offline
    (as a dry run: nothing is created, nothing is read, no sign-in). A mailbox that cannot
    say gives an empty place: the overview then names no folder."""
    if mailbox is None:
        try:
            cls = provider_class("mailbox", config.mailbox.kind)
            if cls is None:
                return DraftsPlace()
            context = ProviderContext(timezone=config.tz, base_dir=config.base_dir, data_dir=config.data_dir,
                                      user_emails=config.profile.emails, clock=clock, dry_run=True)
            mailbox = cls.open(config.mailbox.settings, context)
        except (FollowupError, ImportError, OSError, ValueError) as exc:
            log.debug("where the drafts are is unknown: %s", exc)
            return DraftsPlace()
        try:
            return DraftsPlace(home_short(mailbox.place()), mailbox.draft_link)
        finally:
            mailbox.close()
    return DraftsPlace(home_short(mailbox.place()), mailbox.draft_link)


def home_short(place: str) -> str:
    """A path in the home folder as ``~/...`` (shorter, and it names no user)."""
    home = str(Path.home())
    if home != "/" and (place == home or place.startswith(home + "/")):
        return "~" + place[len(home):]
    return place
