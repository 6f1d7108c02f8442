import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Consent scans written by these tests go to a throwaway directory, never into var/private.
    settings.MEDIA_ROOT = tmp_path / "private"
