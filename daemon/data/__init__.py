"""Shipped lists and rules: ATS sender domains, free-mail domains, large employers, and the
reply rules; users add their own in the configuration."""

from __future__ import annotations

from pathlib import Path

# The package is installed as plain files (setuptools' package-data): they are read from this
# module's folder. importlib.resources would find the same files at the cost of some 5 ms of
# imports at every start of the command line.
FOLDER = Path(__file__).parent


def shipped_text(name: str) -> str:
    """The shipped file ``name`` (a name in this folder), as text."""
    return (FOLDER / name).read_text(encoding="utf-8")
