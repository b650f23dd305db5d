"""Providers: one module per calendar source, reminder sink or mailbox.

Each is registered as an entry point in pyproject.toml and implements one of the
protocols in ``daemon.providers``. Providers import the core, never each other.
"""
