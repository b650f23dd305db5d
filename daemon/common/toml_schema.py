"""Build typed, frozen dataclasses from TOML tables, reporting every problem with its key.

Each dataclass field may carry ``metadata={"doc": ...}``; the field's type drives the
check. Supported types: str, int, float, bool, Path, datetime.time ("HH:MM"),
datetime.date, Literal[...], list[str], list[int], Mapping[str, X] (a table of the user's
own keys), nested dataclasses, and ``X | None``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
from collections.abc import Mapping
from types import MappingProxyType
import typing
from datetime import date, time
from pathlib import Path
from typing import Any, Literal, get_args, get_origin


def build(cls: type, data: Any, where: str, problems: list[str]) -> Any:
    """An instance of ``cls`` from ``data``; problems are appended, never raised."""
    if not isinstance(data, dict):
        problems.append(f"At '{where}': expected a table, got {_kind(data)}")
        data = {}
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields)) or "none"
            problems.append(f"At '{_join(where, key)}': unknown key (known keys here: {known})")
    values = {}
    for name, f in fields.items():
        key = _join(where, name)
        if name in data:
            values[name] = convert(hints[name], data[name], key, problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            if dataclasses.is_dataclass(hints[name]):
                values[name] = build(hints[name], {}, key, problems)
            else:
                problems.append(f"At '{key}': required key is missing")
                values[name] = None
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:  # a __post_init__ check
        problems.append(f"At '{where}': {exc}")
        return None


def convert(tp: Any, value: Any, key: str, problems: list[str]) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        return convert(options[0], value, key, problems)
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            problems.append(f"At '{key}': {value!r} is not one of {', '.join(map(repr, allowed))}")
        return value
    if origin in (dict, Mapping):  # a table of names chosen by the user: read-only once built
        (_, value_tp) = get_args(tp)
        if not isinstance(value, dict):
            problems.append(f"At '{key}': expected a table, got {_kind(value)}")
            return MappingProxyType({})
        return MappingProxyType({k: convert(value_tp, v, subkey(key, k), problems) for k, v in value.items()})
    if origin is list or origin is tuple:
        (item_tp, *_) = get_args(tp)
        if not isinstance(value, list):
            problems.append(f"At '{key}': expected a list, got {_kind(value)}")
            return ()
        return tuple(convert(item_tp, v, f"{key}[{i}]", problems) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(f"At '{key}': expected true or false, got {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"At '{key}': expected a whole number, got {_kind(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"At '{key}': expected a number, got {_kind(value)}")
            return value
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            problems.append(f"At '{key}': expected a string, got {_kind(value)}")
        return value
    if tp is Path:
        if not isinstance(value, str) or not value:
            problems.append(f"At '{key}': expected a path (a non-empty string), got {_kind(value)}")
            return Path(".")
        return Path(value).expanduser()
    if tp is time:
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append(f"At '{key}': expected a time of day like \"09:00\", got {value!r}")
            return time(0)
    if tp is date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append(f"At '{key}': expected a date like \"2026-01-31\", got {value!r}")
            return date.min
    raise TypeError(f"schema: unsupported field type {tp!r} at {key}")  # a bug, not input


def field_names(cls: type, where: str = "") -> list[str]:
    """Every dotted key a dataclass accepts (used to check the example config is complete)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        key = _join(where, f.name)
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out.extend(field_names(tp, key))
        else:
            out.append(key)
    return out


def subkey(where: str, name: str) -> str:
    """The dotted key of ``name`` in the table ``where``, quoted as TOML quotes it when it
    is no bare key: companies.languages."Acme Corp"."""
    return _join(where, name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name, ensure_ascii=False))


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
