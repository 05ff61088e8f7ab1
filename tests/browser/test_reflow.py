"""Reflow (WCAG 2.2, 1.4.10): every main page at 320 CSS pixels wide, the width of a
1280-pixel window at 400 % zoom, without scrolling sideways."""

import re

import pytest

from accounts.roles import MarketRole, UserRole
from bulk.services import bulk_search_submit
from search.models import SearchChannel
from tests.factories import (
    TEST_PASSWORD,
    MeterFactory,
    MeteringPointFactory,
    ReportFactory,
    UserFactory,
    mpan_core_for,
)

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}

# The page is wider than the window: something forces a sideways scroll.
SCROLLS_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => !el.closest(".table-scroll"))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  return `${document.documentElement.scrollWidth}px wide: ${wide.join(", ")}`;
}"""


def scrolls_sideways(page, url: str) -> str | None:
    page.goto(url)
    page.wait_for_load_state()
    return page.evaluate(SCROLLS_SIDEWAYS)


@pytest.fixture
def narrow_page(page):
    page.set_viewport_size(NARROW)
    return page


def test_no_page_scrolls_sideways_at_320_pixels(live_server, narrow_page, organisation):
    page = narrow_page
    organisation.role_codes = MarketRole.SUPPLIER + MarketRole.METER_OPERATOR
    organisation.name = "Northern Lights Energy Supply Company Limited"
    organisation.save()
    admin = UserFactory(
        organisation=organisation,
        email="a.very.long.address.for.an.admin@northern-lights-energy.example",
        full_name="Alexandra Administrator-Longname",
        role=UserRole.ORGANISATION_ADMIN,
    )
    point = MeteringPointFactory(
        address_line_1="Flat 12, Rosemary Court, 144-146 High St",
        postcode="SW1A 1AA",
        supplier_mpid="OCTO",
        mop_mpid="MTRW",
    )
    MeterFactory(metering_point=point, serial="S95A 12345")
    MeteringPointFactory(postcode="SW1A 1AA")
    job = bulk_search_submit(
        organisation=organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=f"{mpan_core_for(1)}\nnot-an-mpan",
        user=admin,
    )
    ReportFactory(organisation=organisation)

    base = live_server.url
    page.goto(base + "/accounts/login/")
    assert page.evaluate(SCROLLS_SIDEWAYS) is None, "login"
    page.get_by_label("E-mail address").fill(admin.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")

    paths = [
        "/",
        "/search/?q=SW1A+1AA",
        "/search/?q=E13",
        f"/metering-points/{point.mpan_core}/?q=SW1A+1AA",
        "/bulk/",
        f"/bulk/{job.pk}/",
        "/reports/",
        "/flows/",
        "/flows/upload/",
        "/search/usage/",
        "/organisation/",
        "/organisation/users/",
        f"/organisation/users/{admin.pk}/",
        "/organisation/users/invite/",
        "/organisation/audit/",
        "/organisation/api-keys/",
        "/service-status/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/no-such-page/",
    ]
    wide = {}
    for path in paths:
        problem = scrolls_sideways(page, base + path)
        if problem:
            wide[path] = problem
    assert wide == {}


def test_a_wide_table_scrolls_inside_its_own_box(live_server, narrow_page, organisation):
    page = narrow_page
    MeteringPointFactory(postcode="SW1A 1AA")
    UserFactory(organisation=organisation, email="sam@orga.example")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("sam@orga.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(live_server.url + "/search/?q=SW1A+1AA")
    box = page.get_by_role("region", name="Metering points found")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.get_by_role("button", name="Search", exact=True).is_visible()
