"""Progress of long work on a terminal: one line on stderr, redrawn in place.

``terminal_progress()`` gives the ``Progress`` callback (``daemon/providers.py``) for a
command that may take a while (a first pass over a big mailbox). Rules:

- Shown only when stderr is a terminal, and never under systemd (``$JOURNAL_STREAM`` or
  ``$INVOCATION_ID`` set): a log file, a pipe or the journal get nothing extra, no
  carriage returns.
- Nothing during the first second: a quick pass looks as it always did.
- Then one line, e.g. ``calendar: 35 events; reading mail: 1,200 / 4,126 messages``,
  redrawn in place with ``\\r`` at most ten times a second, cut to the terminal's width.
- Erased at the end, and before any log line written to the same stderr (the log line
  then starts on a clean line; the next update draws the progress again).
- Writing it never fails the command: a terminal that went away only stops the display.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable, TextIO

from interview_followup.daemon.providers import Progress, no_progress

DELAY_S = 1.0  # shown only once the work has taken this long
INTERVAL_S = 0.1  # redrawn at most this often
SEPARATOR = "; "


def shows_progress(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Whether progress may be drawn on ``stream``: a terminal, and not under systemd."""
    env = os.environ if environ is None else environ
    if env.get("JOURNAL_STREAM") or env.get("INVOCATION_ID"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # no isatty, or closed
        return False


def describe(task: str, done: int, total: int | None, unit: str) -> str:
    """``reading mail: 1,200 / 4,126 messages``, ``calendar: 35 events``, ``calendar: 1 event``."""
    if total is None:
        counted = f"{done:,}"
        if done == 1 and unit.endswith("s"):
            unit = unit[:-1]
    else:
        counted = f"{done:,} / {total:,}"
    return f"{task}: {counted}{' ' + unit if unit else ''}"


class TerminalProgress:
    """The ``Progress`` callback drawing on a terminal (see the module rules)."""

    def __init__(
        self, stream: TextIO, delay: float | None = None, interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream
        self.clock = clock
        self.interval = INTERVAL_S if interval is None else interval
        self.parts: dict[str, str] = {}  # task -> its text, in the order tasks first reported
        self.drawn = 0  # characters on the line now (0: nothing shown)
        self.broken = False
        self.next_draw = clock() + (DELAY_S if delay is None else delay)

    def __call__(self, task: str, done: int, total: int | None = None, unit: str = "") -> None:
        self.parts[task] = describe(task, done, total, unit)
        now = self.clock()
        finished = total is not None and done >= total and self.drawn > 0
        if now >= self.next_draw or finished:
            self.draw()
            self.next_draw = max(self.next_draw, now + self.interval)

    def line(self) -> str:
        text = SEPARATOR.join(self.parts.values())
        width = self._width()
        return text if len(text) < width else text[: max(0, width - 4)] + "..."

    def draw(self) -> None:
        text = self.line()
        self._write("\r" + text + " " * max(0, self.drawn - len(text)))
        self.drawn = len(text)

    def clear(self) -> None:
        """Erase the line (nothing is written when nothing was shown)."""
        if self.drawn:
            self._write("\r" + " " * self.drawn + "\r")
            self.drawn = 0

    def _write(self, text: str) -> None:
        if self.broken:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing, carry on
            self.broken = True

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (AttributeError, ValueError, OSError):
            return 80


class _ClearBeforeLogging(logging.Filter):
    """Put on the log handlers that write to the progress's stream: a log line erases the
    progress line first, so that the two never share a line."""

    def __init__(self, display: TerminalProgress):
        super().__init__()
        self.display = display

    def filter(self, record: logging.LogRecord) -> bool:
        self.display.clear()
        return True


@contextmanager
def terminal_progress(stream: TextIO | None = None, environ: dict[str, str] | None = None) -> Iterator[Progress]:
    """A ``Progress`` for the work inside the ``with``: a ``TerminalProgress`` on stderr
    when ``shows_progress``, else one that does nothing. The line is erased on leaving."""
    stream = stream or sys.stderr
    if not shows_progress(stream, environ):
        yield no_progress
        return
    display = TerminalProgress(stream)
    guard = _ClearBeforeLogging(display)
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "stream", None) is stream]
    for handler in handlers:
        handler.addFilter(guard)
    try:
        yield display
    finally:
        for handler in handlers:
            handler.removeFilter(guard)
        display.clear()
