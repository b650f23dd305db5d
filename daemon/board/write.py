"""Writing the board page: ``interview-followup board`` (``write``) and, after every pass
that changed something, the daemon and ``once`` (``Refresher``).

The page lives in the data folder (``board_path``: ``$XDG_DATA_HOME/interview-followup/
board.html``), or beside the state it shows when the configuration names a state folder
(``[state] dir``: the bundled example's page stays in ``example-state/``, never in the data
folder of a real install), private (mode 0600) and replaced atomically (``files.replace_file``: a
reader sees the old page or the new one). "Changed something": what the page would show
differs from what was last written, the moment of writing aside; the last page's digest is
kept in memory, so an idle daemon renders, compares and writes nothing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from interview_followup.daemon.board import summary
from interview_followup.daemon.board.snapshot import DraftsPlace, Snapshot, home_short
from interview_followup.daemon.common import files
from interview_followup.daemon.config import Config, default_state_dir

log = logging.getLogger(__name__)

BOARD_FILE = "board.html"
MODE = 0o600
# the moment of writing, in the page's head: no reason to write it again
_AS_OF = re.compile(r'<p class="meta">As of <time datetime="[^"]*">[^<]*</time>')


def board_path(config: Config) -> Path:
    own_state = config.state_dir != default_state_dir()  # the configuration named a state folder
    return (config.state_dir if own_state else config.data_dir) / BOARD_FILE


def html(snap: Snapshot, config: Config, drafts: DraftsPlace | None = None, where: Path | None = None) -> str:
    """The page for ``snap`` (which must hold the timelines: ``snapshot.read(timelines=True)``)."""
    from interview_followup.daemon.board import figures, page  # not for `status`, which needs only ``board_path``

    tz = config.tz
    ov = summary.overview(snap, config, drafts)
    return page.render(ov, tz, timelines=snap.timelines, figures=figures.figures(snap, tz),
                       weeks=figures.weeks(snap, tz), where=home_short(str(where)) if where else "")


def write(text: str, target: Path) -> None:
    """Put the page at ``target`` (its folder made private where missing), mode 0600, atomically."""
    target = target.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        files.replace_file(target, text.encode("utf-8"), MODE)
    except OSError as exc:
        raise files.os_error(exc, "board page", target, hint="give `board --output` a folder you can write") from None


def digest(text: str) -> str:
    """What the page shows, the moment of writing aside."""
    import hashlib  # here: start-up (status) does not need OpenSSL

    return hashlib.sha256(_AS_OF.sub("", text, count=1).encode("utf-8")).hexdigest()


class Refresher:
    """Rewrites the board after a pass when what it shows changed (or the file is gone)."""

    def __init__(self) -> None:
        self.last: str | None = None  # the digest of the page last written by this process

    def refresh(self, snap: Snapshot, config: Config, drafts: DraftsPlace | None = None) -> bool:
        target = board_path(config)
        text = html(snap, config, drafts, target)
        seen = digest(text)
        if seen == self.last and target.exists():
            return False
        write(text, target)
        self.last = seen
        log.debug("board rewritten: %s", target)
        return True
