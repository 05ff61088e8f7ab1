"""The login page's form: a summary of what to fix, each field linked to its error."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_empty_login_says_what_to_enter_and_links_each_field(client):
    html = client.post("/accounts/login/", {"login": "", "password": ""}).content.decode()
    assert "<title>Error: Log in" in html
    assert "data-error-summary" in html
    assert '<a href="#id_login">Enter your e-mail address.</a>' in html
    assert '<a href="#id_password">Enter your password.</a>' in html
    assert 'aria-invalid="true" aria-describedby="id_login_error"' in html
    assert 'id="id_login_error"' in html
    assert "This field is required" not in html


def test_the_login_page_puts_the_cursor_in_the_email_field(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'id="id_login" autocomplete="email" required value="" autofocus' in html
