"""The three kinds of error, in one place.

- ``NeedsUser``: only the user can fix it (configuration, authorisation, a path). Stop
  that part of the work and say exactly what to do.
- ``Transient``: the world may fix it (network, a server restarting, a lock). Back off
  and retry later; nothing is lost.
- Anything else is a bug: it propagates and crashes loudly (in tests above all).
"""

from __future__ import annotations


class FollowupError(Exception):
    """Base of the errors the program expects."""


class NeedsUser(FollowupError):
    """Configuration, authorisation or a path that the user must fix."""

    def __init__(self, message: str, *, hint: str = ""):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  hint: {self.hint}" if self.hint else base


class SignInExpired(NeedsUser):
    """A sign-in the user must renew: a revoked or expired token, a refused password."""


class ConfigError(NeedsUser):
    """The configuration is invalid; ``problems`` lists each one with its key."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the configuration:\n{lines}")


class ConfigMissing(ConfigError):
    """There is no configuration file where one was looked for: ``init`` writes one."""

    def __init__(self, path: str):
        self.path = path
        self.problems = ["the file does not exist"]
        NeedsUser.__init__(
            self,
            f"no configuration at {path}: run `interview-followup init` to write one, or pass --config FILE",
        )


class StateError(NeedsUser):
    """The state database is unreadable or from a newer version. It is never wiped."""


class Transient(FollowupError):
    """A failure worth retrying later (network, server busy, file locked)."""


class UnknownOutcome(Transient):
    """A write may or may not have happened (timeout after sending): look before retrying."""
