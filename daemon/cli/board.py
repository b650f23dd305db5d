"""``board``: write the board page (``daemon.board``) now, to the data folder or ``--output``,
and open it in the web browser with ``--open``; and the page after a pass of ``once``."""

from __future__ import annotations

import argparse
import sys
import webbrowser

from interview_followup.daemon.board import snapshot
from interview_followup.daemon.board.write import Refresher, board_path, html, write
from interview_followup.daemon.clock import Clock
from interview_followup.daemon.common import logs
from interview_followup.daemon.config import Config
from interview_followup.daemon.errors import FollowupError



def cmd_board(config: Config, clock: Clock, args: argparse.Namespace) -> int:
    target = (args.output or board_path(config)).expanduser().absolute()
    snap = snapshot.read_copy(config, clock.now(), timelines=True)
    write(html(snap, config, snapshot.drafts_place(config, clock), target), target)
    print(f"Board written to {logs.neutral(target)}")
    if args.open and not webbrowser.open(target.as_uri()):
        print("no web browser could be started: open the file yourself", file=sys.stderr)
    return 0


def refresh_after_pass(config: Config, clock: Clock) -> None:
    """After ``once``: the board page in the data folder, as the daemon keeps it. A page
    that cannot be written is said in one line; the pass is done all the same."""
    try:
        snap = snapshot.read_copy(config, clock.now(), timelines=True)
        Refresher().refresh(snap, config, snapshot.drafts_place(config, clock))
    except FollowupError as exc:
        print(f"warning: the board page was not written: {logs.error_text(exc)}", file=sys.stderr)
