import csv
import gzip
import io
import re

import pytest
from playwright.sync_api import expect

from accounts.roles import MarketRole, UserRole
from tests.factories import (
    TEST_PASSWORD,
    MeterFactory,
    MeteringPointFactory,
    OrganisationFactory,
    UserFactory,
    totp_code,
    totp_enable,
)

pytestmark = pytest.mark.browser


def log_in(page, live_server, email, secret=None):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if secret:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.get_by_label("Code").fill(totp_code(secret))
        page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(live_server.url + "/")


def test_an_organisation_admin_requests_the_portfolio_and_downloads_it(
    live_server, page, media_root
):
    nlen = OrganisationFactory(mpid="NLEN", name="Northern Lights Energy")
    UserFactory(organisation=nlen, email="admin@nlen.example", role=UserRole.ORGANISATION_ADMIN)
    mine = MeteringPointFactory(supplier_mpid="NLEN")
    MeterFactory(metering_point=mine, serial="S95A 12345")
    MeteringPointFactory(supplier_mpid="OTHR")

    log_in(page, live_server, "admin@nlen.example")
    page.get_by_role("link", name="Extracts").click()
    page.wait_for_url(live_server.url + "/extracts/")
    page.get_by_role("button", name="Request our portfolio now").click()
    page.wait_for_url(live_server.url + "/extracts/")
    assert "Your portfolio is being made" in page.get_by_role("status").inner_text()

    row = page.get_by_role("row").filter(has_text="Portfolio")
    assert "Generated" in row.inner_text()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value

    assert download.suggested_filename.endswith(".csv.gz")
    with open(download.path(), "rb") as handle:
        rows = list(csv.reader(io.StringIO(gzip.decompress(handle.read()).decode("utf-8"))))
    assert [line[0] for line in rows[1:]] == [mine.mpan_core]
    assert rows[1][7] == "S95A 12345"

    page.get_by_role("button", name="Request our portfolio now").click()
    page.wait_for_url(live_server.url + "/extracts/")
    assert "already requested 1 portfolio file today" in page.get_by_role("status").inner_text()


def test_a_service_admin_starts_a_run_and_sees_a_party_collect_its_file(
    live_server, browser, page, media_root, operator_organisation
):
    desk = UserFactory(
        organisation=operator_organisation,
        email="desk@ecoe.example",
        role=UserRole.SERVICE_ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    secret = totp_enable(desk)
    for mpid in ("MTRW", "MOPB"):
        mop = OrganisationFactory(
            mpid=mpid, name=f"{mpid} Metering", role_codes=MarketRole.METER_OPERATOR
        )
        UserFactory(
            organisation=mop,
            email=f"admin@{mpid.lower()}.example",
            role=UserRole.ORGANISATION_ADMIN,
        )
        MeterFactory(metering_point=MeteringPointFactory(mop_mpid=mpid))

    log_in(page, live_server, desk.email, secret)
    page.goto(live_server.url + "/admin/extracts/migrationrun/add/")
    page.get_by_label("Kind").select_option(label="Meter technical details (D0312)")
    page.get_by_label("For every active organisation with the role").select_option("M")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/extracts/migrationrun/\d+/change/"))
    assert page.locator("#run-totals").inner_text() == "2 of 2 generated · 0 of 2 collected"
    run_url = page.url

    party = browser.new_context(locale="en-GB").new_page()
    log_in(party, live_server, "admin@mtrw.example")
    party.goto(live_server.url + "/extracts/")
    with party.expect_download() as download_info:
        party.get_by_role("row").filter(has_text="Meter technical details").get_by_role(
            "link", name="Download"
        ).click()
    assert download_info.value.suggested_filename.endswith(".txt")
    party.context.close()

    page.goto(run_url)
    assert page.locator("#run-totals").inner_text() == "2 of 2 generated · 1 of 2 collected"
    mtrw = page.get_by_role("row").filter(has_text="MTRW")
    assert "(web, by admin@mtrw.example)" in mtrw.inner_text()
    assert "not collected" in page.get_by_role("row").filter(has_text="MOPB").inner_text()

    page.get_by_role("button", name="Post the broadcast: all migration files placed").click()
    # The answer is a new page: wait for it rather than read the page being left.
    expect(page.locator("body")).to_contain_text("The broadcast update has been posted.")
    page.goto(live_server.url + "/service-status/")
    assert "All migration files have been generated" in page.locator("main").inner_text()
