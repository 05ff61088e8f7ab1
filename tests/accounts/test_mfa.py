import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.models import AccountEvent, AccountEventKind
from tests.factories import TEST_PASSWORD, totp_code, totp_enable


def _password_login(user) -> Client:
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/organisation/users/", "/accounts/password/change/"])
def test_a_user_of_an_mfa_required_organisation_is_sent_to_set_up(member, organisation, path):
    organisation.mfa_required = True
    organisation.save()
    client = _password_login(member)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_a_service_admin_always_needs_mfa(service_admin_without_mfa):
    client = _password_login(service_admin_without_mfa)
    assert client.get("/").url == reverse("mfa_activate_totp")
    assert client.get("/admin/").url == reverse("mfa_activate_totp")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["mfa_activate_totp", "mfa_index", "health-live"])
def test_set_up_pages_stay_open_before_enrolling(service_admin_without_mfa, name):
    client = _password_login(service_admin_without_mfa)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_logging_out_stays_possible_before_enrolling(service_admin_without_mfa):
    client = _password_login(service_admin_without_mfa)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_user_who_need_not_use_mfa_is_not_redirected(member):
    assert _password_login(member).get("/").status_code == 200


@pytest.mark.django_db
def test_enrolling_totp_then_logging_in_asks_for_the_code(
    member, organisation, django_capture_on_commit_callbacks
):
    organisation.mfa_required = True
    organisation.save()
    client = _password_login(member)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AccountEvent.objects.filter(kind=AccountEventKind.MFA_ACTIVATED).count() == 1

    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": TEST_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "That code is not right." in response.content.decode()
    assert AccountEvent.objects.filter(kind=AccountEventKind.MFA_FAILED).count() == 1
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_at_set_up_is_refused_and_nothing_is_enabled(member):
    client = _password_login(member)
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert "That code is not right." in response.content.decode()
    assert not Authenticator.objects.filter(user=member).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("required", "may_remove"), [(True, False), (False, True)])
def test_a_user_who_must_use_mfa_cannot_switch_it_off(member, organisation, required, may_remove):
    from accounts.adapters import MFAAdapter

    totp_enable(member)
    organisation.mfa_required = required
    organisation.save()
    authenticator = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP)
    assert MFAAdapter().can_delete_authenticator(authenticator) is may_remove


@pytest.mark.django_db
def test_an_admin_resets_a_members_mfa(client, org_admin, member):
    totp_enable(member)
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-mfa-reset", kwargs={"user_id": member.pk}), follow=True
    )
    assert "Two-factor authentication has been reset" in response.content.decode()
    assert not Authenticator.objects.filter(user=member).exists()
    event = AccountEvent.objects.get(kind=AccountEventKind.MFA_RESET)
    assert (event.actor, event.subject) == (org_admin, member)


@pytest.mark.django_db
def test_resetting_mfa_of_a_user_without_it_says_so(client, org_admin, member):
    client.force_login(org_admin)
    response = client.post(
        reverse("organisation:user-mfa-reset", kwargs={"user_id": member.pk}), follow=True
    )
    assert "has no two-factor authentication to reset" in response.content.decode()


@pytest.mark.django_db
def test_set_up_asks_for_the_password_again_when_the_login_is_not_recent(member):
    from accounts.sessions import LOGIN_AT

    client = _password_login(member)
    session = client.session
    session[LOGIN_AT] -= 10 * 60
    session.save()
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_changing_an_existing_authenticator_asks_for_the_password_again(member):
    totp_enable(member)
    client = Client()
    client.force_login(member)  # logged in after the authenticator was set up
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_the_set_up_page_groups_the_secret_hints_the_code_and_shows_only_itself(
    service_admin_without_mfa,
):
    client = _password_login(service_admin_without_mfa)
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    html = page.content.decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert f'value="{grouped}"' in html and "Copy the secret" in html
    assert "The 6-digit code the app shows now" in html
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    assert "Set up two-factor authentication" in nav and "Log out" in nav
    assert "Search" not in nav and "Reports" not in nav
