"""Every allauth page the portal exposes, in the portal's words and with its error summary.

Each page is rendered as its user meets it; its title, h1 and buttons must be in
sentence case (issue 17, item 10), and each page with a form, sent empty or wrong, must
show the error summary with a link to each faulty field, mark that field invalid and
start its title with "Error: " (item 4).
"""

import html
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD, totp_code, totp_enable

pytestmark = pytest.mark.django_db
SERVICE_SUFFIX = " - ECOES enquiry service"

# Words that keep their capital letter inside a sentence: names and abbreviations.
PROPER_NOUNS = {
    "ECOES",
    "API",
    "SFTP",
    "SSH",
    "TOTP",
    "QR",
    "MPAN",
    "UK",
    "Microsoft",
    "Google",
    "Authenticator",  # "Microsoft Authenticator", "Google Authenticator": app names
    "Error",  # only as the title's prefix "Error: " (checked separately)
}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def title_of(page: str) -> str:
    title = _text(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert title.endswith(SERVICE_SUFFIX), title
    return title.removesuffix(SERVICE_SUFFIX)


def h1_of(page: str) -> str:
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert len(headings) == 1, headings
    return _text(headings[0])


def buttons_of(page: str) -> list[str]:
    main = re.search(r"<main.*?</main>", page, re.S).group(0)
    return [_text(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", main, re.S)]


def not_sentence_case(text: str) -> list[str]:
    """Words after the first of a sentence that start with a capital and are no name."""
    wrong = []
    for sentence in re.split(r"(?<=[:.?!])\s+", text):
        words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", sentence)
        wrong += [w for w in words[1:] if w[0].isupper() and w not in PROPER_NOUNS]
    return wrong


def test_the_sentence_case_check_can_fail():
    assert not_sentence_case("Change Password") == ["Password"]
    assert not_sentence_case("Bad Token") == ["Token"]
    assert not_sentence_case("Set up the Microsoft Authenticator app") == []
    assert not_sentence_case("Error: Confirm access") == []


def assert_in_sentence_case(page: str) -> None:
    title = title_of(page)
    assert title == h1_of(page) or title.removeprefix("Error: ") == h1_of(page), (
        title,
        h1_of(page),
    )
    for text in [title, h1_of(page), *buttons_of(page)]:
        assert not_sentence_case(text) == [], text
        assert "Bad Token" not in text and "Sign In" not in text


# --- Who meets which page --------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reauthenticated(user) -> Client:
    """Logged in, and the password confirmed moments ago ("Confirm access")."""
    client = logged_in(user)
    response = client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def at_the_code_step(user) -> Client:
    """The password was right; the login waits for the authenticator code."""
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    return client


def reset_link(client, user) -> str:
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://[^/]+(/\S+/)", mail.outbox[-1].body).group(1)
    return client.get(link).url  # allauth moves the key into the session


@pytest.fixture
def with_app(member) -> User:
    member.totp_secret = totp_enable(member)
    return member


@pytest.fixture
def without_password(member) -> User:
    member.set_unusable_password()
    member.save()
    return member


def password_logged_in(user) -> Client:
    """Logged in through the login form (the session carries the login's time)."""
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    return client


def with_recovery_codes(client) -> Client:
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    return client


def page_of(name: str, request) -> tuple[Client, str]:
    """A client that may open the page `name`, and the page's address."""
    member = request.getfixturevalue("member")

    def with_app():
        return request.getfixturevalue("with_app")

    anonymous = Client()
    pages = {
        "account_login": lambda: (anonymous, reverse("account_login")),
        "account_signup": lambda: (anonymous, reverse("account_signup")),
        "account_reset_password": lambda: (anonymous, reverse("account_reset_password")),
        "account_reset_password_done": lambda: (anonymous, reverse("account_reset_password_done")),
        "account_reset_password_from_key": lambda: (anonymous, reset_link(anonymous, member)),
        "account_reset_password_from_key:bad": lambda: (
            anonymous,
            reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "x-y"}),
        ),
        "account_reset_password_from_key_done": lambda: (
            anonymous,
            reverse("account_reset_password_from_key_done"),
        ),
        "account_change_password": lambda: (
            logged_in(member),
            reverse("account_change_password"),
        ),
        "account_set_password": lambda: (
            logged_in(request.getfixturevalue("without_password")),
            reverse("account_set_password"),
        ),
        "account_email": lambda: (logged_in(member), reverse("account_email")),
        "account_email_verification_sent": lambda: (
            anonymous,
            reverse("account_email_verification_sent"),
        ),
        "account_confirm_email:bad": lambda: (
            anonymous,
            reverse("account_confirm_email", kwargs={"key": "not-a-key"}),
        ),
        "account_inactive": lambda: (anonymous, reverse("account_inactive")),
        "account_logout": lambda: (logged_in(member), reverse("account_logout")),
        "account_reauthenticate": lambda: (logged_in(member), reverse("account_reauthenticate")),
        "usersessions_list": lambda: (logged_in(member), reverse("usersessions_list")),
        "mfa_index": lambda: (logged_in(member), reverse("mfa_index")),
        "mfa_activate_totp": lambda: (password_logged_in(member), reverse("mfa_activate_totp")),
        "mfa_authenticate": lambda: (at_the_code_step(with_app()), reverse("mfa_authenticate")),
        "mfa_reauthenticate": lambda: (logged_in(with_app()), reverse("mfa_reauthenticate")),
        "mfa_deactivate_totp": lambda: (
            reauthenticated(with_app()),
            reverse("mfa_deactivate_totp"),
        ),
        "mfa_generate_recovery_codes": lambda: (
            reauthenticated(member),
            reverse("mfa_generate_recovery_codes"),
        ),
        "mfa_view_recovery_codes": lambda: (
            with_recovery_codes(reauthenticated(with_app())),
            reverse("mfa_view_recovery_codes"),
        ),
    }
    return pages[name]()


ALL_PAGES = {
    "account_login": "Log in",
    "account_signup": "Accounts are created by invitation",
    "account_reset_password": "Reset your password",
    "account_reset_password_done": "Check your e-mail",
    "account_reset_password_from_key": "Choose a new password",
    "account_reset_password_from_key:bad": "This password reset link is not valid",
    "account_reset_password_from_key_done": "Your password has been changed",
    "account_change_password": "Change your password",
    "account_set_password": "Set your password",
    "account_email": "Your e-mail address",
    "account_email_verification_sent": "Check your e-mail",
    "account_confirm_email:bad": "This confirmation link is not valid",
    "account_inactive": "Your account is not active",
    "account_logout": "Log out",
    "account_reauthenticate": "Confirm access",
    "usersessions_list": "Your sessions",
    "mfa_index": "Two-factor authentication",
    "mfa_activate_totp": "Set up two-factor authentication",
    "mfa_authenticate": "Two-factor authentication",
    "mfa_reauthenticate": "Confirm access",
    "mfa_deactivate_totp": "Deactivate the authenticator app",
    "mfa_generate_recovery_codes": "Make new recovery codes",
    "mfa_view_recovery_codes": "Recovery codes",
}


@pytest.mark.parametrize(("name", "heading"), list(ALL_PAGES.items()))
def test_every_allauth_page_is_in_sentence_case(name, heading, request):
    client, url = page_of(name, request)
    response = client.get(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert h1_of(page) == heading
    assert title_of(page) == heading
    assert_in_sentence_case(page)


def test_the_bad_reset_link_offers_a_new_one(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "x-y"})
    page = client.get(url, follow=True).content.decode()
    assert f'href="{reverse("account_reset_password")}">Get a new link</a>' in page
    assert "Bad Token" not in page


# --- The error summary on every page with a form --------------------------------------

# page, what is sent, and the fields the summary must link to (None: an error of the
# whole form, listed without a link).
WRONG_SUBMISSIONS = [
    ("account_login", {}, ["id_login", "id_password"]),
    ("account_reset_password", {"email": ""}, ["id_email"]),
    ("account_reset_password", {"email": "not-an-address"}, ["id_email"]),
    ("account_reset_password_from_key", {}, ["id_password1", "id_password2"]),
    ("account_change_password", {}, ["id_oldpassword", "id_password1", "id_password2"]),
    (
        "account_change_password",
        {"oldpassword": "wrong", "password1": "a-new-long-phrase", "password2": "other"},
        ["id_oldpassword", "id_password2"],
    ),
    ("account_set_password", {}, ["id_password1", "id_password2"]),
    ("account_reauthenticate", {}, ["id_password"]),
    ("account_reauthenticate", {"password": "wrong"}, ["id_password"]),
    ("mfa_authenticate", {"code": ""}, ["id_code"]),
    ("mfa_authenticate", {"code": "000000"}, ["id_code"]),
    ("mfa_reauthenticate", {"code": "000000"}, ["id_code"]),
    ("mfa_activate_totp", {"code": ""}, ["id_code"]),
    ("mfa_activate_totp", {"code": "000000"}, ["id_code"]),
    ("mfa_deactivate_totp:required", {}, [None]),
    ("mfa_generate_recovery_codes", {}, [None]),
]


@pytest.mark.parametrize(("name", "data", "fields"), WRONG_SUBMISSIONS)
def test_a_wrong_submission_shows_the_error_summary(name, data, fields, member, request):
    if name == "mfa_deactivate_totp:required":
        member.organisation.mfa_required = True  # so the app cannot be switched off
        member.organisation.save()
        name = "mfa_deactivate_totp"
    client, url = page_of(name, request)
    if name == "mfa_generate_recovery_codes":
        assert not Authenticator.objects.filter(user=member).exists()  # nothing to make codes for
    response = client.post(url, data)
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    assert title_of(page).startswith("Error: ")
    summary = re.search(r'<div class="error-summary"[^>]*data-error-summary.*?</div>', page, re.S)
    assert summary, "no error summary"
    summary = summary.group(0)
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "There is a problem" in summary
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(items) >= len(fields)
    for field in fields:
        if field is None:
            assert any("<a " not in item for item in items)
            continue
        assert f'<a href="#{field}">' in summary, (field, summary)
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag, tag
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
        error_ids = [i for i in described if i.endswith("_error")]
        assert error_ids and all(f'id="{i}"' in page for i in error_ids), tag
    # What to do, not Django's default.
    assert "This field is required" not in page


def test_the_code_step_then_accepts_the_right_code(with_app):
    secret = with_app.totp_secret
    client = at_the_code_step(with_app)
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302


def test_a_service_admin_cannot_deactivate_the_app_and_is_told_what_to_do(service_admin):
    client = reauthenticated(service_admin)
    page = html.unescape(client.post(reverse("mfa_deactivate_totp")).content.decode())
    assert "you cannot deactivate the authenticator app" in page
    assert "ask your organisation's admin (or the service desk) to reset" in page
    assert Authenticator.objects.filter(user=service_admin, type="totp").exists()
