import pytest

from accounts.models import AccountEvent
from accounts.roles import UserRole
from accounts.services import (
    AccountError,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_role_change,
)
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_plain_user_cannot_invite(member):
    with pytest.raises(AccountError, match="Only an organisation admin"):
        user_invite(by=member, email="x@orga.example", full_name="X", role="user")


@pytest.mark.django_db
def test_an_admin_cannot_act_on_another_organisations_user(outsider_admin, member):
    with pytest.raises(AccountError, match="your own organisation"):
        user_deactivate(by=outsider_admin, user=member)
    member.refresh_from_db()
    assert member.is_active
    assert not AccountEvent.objects.exists()


@pytest.mark.django_db
def test_an_organisation_admin_cannot_touch_a_service_admin(operator_organisation, service_admin):
    desk_admin = UserFactory(organisation=operator_organisation, role=UserRole.ORGANISATION_ADMIN)
    with pytest.raises(AccountError, match="Only the service desk"):
        user_deactivate(by=desk_admin, user=service_admin)


@pytest.mark.django_db
def test_a_service_admins_role_is_not_changed_on_the_organisation_screens(
    operator_organisation, service_admin
):
    other_desk = UserFactory(
        organisation=operator_organisation, role=UserRole.SERVICE_ADMIN, is_staff=True
    )
    with pytest.raises(AccountError, match="Service administration"):
        user_role_change(by=service_admin, user=other_desk, role=UserRole.USER)


@pytest.mark.django_db
def test_giving_the_same_role_again_says_so(org_admin, member):
    with pytest.raises(AccountError, match="already user"):
        user_role_change(by=org_admin, user=member, role=UserRole.USER)


@pytest.mark.django_db
def test_reactivating_an_active_user_says_so(org_admin, member):
    with pytest.raises(AccountError, match="already active"):
        user_reactivate(by=org_admin, user=member)


@pytest.mark.django_db
def test_an_invite_with_an_unknown_role_is_refused(org_admin):
    with pytest.raises(AccountError, match="roles user or organisation admin"):
        user_invite(
            by=org_admin,
            email="x@orga.example",
            full_name="X",
            role=UserRole.SERVICE_ADMIN,
        )
