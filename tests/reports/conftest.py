import pytest


@pytest.fixture(autouse=True)
def _reports_write_to_a_temporary_media_root(media_root):
    return media_root
