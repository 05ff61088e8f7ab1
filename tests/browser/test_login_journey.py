import re

import pytest

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_a_user_logs_in_and_sees_their_organisation(live_server, page, organisation):
    UserFactory(organisation=organisation, email="uma@orga.example", full_name="Uma User")

    page.goto(live_server.url + "/")
    assert re.search(r"/accounts/login/", page.url)
    page.get_by_label("E-mail address").fill("uma@orga.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(live_server.url + "/")
    # The home page is the search box (issue 5).
    assert page.get_by_role("heading", level=1).inner_text() == "Find a metering point"
    assert "Uma User" in page.locator(".user-nav").inner_text()
    assert "ORGA" in page.locator(".user-nav").inner_text()


def test_a_wrong_password_is_refused_with_a_message(live_server, page, organisation):
    UserFactory(organisation=organisation, email="uma@orga.example")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("uma@orga.example")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("alert").wait_for()  # waits for the answer, unlike is_visible()
    assert "/accounts/login/" in page.url
