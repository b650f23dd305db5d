"""``interview-followup completion bash|zsh|fish``: shell completion, generated from the parser.

Nothing here lists the commands: ``walk`` reads them, with their options and arguments, off the
argparse parser (``main.build_parser``), so a command added there is completed at once. The man
page (``manpage.py``) is written from the same walk.

What is completed: the commands at each level (``config`` → ``check``), each command's options
(a word starting with "-", or any word once a command takes no further argument), option values
with choices, files for options and arguments of type ``Path`` (``--config``), and the choices
of a positional argument (``completion`` → bash, zsh, fish). Global options come before the
command, as argparse wants them. Commands without a help line, and options whose help is
``argparse.SUPPRESS``, are hidden in ``--help`` and here alike.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

SHELLS = ("bash", "zsh", "fish")
FILE_METAVARS = {"FILE", "PATH", "DIR", "FOLDER"}
_WORD = re.compile(r"^[A-Za-z0-9_+.,:@%/-]+$")  # what may go into a script unquoted by the shell


@dataclass
class Option:
    flags: tuple[str, ...]
    metavar: str | None  # None: a flag that takes no value
    help: str
    files: bool = False
    choices: tuple[str, ...] = ()
    repeatable: bool = False


@dataclass
class Positional:
    name: str
    help: str
    files: bool = False
    choices: tuple[str, ...] = ()
    many: bool = False  # takes every remaining word (nargs "*" or "+")
    optional: bool = False


@dataclass
class Command:
    path: tuple[str, ...]  # () for the program itself, ("config", "check") for `config check`
    names: tuple[str, ...]  # the name and its aliases (empty for the program)
    help: str  # the one line shown in the parent's list
    description: str  # as given to the parser (the formatter decides how it is wrapped)
    parser: argparse.ArgumentParser
    options: list[Option] = field(default_factory=list)
    positionals: list[Positional] = field(default_factory=list)
    subcommands: list[Command] = field(default_factory=list)
    sub_metavar: str = ""  # how the usage names the command word (COMMAND, ACTION)
    sub_required: bool = False

    @property
    def key(self) -> str:
        return " ".join(self.path)

    def all(self) -> list[Command]:
        """This command and every one below it, depth first, in the parser's order."""
        return [self, *(c for sub in self.subcommands for c in sub.all())]


def expand_help(action: argparse.Action, prog: str) -> str:
    """An action's help with argparse's ``%(default)s``-style fields filled in, as --help shows it."""
    text = action.help or ""
    if "%" not in text:
        return text
    params = {k: v for k, v in vars(action).items() if v is not argparse.SUPPRESS}
    params["prog"] = prog
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(c) for c in params["choices"])
    return text % params


def _takes_files(action: argparse.Action, metavar: str | None) -> bool:
    return action.type is Path or isinstance(action.type, argparse.FileType) or (metavar or "") in FILE_METAVARS


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = (), names: tuple[str, ...] = (),
         help: str = "") -> Command:
    """The command tree of ``parser``: its options, arguments and (visible) subcommands."""
    cmd = Command(path, names, help, parser.description or "", parser)
    for action in parser._actions:  # argparse keeps no public list; every generator reads this one
        if isinstance(action, argparse._SubParsersAction):
            cmd.sub_metavar = action.metavar or action.dest.upper()
            cmd.sub_required = bool(action.required)
            shown = {a.dest: a for a in action._choices_actions}  # one per command given a help
            by_parser: dict[int, list[str]] = {}
            for name, sub in action.choices.items():
                by_parser.setdefault(id(sub), []).append(name)
            for name, sub in action.choices.items():
                aliases = by_parser[id(sub)]
                if name != aliases[0] or name not in shown or shown[name].help == argparse.SUPPRESS:
                    continue
                cmd.subcommands.append(
                    walk(sub, (*path, name), tuple(aliases), " ".join((shown[name].help or "").split())))
            continue
        if action.help == argparse.SUPPRESS:
            continue
        choices = tuple(str(c) for c in action.choices) if action.choices is not None else ()
        text = " ".join(expand_help(action, parser.prog).split())
        if action.option_strings:
            takes = action.nargs != 0
            metavar = None
            if takes:
                if isinstance(action.metavar, str):
                    metavar = action.metavar
                elif choices:
                    metavar = "{" + ",".join(choices) + "}"
                else:
                    metavar = action.dest.upper()
            cmd.options.append(Option(
                tuple(action.option_strings), metavar, text, takes and _takes_files(action, metavar), choices,
                isinstance(action, (argparse._AppendAction, argparse._CountAction, argparse._AppendConstAction)),
            ))
        else:
            name = action.metavar if isinstance(action.metavar, str) else action.dest
            cmd.positionals.append(Positional(
                name, text, _takes_files(action, name), choices,
                many=action.nargs in ("*", "+", argparse.REMAINDER), optional=action.nargs in ("?", "*"),
            ))
    return cmd


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    tree = walk(parser)
    _check_words(tree)
    if shell == "bash":
        return _bash(tree)
    if shell == "zsh":
        return _zsh(tree)
    if shell == "fish":
        return _fish(tree)
    raise ValueError(f"no completion for {shell!r}: one of {', '.join(SHELLS)}")


def _check_words(tree: Command) -> None:
    """Command names, option names and choices go into the scripts as words: refuse any that a
    shell would read as more than a word, rather than write a broken script."""
    for cmd in tree.all():
        words = [*cmd.names, *(f for o in cmd.options for f in o.flags), *(c for o in cmd.options for c in o.choices),
                 *(c for p in cmd.positionals for c in p.choices)]
        for word in words:
            if not _WORD.match(word):
                raise ValueError(f"completion: {word!r} (in {' '.join(cmd.path) or 'the program'}) is not a plain word")


def _fname(prog: str) -> str:
    return "_" + re.sub(r"[^A-Za-z0-9_]", "_", prog)


def _sq(text: str) -> str:
    """Single-quoted for bash and zsh."""
    return "'" + text.replace("'", "'\\''") + "'"


def _value_options(cmd: Command) -> list[Option]:
    return [o for o in cmd.options if o.metavar is not None]


# --- bash -------------------------------------------------------------------------------------

def _command_walk_cases(tree: Command, lp: str) -> list[str]:
    """The shell lines, shared by bash and zsh, that follow the words typed so far down the
    command tree: an option that takes a value skips the next word; a sub-command's name moves
    ``node`` to it. ``lp`` is "(" where the shell wants case patterns in parentheses (zsh)."""
    out = []
    pats = [_sq(f"{c.key}|{f}") for c in tree.all() for o in _value_options(c) for f in o.flags]
    if pats:
        out.append(f"                    {lp}{'|'.join(pats)}) skip=1 ;;")
    out += [
        "                esac",
        "                continue ;;",
        "        esac",
        '        case "$node|$w" in',
    ]
    for cmd in tree.all():
        for sub in cmd.subcommands:
            pat = "|".join(_sq(f"{cmd.key}|{n}") for n in sub.names)
            out.append(f"            {lp}{pat}) node={_sq(sub.key)}; npos=0 ;;")
    return out


def _bash(tree: Command) -> str:
    prog = tree.parser.prog
    fn = _fname(prog)
    out = [
        f"# bash completion for {prog}, generated from its command line parser.",
        f"# Load it in ~/.bashrc with:  source <({prog} completion bash)",
        "",
        f"{fn}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" node="" skip=0 npos=0 i w opt=""',
        "    # Which command the words before the cursor chose, and how many arguments it has.",
        "    for (( i = 1; i < COMP_CWORD; i++ )); do",
        '        w="${COMP_WORDS[i]}"',
        '        if [[ $skip == 1 ]]; then skip=0; continue; fi',
        '        case "$w" in',
        "            =) skip=1; continue ;;  # --option=value, split at \"=\" by bash",
        "            -*=*) continue ;;",
        "            -*)",
        '                case "$node|$w" in',
    ]
    out += _command_walk_cases(tree, "")
    out += [
        "            *) npos=$((npos + 1)) ;;",
        "        esac",
        "    done",
        "    # The value of an option: after \"--option\" or \"--option=\".",
        '    if [[ $cur == "=" ]]; then',
        '        cur=""; opt="${COMP_WORDS[COMP_CWORD-1]}"',
        '    elif (( COMP_CWORD >= 2 )) && [[ ${COMP_WORDS[COMP_CWORD-1]} == "=" ]]; then',
        '        opt="${COMP_WORDS[COMP_CWORD-2]}"',
        "    elif (( COMP_CWORD >= 1 )); then",
        '        opt="${COMP_WORDS[COMP_CWORD-1]}"',
        "    fi",
        '    case "$node|$opt" in',
    ]
    for cmd in tree.all():
        for o in _value_options(cmd):
            pat = "|".join(_sq(f"{cmd.key}|{f}") for f in o.flags)
            out.append(f"        {pat}) {_bash_values(o.files, o.choices)}; return 0 ;;")
    out += [
        "    esac",
        "    if [[ $cur == -* ]]; then",
        '        case "$node" in',
    ]
    for cmd in tree.all():
        flags = " ".join(f for o in cmd.options for f in o.flags)
        out.append(f"            {_sq(cmd.key)}) {_bash_words(flags)} ;;")
    out += [
        "        esac",
        "        return 0",
        "    fi",
        '    case "$node" in',
    ]
    for cmd in tree.all():
        if cmd.subcommands:
            words = " ".join(n for s in cmd.subcommands for n in s.names)
            out.append(f"        {_sq(cmd.key)}) {_bash_words(words)} ;;")
            continue
        flags = " ".join(f for o in cmd.options for f in o.flags)
        arms = []
        for i, p in enumerate(cmd.positionals):
            action = _bash_values(p.files, p.choices) if (p.files or p.choices) else "COMPREPLY=()"
            arms.append(f"{i}{'|*' if p.many else ''}) {action} ;;")
        arms.append(f"*) {_bash_words(flags)} ;;")
        out.append(f'        {_sq(cmd.key)}) case "$npos" in {" ".join(arms)} esac ;;')
    out += [
        "    esac",
        "    return 0",
        "}",
        f"complete -F {fn} {prog}",
        "",
    ]
    return "\n".join(out)


def _bash_words(words: str) -> str:
    return f'mapfile -t COMPREPLY < <(compgen -W {_sq(words)} -- "$cur")'


def _bash_values(files: bool, choices: tuple[str, ...]) -> str:
    if choices:
        return _bash_words(" ".join(choices))
    if files:
        return 'compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur")'
    return "COMPREPLY=()"  # free text: nothing to offer


# --- zsh --------------------------------------------------------------------------------------

def _zsh_item(word: str, help: str) -> str:
    return _sq(word.replace(":", r"\:") + (":" + help if help else ""))


def _zsh(tree: Command) -> str:
    prog = tree.parser.prog
    fn = _fname(prog)
    out = [
        f"#compdef {prog}",
        f"# zsh completion for {prog}, generated from its command line parser. Save it as",
        f"# _{prog} in a folder on $fpath before compinit runs:",
        f"#   {prog} completion zsh > ~/.zfunc/_{prog}   (and fpath+=(~/.zfunc) in ~/.zshrc)",
        f"# or load it after compinit with:  source <({prog} completion zsh)",
        "",
        f"{fn}() {{",
        '    local cur="${words[CURRENT]}" node="" skip=0 npos=0 i w opt=""',
        "    local -a items",
        "    for (( i = 2; i < CURRENT; i++ )); do",
        '        w="${words[i]}"',
        "        if (( skip )); then skip=0; continue; fi",
        '        case "$w" in',
        "            (-*=*) continue ;;",
        "            (-*)",
        '                case "$node|$w" in',
    ]
    out += _command_walk_cases(tree, "(")
    out += [
        "            (*) (( npos++ )) ;;",
        "        esac",
        "    done",
        '    if [[ $cur == -*=* ]]; then',
        '        opt="${cur%%=*}"',
        "    elif (( CURRENT > 2 )); then",
        '        opt="${words[CURRENT-1]}"',
        "    fi",
        '    case "$node|$opt" in',
    ]
    for cmd in tree.all():
        for o in _value_options(cmd):
            pat = "|".join(_sq(f"{cmd.key}|{f}") for f in o.flags)
            out.append(f"        ({pat}) [[ $cur == -*=* ]] && compset -P '*='; "
                       f"{_zsh_values(o.files, o.choices, o.metavar or '')}; return ;;")
    out += [
        "    esac",
        "    if [[ $cur == -* ]]; then",
        '        case "$node" in',
    ]
    for cmd in tree.all():
        items = " ".join(_zsh_item(f, o.help) for o in cmd.options for f in o.flags)
        out.append(f"            ({_sq(cmd.key)}) items=({items}) ;;")
    out += [
        "        esac",
        "        _describe -t options option items",
        "        return",
        "    fi",
        '    case "$node" in',
    ]
    for cmd in tree.all():
        if cmd.subcommands:
            items = " ".join(_zsh_item(n, s.help) for s in cmd.subcommands for n in s.names)
            out.append(f"        ({_sq(cmd.key)}) items=({items}); _describe -t commands command items ;;")
            continue
        options = " ".join(_zsh_item(f, o.help) for o in cmd.options for f in o.flags)
        arms = []
        for i, p in enumerate(cmd.positionals):
            arms.append(f"({i}{'|*' if p.many else ''}) {_zsh_values(p.files, p.choices, p.name)} ;;")
        arms.append(f"(*) items=({options}); _describe -t options option items ;;")
        out.append(f'        ({_sq(cmd.key)}) case "$npos" in {" ".join(arms)} esac ;;')
    out += [
        "    esac",
        "}",
        "",
        f'if [[ "${{funcstack[1]}}" == _{prog} ]]; then',
        f'    {fn} "$@"  # autoloaded from $fpath',
        "else",
        f"    compdef {fn} {prog}  # sourced",
        "fi",
        "",
    ]
    return "\n".join(out)


def _zsh_values(files: bool, choices: tuple[str, ...], name: str) -> str:
    if choices:
        return "compadd -- " + " ".join(_sq(c) for c in choices)
    if files:
        return "_files"
    return f"_message {_sq(name.lower())}"


# --- fish -------------------------------------------------------------------------------------

def _fq(text: str) -> str:
    """Single-quoted for fish."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(tree: Command) -> str:
    prog = tree.parser.prog
    fn = _fname(prog)
    where = f"{fn}_at"
    out = [
        f"# fish completion for {prog}, generated from its command line parser. Install it with:",
        f"#   {prog} completion fish > ~/.config/fish/completions/{prog}.fish",
        "",
        f"# Prints the command the words so far chose (\"\" for none, \"config check\") and how",
        "# many arguments it has.",
        f"function {fn}_node",
        "    set -l node ''",
        "    set -l npos 0",
        "    set -l skip 0",
        "    set -l words (commandline -opc)",
        "    set -e words[1]",
        "    for w in $words",
        "        if test $skip = 1",
        "            set skip 0",
        "            continue",
        "        end",
        '        switch "$w"',
        "            case '-*=*'",
        "                continue",
        "            case '-*'",
        '                switch "$node|$w"',
    ]
    pats = [_fq(f"{c.key}|{f}") for c in tree.all() for o in _value_options(c) for f in o.flags]
    if pats:
        out += [f"                    case {' '.join(pats)}", "                        set skip 1"]
    out += [
        "                end",
        "                continue",
        "        end",
        '        switch "$node|$w"',
    ]
    for cmd in tree.all():
        for sub in cmd.subcommands:
            pats = " ".join(_fq(f"{cmd.key}|{n}") for n in sub.names)
            out += [f"            case {pats}", f"                set node {_fq(sub.key)}", "                set npos 0"]
    out += [
        "            case '*'",
        "                set npos (math $npos + 1)",
        "        end",
        "    end",
        '    printf "%s\\n" "$node" $npos',
        "end",
        "",
        "# True when the command so far is $argv[1] (and, given $argv[2], it has that many arguments).",
        f"function {where}",
        f"    set -l found ({fn}_node)",
        '    test "$found[1]" = "$argv[1]"',
        "    or return 1",
        '    test (count $argv) -lt 2; or test "$found[2]" = "$argv[2]"',
        "end",
        "",
        f"complete -c {prog} -f  # no file names unless an option or argument takes a file",
    ]
    for cmd in tree.all():
        cond = _fq(f"{where} {_fq(cmd.key)}" if cmd.key else f'{where} ""')
        for sub in cmd.subcommands:
            for n in sub.names:
                out.append(f"complete -c {prog} -n {cond} -a {_fq(n)} -d {_fq(sub.help)}")
        for o in cmd.options:
            parts = [f"complete -c {prog} -n {cond}"]
            for f in o.flags:
                if f.startswith("--"):
                    parts.append(f"-l {_fq(f[2:])}")
                elif len(f) == 2:
                    parts.append(f"-s {_fq(f[1:])}")
                else:
                    parts.append(f"-o {_fq(f[1:])}")
            if o.metavar is not None:
                if o.choices:
                    parts.append(f"-x -a {_fq(' '.join(o.choices))}")
                elif o.files:
                    parts.append("-r -F")
                else:
                    parts.append("-x")
            if o.help:
                parts.append(f"-d {_fq(o.help)}")
            out.append(" ".join(parts))
        if not cmd.subcommands:
            for i, p in enumerate(cmd.positionals):
                pcond = _fq(f"{where} {_fq(cmd.key)} {i}") if not p.many else cond
                if p.choices:
                    out.append(f"complete -c {prog} -n {pcond} -a {_fq(' '.join(p.choices))}")
                elif p.files:
                    out.append(f"complete -c {prog} -n {pcond} -F")
    out.append("")
    return "\n".join(out)
