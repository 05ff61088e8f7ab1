import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import Organisation, User
from accounts.roles import MarketRole
from tests.factories import OrganisationFactory


@pytest.mark.django_db
def test_the_email_is_the_login_and_is_stored_lower_case(organisation):
    user = User.objects.create_user("Someone@Example.ORG", "x" * 14, organisation=organisation)
    assert user.email == "someone@example.org"
    assert User.USERNAME_FIELD == "email"


@pytest.mark.django_db
def test_two_users_cannot_share_an_email_in_any_case(organisation):
    User.objects.create_user("a@example.org", "x" * 14, organisation=organisation)
    with pytest.raises(IntegrityError):
        User.objects.create(email="A@example.org", organisation=organisation)


@pytest.mark.django_db
def test_role_codes_are_kept_as_a_sorted_set():
    org = OrganisationFactory(role_codes="XMX")
    org.refresh_from_db()
    assert org.role_codes == "MX"
    assert org.market_roles == [MarketRole.METER_OPERATOR, MarketRole.SUPPLIER]


@pytest.mark.parametrize("mpid", ["lond", "LON", "LONDO", "LO-D"])
def test_a_malformed_mpid_is_rejected(mpid):
    org = Organisation(mpid=mpid, name="x", role_codes="X")
    with pytest.raises(ValidationError) as excinfo:
        org.clean_fields()
    assert "mpid" in excinfo.value.message_dict


def test_an_unknown_role_code_is_rejected_by_name():
    org = Organisation(mpid="LOND", name="x", role_codes="XQ")
    with pytest.raises(ValidationError) as excinfo:
        org.clean_fields()
    assert "Unknown market role code: Q." in str(excinfo.value)
    org.role_codes = "XQW"
    with pytest.raises(ValidationError) as excinfo:
        org.clean_fields()
    assert "Unknown market role codes: Q, W." in str(excinfo.value)


def test_the_market_role_letters_are_those_of_the_dtc_code_list():
    # accounts.roles gives the roles Django choices; dtc.codes (no Django) lists the same
    # letters for flow headers. One fact, two forms: they must never drift apart.
    from dtc.codes import MARKET_ROLES

    assert set(MarketRole.values) == set(MARKET_ROLES)
