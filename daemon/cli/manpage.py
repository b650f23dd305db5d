"""The man page, interview-followup(1), written from the command line parser.

    python -m interview_followup.daemon.cli.manpage > daemon/cli/interview-followup.1

The page is committed (and shipped in the wheel); ``tests/test_cli_surface.py`` fails when it
differs from what this prints, so a new command or option cannot leave it behind. Commands and
options come from the parser (``completion.walk``), the examples and exit statuses from
``help_text`` (the same as in ``--help``); only NAME's wording, FILES, ENVIRONMENT and SEE ALSO
are written here.
"""

from __future__ import annotations

import argparse
import re
import sys

from interview_followup.daemon import __version__
from interview_followup.daemon.cli.completion import Command, Option, walk
from interview_followup.daemon.cli.help_text import EXAMPLES, EXIT_STATUSES

# The default paths, as the page shows them (the parser's help shows this machine's own).
CONFIG_SHOWN = "~/.config/{prog}/config.toml"


def _escape(text: str) -> str:
    """Characters roff would read as its own: backslash, and anything not ASCII (as \\[uXXXX])."""
    text = text.replace("\\", "\\e")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def code(text: str) -> str:
    """A command, an option, a path: every "-" a hyphen-minus that copies as typed."""
    return _escape(text).replace("-", "\\-")


def prose(text: str) -> str:
    """Running text: `quoted` spans in bold, words that are options or paths as ``code``."""
    out = []
    for i, part in enumerate(text.split("`")):
        if i % 2:  # inside backquotes
            out.append(f"\\fB{code(part)}\\fR")
            continue
        words = re.split(r"(\s+)", part)
        out.append("".join(code(w) if re.match(r"^[\[(\"']*(-|~|/|\$|\w+/)", w) else _escape(w) for w in words))
    return "".join(out)


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def line(text: str) -> str:
    """A text line: one starting with "." or "'" would be read as a request."""
    return "\\&" + text if text.startswith((".", "'")) else text


def _flag(flag: str) -> str:
    return f"\\fB{code(flag)}\\fR"


def _option_usage(o: Option) -> str:
    usage = _flag(o.flags[0])
    if o.metavar is not None:
        usage += f" \\fI{code(o.metavar)}\\fR"
    return usage


def synopsis(cmd: Command, prog: str) -> str:
    """The command's usage, like argparse's but in roff: ``[--dry-run]``, ``[--a | --b]``."""
    parts = [f"\\fB{code(' '.join((prog, *cmd.path)))}\\fR"]
    groups: dict[tuple[str, ...], int] = {}
    for i, group in enumerate(cmd.parser._mutually_exclusive_groups):
        for action in group._group_actions:
            groups[tuple(action.option_strings)] = i
    done: set[int] = set()
    options = [o for o in cmd.options if "--help" not in o.flags and (cmd.path or "--version" not in o.flags)]
    for o in options:
        g = groups.get(o.flags)
        if g is None:
            parts.append(f"[{_option_usage(o)}]" + ("..." if o.repeatable else ""))
        elif g not in done:
            done.add(g)
            members = [_option_usage(m) for m in options if groups.get(m.flags) == g]
            parts.append("[" + " | ".join(members) + "]")
    for p in cmd.positionals:
        arg = f"\\fI{code(p.name)}\\fR" + ("..." if p.many else "")
        parts.append(f"[{arg}]" if p.optional else arg)
    if cmd.subcommands:
        parts.append(f"\\fI{code(cmd.sub_metavar)}\\fR")
        if cmd.path == ():
            parts.append("[\\fIOPTIONS\\fR]")
    return " ".join(parts)


def description_lines(text: str, raw: bool) -> list[str]:
    """A parser's description: lines indented by two or more spaces stay as they are (with a
    RawDescriptionHelpFormatter), the rest is filled like any paragraph."""
    if not raw:
        return [line(prose(" ".join(text.split())))] if text.strip() else []
    out: list[str] = []
    literal = False
    for raw_line in text.splitlines():
        if raw_line.startswith("  "):
            if not literal:
                out += [".RS 4", ".nf"]
                literal = True
            out.append(line(code(raw_line[2:])))
        else:
            if literal:
                out += [".fi", ".RE"]
                literal = False
            if raw_line.strip():
                out.append(line(prose(raw_line.strip())))
    if literal:
        out += [".fi", ".RE"]
    return out


def options_list(options: list[Option]) -> list[str]:
    out = []
    for o in options:
        tag = ", ".join(_flag(f) for f in o.flags)
        if o.metavar is not None:
            tag += f" \\fI{code(o.metavar)}\\fR"
        out += [".TP", line(tag), line(prose(sentence(o.help) + (" May be given more than once." if o.repeatable else "")))]
    return out


def render(parser: argparse.ArgumentParser) -> str:
    tree = walk(parser)
    prog = parser.prog
    raw = issubclass(parser.formatter_class, argparse.RawDescriptionHelpFormatter)
    config = CONFIG_SHOWN.format(prog=prog)
    summary = " ".join(tree.description.split()).split(". ")[0].rstrip(".")
    summary = summary[:1].lower() + summary[1:]
    out = [
        f'.\\" {prog}({1}): generated from the command line parser by',
        '.\\" python -m interview_followup.daemon.cli.manpage; edit the parser, not this file.',
        f'.TH {code(prog.upper())} 1 "" "{code(prog)} {code(__version__)}" "User Commands"',
        ".nh",  # no hyphenation: options and paths are copied as they are
        ".ad l",
        ".SH NAME",
        f"{code(prog)} \\- {prose(summary)}",
        ".SH SYNOPSIS",
        synopsis(tree, prog),
        ".br",
        f"\\fB{code(prog)}\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR",
        ".SH DESCRIPTION",
        *description_lines(tree.description, raw),
        ".PP",
        line(prose(
            f"After each interview in your calendar, {prog} writes what is due, at the time it is due: a "
            "debrief reminder, a thank-you draft, a follow-up draft or a call reminder when the employer is "
            "late to answer, and reminders in a calendar of your choice. It watches your mail for the "
            "employer's answer and closes the loop when it comes. Every draft waits in your mail program's "
            "drafts folder: it never sends anything.")),
        ".PP",
        line(prose(
            f"Run `{prog} init` once to set up, `{prog} once` to try a pass, then `{prog} install-service` "
            "to let it run by itself.")),
        ".SH COMMANDS",
        line(prose(f"Options of {prog} itself (see OPTIONS) come before the command; a command's own "
                   "options after it. Every command takes `-h`, `--help`.")),
    ]
    for cmd in tree.all()[1:]:
        own = [o for o in cmd.options if "--help" not in o.flags]
        if cmd.subcommands and not own and not cmd.positionals:
            continue  # `config` alone: its actions have sections of their own
        out += [f".SS {code(' '.join(cmd.path))}", synopsis(cmd, prog), ".PP", line(prose(sentence(cmd.help)))]
        cmd_raw = issubclass(cmd.parser.formatter_class, argparse.RawDescriptionHelpFormatter)
        if cmd.description:
            out += [".PP", *description_lines(cmd.description, cmd_raw)]
        for p in cmd.positionals:
            out += [".TP", f"\\fI{code(p.name)}\\fR", line(prose(sentence(p.help)))]
        out += options_list(own)
    out += [".SH OPTIONS", *options_list(tree.options)]
    out += [".SH EXIT STATUS"]
    for status, meaning in EXIT_STATUSES:
        out += [".TP", f"\\fB{status}\\fR", line(prose(sentence(meaning)))]
    out += [
        ".SH ENVIRONMENT",
        ".TP", "\\fBINTERVIEW_FOLLOWUP_CONFIG\\fR",
        line(prose(f"The configuration file, when `--config` is not given (default: {config}).")),
        ".TP", "\\fBXDG_CONFIG_HOME\\fR, \\fBXDG_STATE_HOME\\fR, \\fBXDG_DATA_HOME\\fR",
        line(prose("Where the configuration, the state and the data folder are (defaults: ~/.config, "
                   "~/.local/state, ~/.local/share).")),
        ".TP", "\\fBSTATE_DIRECTORY\\fR",
        line(prose("Set by systemd under the service: the state folder.")),
        ".SH FILES",
        ".TP", f"\\fI{code(config)}\\fR",
        line(prose(f"The configuration (TOML). Every key is described, with its default, in config.example.toml; "
                   f"`{prog} config check` prints the whole configuration as read, defaults filled in. No "
                   "password is ever written in it.")),
        ".TP", f"\\fI{code(f'~/.config/{prog}/templates/')}\\fR",
        line(prose("Templates that replace the built-in ones (beside the configuration; [drafts] templates_dir).")),
        ".TP", f"\\fI{code(f'~/.local/state/{prog}/')}\\fR",
        line(prose("The state: a SQLite database of every loop and what was written for it (or [state] dir). "
                   "It is never wiped.")),
        ".TP", f"\\fI{code(f'~/.local/share/{prog}/')}\\fR",
        line(prose("The data folder: sign-in tokens and caches (and, as init suggests them, the Maildir and "
                   "the reminders file).")),
        ".TP", f"\\fI{code(f'~/.config/systemd/user/{prog}.service')}\\fR",
        line(prose("The unit that install-service writes.")),
        ".SH EXAMPLES",
    ]
    for command, what in EXAMPLES:
        out += [".PP", line(prose(sentence(what))), ".RS 4", ".nf", line(code(command)), ".fi", ".RE"]
    out += [
        ".SH SEE ALSO",
        ".BR systemctl (1),",
        ".BR journalctl (1),",
        ".BR systemd.service (5)",
        ".PP",
        line(prose("The README and config.example.toml that come with the program.")),
        "",
    ]
    return "\n".join(out)


def main() -> int:
    from interview_followup.daemon.cli.main import build_parser

    prog = "interview-followup"
    sys.stdout.write(render(build_parser(config_default=CONFIG_SHOWN.format(prog=prog))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
