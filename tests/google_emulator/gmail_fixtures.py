"""Pytest fixtures for the Gmail mailbox: a running emulator with Gmail v1 installed, a
signed-in token that refreshes against the emulator, and a provider context.

Import the fixtures into a test module: ``from google_emulator.gmail_fixtures import *``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.providers import ProviderContext
from integrations.google_api import SCOPES, save_token, token_path

from . import gmail_api
from .fixtures import USER, make_context
from .server import Emulator

__all__ = ["gmail_emulator", "gmail_context", "gmail_token", "write_gmail_token"]


def write_gmail_token(path: Path, emulator: Emulator) -> Path:
    """A token as ``init`` writes it, with no access token yet: the first call refreshes it
    at the emulator's token endpoint."""
    save_token(path, {
        "token": None,
        "refresh_token": "emulated-refresh",
        "token_uri": emulator.token_uri,
        "client_id": "emulated-client",
        "client_secret": "emulated-secret",
        "scopes": SCOPES["gmail"],
    })
    return path


@pytest.fixture
def gmail_emulator() -> Iterator[Emulator]:
    emulator = Emulator(hold_seconds=2.0)
    emulator._thread = threading.Thread(  # poll fast so that stop() is quick
        target=emulator._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    emulator.start()
    gmail_api.install(emulator, USER)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def gmail_context(tmp_path: Path) -> ProviderContext:
    return make_context(tmp_path)


@pytest.fixture
def gmail_token(gmail_emulator: Emulator, gmail_context: ProviderContext) -> Path:
    return write_gmail_token(token_path(gmail_context.data_dir), gmail_emulator)
