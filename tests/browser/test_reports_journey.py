import csv
import io

import pytest
from django.utils import timezone

from accounts.roles import MarketRole
from registry.d0312_report import report_create_d0312_processing
from tests.factories import TEST_PASSWORD, OrganisationFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_mop_user_finds_a_d0312_report_and_downloads_it(live_server, page, media_root):
    mop = OrganisationFactory(mpid="MTRW", name="Meterwise", role_codes=MarketRole.METER_OPERATOR)
    UserFactory(organisation=mop, email="mo@mtrw.example", full_name="Mo Operator")
    ReportFactory(organisation=OrganisationFactory(mpid="ORGB"), title="Someone else's report")
    report = report_create_d0312_processing(
        organisation=mop,
        flow_file_name="MTRW0000042.D0312",
        outcomes=[
            ("1800021679848", "S95A 12345", "accepted", ""),
            ("1000000000040", "K01", "rejected", "Not the appointed MOP"),
        ],
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("mo@mtrw.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(live_server.url + "/reports/")
    page.get_by_label("Kind").select_option(label="D0312 processing report")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/reports/?kind=d0312_processing*")

    row = page.get_by_role("row").filter(has_text="D0312 processing report for MTRW0000042.D0312")
    assert row.count() == 1
    until = timezone.localtime(report.available_until).strftime("%d/%m/%Y")
    assert f"available until {until}" in row.inner_text()
    assert page.get_by_text("Someone else's report").count() == 0

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value

    assert download.suggested_filename.startswith("d0312-processing-report-for-mtrw0000042d0312-")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == ["MPAN core", "Meter serial", "Outcome", "Reason"]
    assert rows[2] == ["1000000000040", "K01", "rejected", "Not the appointed MOP"]
