"""Examples and exit statuses: the epilog of ``--help`` and sections of the man page.

Kept apart from the parser so that both read the same text. Imported by every run of the
command line, so it stays plain data.
"""

from __future__ import annotations

PROG = "interview-followup"

# (command line, what it does); the man page and --help show the same list.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (f"{PROG} init", "set up: answer a few questions; it writes the configuration and signs in"),
    (f"{PROG} once --dry-run", "show what one pass would do now; write nothing"),
    (f"{PROG} status", "each interview loop and its steps, and how the providers are"),
    (f'{PROG} debrief acme --answer-by 2026-12-04 --asked-about "caching"',
     "record what you learnt in the Acme interview; it sets the follow-up date"),
    (f"{PROG} install-service", "keep it running as a systemd user service"),
    (f"source <({PROG} completion bash)", "tab completion in bash (put the line in ~/.bashrc)"),
)

# (exit status, meaning)
EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (0, "done"),
    (1, "`doctor` found a failure, or a pass could not finish"),
    (2, "something you must fix: the configuration, a sign-in, a path, the state"),
    (75, "a temporary failure (a server, the network, a lock); try again later"),
)


def epilog() -> str:
    lines = ["examples:"]
    for command, what in EXAMPLES:
        lines.append(f"  {command}")
        lines.append(f"      {what}")
    lines.append("")
    lines.append("exit statuses:")
    for status, meaning in EXIT_STATUSES:
        lines.append(f"  {status:<4}{meaning}")
    lines.append("")
    lines.append(f"`{PROG} COMMAND --help` shows the options of a command,")
    lines.append(f"`man {PROG}` the whole manual.")
    return "\n".join(lines)
