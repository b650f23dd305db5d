"""``init``: an interactive set-up that writes a valid configuration.

It asks for the profile (a name and an email address are required: they sign and send
every draft; the time zone offered is the system's), then which provider to use for the
calendar, the mailbox and the reminders, and each provider's settings (from the
provider's ``Settings`` fields and their docs, with the defaults of ``suggestions``).
Providers that need a sign-in declare a classmethod ``oauth_for(settings)`` returning
``(NAME, SCOPES)`` for the settings chosen (optional features may need more scopes) and a
classmethod ``authorize(scopes, context, ask, say)``; ``init`` runs it once per NAME with
the scopes of every provider chosen. The file is written only after it validates.

Every path it writes is absolute. What the program makes itself (a new Maildir, the
reminders file; tokens and caches are there by default) goes to the data folder
(``config.default_data_dir()``, ~/.local/share/interview-followup), never beside the
configuration in ~/.config.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

# Questions put in place of a setting's doc (which speaks of the file, not of the set-up).
QUESTIONS = {
    ("mailbox", "maildir"): {
        "path": "where is your Maildir (the one mutt, aerc or mbsync use)? A new one is made if there is none",
    },
    ("reminders", "ics"): {
        "path": "the reminders file, to import or subscribe to in your calendar program",
    },
}


def console_ask(question: str, default: str) -> str:
    shown = f" [{default}]" if default else ""
    try:
        answer = input(f"{question}{shown}: ").strip()
    except EOFError:
        raise NeedsUser("init asks questions: run it in a terminal (no answer came)") from None
    return answer or default


def run_init(path: Path, ask: Ask = console_ask, say: Say = print) -> Path:
    if path.exists() and ask(f"{path} exists. Replace it? (yes/no)", "no").lower() not in ("y", "yes"):
        raise NeedsUser(f"{path} was left as it is")
    say("interview-followup writes drafts and reminders; it never sends mail.\n")
    profile = {
        "name": ask_until(ask, say, "Your full name (signs the drafts)", "", name_problem),
        "email": ask_until(ask, say, "Your email address (the drafts are from it)", "", email_problem),
        "timezone": ask_until(ask, say, "Your time zone (IANA name)", system_zone(), zone_problem),
        "fit": ask("One sentence on why you fit the roles you apply for", ""),
    }
    tables: dict[str, dict[str, Any]] = {"profile": {k: v for k, v in profile.items() if v}}
    suggested = suggestions(profile["email"], cfg.default_data_dir(), Path.home())
    chosen: dict[str, type] = {}
    for role, default in cfg.PROVIDER_DEFAULTS.items():
        kinds = known_kinds(role)
        kind = ask(f"{LABELS[role]} ({', '.join(kinds)})", default)
        while kind not in kinds:
            kind = ask(f"Please choose one of {', '.join(kinds)}", default)
        cls = provider_class(role, kind)
        chosen[role] = cls
        tables[role] = {
            "kind": kind,
            **_ask_settings(role, cls.Settings, ask, suggested.get((role, kind), {}), QUESTIONS.get((role, kind), {})),
        }
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


# --- the profile --------------------------------------------------------------------


def ask_until(ask: Ask, say: Say, question: str, default: str, problem: Callable[[str], str]) -> str:
    """``ask`` again, after saying what is wrong, until ``problem`` finds nothing."""
    while True:
        answer = ask(question, default).strip()
        wrong = problem(answer)
        if not wrong:
            return answer
        say(wrong)


def name_problem(answer: str) -> str:
    if not answer:
        return "Your name is needed: it signs every draft."
    if any(not c.isprintable() for c in answer):
        return "Your name must be one line of printable characters."
    return ""


def email_problem(answer: str) -> str:
    if not answer:
        return ("Your email address is needed: every draft is from it, and it tells your own "
                "mail apart from the employer's.")
    return cfg.email_problem(answer)


def zone_problem(answer: str) -> str:
    if not answer:
        return "A time zone is needed: follow-ups are planned on its working-day mornings."
    try:
        ZoneInfo(answer)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return f"{answer!r} is not a time zone known here: give an IANA name such as Europe/Berlin."
    return ""


def system_zone(
    environ: Mapping[str, str] | None = None,
    localtime: Path = Path("/etc/localtime"),
    timezone_file: Path = Path("/etc/timezone"),
) -> str:
    """This system's time zone as an IANA name: from $TZ, else the zoneinfo file that
    ``/etc/localtime`` links to, else ``/etc/timezone``; "UTC" only when none names one."""
    env = os.environ if environ is None else environ
    candidates: list[str] = []
    tz = env.get("TZ", "").strip().removeprefix(":")
    if tz:
        candidates.append(_zone_of_path(Path(tz)) if tz.startswith("/") else tz)
    try:
        target = Path(os.readlink(localtime))
        candidates.append(_zone_of_path(localtime.parent / target))  # the link as it is written
        candidates.append(_zone_of_path(localtime.resolve()))  # and where it leads in the end
    except OSError:  # no such file, or a copy rather than a link
        pass
    try:
        candidates.append(timezone_file.read_text(encoding="utf-8").split("\n")[0].strip())
    except (OSError, UnicodeDecodeError):
        pass
    return next((c for c in candidates if c and not zone_problem(c)), "UTC")


def _zone_of_path(path: Path) -> str:
    """``Europe/Berlin`` for ``/usr/share/zoneinfo/Europe/Berlin``; "" for a path outside zoneinfo."""
    parts = Path(os.path.normpath(path)).parts
    if "zoneinfo" not in parts:
        return ""
    rest = parts[len(parts) - parts[::-1].index("zoneinfo"):]
    if rest[:1] in (("posix",), ("right",)):  # the same zones in other flavours
        rest = rest[1:]
    return "/".join(rest)


# --- the providers ------------------------------------------------------------------


def suggestions(email: str, data_dir: Path, home: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Defaults ``init`` offers for (role, kind) beyond the ``Settings`` defaults (these
    settings are asked even when their field is not marked ``ask``): what the program makes
    itself goes to the data folder; an IMAP login is usually the address. (Not a CalDAV
    one: there an empty username, which a default would hide, means a server without
    sign-in.)"""
    return {
        ("mailbox", "maildir"): {"path": existing_maildir(home) or data_dir / "Mail"},
        ("reminders", "ics"): {"path": data_dir / "reminders.ics"},
        ("mailbox", "imap"): {"username": email},
    }


def existing_maildir(home: Path) -> Path | None:
    """~/Maildir or ~/Mail when one of them is a Maildir (it has cur/, new/ and tmp/)."""
    for name in ("Maildir", "Mail"):
        folder = home / name
        if all((folder / sub).is_dir() for sub in ("cur", "new", "tmp")):
            return folder
    return None


def _ask_settings(
    role: str, settings: type, ask: Ask, suggested: Mapping[str, Any], questions: Mapping[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hints = typing.get_type_hints(settings)
    for f in dataclasses.fields(settings):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        doc = questions.get(f.name) or f.metadata.get("doc", "")
        if not required and not f.metadata.get("ask") and f.name not in suggested:
            continue  # the default is right for most people; config.example.toml shows the rest
        if f.name in suggested:
            default = _plain(suggested[f.name])
        else:
            default = "" if required else _plain(f.default)
        answer = ask(f"{role}.{f.name}{': ' + doc if doc else ''}", default).strip()
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
    if tp is Path:  # absolute, so the file means the same from wherever the program runs
        return str(Path(text).expanduser().absolute())
    if get_origin(tp) is Literal or tp is str:
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
