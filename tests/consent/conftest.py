import pytest

from tests.consent.helpers import make_site


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Scans go to a throwaway directory, never into var/private.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def site_for(db):
    return make_site
