"""``init``: an interactive set-up that writes a valid configuration.

It asks for the profile, then which provider to use for the calendar, the mailbox and
the reminders, and each provider's settings (from the provider's ``Settings`` fields and
their docs). Providers that need a sign-in declare a classmethod ``oauth_for(settings)``
returning ``(NAME, SCOPES)`` for the settings chosen (optional features may need more
scopes) and a classmethod ``authorize(scopes, context, ask, say)``; ``init`` runs it once
per NAME with the scopes of every provider chosen. The file is written only after it
validates.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any, Callable, Literal, get_args, get_origin

from interview_followup.daemon import config as cfg
from interview_followup.daemon.clock import SystemClock
from interview_followup.daemon.errors import ConfigError, NeedsUser
from interview_followup.daemon.providers import ProviderContext, known_kinds, provider_class

Ask = Callable[[str, str], str]  # (question, default) -> answer
Say = Callable[[str], None]

LABELS = {
    "calendar": "Where are your interviews? (calendar.kind)",
    "mailbox": "Where should drafts go and replies be read? (mailbox.kind)",
    "reminders": "Where should reminders go? (reminders.kind)",
}


def console_ask(question: str, default: str) -> str:
    shown = f" [{default}]" if default else ""
    answer = input(f"{question}{shown}: ").strip()
    return answer or default


def run_init(path: Path, ask: Ask = console_ask, say: Say = print) -> Path:
    if path.exists() and ask(f"{path} exists. Replace it? (yes/no)", "no").lower() not in ("y", "yes"):
        raise NeedsUser(f"{path} was left as it is")
    say("interview-followup writes drafts and reminders; it never sends mail.\n")
    profile = {
        "name": ask("Your full name (signs the drafts)", ""),
        "email": ask("Your email address", ""),
        "timezone": ask("Your time zone (IANA name)", _local_zone()),
        "fit": ask("One sentence on why you fit the roles you apply for", ""),
    }
    tables: dict[str, dict[str, Any]] = {"profile": {k: v for k, v in profile.items() if v}}
    chosen: dict[str, type] = {}
    for role, default in cfg.PROVIDER_DEFAULTS.items():
        kinds = known_kinds(role)
        kind = ask(f"{LABELS[role]} ({', '.join(kinds)})", default)
        while kind not in kinds:
            kind = ask(f"Please choose one of {', '.join(kinds)}", default)
        cls = provider_class(role, kind)
        chosen[role] = cls
        tables[role] = {"kind": kind, **_ask_settings(role, cls.Settings, ask)}
    text = to_toml(tables)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.new")
    tmp.write_text(text, encoding="utf-8")
    try:
        config = cfg.load(tmp)
    except ConfigError:
        tmp.unlink()
        raise
    _authorize(chosen, config, ask, say)
    tmp.replace(path)
    say(f"\nWrote {path}. Try: interview-followup doctor, then interview-followup once --dry-run")
    return path


def _ask_settings(role: str, settings: type, ask: Ask) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hints = typing.get_type_hints(settings)
    for f in dataclasses.fields(settings):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        doc = f.metadata.get("doc", "")
        if not required and not f.metadata.get("ask"):
            continue  # the default is right for most people; config.example.toml shows the rest
        default = "" if required else _plain(f.default)
        answer = ask(f"{role}.{f.name}{': ' + doc if doc else ''}", default)
        if answer != "":
            out[f.name] = _typed(hints[f.name], answer)
    return out


def _authorize(chosen: dict[str, type], config: cfg.Config, ask: Ask, say: Say) -> None:
    groups: dict[str, tuple[type, set[str]]] = {}
    for role, cls in chosen.items():
        oauth_for = getattr(cls, "oauth_for", None)
        if oauth_for is None:
            continue
        name, scopes = oauth_for(getattr(config, role).settings)
        owner, wanted = groups.get(name, (cls, set()))
        groups[name] = (owner, wanted | set(scopes))
    context = ProviderContext(
        timezone=config.tz, base_dir=config.base_dir, data_dir=config.data_dir,
        user_emails=config.profile.emails, clock=SystemClock(),
    )
    for name, (cls, scopes) in groups.items():
        say(f"\nSigning in to {name} (scopes: {', '.join(sorted(scopes))})")
        cls.authorize(sorted(scopes), context, ask, say)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(tp: Any, text: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        tp = next(a for a in get_args(tp) if a is not type(None))
    if tp is bool:
        return text.lower() in ("true", "yes", "y", "1")
    if tp is int:
        try:
            return int(text)
        except ValueError:
            return text  # validation names the key
    if get_origin(tp) is Literal or tp in (str, Path):
        return text
    return text


def to_toml(tables: dict[str, dict[str, Any]]) -> str:
    lines = ["# Written by `interview-followup init`; config.example.toml documents every key."]
    for name, table in tables.items():
        lines.append(f"\n[{name}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _local_zone() -> str:
    try:
        target = Path("/etc/localtime").resolve()
        parts = target.parts
        if "zoneinfo" in parts:
            return "/".join(parts[parts.index("zoneinfo") + 1 :])
    except OSError:
        pass
    return "UTC"
