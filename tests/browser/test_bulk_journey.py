import csv
import io

import pytest
from playwright.sync_api import expect

from bulk import services
from bulk.models import BulkSearch
from tests.factories import TEST_PASSWORD, MeteringPointFactory, UserFactory, mpan_core_for

pytestmark = pytest.mark.browser


def test_a_user_uploads_a_list_watches_the_bar_reach_100_and_downloads_the_result(
    live_server, page, media_root, organisation, monkeypatch, tmp_path
):
    UserFactory(organisation=organisation, email="uma@orga.example")
    points = MeteringPointFactory.create_batch(3)
    upload = tmp_path / "sites.csv"
    lines = ["MPAN core", *(point.mpan_core for point in points), mpan_core_for(31337), "oops"]
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    # The job stays queued until this test runs it, as a worker would, while the page
    # is open: so the bar is seen moving from 0 to 100 %.
    monkeypatch.setattr(services, "bulk_search_queue", lambda **kwargs: None)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("uma@orga.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    page.get_by_role("link", name="Bulk search").click()
    page.wait_for_url(live_server.url + "/bulk/")
    page.get_by_label("MPAN cores").check()
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Start the bulk search").click()

    job = BulkSearch.objects.get()
    page.wait_for_url(f"{live_server.url}/bulk/{job.pk}/")
    bar = page.locator("progress#bulk-progress")
    assert bar.get_attribute("value") == "0"
    expect(page.locator("#bulk-status")).to_have_text("Queued")
    assert "oops" in page.get_by_role("table").inner_text()
    page.evaluate("window.notReloaded = true")

    services.bulk_search_run(bulk_search_id=job.pk)

    expect(page.locator("#bulk-status")).to_have_text("Done", timeout=10_000)
    expect(page.locator("#bulk-percent")).to_have_text("100 %")
    assert bar.evaluate("bar => bar.value === bar.max && bar.max === 4")
    assert page.evaluate("window.notReloaded") is True  # updated by polling, not reloading
    expect(page.get_by_role("button", name="Cancel this search")).to_be_hidden()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the result").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"bulk-search-{job.pk}-5-mpan-cores-")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [row[2] for row in rows[1:]] == ["matched", "matched", "matched", "not found", "invalid"]
    assert rows[1][4] == points[0].mpan_core
