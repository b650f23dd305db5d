"""``@frozen``: the program's immutable records. They behave as ``@dataclass(frozen=True)``
makes them, but are built when first used rather than when their module is imported, and
share the methods that are the same for every class instead of compiling them class by class.

A frozen dataclass compiles six methods from source text, about half a millisecond per class
on a small machine; the command line imports some fifty classes to print ``status`` and makes
instances of about thirty (the mail and calendar records a pass exchanges with the providers,
say, only need to exist). So:

- The class is handed to ``dataclass`` (which compiles ``__init__`` alone: ``fields``,
  ``replace``, ``asdict`` and pattern matching come with it) on its first use: its first
  instance, or the first reading of its fields (``dataclasses.fields``, ``is_dataclass``).
  Until then, a field with a default declared by ``field(...)`` reads as that ``Field`` on the
  class: read defaults from an instance or from ``fields()``.
- The rest is shared. Equality: of the same class, with equal compared fields; the hash, of the
  compared fields (both through a per-class ``operator.attrgetter``); the repr, of the fields
  that ask for one. Immutability: ``__init__`` sets each field once, and nothing can be set or
  deleted after (``FrozenInstanceError``); ``object.__setattr__`` in ``__post_init__`` works
  as with any frozen dataclass.

While a class is being built it has no ``__init__`` of its own, so the records another thread
may make are built before it starts (``build_all``: the service does before it starts its mail
watcher, the only other thread that reads mail; the command line runs in one thread).
``tests/test_frozen.py`` builds every record of the program: a mistake in one still fails.
"""

from __future__ import annotations

import threading
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T", bound=type)

_OWN = ("__init__", "__eq__", "__repr__", "__setattr__", "__delattr__")
_building = threading.RLock()
_waiting: list[type] = []  # every class not built yet, for ``build_all``


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: T) -> T:
    """``@dataclass(frozen=True)``, built on first use, with the shared ``__eq__``, ``__hash__``
    and ``__repr__``."""
    own = vars(cls)
    if any(name in own for name in _OWN) or own.get("__hash__") is not None:
        raise TypeError(f"{cls.__qualname__}: @frozen writes {', '.join(_OWN)} and __hash__ (use @dataclass)")
    cls.__init__ = _first_init(cls)  # type: ignore[misc]
    cls.__dataclass_fields__ = _Unbuilt(cls)  # type: ignore[attr-defined]
    cls.__eq__, cls.__hash__, cls.__repr__ = _eq, _hash, _repr  # type: ignore[method-assign, assignment]
    _waiting.append(cls)
    return cls


def build(cls: type) -> type:
    """``cls`` handed to ``dataclass`` now, its @frozen bases first (nothing when it is built)."""
    with _building:
        if not isinstance(cls.__dict__.get("__dataclass_fields__"), _Unbuilt):
            return cls
        for base in reversed(cls.__mro__[1:]):
            build(base)
        del cls.__init__, cls.__dataclass_fields__  # type: ignore[misc]
        dataclass(eq=False, repr=False)(cls)
        cls.__frozen_fields__ = frozenset(  # type: ignore[attr-defined]  # what __init__ sets
            f.name for f in fields(cls) if f.init or f.default_factory is not MISSING)
        cls.__setattr__, cls.__delattr__ = _setattr, _delattr  # type: ignore[method-assign, assignment]
        compared = [f.name for f in fields(cls) if f.compare]
        cls.__frozen_key__ = attrgetter(*compared) if compared else staticmethod(_no_fields)  # type: ignore
        cls.__frozen_repr__ = tuple(f.name for f in fields(cls) if f.repr)  # type: ignore[attr-defined]
        _waiting.remove(cls)
    return cls


def build_all() -> int:
    """Build every @frozen class not built yet (a test does, so that a mistake in one fails at
    once); the number built."""
    waiting = list(_waiting)
    for cls in waiting:
        build(cls)
    return len(waiting)


class _Unbuilt:
    """Stands in for ``__dataclass_fields__`` until the class is built: reading it builds it."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __get__(self, obj: object, owner: type) -> Any:
        build(self.cls)
        return owner.__dataclass_fields__  # type: ignore[attr-defined]


def _first_init(cls: type) -> Any:
    """The class's ``__init__`` until it is built: its first instance builds it."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        build(cls)
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _setattr(self: Any, name: str, value: Any) -> None:
    """Each field is set once, by ``__init__``; nothing is set after."""
    if name in self.__dict__ or name not in self.__frozen_fields__:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


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
