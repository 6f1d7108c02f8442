import pytest

from policy.rules import VARIANTS
from tests.groups.helpers import make_site


@pytest.fixture(params=VARIANTS)
def variant(request):
    return request.param


@pytest.fixture
def site(db, variant):
    return make_site(variant)


@pytest.fixture
def site_for(db):
    return make_site
