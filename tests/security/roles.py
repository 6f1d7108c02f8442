"""The role walk's older names for the access table, for tests that build URLs with it (test_csrf).

The table itself, the scene and `build` live in tests/walk.py.
"""

from collections.abc import Mapping
from functools import cached_property

from tests.conftest import make_world
from tests.walk import Scene, kwarg_names, tables
from tests.walk import build as _build

kwargs_of = kwarg_names


class Stage(Scene):
    """The scene with the whole world made at once: test_csrf reads program B after its snapshot."""

    @cached_property
    def world(self):
        return make_world(variant_a=self.VARIANT)


class _Own(Mapping):
    """{kwarg: lambda scene: program A's own object}."""

    def __getitem__(self, arg):
        return tables()[1][arg].own

    def __iter__(self):
        return iter(tables()[1])

    def __len__(self):
        return len(tables()[1])


OWN = _Own()


def build(name, stage):
    return _build(name, stage)
