import pytest

from tests.factories import totp_enable


@pytest.fixture(autouse=True)
def _reports_write_to_a_temporary_media_root(media_root):
    return media_root


@pytest.fixture
def service_admin(service_admin):
    """Here the service admin has set up TOTP, as the MFA middleware demands of them."""
    totp_enable(service_admin)
    return service_admin
