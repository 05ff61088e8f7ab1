"""allauth's pages speak the portal's language: sentence case, "log in" / "log out"."""

import re

import pytest
from django.core import mail
from django.urls import reverse

# Title case and the other verb pair, as allauth writes them.
NOT_OURS = [
    "Change Password",
    "Password Reset",
    "Reset My Password",
    "Set Password",
    "Current Password",
    "New Password",
    "Bad Token",
    "Forgot Password",
    "Account Inactive",
    "Confirm Access",
    "Sign In",
    "Sign Out",
    "Sign in",
    "Sign out",
    "sign in",
    "sign out",
    "signed in",
    "signed out",
]


def assert_in_our_words(page: str) -> None:
    for text in NOT_OURS:
        assert text not in page, text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_logout", "Log out"),
        ("account_change_password", "Change your password"),
    ],
)
def test_a_logged_in_users_allauth_pages_are_in_sentence_case(client, member, name, heading):
    client.force_login(member)
    page = client.get(reverse(name)).content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert_in_our_words(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_login", "Log in"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your e-mail"),
        ("account_reset_password_from_key_done", "Your password has been changed"),
    ],
)
def test_the_pages_before_log_in_are_in_sentence_case(client, name, heading):
    page = client.get(reverse(name)).content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert_in_our_words(page)


@pytest.mark.django_db
def test_a_used_or_wrong_reset_link_says_so_in_plain_words(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "set-wrong"})
    page = client.get(url, follow=True).content.decode()
    assert "<h1>This password reset link is not valid</h1>" in page
    assert reverse("account_reset_password") in page
    assert_in_our_words(page)


@pytest.mark.django_db
def test_the_reset_link_from_the_e_mail_opens_a_sentence_case_form(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://[^/]+(/\S+/)", mail.outbox[-1].body).group(1)
    page = client.get(link, follow=True).content.decode()
    assert "<h1>Choose a new password</h1>" in page
    assert_in_our_words(page)


@pytest.mark.django_db
def test_logging_in_and_out_say_log_in_and_log_out(client, member):
    member.set_password("a-long-pass-phrase-2019")
    member.save()
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "a-long-pass-phrase-2019"},
        follow=True,
    )
    assert_in_our_words(response.content.decode())
    response = client.post(reverse("account_logout"), follow=True)
    page = response.content.decode()
    assert "You have logged out." in page
    assert_in_our_words(page)
