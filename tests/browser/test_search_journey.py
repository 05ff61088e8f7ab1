import csv
import io
from datetime import date

import pytest

from tests.factories import TEST_PASSWORD, MeterFactory, MeteringPointFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def logged_in(live_server, page, organisation):
    UserFactory(organisation=organisation, email="sam@orga.example", full_name="Sam Supplier")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("sam@orga.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    return page


def search(page, text: str) -> None:
    page.get_by_role("searchbox").fill(text)
    page.get_by_role("button", name="Search").click()


@pytest.fixture
def street():
    ten = MeteringPointFactory(
        address_line_1="10 Downing Street",
        profile_class="01",
        supplier_mpid="OCTO",
        supplier_date=date(2019, 6, 28),
    )
    MeterFactory(metering_point=ten, serial="S95A 12345", installation_date=date(2015, 3, 2))
    eleven = MeteringPointFactory(address_line_1="11 Downing Street")
    MeteringPointFactory(address_line_1="110 Downing Street")
    return ten, eleven


def test_a_user_searches_by_mpan_and_lands_on_the_detail(live_server, logged_in, street):
    page, (ten, _) = logged_in, street
    core = ten.mpan_core
    search(page, f"S {core[:2]} {core[2:6]} {core[6:10]} {core[10:]}")
    page.wait_for_url(f"{live_server.url}/metering-points/{core}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"MPAN core {core}"
    settlement = page.get_by_role("region", name="Settlement").inner_text()
    assert "Domestic unrestricted" in settlement
    registration = page.get_by_role("region", name="Registration").inner_text()
    assert "OCTO" in registration and "from 28/06/2019" in registration
    assert "02/03/2015" in page.get_by_role("region", name="Meters").inner_text()


def test_a_user_searches_by_postcode_and_building_then_opens_the_detail(
    live_server, logged_in, street
):
    page, (ten, _) = logged_in, street
    search(page, "10 sw1a1aa")
    page.wait_for_url("**/search/?q=10+sw1a1aa")
    assert "1 metering point for 10, SW1A 1AA" in page.get_by_role("heading", level=2).inner_text()
    rows = page.locator("table.results tbody tr")
    assert rows.count() == 1
    assert "10 Downing Street" in rows.inner_text()
    rows.get_by_role("link", name=ten.mpan_core).click()
    page.wait_for_url(f"{live_server.url}/metering-points/{ten.mpan_core}/?q=10+sw1a1aa")
    assert "S95A 12345" in page.get_by_role("region", name="Meters").inner_text()
    page.get_by_role("link", name="Back to the results for “10 sw1a1aa”").click()
    page.wait_for_url("**/search/?q=10+sw1a1aa")


def test_a_user_finds_a_meter_by_a_serial_typed_with_other_spacing(logged_in, street):
    page, (ten, _) = logged_in, street
    search(page, "s95a-1234 5")
    row = page.locator("table.results tbody tr")
    assert row.count() == 1
    assert ten.mpan_core in row.inner_text() and "S95A 12345" in row.inner_text()


def test_a_user_exports_the_results_as_csv(logged_in, street):
    page = logged_in
    search(page, "SW1A 1AA")
    assert page.locator("table.results tbody tr").count() == 3
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export all results as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "metering-points-SW1A1AA.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][:3] == ["MPAN core", "Address", "Postcode"]
    assert len(rows) == 4
    assert {point.mpan_core for point in street} < {row[0] for row in rows[1:]}


def test_a_user_sees_the_cap_message_when_the_daily_limit_is_reached(logged_in, settings, street):
    settings.SEARCH_DAILY_CAP = 2
    page = logged_in
    search(page, "SW1A 1AA")
    search(page, "S95A12345")
    search(page, "SW1A 1AA")
    alert = page.get_by_role("alert")
    assert "You have reached your daily limit of 2 lookups" in alert.inner_text()
    assert page.locator("table.results").count() == 0
