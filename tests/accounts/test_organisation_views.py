"""Every organisation admin screen against owner / member / outsider / anonymous."""

import pytest
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from accounts.roles import UserRole
from tests.factories import UserFactory, totp_enable

# (url name, method, takes a user id, form data for POST)
SCREENS = [
    ("organisation:overview", "get", False, None),
    ("organisation:mfa-requirement", "post", False, {"required": "on"}),
    ("organisation:users", "get", False, None),
    ("organisation:invite", "get", False, None),
    (
        "organisation:invite",
        "post",
        False,
        {"email": "new@x.example", "full_name": "N", "role": "user"},
    ),
    ("organisation:audit", "get", False, None),
    ("organisation:user", "get", True, None),
    ("organisation:user-role", "post", True, {"role": UserRole.ORGANISATION_ADMIN}),
    ("organisation:user-deactivate", "get", True, None),
    ("organisation:user-deactivate", "post", True, {}),
    ("organisation:user-reactivate", "post", True, {}),
    ("organisation:user-password-reset", "post", True, {}),
    ("organisation:user-mfa-reset", "get", True, None),
    ("organisation:user-mfa-reset", "post", True, {}),
    ("organisation:user-invite-resend", "post", True, {}),
    ("organisation:user-delete", "get", True, None),
    ("organisation:user-delete", "post", True, {}),
]
USER_SCREENS = [screen for screen in SCREENS if screen[2]]
# Screens whose GET is a page (a form, or a confirmation of what the POST will do).
CONFIRMED = {
    "organisation:invite",
    "organisation:user-deactivate",
    "organisation:user-mfa-reset",
    "organisation:user-delete",
}


def _url(name: str, takes_id: bool, user_id: int) -> str:
    return reverse(name, kwargs={"user_id": user_id}) if takes_id else reverse(name)


def _call(client, method: str, url: str, data):
    return client.post(url, data or {}) if method == "post" else client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "takes_id", "data"), SCREENS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(
    client, member, name, method, takes_id, data
):
    response = _call(client, method, _url(name, takes_id, member.pk), data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "takes_id", "data"), SCREENS)
def test_a_plain_user_gets_404(client, member, org_admin, name, method, takes_id, data):
    client.force_login(member)
    response = _call(client, method, _url(name, takes_id, org_admin.pk), data)
    assert response.status_code == 404
    assert not AccountEvent.objects.exclude(kind=AccountEventKind.LOGGED_IN).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "takes_id", "data"), USER_SCREENS)
def test_an_admin_of_another_organisation_gets_404_for_our_user(
    client, member, outsider_admin, name, method, takes_id, data
):
    client.force_login(outsider_admin)
    response = _call(client, method, _url(name, takes_id, member.pk), data)
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.is_active and member.role == UserRole.USER
    assert not AccountEvent.objects.filter(subject=member).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "takes_id", "data"), USER_SCREENS)
def test_a_missing_user_id_is_404_for_the_owner(client, org_admin, name, method, takes_id, data):
    client.force_login(org_admin)
    assert _call(client, method, _url(name, takes_id, 987654), data).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "takes_id", "data"), [s for s in SCREENS if s[1] == "get"]
)
def test_the_owner_sees_the_screen(client, org_admin, member, name, method, takes_id, data):
    client.force_login(org_admin)
    response = _call(client, method, _url(name, takes_id, member.pk), data)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "takes_id", "data"),
    [s for s in SCREENS if s[0] not in CONFIRMED and s[1] == "post"],
)
def test_state_changes_refuse_get(client, org_admin, member, name, method, takes_id, data):
    client.force_login(org_admin)
    assert client.get(_url(name, takes_id, member.pk)).status_code == 405


@pytest.mark.django_db
def test_the_user_list_shows_only_the_admins_own_organisation(
    client, org_admin, member, outsider_admin
):
    stranger = UserFactory(organisation=outsider_admin.organisation, email="b-user@orgb.example")
    client.force_login(org_admin)
    page = client.get(reverse("organisation:users")).content.decode()
    assert member.email in page and org_admin.email in page
    assert stranger.email not in page and outsider_admin.email not in page


@pytest.mark.django_db
def test_the_user_list_shows_role_active_mfa_and_last_login(client, org_admin, member):
    from tests.factories import totp_enable

    totp_enable(member)
    client.force_login(org_admin)
    response = client.get(reverse("organisation:users"))
    row = next(u for u in response.context["users"] if u.pk == member.pk)
    assert row.has_mfa is True
    page = response.content.decode()
    assert "Organisation admin" in page and "User" in page


@pytest.mark.django_db
def test_a_state_change_needs_a_csrf_token(org_admin, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    response = client.post(reverse("organisation:user-deactivate", kwargs={"user_id": member.pk}))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "says"),
    [
        ("user-deactivate", "They can no longer log in"),
        ("user-mfa-reset", "Their authenticator app and recovery codes stop working now"),
        ("user-delete", "This cannot be undone"),
    ],
)
def test_a_destructive_action_is_confirmed_on_a_page_that_changes_nothing(
    client, org_admin, member, action, says
):
    totp_enable(member)
    client.force_login(org_admin)
    detail = client.get(reverse("organisation:user", kwargs={"user_id": member.pk}))
    url = reverse(f"organisation:{action}", kwargs={"user_id": member.pk})
    # The detail page links to the confirmation; only the confirmation page posts.
    assert f'href="{url}"' in detail.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert says in page.content.decode() and f'action="{url}"' in page.content.decode()
    member.refresh_from_db()
    assert member.is_active
    assert (
        not AccountEvent.objects.filter(subject=member)
        .exclude(kind=AccountEventKind.LOGGED_IN)
        .exists()
    )


@pytest.mark.django_db
def test_the_owner_deactivates_and_reactivates_a_member(client, org_admin, member):
    client.force_login(org_admin)
    url = reverse("organisation:user-deactivate", kwargs={"user_id": member.pk})
    response = client.post(url, follow=True)
    assert "has been deactivated" in response.content.decode()
    member.refresh_from_db()
    assert not member.is_active
    client.post(reverse("organisation:user-reactivate", kwargs={"user_id": member.pk}))
    member.refresh_from_db()
    assert member.is_active


@pytest.mark.django_db
def test_the_owner_changes_a_members_role(client, org_admin, member):
    client.force_login(org_admin)
    client.post(
        reverse("organisation:user-role", kwargs={"user_id": member.pk}),
        {"role": UserRole.ORGANISATION_ADMIN},
    )
    member.refresh_from_db()
    assert member.role == UserRole.ORGANISATION_ADMIN
    event = AccountEvent.objects.get(kind=AccountEventKind.ROLE_CHANGED)
    assert (event.actor, event.subject) == (org_admin, member)
    assert event.detail == "User to Organisation admin"


@pytest.mark.django_db
def test_an_admin_cannot_make_someone_a_service_admin(client, org_admin, member):
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-role", kwargs={"user_id": member.pk}),
        {"role": UserRole.SERVICE_ADMIN},
        follow=True,
    )
    assert "Choose a role from the list." in response.content.decode()
    member.refresh_from_db()
    assert member.role == UserRole.USER


@pytest.mark.django_db
def test_an_admin_cannot_deactivate_themself(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-deactivate", kwargs={"user_id": org_admin.pk}), follow=True
    )
    assert "You cannot deactivate your own account" in response.content.decode()
    org_admin.refresh_from_db()
    assert org_admin.is_active


@pytest.mark.django_db
def test_the_owner_turns_the_mfa_requirement_on_and_off(client, org_admin, organisation):
    client.force_login(org_admin)
    client.post(reverse("organisation:mfa-requirement"), {"required": "on"})
    organisation.refresh_from_db()
    assert organisation.mfa_required
    # The admin is now held to the requirement too: until enrolled, set-up is all they get.
    response = client.post(reverse("organisation:mfa-requirement"), {"required": ""})
    assert response.url == reverse("mfa_activate_totp")
    organisation.refresh_from_db()
    assert organisation.mfa_required
    assert AccountEvent.objects.filter(kind=AccountEventKind.MFA_REQUIREMENT_CHANGED).count() == 1
