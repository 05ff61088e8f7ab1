import re
from datetime import timedelta

import pytest
from django.utils import timezone

from service_status import services
from service_status.timefmt import uk_stamp, uk_time
from tests.factories import TEST_PASSWORD, ServiceWindowFactory, UserFactory

pytestmark = pytest.mark.browser


def log_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")


def test_a_user_sees_the_banner_and_the_restricted_page(live_server, page, organisation):
    # Real time: the browser would drop a session cookie that expired in 2019.
    now = timezone.now().replace(second=0, microsecond=0)
    window = ServiceWindowFactory(
        mode="restricted",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        reason="DTC 12.5 release",
        message="Primary search and user management stay available.",
    )
    broadcast = services.broadcast_create(
        title="DTC 12.5 release weekend",
        body="The service is restricted this weekend.",
        actor_label="ops",
    )
    update = services.broadcast_update_post(
        broadcast=broadcast, text="all user access restored", actor_label="ops"
    )
    UserFactory(organisation=organisation, email="uma@orga.example", full_name="Uma User")

    log_in(page, live_server, "uma@orga.example")  # logging in works while restricted

    banners = page.locator("#banners")
    assert f"The service is restricted until {uk_time(window.ends_at)}" in banners.inner_text()
    broadcast_banner = page.get_by_role("region", name="Service broadcast")
    assert broadcast_banner.get_by_text("DTC 12.5 release weekend").is_visible()
    assert broadcast_banner.get_by_role("heading").count() == 0  # headings start at the h1
    assert (
        f"Update ({uk_stamp(update.posted_at)}): all user access restored"
        in broadcast_banner.inner_text()
    )

    response = page.goto(live_server.url + "/reports/")
    assert response.status == 503
    assert response.headers["retry-after"]
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Reports is not available"
    main = page.locator("main").inner_text()
    assert "DTC 12.5 release" in main
    assert "Primary search and user management stay available." in main
    assert f"Expected back at {uk_time(window.ends_at)}" in main
    assert page.locator("#banners").get_by_text("The service is restricted until").is_visible()

    page.get_by_role("link", name="See the service status and updates").click()
    page.wait_for_url(re.compile(r"/service-status/$"))
    assert page.get_by_role("heading", name="Now: Restricted").is_visible()
    assert "all user access restored" in page.locator("main").inner_text()


def test_the_offline_page_is_plain_and_still_links_to_the_status(live_server, page):
    now = timezone.now()
    ServiceWindowFactory(
        mode="offline",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        reason="deploying updates",
    )
    response = page.goto(live_server.url + "/")
    assert response.status == 503
    assert page.get_by_role("heading", level=1).inner_text() == "The service is offline"
    page.get_by_role("link", name="Service status and updates").click()
    assert page.get_by_role("heading", name="Now: Offline").is_visible()
