"""How the program tags what it creates, so it can find it again after any crash."""

from __future__ import annotations

KEY_HEADER = "X-Interview-Followup-Key"
UID_SUFFIX = "@interview-followup"


def artifact_key(loop_id: str, step: str) -> str:
    """The deterministic key of the object a step creates, e.g. ``3f2a9c1b.thank-you``."""
    return f"{loop_id}.{step}"


def reminder_uid(key: str) -> str:
    return f"{key}{UID_SUFFIX}"


def key_from_uid(uid: str) -> str | None:
    return uid[: -len(UID_SUFFIX)] if uid.endswith(UID_SUFFIX) else None


def message_id(key: str, domain: str) -> str:
    """The deterministic Message-ID of a draft."""
    return f"<{key}.draft{UID_SUFFIX.replace('@', '.')}@{domain or 'localhost'}>"
