"""What the user's commands mean now: which of them are still in force.

Pure: the commands of one loop (or of every event) in, their meaning out. The planner
(``planning.plan_loop``) applies the result; the engine asks ``event_says`` at detection.

Rules, the commands taken in the order the user gave them:
- ``close`` is in force until a ``reopen`` of the loop; a second close replaces the first.
- ``ignore`` and ``track`` are about an event: the later of the two wins; a ``reopen`` of
  the loop takes back an ignore (never a track: ``ignore`` does that).
- ``snooze`` of a step replaces that step's earlier snooze; one of the whole loop replaces
  every earlier snooze. So a snooze to an earlier day takes a snooze back.
- ``skip`` of a step is in force until a ``reopen`` of that step.
"""

from __future__ import annotations

from dataclasses import field
from typing import Iterable

from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import Command


@frozen
class Steering:
    """The user's commands in force for one loop, as the planner reads them."""

    close: Command | None = None
    ignore: Command | None = None
    track: Command | None = None
    snoozes: dict[str, Command] = field(default_factory=dict)  # step ("" for every step) -> its snooze
    skips: dict[str, Command] = field(default_factory=dict)  # step -> its skip

    def in_force(self) -> tuple[Command, ...]:
        """The commands still in force, in the order they were given."""
        found = [self.close, self.ignore, self.track, *self.snoozes.values(), *self.skips.values()]
        return tuple(sorted((c for c in found if c is not None), key=lambda c: c.at))

    def snooze_of(self, step: str) -> Command | None:
        """The snooze in force for ``step`` (its own, or the whole loop's)."""
        return self.snoozes.get(step) or self.snoozes.get("")


def steering(commands: Iterable[Command]) -> Steering:
    close = ignore = track = None
    snoozes: dict[str, Command] = {}
    skips: dict[str, Command] = {}
    for c in commands:
        if c.command == "close":
            close = c
        elif c.command == "reopen" and c.step:
            skips.pop(c.step, None)
        elif c.command == "reopen":
            close = ignore = None
        elif c.command == "ignore":
            ignore, track = c, None
        elif c.command == "track":
            ignore, track = None, c
        elif c.command == "snooze":
            if not c.step:
                snoozes.clear()
            snoozes[c.step] = c
        elif c.command == "skip":
            skips[c.step] = c
    return Steering(close, ignore, track, snoozes, skips)


def event_says(commands: Iterable[Command]) -> dict[str, str]:
    """What the user said of each event, for detection: its UID (or the title given for an
    event not read yet) -> "track" or "ignore". A ``reopen`` with an event takes back its
    ignore."""
    says: dict[str, str] = {}
    for c in commands:
        if c.command in ("track", "ignore") and c.event:
            says[c.event] = c.command
        elif c.command == "reopen" and not c.step and c.event and says.get(c.event) == "ignore":
            del says[c.event]
    return says


def said_of(says: dict[str, str], uid: str, title: str) -> str:
    """What ``says`` (``event_says``) holds for the event with ``uid`` and ``title``: by its
    UID first, then by its title (without case); "" for nothing."""
    if uid in says:
        return says[uid]
    folded = title.casefold()
    return next((v for k, v in says.items() if folded and k.casefold() == folded), "")
