"""``interview-followup config check``: the configuration as the program reads it, offline.

It loads and validates the file as every command does (each problem with its key; exit 2),
then prints the effective configuration as TOML: every key of every section and of the three
providers, defaults filled in, relative paths resolved against the configuration's folder, and
secrets shown as "[hidden]". No provider is opened and nothing goes over the network: ``doctor``
is the check that signs in and reads. The output is itself a valid configuration: saved as a
file, it loads to the same settings (once any "[hidden]" value is put back).

A value is a secret when its field is kept out of ``repr`` (``repr=False``, like an .ics
feed's secret address) or its key names a password, a secret or a token; keys that only say
where the secret is (``password_command``, ``password_env``, ``token_file``) are shown.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from interview_followup.daemon import __version__
from interview_followup.daemon import config as cfg
from interview_followup.daemon.config import Config, load

HIDDEN = "[hidden]"
SECRET_WORDS = ("password", "secret", "token")
REFERENCE_SUFFIXES = ("_command", "_env", "_file")  # where a secret is, not the secret


def config_command(args: argparse.Namespace) -> int:
    """``config ACTION``: the actions on the configuration (only ``check`` so far)."""
    if args.config_command == "check":
        return config_check(args.config)
    raise AssertionError(f"config {args.config_command}: no such action")  # argparse refuses it first


def config_check(path: Path | None) -> int:
    config = load(path)  # a ConfigError (every problem, with its key) is exit status 2 in main
    sys.stdout.write(effective_toml(config))
    return 0


def is_secret(f: dataclasses.Field) -> bool:
    name = f.name.lower()
    if name.endswith(REFERENCE_SUFFIXES):
        return False
    return not f.repr or any(word in name for word in SECRET_WORDS)


def effective_toml(config: Config) -> str:
    base = config.base_dir
    out = [
        f"# The configuration of interview-followup {__version__} as read from {config.path}:",
        "# every key with its value or its default. Relative paths are shown resolved; secrets as",
        f'# "{HIDDEN}". Not a key of the file: the data folder (sign-in tokens, caches) is',
        f"# {config.data_dir}",
    ]
    for f in dataclasses.fields(cfg._File):
        out += ["", f"[{_key(f.name)}]", *_table(_section(config, f), base, f.name)]
    for role in cfg.PROVIDER_DEFAULTS:
        provider = getattr(config, role)
        out += ["", f"[{_key(role)}]", f"kind = {_value(provider.kind, base)}"]
        out += _table(provider.settings, base, role)
    return "\n".join(out) + "\n"


def _section(config: Config, f: dataclasses.Field) -> Any:
    """The section of the file as the program uses it (with what ``load`` resolved)."""
    if f.name == "drafts":
        return dataclasses.replace(config.drafts, templates_dir=config.templates_dir)
    if f.name == "state":
        return dataclasses.replace(cfg.StateSettings(), dir=config.state_dir)
    if hasattr(config, f.name):
        return getattr(config, f.name)
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _table(obj: Any, base: Path, where: str) -> list[str]:
    """The keys of one table (a settings dataclass), nested tables after its own keys."""
    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        if isinstance(value, int) and not isinstance(value, bool) and float in _types(hints.get(f.name)):
            value = float(value)  # a default written as 30 for a float key: shown as it reads back, 30.0
        if dataclasses.is_dataclass(value):
            nested.append((f.name, value))
            continue
        if value is None:  # TOML has no "none": the key is left out, which means the same
            doc = " ".join(str(f.metadata.get("doc", "")).split())
            lines.append(f"# {f.name}: not set" + (f" ({doc})" if doc else ""))
            continue
        if is_secret(f) and value not in ("", (), None):
            value = HIDDEN
        lines.append(f"{_key(f.name)} = {_value(value, base)}")
    for name, value in nested:
        lines += ["", f"[{where}.{_key(name)}]", *_table(value, base, f"{where}.{name}")]
    return lines


def _types(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)


def _value(value: Any, base: Path) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Path):
        path = value.expanduser()
        return _string(str(path if path.is_absolute() else base / path))
    if isinstance(value, datetime):
        raise TypeError("config check: a date and time is no configuration value")  # none is, yet
    if isinstance(value, time):
        return _string(value.isoformat("minutes" if not value.second and not value.microsecond else "auto"))
    if isinstance(value, date):
        return _string(value.isoformat())
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_value(v, base) for v in value) + "]"
    if isinstance(value, Mapping):  # a table of the user's own keys (companies.languages): inline
        items = ", ".join(f"{_key(k)} = {_value(v, base)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"config check: cannot write {type(value).__name__} as TOML")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def _string(text: str) -> str:
    """A TOML basic string."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'
