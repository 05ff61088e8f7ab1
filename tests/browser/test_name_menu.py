"""The name menu (top right) in Chromium: it closes on Escape and on a click outside it."""

import pytest

from tests.browser.test_account_journeys import log_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def menu(live_server, page, member):
    log_in(page, live_server.url, member.email, TEST_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    menu = page.locator("details.user-menu")
    page.locator(".user-menu summary").click()
    assert menu.get_attribute("open") is not None
    assert page.get_by_role("link", name="Change password").is_visible()
    return menu


def test_escape_closes_the_name_menu_and_puts_focus_back_on_its_button(page, menu):
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert not page.get_by_role("link", name="Change password").is_visible()
    assert page.evaluate("document.activeElement.matches('.user-menu summary')")


def test_a_click_outside_closes_the_name_menu(page, menu):
    page.get_by_role("heading", level=1).click()
    assert menu.get_attribute("open") is None
    assert not page.get_by_role("link", name="Change password").is_visible()


def test_a_click_inside_leaves_the_name_menu_open(page, menu):
    page.locator(".user-menu ul").click(position={"x": 2, "y": 2})
    assert menu.get_attribute("open") is not None
