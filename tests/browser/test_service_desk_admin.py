"""The service desk's administration pages in Chromium, each checked by axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    TEST_PASSWORD,
    BroadcastFactory,
    MeteringPointFactory,
    ServiceWindowFactory,
    totp_code,
    totp_enable,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(live_server, page, service_admin_without_mfa):
    secret = totp_enable(service_admin_without_mfa)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(service_admin_without_mfa.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(live_server.url + "/")
    return page


def test_the_service_desk_visits_every_administration_list_and_form(
    live_server, desk, organisation, member
):
    page = desk
    ServiceWindowFactory(starts_at=timezone.now() + timedelta(days=7))
    BroadcastFactory()
    MeteringPointFactory()
    page.goto(live_server.url + "/admin/")
    assert page.get_by_role("heading", level=1).inner_text() == "Site administration"
    links = page.locator("#content-main a")
    targets = sorted(set(links.evaluate_all("els => els.map(a => a.href)")))
    assert any(target.endswith("/admin/service_status/servicewindow/add/") for target in targets)
    for target in targets:
        page.goto(target)
        assert page.locator("#content h1").is_visible(), target
        # The first object of each list too: its change form is what the desk edits.
        first = page.locator("#result_list tbody tr th a").first
        if target.endswith("/") and not target.endswith("/add/") and first.count():
            first.click()
            page.wait_for_load_state()
            assert page.locator("#content h1").is_visible(), page.url


def test_the_service_desk_opens_a_user_of_an_organisation(live_server, desk, member):
    page = desk
    page.goto(live_server.url + "/admin/accounts/user/")
    page.get_by_role("link", name=member.email).click()
    assert page.get_by_label("Full name").input_value() == member.full_name


def test_the_service_desk_ends_a_window_on_its_confirmation_page(live_server, desk):
    from service_status.models import ServiceStatusChange

    page = desk
    now = timezone.now()
    window = ServiceWindowFactory(
        mode="restricted", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    page.goto(live_server.url + f"/admin/service_status/servicewindow/{window.pk}/change/")
    page.get_by_role("link", name="End this window now").click()
    page.wait_for_url(re.compile(rf"/servicewindow/{window.pk}/end/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "End this window now"
    assert "The service returns to normal" in page.locator("#content-main").inner_text()
    # Without a reason: the error summary takes focus and links to the field.
    page.get_by_role("button", name="End the window").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error: ")
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    expect(summary).to_be_focused()  # not wait_for_function: its polling needs eval (CSP)
    summary.get_by_role("link").click()
    expect(page.locator("#id_reason")).to_be_focused()
    window.refresh_from_db()
    assert window.ends_at > timezone.now()
    page.get_by_label("Why are you ending the window?").fill("deployment finished early")
    page.get_by_role("button", name="End the window").click()
    # The summary's link left "#id_reason" in the address; a redirect keeps it.
    page.wait_for_url(re.compile(r"/admin/service_status/servicewindow/(#id_reason)?$"))
    assert f"Window #{window.pk} has ended." in page.locator(".messagelist").inner_text()
    window.refresh_from_db()
    assert window.ends_at <= timezone.now()
    assert ServiceStatusChange.objects.get().reason == "deployment finished early"
