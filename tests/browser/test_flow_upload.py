import csv

import pytest

from accounts.roles import MarketRole
from registry.models import FlowFile, FlowFileStatus
from tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from tests.registry.conftest import meter_information_bytes, points, refresh_bytes, send

pytestmark = pytest.mark.browser


def test_a_mop_user_uploads_a_d0312_sees_it_applied_and_downloads_its_report(
    live_server, page, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    distributor = OrganisationFactory(mpid="LOND", role_codes=MarketRole.DISTRIBUTOR)
    mop = OrganisationFactory(mpid="MTRW", role_codes=MarketRole.METER_OPERATOR)
    mop_user = UserFactory(organisation=mop, email="mo@mtrw.example")
    send(refresh_bytes(points(3)), sender=distributor)
    flow = tmp_path / "d0312.txt"
    flow.write_bytes(meter_information_bytes([points(3)[0].items["mpan_core"]]))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(mop_user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/flows/upload/")
    page.get_by_label("Flow file").set_input_files(str(flow))
    page.get_by_role("button", name="Send").click()

    flow_file = FlowFile.objects.get(original_name="d0312.txt")
    page.wait_for_url(f"{live_server.url}/flows/{flow_file.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "d0312.txt"
    assert page.locator("[data-status]").get_attribute("data-status") == FlowFileStatus.APPLIED
    assert page.get_by_text("Records accepted").is_visible()

    # Its processing report is in the MOP's report archive.
    page.get_by_role("link", name="Reports").click()
    row = page.get_by_role("row").filter(has_text="D0312 processing report for d0312.txt")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    with open(download_info.value.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    core = points(3)[0].items["mpan_core"]
    assert rows[0] == ["MPAN core", "Meter serial", "Outcome", "Reason"]
    assert {(row[0], row[2]) for row in rows[1:]} == {(core, "accepted")}
