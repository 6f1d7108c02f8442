import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Previewed uploads are kept under MEDIA_ROOT until committed.
    settings.MEDIA_ROOT = tmp_path / "private"
