"""Who reaches the Django admin (issue 14, item 8): a service admin with staff status,
in a session that proved two factors; staff status needs the service-admin role."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind, User
from accounts.queries import user_requires_mfa
from accounts.roles import UserRole
from accounts.services import AccountError, user_admin_access_set
from tests.factories import (
    TEST_PASSWORD,
    UserFactory,
    login_with_two_factors,
    totp_code,
    totp_enable,
)

pytestmark = pytest.mark.django_db

NEEDS_ROLE = "Only a service admin may have staff or superuser status"


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


# --- two factors ----------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_anyone_who_can_reach_the_admin_must_use_two_factors(flag):
    # A row from before the role rule (the migration clears such flags): the flag
    # alone decides.
    user = User(email="x@example.org", role=UserRole.USER, **{flag: True})
    assert user_requires_mfa(user=user)


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/accounts/user/"])
def test_staff_without_an_authenticator_get_to_set_up_never_to_the_admin(
    service_admin_without_mfa, path
):
    client = password_login(service_admin_without_mfa)
    assert client.get(path).url == reverse("mfa_activate_totp")


def test_the_admin_itself_refuses_staff_without_an_authenticator(service_admin_without_mfa):
    """Even with the MFA middleware out of the way, the admin site holds on its own."""
    from django.test import RequestFactory

    from accounts.admin import admin_site_has_permission

    request = RequestFactory().get("/admin/")
    request.user = service_admin_without_mfa
    request.session = {}
    assert admin_site_has_permission(request) is False


def test_a_password_only_session_of_a_service_admin_is_sent_to_log_in_again(service_admin):
    client = Client()
    client.force_login(service_admin)  # the session never proved a second factor
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "needs a login with your authenticator app" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_in_with_the_authenticator_code_opens_the_admin(service_admin_without_mfa):
    secret = totp_enable(service_admin_without_mfa)
    client = password_login(service_admin_without_mfa)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_setting_up_the_authenticator_in_this_session_opens_the_admin(service_admin_without_mfa):
    # A real commit: allauth announces the new authenticator once it has committed,
    # inside the request, before the session is saved.
    client = password_login(service_admin_without_mfa)
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert client.get("/admin/").status_code == 200


def test_a_service_admin_without_staff_status_is_refused(operator_organisation):
    desk = UserFactory(organisation=operator_organisation, role=UserRole.SERVICE_ADMIN)
    totp_enable(desk)
    client = Client()
    login_with_two_factors(client, desk)
    assert client.get("/admin/login/").status_code == 403


# --- staff status needs the service-admin role: each path ------------------------------


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_model_validation_refuses_admin_access_without_the_role(member, flag):
    setattr(member, flag, True)
    with pytest.raises(ValidationError, match=NEEDS_ROLE):
        member.full_clean()


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_the_database_refuses_admin_access_without_the_role(organisation, flag):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("sneaky@orga.example", organisation=organisation, **{flag: True})
    assert not User.objects.filter(email="sneaky@orga.example").exists()


def test_the_service_refuses_admin_access_without_the_role(service_admin, member):
    with pytest.raises(AccountError, match=NEEDS_ROLE):
        user_admin_access_set(by=service_admin, user=member, is_staff=True, is_superuser=False)
    member.refresh_from_db()
    assert not member.is_staff


def test_only_a_superuser_of_the_desk_gives_admin_access(org_admin, member, operator_organisation):
    other_desk = UserFactory(organisation=operator_organisation, role=UserRole.SERVICE_ADMIN)
    for by in (org_admin, other_desk):  # a hostile organisation admin; a desk non-superuser
        with pytest.raises(AccountError, match="Only a superuser of the service desk"):
            user_admin_access_set(by=by, user=other_desk, is_staff=True, is_superuser=True)
    other_desk.refresh_from_db()
    assert (other_desk.is_staff, other_desk.is_superuser) == (False, False)
    assert not AccountEvent.objects.filter(kind=AccountEventKind.STAFF_GRANTED).exists()


def test_the_service_gives_and_takes_admin_access_and_records_it(
    service_admin, operator_organisation
):
    colleague = UserFactory(organisation=operator_organisation, role=UserRole.SERVICE_ADMIN)
    user_admin_access_set(
        by=service_admin, user=colleague, is_staff=True, is_superuser=False, ip_address="192.0.2.9"
    )
    user_admin_access_set(by=service_admin, user=colleague, is_staff=False, is_superuser=False)
    kinds = list(
        AccountEvent.objects.filter(subject=colleague).order_by("id").values_list("kind", "actor")
    )
    assert kinds == [
        (AccountEventKind.STAFF_GRANTED, service_admin.pk),
        (AccountEventKind.STAFF_REMOVED, service_admin.pk),
    ]


def admin_user_form_data(desk_client, user) -> dict:
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = desk_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        email=user.email,
        organisation=user.organisation_id or "",
        date_joined_0="2019-06-27",
        date_joined_1="18:00:00",
    )
    for key in ("groups", "user_permissions", "last_login"):
        data.pop(key, None)
    for flag in ("is_active", "is_staff", "is_superuser"):
        data[flag] = "on" if data.get(flag) else ""
    return data


def test_the_admin_form_refuses_staff_status_without_the_role(client, service_admin, member):
    login_with_two_factors(client, service_admin)
    data = admin_user_form_data(client, member)
    data["is_staff"] = "on"
    response = client.post(reverse("admin:accounts_user_change", args=[member.pk]), data)
    assert response.status_code == 200
    assert NEEDS_ROLE in response.content.decode()
    member.refresh_from_db()
    assert not member.is_staff


def test_createsuperuser_makes_a_service_admin_who_must_set_up_two_factors(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-first-desk-passphrase")
    call_command("createsuperuser", "--noinput", email="first.desk@operator.example")
    desk = User.objects.get(email="first.desk@operator.example")
    assert (desk.role, desk.is_staff, desk.is_superuser) == (UserRole.SERVICE_ADMIN, True, True)
    assert desk.organisation is None
    client = Client()
    client.post(
        reverse("account_login"),
        {"login": desk.email, "password": "a-long-first-desk-passphrase"},
    )
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
