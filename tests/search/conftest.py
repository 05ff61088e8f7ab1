import pytest
from django.core.cache import cache

from accounts.roles import UserRole
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """The API throttles count in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_admin(organisation):
    return UserFactory(
        organisation=organisation, email="admin@orga.example", role=UserRole.ORGANISATION_ADMIN
    )


@pytest.fixture
def outsider_admin(other_organisation):
    return UserFactory(
        organisation=other_organisation,
        email="admin@orgb.example",
        role=UserRole.ORGANISATION_ADMIN,
    )


@pytest.fixture
def service_admin(db):
    from tests.factories import OrganisationFactory

    operator = OrganisationFactory(mpid="ECOE", name="Enquiry service", role_codes="Z")
    return UserFactory(
        organisation=operator, email="desk@ecoes.example", role=UserRole.SERVICE_ADMIN
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
