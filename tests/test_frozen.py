"""``@frozen`` behaves as ``@dataclass(frozen=True)`` does, with the three shared methods."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from interview_followup.daemon.frozen import _Unbuilt, _waiting, build_all, frozen
from interview_followup.daemon.model import Person


@frozen
class Ours:
    """A record as the program writes them."""

    a: int
    b: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)
    note: str = field(default="", compare=False)


@dataclass(frozen=True)
class Theirs:
    """The same, as the standard library makes it."""

    a: int
    b: tuple[str, ...] = ()
    secret: str = field(default="", repr=False)
    note: str = field(default="", compare=False)


@pytest.mark.parametrize("x, y", [
    ((1,), (1,)), ((1, ("p",)), (1, ("p",))), ((1,), (2,)), ((1, ("p",)), (1, ("q",))),
    ((1, (), "s"), (1, (), "t")), ((1, (), "", "n"), (1, (), "", "m")),
])
def test_frozen_records_compare_and_hash_as_frozen_dataclasses_do(x, y):
    assert (Ours(*x) == Ours(*y)) == (Theirs(*x) == Theirs(*y))
    if Ours(*x) == Ours(*y):
        assert hash(Ours(*x)) == hash(Ours(*y))
    assert len({Ours(*x), Ours(*y)}) == len({Theirs(*x), Theirs(*y)})


def test_a_record_of_another_class_is_never_equal_even_with_the_same_fields():
    assert Ours(1) != Theirs(1) and Theirs(1) != Ours(1)
    assert Ours(1).__eq__(Theirs(1)) is NotImplemented


def test_the_repr_names_the_class_and_leaves_out_what_asks_to_be_left_out():
    shown = repr(Ours(1, ("p",), secret="hunter2", note="n"))
    assert shown == "Ours(a=1, b=('p',), note='n')"
    assert shown.replace("Ours", "Theirs") == repr(Theirs(1, ("p",), secret="hunter2", note="n"))


def test_frozen_records_stay_frozen_and_keep_what_dataclasses_give():
    r = Ours(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.a  # type: ignore[misc]
    assert dataclasses.replace(r, a=2) == Ours(2)
    assert dataclasses.asdict(r) == {"a": 1, "b": (), "secret": "", "note": ""}
    assert Ours.__match_args__ == ("a", "b", "secret", "note")
    assert Person("a@b.example", "A") == Person("a@b.example", "A") and len({Person("x@y"), Person("x@y")}) == 1


def test_a_record_with_no_fields_equals_its_kind():
    @frozen
    class Nothing:
        """No fields."""

    assert Nothing() == Nothing() and hash(Nothing()) == hash(Nothing()) and repr(Nothing()).endswith("Nothing()")


def test_a_class_that_writes_its_own_equality_is_refused():
    with pytest.raises(TypeError, match="use @dataclass"):
        @frozen
        class Own:
            """Compares itself."""

            a: int

            def __eq__(self, other):
                return True


def test_a_record_is_built_on_its_first_use_not_when_declared():
    @frozen
    class Later:
        """Built late."""

        a: int
        b: str = field(default="x")

    assert isinstance(Later.__dict__["__dataclass_fields__"], _Unbuilt)
    assert Later(1) == Later(1) and repr(Later(2)).endswith("Later(a=2, b='x')")
    assert not isinstance(Later.__dict__["__dataclass_fields__"], _Unbuilt)

    @frozen
    class ByFields:
        """Built by reading its fields."""

        a: int = 0

    assert dataclasses.is_dataclass(ByFields) and [f.name for f in dataclasses.fields(ByFields)] == ["a"]
    assert ByFields() == ByFields(0)


def test_a_record_built_from_a_record_builds_its_base_first():
    @frozen
    class Base:
        """The base."""

        a: int

    @frozen
    class Child(Base):
        """The child."""

        b: int = 2

    assert Child(1) == Child(1, 2) and Child(1) != Base(1) and repr(Child(1)).endswith("Child(a=1, b=2)")
    assert [f.name for f in dataclasses.fields(Base)] == ["a"]


def test_every_record_of_the_program_builds():
    import importlib
    import pkgutil

    import interview_followup

    for info in pkgutil.walk_packages(interview_followup.__path__, "interview_followup."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    build_all()
    assert not [c for c in _waiting if c.__module__.startswith("interview_followup.")]


def test_nothing_is_set_after_init_but_post_init_may_normalise_as_with_any_frozen_dataclass():
    @frozen
    class Tidy:
        """Normalises its field."""

        name: str
        seen: int = field(default=0, init=False)

        def __post_init__(self):
            object.__setattr__(self, "name", self.name.strip())

    t = Tidy("  Jane ")
    assert (t.name, t.seen) == ("Jane", 0)
    for name in ("name", "seen", "other"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(t, name, 1)
    assert dataclasses.replace(t, name=" Bob") == Tidy("Bob")
