"""A user who has an address but no postcode and no MPAN finds the metering point."""

import re

import pytest

from registry.services import address_words_refresh
from tests.factories import TEST_PASSWORD, MeteringPointFactory, UserFactory

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


@pytest.fixture
def kirkgate(db):
    flats = [
        MeteringPointFactory(
            address_line_1=f"Flat {n}",
            address_line_2="5 Kirkgate",
            address_line_3="Otley",
            postcode="LS21 3HW",
        )
        for n in (1, 2, 3)
    ]
    MeteringPointFactory(address_line_1="5 Kirkgate", address_line_2="Leeds", postcode="LS1 6BH")
    address_words_refresh()  # as after the distributor's refresh
    return flats


def test_a_user_finds_a_flat_by_its_address_in_the_search_box(live_server, logged_in, kirkgate):
    page = logged_in
    page.get_by_role("searchbox").fill("Flat 2, 5 Kirkgate, Otley")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=*")
    assert "1 metering point for Flat 2, 5 Kirkgate, Otley" in page.content()
    page.get_by_role("link", name=kirkgate[1].mpan_core).click()
    # The detail link carries the search (for its "back to results" link).
    page.wait_for_url(re.compile(rf"/metering-points/{kirkgate[1].mpan_core}/(\?.*)?$"))
    address = page.get_by_role("region", name="Address").inner_text()
    assert "Flat 2, 5 Kirkgate, Otley" in address


def test_a_user_finds_a_point_with_the_address_form_and_a_misspelt_street(
    live_server, logged_in, kirkgate
):
    page = logged_in
    page.get_by_role("link", name="Search by address").click()
    page.wait_for_url(f"{live_server.url}/search/address/")
    # A town alone is not enough: the page says what to add, and the fields are kept.
    page.get_by_label("Town").fill("Otley")
    page.get_by_role("button", name="Search").click()
    assert "A town alone matches too many addresses" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Town").input_value() == "Otley"

    page.get_by_label("Flat or sub-building").fill("Flat 3")
    page.get_by_label("Building number or name").fill("5")
    page.get_by_label("Street").fill("Kirkgat")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/address/?*")
    results = page.get_by_role("table").inner_text()
    assert kirkgate[2].mpan_core in results
    assert kirkgate[0].mpan_core not in results
    page.get_by_role("link", name=kirkgate[2].mpan_core).click()
    # The detail link carries the search (for its "back to results" link).
    page.wait_for_url(re.compile(rf"/metering-points/{kirkgate[2].mpan_core}/(\?.*)?$"))
