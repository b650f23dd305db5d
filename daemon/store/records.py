"""JSON for the records the state stores (interviews, debriefs): one generic codec.

Dataclass fields of type datetime, date, Person, tuples of them, and ``X | None`` are
supported; unknown keys in stored JSON are ignored and missing ones take the field's
default, so a record written by an older version still loads.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


def to_json(record: Any) -> str:
    return json.dumps(_encode(record), sort_keys=True, ensure_ascii=False)


def from_json(cls: type[T], text: str) -> T:
    return _decode(cls, json.loads(text))


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    return value


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    """The field types of a dataclass (resolving them is slow: once per class)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _decode(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _decode(next(a for a in get_args(tp) if a is not type(None)), value)
    if origin is tuple:
        return tuple(_decode(get_args(tp)[0], v) for v in value)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{k: _decode(hints[k], v) for k, v in value.items() if k in hints})
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    return value
