"""Deactivating and reactivating an organisation (issue 14, item 9)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind, Organisation
from accounts.services import AccountError, organisation_deactivate, organisation_reactivate
from tests.factories import TEST_PASSWORD, UserFactory, login_with_two_factors

pytestmark = pytest.mark.django_db

SUSPENDED = "has been deactivated in the ECOES enquiry service, so its users cannot log in"


def logged_in(user) -> Client:
    """A real password login, so allauth records the session (as in production)."""
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def test_deactivation_ends_every_session_of_the_organisations_users_and_is_recorded(
    service_admin, organisation, member, org_admin
):
    sessions = [logged_in(member), logged_in(member), logged_in(org_admin)]

    ended = organisation_deactivate(
        by=service_admin, organisation=organisation, ip_address="192.0.2.4"
    )

    assert ended == 3
    organisation.refresh_from_db()
    assert not organisation.is_active
    for client in sessions:
        assert client.get("/").url.startswith(reverse("account_login"))
    event = AccountEvent.objects.get(kind=AccountEventKind.ORGANISATION_DEACTIVATED)
    assert (event.actor, event.organisation, event.ip_address) == (
        service_admin,
        organisation,
        "192.0.2.4",
    )
    assert event.detail == "3 sessions ended"
    member.refresh_from_db()
    assert member.is_active  # the accounts themselves are untouched


def test_a_user_of_an_inactive_organisation_cannot_log_in_and_is_told_why(member, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
    assert SUSPENDED in response.content.decode()
    assert "_auth_user_id" not in client.session
    refused = AccountEvent.objects.get(kind=AccountEventKind.LOGIN_FAILED)
    assert (refused.subject, refused.detail) == (member, "organisation deactivated")


def test_a_wrong_password_for_an_inactive_organisation_tells_nothing_more(member, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    response = Client().post(
        reverse("account_login"), {"login": member.email, "password": "wrong-password-here"}
    )
    assert response.status_code == 200
    assert "deactivated" not in response.content.decode()


def test_a_session_that_escaped_deactivation_is_refused_at_its_next_request(member, organisation):
    client = logged_in(member)
    # As if a login raced with the deactivation: the flag changed, the session lives on.
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    response = client.get("/search/", {"q": "SW1A 1AA"}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "your organisation has been deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/metering-points/", {"q": "SW1A 1AA"}).status_code != 200


def test_reactivation_lets_the_users_back_in_and_is_recorded(service_admin, organisation, member):
    organisation_deactivate(by=service_admin, organisation=organisation)
    organisation_reactivate(by=service_admin, organisation=organisation)
    organisation.refresh_from_db()
    assert organisation.is_active
    logged_in(member)
    event = AccountEvent.objects.get(kind=AccountEventKind.ORGANISATION_REACTIVATED)
    assert (event.actor, event.organisation) == (service_admin, organisation)


def test_deactivating_twice_or_reactivating_an_active_one_says_so(service_admin, organisation):
    with pytest.raises(AccountError, match="already active"):
        organisation_reactivate(by=service_admin, organisation=organisation)
    organisation_deactivate(by=service_admin, organisation=organisation)
    with pytest.raises(AccountError, match="already deactivated"):
        organisation_deactivate(by=service_admin, organisation=organisation)


def test_a_hostile_organisation_admin_cannot_deactivate_any_organisation(
    org_admin, outsider_admin, organisation, other_organisation, member
):
    client = logged_in(member)
    for target in (organisation, other_organisation):
        with pytest.raises(AccountError, match="Only the service desk"):
            organisation_deactivate(by=outsider_admin, organisation=target)
        with pytest.raises(AccountError, match="Only the service desk"):
            organisation_deactivate(by=org_admin, organisation=target)
    assert Organisation.objects.filter(is_active=False).count() == 0
    assert client.get("/").status_code == 200  # nobody was logged out
    assert not AccountEvent.objects.filter(kind=AccountEventKind.ORGANISATION_DEACTIVATED).exists()
    # Nor through the admin, which they cannot reach.
    hostile = Client()
    hostile.force_login(outsider_admin)
    response = hostile.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "deactivate", "_selected_action": [organisation.pk]},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    organisation.refresh_from_db()
    assert organisation.is_active


def test_the_desk_cannot_deactivate_its_own_organisation(service_admin, operator_organisation):
    with pytest.raises(AccountError, match="own organisation"):
        organisation_deactivate(by=service_admin, organisation=operator_organisation)


def test_the_admin_action_deactivates_through_the_service(
    client, service_admin, organisation, other_organisation, member
):
    session = logged_in(member)
    login_with_two_factors(client, service_admin)
    response = client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "deactivate", "_selected_action": [organisation.pk]},
        follow=True,
    )
    assert "deactivated: its users are logged out" in response.content.decode()
    organisation.refresh_from_db()
    other_organisation.refresh_from_db()
    assert (organisation.is_active, other_organisation.is_active) == (False, True)
    assert session.get("/").url.startswith(reverse("account_login"))
    assert AccountEvent.objects.filter(
        kind=AccountEventKind.ORGANISATION_DEACTIVATED, actor=service_admin
    ).exists()

    client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "reactivate", "_selected_action": [organisation.pk]},
    )
    organisation.refresh_from_db()
    assert organisation.is_active


def test_the_change_form_cannot_flip_the_active_flag_unaudited(client, service_admin, organisation):
    login_with_two_factors(client, service_admin)
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    client.post(
        url,
        {
            "mpid": organisation.mpid,
            "name": organisation.name,
            "role_codes": organisation.role_codes,
            "is_active": "",
            "mfa_required": "",
        },
    )
    organisation.refresh_from_db()
    assert organisation.is_active


def test_an_inactive_organisations_new_user_cannot_log_in_either(organisation):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    newcomer = UserFactory(organisation=organisation)
    response = Client().post(
        reverse("account_login"), {"login": newcomer.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 403
