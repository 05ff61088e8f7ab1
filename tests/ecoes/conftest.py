import pytest

from tests.factories import totp_enable


@pytest.fixture
def service_admin(service_admin):
    """Here the service admin has set up TOTP, as the MFA middleware demands of them."""
    totp_enable(service_admin)
    return service_admin
