"""The command line: a thin layer over the engine, the state and the status view.

Exit statuses: 0 done; 1 ``doctor`` found a failure or a pass could not finish;
2 something the user must fix (configuration, authorisation, a path, the state file);
75 a temporary failure (try again later).

Everything printed that may hold outside text (titles, subjects, server messages) is
neutralised (``logs.neutral``: no control characters, escape sequences or bidirectional
overrides; a new line only where the program puts one) and scrubbed of secrets.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from interview_followup.daemon import __version__
from interview_followup.daemon.errors import NeedsUser, Transient

if TYPE_CHECKING:  # the rest is imported by the commands that need it: start-up stays quick
    from interview_followup.daemon.clock import Clock
    from interview_followup.daemon.config import Config
    from interview_followup.daemon.engine.reconcile import PassReport
    from interview_followup.daemon.store.state import State

EX_USER = 2
EX_TEMPFAIL = 75


# every command, in the order of the parser (a test keeps the two in step)
COMMANDS = ("once", "run", "status", "board", "debrief", "close", "reopen", "snooze", "skip", "track", "ignore",
            "history", "doctor", "init", "install-service", "uninstall-service", "config", "completion")
_GLOBAL_FLAGS = ("--commit", "-v", "--verbose")
_GLOBAL_WITH_VALUE = ("--config", "--now")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    argv = sys.argv[1:] if argv is None else argv
    return build_parser(only=command_named(argv)).parse_args(argv)


def command_named(argv: list[str]) -> str | None:
    """The command ``argv`` runs, when that is certain without argparse: the options before
    it are the global ones, spelt out in full, and no value of theirs starts with "-". None
    otherwise (an abbreviation, ``--help``, ``--``, a mistake): the whole parser then reads
    ``argv``, as it would have."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _GLOBAL_FLAGS:
            i += 1
        elif arg in _GLOBAL_WITH_VALUE and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            i += 2
        elif arg.partition("=")[0] in _GLOBAL_WITH_VALUE and "=" in arg:
            i += 1
        else:
            return arg if arg in COMMANDS else None
    return None


class _Unbuilt:
    """The parser of a command this run does not use (``build_parser``'s ``only``): what is
    added to it goes nowhere."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


class _OnlyOne:
    """The commands' ``add_parser``, building the parser of the command ``only`` alone: the
    others' (argparse builds each in full, and reads none but the one named) would cost more
    start-up than ``status`` itself."""

    def __init__(self, sub, only: str) -> None:
        self.sub, self.only = sub, only

    def add_parser(self, name: str, **kwargs):
        return self.sub.add_parser(name, **kwargs) if name == self.only else _Unbuilt()


def build_parser(config_default: str | None = None, only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; ``completion`` and ``manpage`` are generated from it.
    ``config_default`` replaces this machine's default config path in the help (the man page).
    With ``only`` (a command ``command_named`` found), that command's parser is the only one
    built: it reads that command's arguments as the whole one does, and is all a run needs."""
    from interview_followup.daemon.cli.debrief import CLEARABLE
    from interview_followup.daemon.cli.help_text import epilog
    from interview_followup.daemon.config import default_config_path

    ap = argparse.ArgumentParser(
        prog="interview-followup",
        description="Runs the follow-up loop after every job interview.\n"
                    "It writes drafts; it never sends mail.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ap.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the configuration file (default: $INTERVIEW_FOLLOWUP_CONFIG or "
             f"{config_default or default_config_path()})",
    )
    ap.add_argument("--now", metavar="MOMENT",
                    help="act as if it were this moment (ISO 8601, e.g. 2026-11-20T17:00+01:00); "
                         "a moment later than the clock is a preview that writes nothing")
    ap.add_argument("--commit", action="store_true",
                    help="with a --now later than the clock: write what that moment calls for "
                         "(without it, a preview)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log more (never secrets or message text)")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if only is not None:
        sub = _OnlyOne(sub, only)

    once = sub.add_parser("once", help="one pass: read the calendar and mail, do what is due, print it")
    once.add_argument("--dry-run", action="store_true", help="print what would happen; write nothing")
    run = sub.add_parser("run", help="keep running: a pass at every due step and every poll interval")
    run.add_argument("--dry-run", action="store_true", help="print what would happen; write nothing")

    st = sub.add_parser("status", help="the search at a glance: today's to-dos and one line per application; "
                                       "with LOOP, that application's rounds and steps")
    st.add_argument("loop", nargs="?", metavar="LOOP",
                    help="show this application in detail, each round with its steps (a loop id from `status`, "
                         "a prefix of it, the company name, or a part of the event's title)")
    st.add_argument("--all", action="store_true", help="list the closed applications too")
    st.add_argument("--json", action="store_true", help="machine-readable output (see daemon/cli/status.py)")
    board = sub.add_parser("board", help="write the board: one HTML page of the whole search (the daemon keeps "
                                         "one up to date in the data folder)")
    board.add_argument("--output", type=Path, metavar="FILE",
                       help="where to write it (default: board.html in the data folder, "
                            "$XDG_DATA_HOME/interview-followup)")
    board.add_argument("--open", action="store_true", help="open it in the web browser afterwards")

    db = sub.add_parser("debrief", help="record what you learnt in the interview")
    db.add_argument("loop", help="the loop id from `status`, a prefix of it, or the company name")
    db.add_argument("--answer-by", type=date.fromisoformat, metavar="DATE", help="when they said they would answer")
    db.add_argument("--contact", metavar="EMAIL", help="who to follow up with (\"Name <email>\" or an address)")
    db.add_argument("--note", action="append", default=[], metavar="TEXT", help="anything worth remembering")
    db.add_argument("--asked-about", action="append", default=[], metavar="TEXT", help="what interested them")
    db.add_argument("--open-question", action="append", default=[], metavar="TEXT",
                    help="a question you could not fully answer")
    db.add_argument("--forgot-to-ask", action="append", default=[], metavar="TEXT",
                    help="a question you forgot to ask")
    db.add_argument("--role", metavar="TEXT", help="correct the role the calendar gave (drafts and status use yours)")
    db.add_argument("--company", metavar="NAME", help="correct the company the calendar gave")
    db.add_argument("--language", metavar="CODE", help="the language of this loop's drafts (en, de, fr, es, or "
                                                        "one of your own templates)")
    db.add_argument("--clear", action="append", default=[], choices=tuple(CLEARABLE), metavar="FIELD",
                    help="remove what FIELD holds, before the options given with it are added: "
                         + ", ".join(CLEARABLE))
    db.add_argument("--show", action="store_true", help="print the debrief as recorded (after any changes given)")
    _steering_parsers(sub)

    sub.add_parser("doctor", help="check the configuration, paths and providers; one line each")
    sub.add_parser("init", help="set up: asks a few questions, writes the configuration, signs in")
    inst = sub.add_parser("install-service",
                          help="run as a systemd user service: write the unit for this install, enable and start it")
    inst.add_argument("--print", "--dry-run", dest="print_only", action="store_true",
                      help="show the unit and the commands; touch nothing")
    sandbox = inst.add_mutually_exclusive_group()
    sandbox.add_argument("--sandbox", dest="sandbox", action="store_const", const=True, default=None,
                         help="write the file-system sandbox lines (needs unprivileged user namespaces; "
                              "default: when they work here)")
    sandbox.add_argument("--no-sandbox", dest="sandbox", action="store_const", const=False,
                         help="leave the file-system sandbox lines out")
    uninst = sub.add_parser("uninstall-service", help="stop, disable and remove the systemd user service")
    uninst.add_argument("--print", "--dry-run", dest="print_only", action="store_true",
                        help="show the commands; touch nothing")

    cfg = sub.add_parser("config", help="look at the configuration without going online")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    cfg_sub.add_parser("check", help="validate the configuration and print it as TOML with every default "
                                     "filled in and secrets hidden (offline; `doctor` checks online)")
    comp = sub.add_parser("completion", help="print the shell completion script for bash, zsh or fish",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description="Print the completion script for SHELL. To load it:\n"
                                      "  bash: add to ~/.bashrc:  source <(interview-followup completion bash)\n"
                                      "  zsh:  interview-followup completion zsh > ~/.zfunc/_interview-followup\n"
                                      "        with fpath+=(~/.zfunc) before compinit in ~/.zshrc\n"
                                      "  fish: interview-followup completion fish > \\\n"
                                      "          ~/.config/fish/completions/interview-followup.fish")
    comp.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL",
                      help="the shell: bash, zsh or fish")
    return ap


LOOP_HELP = "the loop id from `status`, a prefix of it, the company name, or a part of the event's title"
EVENT_HELP = ("the event's UID, its loop id, or its title as `status --json` and the calendar show it "
              "(without case; a part of the title only one event has will do)")


def _steering_parsers(sub) -> None:
    """The commands that steer a loop or an event (``cli.steer``, ``cli.history``)."""
    from interview_followup.daemon.model import CLOSE_OUTCOMES

    close = sub.add_parser("close", help="close a loop yourself: you know how it ended")
    close.add_argument("loop", help=LOOP_HELP)
    close.add_argument("--outcome", required=True, choices=CLOSE_OUTCOMES, metavar="OUTCOME",
                       help="rejected (a feedback request is still offered), offer (a request for time to "
                            "decide), accepted, withdrawn or other (nothing more)")
    close.add_argument("--note", metavar="TEXT", help="why, in your words (status and history show it)")
    reopen = sub.add_parser("reopen", help="take back your close or ignore of a loop, or your skip of a STEP")
    reopen.add_argument("loop", help=LOOP_HELP)
    reopen.add_argument("step", nargs="?", metavar="STEP", help="a step you skipped")
    snooze = sub.add_parser("snooze", help="move a loop's steps not yet done (or one STEP) to the morning of a day")
    snooze.add_argument("loop", help=LOOP_HELP)
    snooze.add_argument("step", nargs="?", metavar="STEP", help="just this step (names as `status` shows them)")
    snooze.add_argument("--until", required=True, type=date.fromisoformat, metavar="DATE",
                        help="the day (YYYY-MM-DD); steps move to its morning, or the next working day's")
    skip = sub.add_parser("skip", help="skip a step of a loop: its draft (with the draft's reminders) or "
                                       "reminder is not wanted")
    skip.add_argument("loop", help=LOOP_HELP)
    skip.add_argument("step", metavar="STEP", help="the step, as `status` names it")
    track = sub.add_parser("track", help="follow up an event that was not recognised as an interview")
    track.add_argument("event", metavar="EVENT", help=EVENT_HELP)
    ignore = sub.add_parser("ignore", help="never follow up an event: it is no interview")
    ignore.add_argument("event", metavar="EVENT", help=EVENT_HELP)
    history = sub.add_parser("history", help="every decision about a loop, with its time and reason")
    history.add_argument("loop", help=LOOP_HELP)
    history.add_argument("--json", action="store_true", help="machine-readable output (see daemon/cli/history.py)")


def make_clock(now: str | None, *, moving: bool) -> Clock:
    from interview_followup.daemon.clock import FixedClock, OffsetClock, SystemClock

    if not now:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(now)
    except ValueError:
        raise NeedsUser(f"--now {now!r} is not an ISO 8601 moment (e.g. 2026-11-20T17:00+01:00)") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a local time of this machine
    return OffsetClock(moment) if moving else FixedClock(moment)


def is_preview(args: argparse.Namespace, clock: Clock) -> bool:
    """Time travel never destroys: a ``--now`` later than the real clock previews that
    moment and writes nothing, unless ``--commit`` says to make it real. (A ``--now`` in the
    past replays it; the engine refuses one before the state's last pass.)"""
    from interview_followup.daemon.clock import SystemClock

    if args.commit and not args.now:
        raise NeedsUser("--commit goes with --now: it makes a pass at a later moment real")
    return bool(args.now) and not args.commit and clock.now() > SystemClock().now()


def preview_words(clock: Clock, config: Config) -> str:
    return (f"Preview of {clock.now().astimezone(config.tz):%a %Y-%m-%d %H:%M %Z}, later than now: nothing "
            "is written (add --commit to make it real)")


def asks_version(argv: list[str]) -> bool:
    """``--version`` among the options before the command: answered without building the
    parser (which imports the configuration and the model), as argparse would answer it."""
    for i, arg in enumerate(argv):
        if arg == "--version":
            return True
        if arg in ("--config", "--now"):
            return asks_version(argv[i + 2:])
        if not arg.startswith("-") or arg == "--":
            return False
    return False


# The commands that do one small thing (read the state and print, record a decision, check the
# configuration) and end: the garbage collector stays off for their whole run (see ``entry``).
SHORT_COMMANDS = frozenset({"status", "history", "debrief", "close", "reopen", "snooze", "skip", "track", "ignore",
                            "config", "completion"})


def entry() -> int:
    """The ``interview-followup`` command: ``main`` in a process of its own.

    Start-up builds tens of thousands of objects that live as long as the process (modules,
    classes, functions, compiled rules) and frees few: the cyclic garbage collector, run while
    they are built, only walks them again and again (a fifth of ``status``). So it is off while
    the command starts; a command that works for long (a pass, the service, the board) turns it
    back on once started (``start_collecting``), after moving what start-up built out of its
    reach; the short ones (``SHORT_COMMANDS``) end without it. Objects are still freed as soon as
    nothing refers to them: only reference cycles wait. At the end, freezing what is left spares
    the interpreter's last collection, which would walk it all once more on the way out.
    """
    gc.disable()
    try:
        return main()
    finally:
        gc.freeze()


def start_collecting() -> None:
    """Turn the garbage collector back on, for what the command creates from now on, when
    ``entry`` turned it off (in a test's process it was never off: nothing changes)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    if asks_version(sys.argv[1:] if argv is None else argv):
        print(f"interview-followup {__version__}")
        raise SystemExit(0)  # what argparse's version action does
    args = parse_args(argv)
    if args.command not in SHORT_COMMANDS:
        start_collecting()
    from interview_followup.daemon.common import logs
    from interview_followup.daemon.config import default_config_path, load

    logs.setup(args.verbose)
    os.umask(0o077)
    try:
        if args.command == "doctor":
            from interview_followup.daemon.cli.doctor import doctor

            return doctor(args.config)
        if args.command == "init":
            from interview_followup.daemon.cli.init import run_init

            run_init((args.config or default_config_path()).expanduser())
            return 0
        if args.command == "uninstall-service":
            from interview_followup.daemon.service.unit import uninstall

            return uninstall(dry=args.print_only)
        if args.command == "install-service":
            from interview_followup.daemon.service.unit import install

            return install(load(args.config), dry=args.print_only, sandbox=args.sandbox)
        if args.command == "completion":
            from interview_followup.daemon.cli.completion import script

            sys.stdout.write(script(args.shell, build_parser()))
            return 0
        if args.command == "config":
            from interview_followup.daemon.cli.config_check import config_command

            return config_command(args)
        config = load(args.config)
        clock = make_clock(args.now, moving=args.command == "run")
        preview = is_preview(args, clock)
        if args.command == "once":
            return cmd_once(config, clock, args.dry_run or preview, preview=preview)
        if args.command == "run":
            from interview_followup.daemon.service.runner import run_forever

            if preview:
                print(f"{preview_words(clock, config)}.", file=sys.stderr)
            return run_forever(config, clock, args.dry_run or preview)
        if args.command == "status":
            return cmd_status(config, clock, args.json, loop=args.loop, show_closed=args.all)
        if args.command == "board":
            from interview_followup.daemon.cli.board import cmd_board

            return cmd_board(config, clock, args)
        if args.command == "debrief":
            return cmd_debrief(config, clock, args, preview=preview)
        if args.command in ("close", "reopen", "snooze", "skip", "track", "ignore"):
            from interview_followup.daemon.cli.steer import cmd_steer

            return cmd_steer(config, clock, args, preview=preview)
        if args.command == "history":
            from interview_followup.daemon.cli.history import cmd_history

            return cmd_history(config, clock, args)
    except NeedsUser as exc:
        print(f"error: {logs.error_text(exc)}", file=sys.stderr)
        return EX_USER
    except Transient as exc:
        print(f"temporary failure: {logs.error_text(exc)}; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the output went to a pager or `head` that closed early
        sys.stdout = open(os.devnull, "w")
        return 0
    return 0  # unreachable: argparse requires a command


def print_report(report: PassReport, out=None) -> None:
    from interview_followup.daemon.common import logs

    out = out or sys.stdout
    for line in report.actions:
        print(f"- {logs.neutral_lines(line)}", file=out)
    if not report.actions:
        print("- nothing to do", file=out)
    for line in report.warnings:
        print(f"warning: {logs.neutral_lines(line)}", file=out)
    for line in report.errors:
        print(f"error: {logs.neutral_lines(line)}", file=sys.stderr)


def cmd_once(config: Config, clock: Clock, dry_run: bool, preview: bool = False) -> int:
    from interview_followup.daemon.cli.progress import terminal_progress
    from interview_followup.daemon.common import logs
    from interview_followup.daemon.engine.reconcile import one_pass

    with terminal_progress() as progress:  # on a terminal, after a second: counts on stderr
        report = one_pass(config, clock, dry_run, progress=progress)
    if preview:
        print(f"{preview_words(clock, config)}:")
    else:
        print(f"Pass at {clock.now().astimezone(config.tz):%a %Y-%m-%d %H:%M %Z}{' (dry run)' if dry_run else ''}:")
    if report.refused:
        print(f"- {logs.neutral_lines(report.refused)}")
        return 0
    print_report(report)
    if not dry_run:
        from interview_followup.daemon.cli.board import refresh_after_pass

        refresh_after_pass(config, clock)
    if not dry_run and not report.errors:
        print()
        cmd_status(config, clock, False)
    if report.needs_user:
        return EX_USER
    return EX_TEMPFAIL if report.errors else 0


def _read_only_plans(config: Config, clock: Clock, with_health: bool = False):
    from interview_followup.daemon.engine.plans import plans_from_state
    from interview_followup.daemon.store.state import State

    state = State.in_memory_copy(config.state_dir)
    try:
        found = plans_from_state(state, config, clock.now()), state.artifacts()
        return (*found, state.health(), state.problems()) if with_health else found
    finally:
        state.close()


def cmd_status(config: Config, clock: Clock, as_json_output: bool, loop: str | None = None,
               show_closed: bool = False) -> int:
    """Without ``loop``: the providers, today's to-dos and one line per application (the
    closed ones with ``show_closed``); with it: that application's rounds in detail."""
    from interview_followup.daemon.board.snapshot import drafts_place, read
    from interview_followup.daemon.board.summary import overview
    from interview_followup.daemon.board.write import board_path
    from interview_followup.daemon.cli.status import as_json, as_text, health_text, overview_text
    from interview_followup.daemon.store.state import State

    state = State.in_memory_copy(config.state_dir)
    try:
        snap = read(state, config, clock.now())
        chosen = find_application(state, loop, snap.plans) if loop else None
    finally:
        state.close()
    plans = [p for p in snap.plans if chosen is None or (p.application or p.interview.loop_id) == chosen]
    ov = overview(snap, config, drafts_place(config, clock))
    today = tuple(x for x in ov.today if chosen is None or x.loop_id in {p.interview.loop_id for p in plans})
    board = board_path(config)
    if as_json_output:
        print(as_json(plans, snap.artifacts, clock.now(), snap.health, snap.problems, board, today))
    elif chosen is not None:
        print(as_text(plans, snap.artifacts, config.tz), end="")
    else:
        print(health_text(snap.health, config.tz, snap.problems)
              + overview_text(ov, config.tz, show_closed=show_closed, board=board if board.exists() else None),
              end="")
    return 0


def find_application(state: State, text: str, plans) -> str:
    """The application (the loop id of its first round) ``text`` names: what ``find_loop``
    finds, or a company name all of whose loops are rounds of one application."""
    app_of = {p.interview.loop_id: p.application or p.interview.loop_id for p in plans}
    named = {app_of[iv.loop_id] for iv, _ in state.loops()
             if iv.company.casefold() == text.casefold() and iv.loop_id in app_of}
    if len(named) == 1 and not any(iv.loop_id == text for iv, _ in state.loops()):
        return named.pop()
    iv = find_loop(state, text)
    return app_of.get(iv.loop_id, iv.loop_id)


def find_loop(state: State, text: str):
    loops = [iv for iv, _ in state.loops()]
    exact = [iv for iv in loops if iv.loop_id == text]
    if exact:
        return exact[0]
    hits = [iv for iv in loops if iv.loop_id.startswith(text)] or [
        iv for iv in loops if iv.company.lower() == text.lower() and not iv.cancelled
    ] or [iv for iv in loops if text.strip() and text.casefold() in iv.title.casefold()]  # a part of its title
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NeedsUser(f"no loop matches {text!r}", hint="`interview-followup status` lists the loop ids")
    ids = ", ".join(f"{iv.loop_id} ({iv.company}, {iv.start:%Y-%m-%d})" for iv in hits)
    raise NeedsUser(f"{text!r} matches several loops: {ids}; give the loop id")


def parse_person(text: str) -> Person:
    from email.utils import parseaddr

    name, addr = parseaddr(text)
    if "@" not in addr or any(c in text for c in "\r\n\0"):
        raise NeedsUser(f"--contact {text!r} is not an email address")
    from interview_followup.daemon.model import Person

    return Person(addr.lower(), name)


def check_answer_by(day: date | None, iv, config: Config) -> None:
    """The day they said they would answer: not before the interview's day, not more than a
    year after it (a typo in the year, most likely)."""
    if day is None:
        return
    held = iv.start.astimezone(config.tz).date()
    if day < held:
        raise NeedsUser(f"--answer-by {day.isoformat()} is before the interview ({held:%a %Y-%m-%d}): "
                        "give the day they said they would answer by")
    try:
        year_on = held.replace(year=held.year + 1)
    except ValueError:  # 29 February
        year_on = held.replace(year=held.year + 1, day=28)
    if day > year_on:
        raise NeedsUser(f"--answer-by {day.isoformat()} is more than a year after the interview "
                        f"({held:%a %Y-%m-%d}): check the year")


def _added(old: tuple[str, ...], new: list[str]) -> tuple[str, ...]:
    """``old`` with the items of ``new`` it lacks: the same debrief given twice (a command run
    again after an interruption) records each item once."""
    return tuple(dict.fromkeys((*old, *(x.strip() for x in new if x.strip()))))


def cmd_debrief(config: Config, clock: Clock, args: argparse.Namespace, preview: bool = False) -> int:
    """Record what the user learnt; with ``preview`` (a later ``--now``), on a copy of the
    state that is thrown away: it says what would be recorded, and writes nothing."""
    from dataclasses import replace

    from interview_followup.daemon.cli import debrief as debrief_options
    from interview_followup.daemon.common import logs
    from interview_followup.daemon.engine.plans import plans_from_state
    from interview_followup.daemon.model import Debrief
    from interview_followup.daemon.store.state import State, exclusive

    if args.show and not debrief_options.has_changes(args):  # only a look: no lock, nothing written
        state = State.in_memory_copy(config.state_dir)
        try:
            iv = find_loop(state, args.loop)
            print(debrief_options.show(state.debriefs().get(iv.loop_id), iv, config), end="")
        finally:
            state.close()
        return 0
    with exclusive(config.state_dir):
        state = State.in_memory_copy(config.state_dir) if preview else State.open(config.state_dir)
        try:
            iv = find_loop(state, args.loop)
            check_answer_by(args.answer_by, iv, config)
            old = state.debriefs().get(iv.loop_id) or Debrief(iv.loop_id, clock.now())
            old = debrief_options.cleared(old, args.clear)
            new = replace(
                old,
                recorded_at=clock.now(),
                answer_by=args.answer_by or old.answer_by,
                contact=parse_person(args.contact) if args.contact else old.contact,
                notes=_added(old.notes, args.note),
                asked_about=_added(old.asked_about, args.asked_about),
                open_questions=_added(old.open_questions, args.open_question),
                forgot_to_ask=_added(old.forgot_to_ask, args.forgot_to_ask),
            )
            new = debrief_options.corrected(new, args)
            with state.transaction():
                state.save_debrief(new)
            if preview:
                plans = plans_from_state(state, config, clock.now())
        finally:
            state.close()
    if not preview:
        plans, _ = _read_only_plans(config, clock)
    p = next(p for p in plans if p.interview.loop_id == iv.loop_id)
    if preview:
        print(f"{preview_words(clock, config)}:")
        print(f"the debrief for {logs.neutral(iv.company or iv.title)} [{iv.loop_id}] would be recorded.")
    else:
        print(f"Debrief recorded for {logs.neutral(iv.company or iv.title)} [{iv.loop_id}].")
    follow = p.step("followup") or p.step("followup-call")
    if follow:
        print(f"Follow-up: {follow.due.astimezone(config.tz):%a %Y-%m-%d %H:%M} ({follow.detail}).")
    if args.show:
        print(debrief_options.show(new, iv, config), end="")
    return 0
