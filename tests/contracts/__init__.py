"""Contract tests every provider of a kind must pass; provider test modules inherit them."""

import pkgutil

import pytest

# These modules are not test files: ask pytest to rewrite their asserts all the same.
pytest.register_assert_rewrite(*(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)))
