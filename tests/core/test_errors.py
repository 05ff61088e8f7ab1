"""The error pages: the portal's layout, a plain explanation, the reason, a way back."""

import pytest
from django.test import RequestFactory

from core import errors


def title_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<title>") + 7 : html.index("</title>")]


@pytest.mark.django_db
def test_an_unknown_address_gets_the_page_not_found_in_the_layout(client, member):
    client.force_login(member)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert title_of(response).startswith("Error: Page not found")
    html = response.content.decode()
    assert 'class="site-header"' in html and member.full_name in html
    assert 'href="/"' in html and "Go to the search page" in html


@pytest.mark.django_db
def test_another_organisations_metering_point_is_not_found_and_named_nowhere(client, member):
    client.force_login(member)
    response = client.get("/metering-points/1200000000009/")
    assert response.status_code == 404
    assert "MeteringPoint" not in response.content.decode()


@pytest.mark.django_db
def test_a_forbidden_page_gives_the_reason_the_code_gave(client, member):
    client.force_login(member)
    response = client.get("/flows/upload/")
    assert response.status_code == 403
    assert title_of(response).startswith("Error: You cannot use this page")
    assert "Only meter operators, distributors and service admins send flows." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_a_request_for_another_host_is_a_400_page_without_the_detail(client):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert title_of(response).startswith("Error: The request could not be understood")
    assert "evil.example" not in response.content.decode()
    assert "Go to the login page" in response.content.decode()


def test_the_server_error_page_needs_no_database():
    # No db fixture: any query here would raise.
    response = errors.server_error(RequestFactory().get("/search/"))
    assert response.status_code == 500
    assert title_of(response).startswith("Error: Sorry, there is a problem with the service")
    assert "/static/css/ecoes.css" in response.content.decode()


@pytest.mark.django_db
def test_too_many_login_attempts_get_the_429_page_with_a_reset_link(client, settings, member):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"login": member.email, "password": "not-the-password"}
        )
    assert response.status_code == 429
    assert title_of(response).startswith("Error: Too many attempts")
    assert "/accounts/password/reset/" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_the_portal_page(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/bulk/", {"kind": "mpan", "text": "x"})
    assert response.status_code == 403
    assert title_of(response).startswith("Error: The form has expired")
    assert "Nothing was changed." in response.content.decode()
