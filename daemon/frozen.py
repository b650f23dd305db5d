"""``@frozen``: the program's immutable records, as ``@dataclass(frozen=True)`` makes them,
with their equality, hash and repr shared instead of compiled class by class.

A dataclass compiles each method it adds from source text when its module is imported: six
methods for a frozen class, some 0.6 ms each time on a small machine. The command line imports
about fifty such classes to print ``status``, which made up a third of its start-up. Three of
the six (``__eq__``, ``__hash__``, ``__repr__``) are the same for every class once they read
the fields through a per-class ``operator.attrgetter``: those are defined once here. What
stays with ``dataclass``: the fields, ``__init__``, immutability, ``replace``, ``fields``,
``asdict`` and pattern matching. The behaviour matches: equal when of the same class with equal
compared fields, a hash of the compared fields, a repr of the fields that ask for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T", bound=type)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: T) -> T:
    """``@dataclass(frozen=True)`` with the shared ``__eq__``, ``__hash__`` and ``__repr__``."""
    own = vars(cls)
    if any(name in own for name in ("__eq__", "__repr__")) or own.get("__hash__") is not None:
        raise TypeError(f"{cls.__qualname__}: @frozen gives __eq__, __hash__ and __repr__ (use @dataclass)")
    cls = dataclass(frozen=True, eq=False, repr=False)(cls)
    compared = [f.name for f in fields(cls) if f.compare]
    cls.__frozen_key__ = attrgetter(*compared) if compared else staticmethod(_no_fields)  # type: ignore[attr-defined]
    cls.__frozen_repr__ = tuple(f.name for f in fields(cls) if f.repr)  # type: ignore[attr-defined]
    cls.__eq__, cls.__hash__, cls.__repr__ = _eq, _hash, _repr  # type: ignore[method-assign, assignment]
    return cls


def _no_fields(obj: object) -> tuple[()]:
    return ()


def _eq(self: Any, other: object) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__frozen_key__
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self.__frozen_key__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__frozen_repr__)
    return f"{self.__class__.__qualname__}({shown})"
