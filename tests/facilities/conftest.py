import pytest

from policy.rules import VARIANTS
from tests.conftest import make_world


@pytest.fixture(params=VARIANTS)
def variant(request):
    return request.param


@pytest.fixture
def vworld(db, variant):
    """The foundation's world with program A running `variant`."""
    return make_world(variant_a=variant)


@pytest.fixture
def registered():
    """Connect throwaway receivers to facilities.hooks for one test, disconnected afterwards."""
    from facilities import hooks

    undos = []

    def register(*, hook=None, counter=None):
        if hook is not None:
            undos.append(hooks.staff_removed.connect(hook))
        if counter is not None:
            undos.append(hooks.open_memberships.connect(counter))

    yield register
    for undo in undos:
        undo()
