"""The one clock. Nothing else in the program reads the wall clock."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


class FixedClock:
    """A clock that stands still until moved: ``--now`` and the tests use it."""

    def __init__(self, moment: datetime):
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a time-zone aware moment")
        self._now = moment

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        from datetime import timedelta

        self._now += timedelta(seconds=max(0.0, seconds))

    def set(self, moment: datetime) -> None:
        self._now = moment


class OffsetClock:
    """Real time, shifted: ``run --now`` starts at the given moment and then moves on."""

    def __init__(self, start: datetime, real: Clock | None = None):
        self.real = real or SystemClock()
        self.offset = start - self.real.now()

    def now(self) -> datetime:
        return self.real.now() + self.offset

    def sleep(self, seconds: float) -> None:
        self.real.sleep(seconds)
