"""pytest fixtures for the real servers. A test module imports the fixtures it uses:

    from servers.fixtures import dovecot_server, imap_user  # noqa: F401

Where Dovecot is missing, its tests are skipped with the install hint, except in CI
(``CI`` set to anything but "", "0" or "false"), where they fail: CI never skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .dovecot import INSTALL_HINT, Dovecot, find_binary


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_dovecot(tls: bool = False) -> None:
    missing = ""
    if not (find_binary("dovecot") and find_binary("doveadm")):
        missing = INSTALL_HINT
    elif tls and not find_binary("openssl"):
        missing = "openssl is not installed (it makes the test certificate): apt-get install openssl"
    unless_present(missing)


def unless_present(missing: str, what: str = "server") -> None:
    """Nothing when ``missing`` is ""; else the test fails in CI (a missing ``what`` fails
    the run) and is skipped elsewhere, saying what to install."""
    if not missing:
        return
    if in_ci():
        pytest.fail(f"{missing} (CI=true: a missing {what} fails the run)", pytrace=False)
    pytest.skip(missing)


def _serving(server):
    """Start ``server``, hand it to the test, and close it afterwards (however the test ends)."""
    try:
        server.start()
        yield server
    finally:
        server.close()


def _running(**kwargs) -> Iterator[Dovecot]:
    require_dovecot(tls=kwargs.get("tls", False))
    yield from _serving(Dovecot(**kwargs))


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One Dovecot for the session, with SPECIAL-USE Drafts, Sent and Trash. Tests share
    it through ``imap_user`` (an account of their own); never stop or kill this one."""
    yield from _running()


@pytest.fixture(scope="session")
def dovecot_plain_layout() -> Iterator[Dovecot]:
    """A Dovecot whose folders carry no SPECIAL-USE flag: "Entwürfe", "Gesendet", "Sent"."""
    yield from _running(special_use=False)


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[Dovecot]:
    """A Dovecot with a self-signed certificate (``ca_file``): STARTTLS on ``port``,
    implicit TLS on ``tls_port``."""
    yield from _running(tls=True)


MINIMAL_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE NAMESPACE CHILDREN"


@pytest.fixture(scope="session")
def dovecot_minimal() -> Iterator[Dovecot]:
    """A Dovecot announcing only IMAP4rev1 basics: no IDLE, UIDPLUS, CONDSTORE, MOVE,
    SPECIAL-USE, LIST-EXTENDED or UNSELECT. Folders "Drafts" and "Sent", unflagged."""
    yield from _running(special_use=False, folders={"Drafts": "", "Sent": ""},
                        capabilities=MINIMAL_CAPABILITIES)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own, free to stop, kill and restart."""
    yield from _running()


@pytest.fixture
def imap_user(dovecot_server: Dovecot) -> str:
    """A fresh account with an empty inbox, Sent and Drafts on the shared server."""
    return dovecot_server.add_user()


# --- Radicale (CalDAV) -------------------------------------------------------------------


def require_radicale() -> None:
    from .radicale import INSTALL_HINT, radicale_installed

    unless_present("" if radicale_installed() else INSTALL_HINT)


def _running_radicale():
    require_radicale()
    from .radicale import Radicale

    yield from _serving(Radicale())


@pytest.fixture(scope="session")
def radicale_server():
    """One Radicale for the session. Tests share it through ``caldav_user`` (an account
    of their own); never stop this one."""
    yield from _running_radicale()


@pytest.fixture
def radicale():
    """A Radicale of the test's own, free to stop and restart."""
    yield from _running_radicale()


@pytest.fixture
def caldav_user(radicale_server) -> str:
    """A fresh account with no calendars on the shared Radicale (password:
    ``radicale_server.password``)."""
    return radicale_server.add_user()
