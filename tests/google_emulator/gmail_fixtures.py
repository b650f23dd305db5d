"""Pytest fixtures for the Gmail mailbox: a running emulator with Gmail v1 installed, a
signed-in token that refreshes against the emulator, and a provider context.

Import the fixtures into a test module: ``from google_emulator.gmail_fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interview_followup.daemon.providers import ProviderContext
from interview_followup.integrations.google_api import SCOPES, token_path

from . import gmail_api
from .fixtures import USER, make_context, running_emulator, write_token
from .server import Emulator

__all__ = ["gmail_emulator", "gmail_context", "gmail_token", "write_gmail_token"]


def write_gmail_token(path: Path, emulator: Emulator) -> Path:
    return write_token(path, emulator, SCOPES["gmail"])


@pytest.fixture
def gmail_emulator() -> Iterator[Emulator]:
    yield from running_emulator(lambda emulator: gmail_api.install(emulator, USER))


@pytest.fixture
def gmail_context(tmp_path: Path) -> ProviderContext:
    return make_context(tmp_path)


@pytest.fixture
def gmail_token(gmail_emulator: Emulator, gmail_context: ProviderContext) -> Path:
    return write_gmail_token(token_path(gmail_context.data_dir), gmail_emulator)
