"""Secrets for providers: from a command (like mbsync's PassCmd) or an environment
variable, never from the configuration file. Nothing here logs or echoes a secret, and
error messages never include a command's output."""

from __future__ import annotations

import os
import subprocess

from interview_followup.daemon.common import logs
from interview_followup.daemon.errors import NeedsUser

COMMAND_TIMEOUT_SECONDS = 60


def read_secret(*, command: str, env: str, key: str, username: str = "") -> str:
    """The secret from ``command``'s first output line, else the variable ``env``.

    ``key`` names the config table (e.g. ``mailbox``) in messages. The secret is hidden
    from every log line and everything printed or stored (``logs.hide``), in every form a
    server may echo; ``username`` (the login it goes with) lets the base64 forms of a SASL
    exchange be hidden too.
    """
    if command:
        try:
            done = subprocess.run(
                command,
                shell=True,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise NeedsUser(
                f"{key}.password_command did not finish within {COMMAND_TIMEOUT_SECONDS} s",
                hint="check that it runs without asking for input",
            ) from None
        if done.returncode != 0:
            raise NeedsUser(
                f"{key}.password_command failed with exit status {done.returncode}",
                hint="run it yourself to see why (its output is not shown here)",
            )
        line = done.stdout.decode("utf-8", "replace").splitlines()[:1]
        if not line or not line[0]:
            raise NeedsUser(f"{key}.password_command printed nothing")
        logs.hide(line[0], username)
        return line[0]
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise NeedsUser(f"{key}.password_env names ${env}, which is not set or empty")
        logs.hide(value, username)
        return value
    raise NeedsUser(
        f"{key}: no secret configured",
        hint=f"set {key}.password_command (e.g. \"pass show mail\") or {key}.password_env",
    )
