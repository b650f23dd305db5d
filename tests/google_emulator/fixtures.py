"""Pytest fixtures for the Google providers: a running emulator with Calendar v3 and Tasks
v1, a signed-in token that refreshes against the emulator, and a provider context.

Import the fixtures into a test module: ``from google_emulator.fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.providers import ProviderContext
from interview_followup.integrations.google_api import SCOPES, save_token, token_path

from . import calendar_api, tasks_api
from .server import Emulator

ZONE = ZoneInfo("Europe/Berlin")
USER = "alex@example.org"

__all__ = ["google_emulator", "google_context", "google_token", "write_token", "make_context", "calendar_endpoint",
           "running_emulator"]


def calendar_endpoint(emulator: Emulator) -> str:
    """What ``api_endpoint`` must be for Calendar (google_api appends the service path)."""
    return emulator.url


def write_token(path: Path, emulator: Emulator, scopes: list[str] | None = None) -> Path:
    """A token as ``init`` writes it, with no access token yet: the first call refreshes it
    at the emulator's token endpoint."""
    save_token(path, {
        "token": None,
        "refresh_token": "emulated-refresh",
        "token_uri": emulator.token_uri,
        "client_id": "emulated-client",
        "client_secret": "emulated-secret",
        "scopes": scopes or SCOPES["calendar"],
    })
    return path


def make_context(tmp_path: Path, dry_run: bool = False, zone: ZoneInfo = ZONE) -> ProviderContext:
    return ProviderContext(
        timezone=zone,
        base_dir=tmp_path,
        data_dir=tmp_path / "data",
        user_emails=(USER,),
        clock=FixedClock(datetime(2030, 3, 10, 12, tzinfo=zone)),
        dry_run=dry_run,
    )


def running_emulator(*installs: Callable[[Emulator], object], quirks: frozenset[str] = frozenset()) -> Iterator[Emulator]:
    """An emulator serving the APIs these install (departing from Google in ``quirks``,
    see server.py), stopped afterwards (a fixture yields from it)."""
    emulator = Emulator(hold_seconds=2.0, quirks=frozenset(quirks)).start()
    try:
        for install in installs:
            install(emulator)
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def google_emulator() -> Iterator[Emulator]:
    yield from running_emulator(calendar_api.install, tasks_api.install)


@pytest.fixture
def google_context(tmp_path: Path) -> ProviderContext:
    return make_context(tmp_path)


@pytest.fixture
def google_token(google_emulator: Emulator, google_context: ProviderContext) -> Path:
    return write_token(token_path(google_context.data_dir), google_emulator)
