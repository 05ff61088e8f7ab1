"""Changes made in the Django admin are account events (issue 14, item 9)."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin import UserAdmin
from accounts.models import AccountEvent, AccountEventKind
from accounts.queries import account_events_visible
from accounts.roles import UserRole
from tests.accounts.test_admin_access import admin_user_form_data
from tests.factories import UserFactory, login_with_two_factors, totp_enable

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, service_admin):
    login_with_two_factors(client, service_admin)
    return client


def save_in_admin(desk, user, **changes):
    data = admin_user_form_data(desk, user)
    data.update(changes)
    response = desk.post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()


def test_moving_a_user_between_organisations_is_recorded_in_both_without_naming_the_other(
    desk, service_admin, member, organisation, other_organisation, org_admin, outsider_admin
):
    save_in_admin(desk, member, organisation=other_organisation.pk)

    assert member.organisation == other_organisation
    moved = AccountEvent.objects.filter(kind=AccountEventKind.ORGANISATION_MOVED)
    assert {(e.organisation, e.actor, e.subject) for e in moved} == {
        (organisation, service_admin, member),
        (other_organisation, service_admin, member),
    }
    for event in moved:
        assert "ORGA" not in event.detail and "ORGB" not in event.detail
    # Each organisation's admin sees their own line only.
    assert account_events_visible(viewer=org_admin).filter(kind="organisation_moved").count() == 1
    assert (
        account_events_visible(viewer=outsider_admin).filter(kind="organisation_moved").count() == 1
    )


def test_staff_and_superuser_grants_and_removals_are_recorded(
    desk, service_admin, operator_organisation
):
    colleague = UserFactory(organisation=operator_organisation, role=UserRole.SERVICE_ADMIN)
    save_in_admin(desk, colleague, is_staff="on", is_superuser="on")
    save_in_admin(desk, colleague, is_staff="", is_superuser="")

    events = AccountEvent.objects.filter(subject=colleague).order_by("id")
    assert [e.kind for e in events] == [
        AccountEventKind.STAFF_GRANTED,
        AccountEventKind.SUPERUSER_GRANTED,
        AccountEventKind.STAFF_REMOVED,
        AccountEventKind.SUPERUSER_REMOVED,
    ]
    assert {(e.actor, e.detail) for e in events} == {(service_admin, "Django admin")}


def test_a_service_admin_who_is_not_a_superuser_cannot_change_admin_access(
    client, operator_organisation, member
):
    desk_member = UserFactory(
        organisation=operator_organisation, role=UserRole.SERVICE_ADMIN, is_staff=True
    )
    totp_enable(desk_member)
    login_with_two_factors(client, desk_member)

    request = RequestFactory().get("/")
    request.user = desk_member
    readonly = UserAdmin(type(member), admin.site).get_readonly_fields(request, member)
    assert {"is_staff", "is_superuser"} <= set(readonly)


def test_removing_an_authenticator_in_the_admin_is_recorded_and_takes_the_recovery_codes(
    desk, service_admin, member
):
    totp_enable(member)
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x", "used_mask": 0}
    )
    totp = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP)

    response = desk.post(reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member).exists()
    event = AccountEvent.objects.get(kind=AccountEventKind.MFA_RESET)
    assert (event.actor, event.subject, event.organisation) == (
        service_admin,
        member,
        member.organisation,
    )
    assert "Django admin" in event.detail


def test_the_admin_never_shows_an_authenticators_secret(desk, member):
    totp_enable(member)
    totp = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP)
    page = desk.get(reverse("admin:mfa_authenticator_change", args=[totp.pk])).content.decode()
    assert totp.data["secret"] not in page
