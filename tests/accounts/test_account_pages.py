"""allauth's pages render inside the portal's layout, with its form style."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import totp_enable


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "account_change_password",
        "mfa_index",
        "mfa_activate_totp",
        "usersessions_list",
        "account_logout",
    ],
)
def test_a_logged_in_users_account_page_renders_in_the_portal(client, member, name):
    client.force_login(member)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert member.organisation.mpid in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["account_login", "account_reset_password", "account_reset_password_done"]
)
def test_an_anonymous_account_page_renders_in_the_portal(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="site-header"' in response.content.decode()


@pytest.mark.django_db
def test_form_errors_are_labelled_as_on_the_login_page(client, member):
    client.force_login(member)
    page = client.post(reverse("account_change_password"), {}).content.decode()
    assert '<label for="id_oldpassword">Current password</label>' in page
    assert '<p class="field-error"' in page


@pytest.mark.django_db
def test_the_two_factor_page_shows_an_enrolled_authenticator(member):
    client = Client()
    totp_enable(member)
    client.force_login(member)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert "Deactivate" in response.content.decode()
