"""Providers: one module per calendar source, reminder sink or mailbox.

Installed, this folder is ``interview_followup.integrations``. Each provider is registered
as an entry point in pyproject.toml and implements one of the protocols in
``interview_followup.daemon.providers``. Providers import the core, never each other.
"""

if __name__ != "interview_followup.integrations":  # pragma: no cover - a wrong way to run the source
    raise ImportError(
        f"this folder is the source of interview_followup.integrations and was imported as {__name__!r}; "
        "install the project (pip install -e .)"
    )
