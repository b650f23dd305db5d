"""Real servers started by the test suite (``dovecot.py`` for IMAP, ``radicale.py`` for
CalDAV), and their pytest fixtures (``fixtures.py``: import the ones a test module needs
from there)."""

from .dovecot import INSTALL_HINT, Dovecot, find_binary

__all__ = ["INSTALL_HINT", "Dovecot", "find_binary"]
