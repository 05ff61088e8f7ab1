"""The idle-timeout warning and a pasted bulk list that outlives its session."""

import re

import pytest

from tests.factories import TEST_PASSWORD, mpan_core_for

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_warning_comes_before_the_idle_timeout_and_stay_logged_in_works(
    live_server, page, member, settings
):
    # 130 seconds idle: the warning (at most half the idle time ahead) comes after 65.
    settings.ACCOUNT_SESSION_IDLE_TIMEOUT = 130
    page.clock.install()
    log_in(page, live_server.url, member.email)
    page.wait_for_url(live_server.url + "/")
    dialog = page.get_by_role("dialog", name="You are about to be logged out")
    assert not dialog.is_visible()

    page.clock.fast_forward(66_000)
    dialog.wait_for(state="visible")
    assert "logged out in 1 minute if you do nothing" in dialog.inner_text()
    stay = dialog.get_by_role("button", name="Stay logged in")
    assert stay.evaluate("button => button === document.activeElement")
    with page.expect_response(re.compile(r"/accounts/session/keep-alive/$")) as answer:
        stay.click()
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")


def test_a_pasted_list_is_kept_when_the_session_ends(live_server, page, member, settings):
    log_in(page, live_server.url, member.email)
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/bulk/")
    pasted = f"{mpan_core_for(1)}\n{mpan_core_for(2)}"
    page.get_by_label("Or paste a list").fill(pasted)
    page.context.clear_cookies(name="sessionid")  # the session ends while the user types

    page.get_by_role("button", name="Start the bulk search").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/bulk/$"))
    assert page.get_by_label("Or paste a list").input_value() == pasted
    assert page.get_by_text("Your pasted list is back as you left it").is_visible()

    page.get_by_role("button", name="Start the bulk search").click()
    page.wait_for_url(re.compile(r"/bulk/\d+/$"))
    page.goto(live_server.url + "/bulk/")
    assert page.get_by_label("Or paste a list").input_value() == ""


def test_an_anonymous_page_has_no_warning(live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("#timeout-dialog").count() == 0
