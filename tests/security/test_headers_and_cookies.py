"""Production headers and cookies, and CSRF on every kind of state-changing request."""

import json

import pytest
from django.test import Client

from tests.core.test_settings import PRODUCTION_ENV, manage
from tests.factories import TEST_PASSWORD

SETTINGS_TO_PRINT = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "TRUSTED_PROXY_COUNT",
]


@pytest.fixture(scope="module")
def production_settings() -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS_TO_PRINT!r}}}))"
    )
    result = manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_a_year_with_subdomains_and_redirects_to_https(
    production_settings,
):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_SSL_REDIRECT"] is True


def test_production_cookies_are_secure_http_only_same_site_and_host_bound(production_settings):
    assert production_settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_HTTPONLY"] is True
    assert production_settings["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_trusts_no_forwarded_address_unless_told(production_settings):
    assert production_settings["TRUSTED_PROXY_COUNT"] == 0


@pytest.mark.django_db
def test_the_session_cookie_set_at_login_carries_every_attribute(settings, member):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    client.post("/accounts/login/", {"login": member.email, "password": TEST_PASSWORD}, secure=True)
    cookie = client.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]  # what __Host- requires


@pytest.mark.django_db
def test_a_page_refuses_to_be_framed_or_sniffed(client, member):
    client.force_login(member)
    response = client.get("/search/", {"q": "SW1A 1AA"})
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/organisation/users/{member}/deactivate/",
        "/organisation/api-keys/",
        "/api/v1/flows/",
        "/flows/upload/",
    ],
)
@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(world, path):
    client = Client(enforce_csrf_checks=True)
    if "login" not in path:
        client.force_login(world.admin_a)
    response = client.post(path.format(member=world.member_a.pk), {"name": "x"})
    assert response.status_code == 403
