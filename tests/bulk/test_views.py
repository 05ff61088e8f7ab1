import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk.models import BulkSearch, BulkSearchStatus
from bulk.services import bulk_search_run, bulk_search_submit
from reports.models import ReportDownload
from search.models import SearchChannel
from tests.factories import MeteringPointFactory, UserFactory, mpan_core_for

pytestmark = pytest.mark.django_db


def a_job(user, text=None) -> BulkSearch:
    return bulk_search_submit(
        organisation=user.organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=text or mpan_core_for(1),
        user=user,
    )


@pytest.fixture
def outsider_client(client, other_organisation):
    client.force_login(UserFactory(organisation=other_organisation))
    return client


def test_the_screen_needs_a_login(client):
    response = client.get("/bulk/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_uploaded_csv_starts_a_job_and_shows_its_bad_rows_by_line(
    member_client, django_capture_on_commit_callbacks
):
    point = MeteringPointFactory()
    upload = SimpleUploadedFile(
        "sites.csv", f"\ufeffMPAN core\r\n{point.mpan_core}\r\nABC\r\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/bulk/", {"kind": "mpan", "file": upload})
    job = BulkSearch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bulk/{job.pk}/"
    assert job.source_name == "sites.csv"
    assert job.status == BulkSearchStatus.DONE  # eager Celery in tests

    page = member_client.get(response["Location"]).content.decode()
    assert "Rows that cannot be searched (1)" in page
    assert "<td>3</td><td>ABC</td>" in page
    assert '<progress id="bulk-progress" max="1" value="1"' in page
    assert f'href="/reports/{job.result_id}/download/"' in page


def test_a_pasted_list_is_accepted(member_client):
    response = member_client.post("/bulk/", {"kind": "serial", "text": "S95A 12345\nK01\n"})
    assert response.status_code == 302
    assert BulkSearch.objects.get().total_rows == 2


def test_a_file_that_cannot_be_read_is_refused_on_the_screen(member_client):
    upload = SimpleUploadedFile("latin1.csv", b"SW1A 1AA\nCaf\xe9\n")
    response = member_client.post("/bulk/", {"kind": "postcode", "file": upload})
    assert response.status_code == 400
    assert "is not UTF-8 text (line 2" in response.content.decode()
    assert BulkSearch.objects.count() == 0


def test_giving_both_a_file_and_a_list_is_refused(member_client):
    upload = SimpleUploadedFile("a.csv", mpan_core_for(1).encode())
    response = member_client.post("/bulk/", {"kind": "mpan", "file": upload, "text": "x"})
    assert response.status_code == 400
    assert "Upload a CSV file or paste a list, not both." in response.content.decode()


def test_sending_nothing_says_what_to_give_in_a_summary_linked_to_the_form(member_client):
    response = member_client.post("/bulk/", {"kind": "mpan"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: Bulk search" in html and "There is a problem" in html
    assert "Choose a CSV file to upload, or paste a list with one value per line." in html


def test_every_described_by_id_exists_on_the_page(member_client):
    import re

    html = member_client.post("/bulk/", {"kind": "nonsense", "text": "x"}).content.decode()
    assert 'aria-invalid="true"' not in html or "id_kind_error" in html
    ids = set(re.findall(r' id="([^"]+)"', html))
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        assert set(described.split()) <= ids, described
    assert "Choose what the list holds: MPAN cores, postcodes or meter serials." in html


def test_the_wrong_kind_names_the_right_one_and_keeps_the_file(member_client, media_root):
    points = [MeteringPointFactory(postcode="SW1A 1AA") for _ in range(2)]
    upload = SimpleUploadedFile("homes.csv", b"postcode\nSW1A 1AA\n")
    response = member_client.post("/bulk/", {"kind": "mpan", "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The header says “postcode”: choose Postcodes, not MPAN cores." in html
    assert 'value="postcode" id="id_kind_1" required checked' in html
    assert "Your file <strong>homes.csv</strong> is kept" in html
    assert BulkSearch.objects.count() == 0

    response = member_client.post("/bulk/", {"kind": "postcode", "use_held": "on"})
    job = BulkSearch.objects.get()
    assert response.url == f"/bulk/{job.pk}/"
    assert (job.kind, job.source_name, job.total_rows) == ("postcode", "homes.csv", 1)
    assert not list((media_root / "bulk" / "held").iterdir())
    assert points


def test_another_users_held_file_is_not_used(client, member, organisation, media_root):
    client.force_login(member)
    client.post(
        "/bulk/",
        {"kind": "mpan", "file": SimpleUploadedFile("mine.csv", b"postcode\nSW1A 1AA\n")},
    )
    client.force_login(UserFactory(organisation=organisation))
    response = client.post("/bulk/", {"kind": "postcode", "use_held": "on"})
    assert response.status_code == 400
    assert BulkSearch.objects.count() == 0


def test_the_page_shows_the_bulk_quota_used_today(member_client, member, settings):
    settings.BULK_SEARCH_DAILY_POINTS = 20_000
    for number in (1, 2):
        MeteringPointFactory(mpan_core=mpan_core_for(number))
    job = a_job(member, text=f"{mpan_core_for(1)}\n{mpan_core_for(2)}\n{mpan_core_for(3)}")
    bulk_search_run(bulk_search_id=job.pk)
    html = member_client.get("/bulk/").content.decode()
    assert "<strong>2 of 20,000 metering points</strong> of the bulk quota used today" in html


def test_a_list_over_the_quota_is_refused_with_429(member_client, settings):
    settings.BULK_SEARCH_DAILY_POINTS = 0
    text = f"{mpan_core_for(1)}\n{mpan_core_for(2)}"
    response = member_client.post("/bulk/", {"kind": "mpan", "text": text})
    assert response.status_code == 429
    assert "daily bulk search quota of 0 metering points" in response.content.decode()


def test_the_status_json_reports_progress(member_client, member):
    job = a_job(member)
    body = member_client.get(f"/bulk/{job.pk}/status.json").json()
    assert body["status"] == "queued"
    assert (body["total_rows"], body["processed"], body["percent"]) == (1, 0, 0)
    assert body["result_download_url"] is None

    bulk_search_run(bulk_search_id=job.pk)
    body = member_client.get(f"/bulk/{job.pk}/status.json").json()
    assert (body["status"], body["percent"]) == ("done", 100)
    job.refresh_from_db()
    assert body["result_download_url"] == f"/reports/{job.result_id}/download/"


def test_the_result_downloads_through_the_report_archive_and_is_audited(member_client, member):
    job = bulk_search_run(bulk_search_id=a_job(member).pk)
    response = member_client.get(f"/reports/{job.result_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"Line,Input,Status,Reason,MPAN core")
    assert ReportDownload.objects.get().user == member


def test_the_progress_page_works_without_javascript(member_client, member):
    job = a_job(member)
    page = member_client.get(f"/bulk/{job.pk}/").content.decode()
    assert '<progress id="bulk-progress" max="1" value="0"' in page
    assert "0 %" in page
    assert f'<a href="/bulk/{job.pk}/">Refresh</a>' in page
    assert "<script src=" in page and "<script>" not in page
    assert 'id="bulk-download" hidden' in page


def test_a_colleague_cancels_a_queued_job(client, member, organisation):
    job = a_job(member)
    client.force_login(UserFactory(organisation=organisation))
    response = client.post(f"/bulk/{job.pk}/cancel/", follow=True)
    assert "The bulk search was cancelled." in response.content.decode()
    job.refresh_from_db()
    assert job.status == BulkSearchStatus.CANCELLED


def test_cancelling_a_finished_job_says_so(member_client, member):
    job = bulk_search_run(bulk_search_id=a_job(member).pk)
    response = member_client.post(f"/bulk/{job.pk}/cancel/", follow=True)
    assert "This bulk search has already ended (done)." in response.content.decode()


def test_a_failed_job_shows_its_reason(member_client, member):
    job = a_job(member)
    BulkSearch.objects.filter(pk=job.pk).update(
        status=BulkSearchStatus.FAILED, failure_reason="The list of this search is gone."
    )
    page = member_client.get(f"/bulk/{job.pk}/").content.decode()
    assert "The search failed:" in page
    assert "The list of this search is gone." in page


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/bulk/{}/"), ("get", "/bulk/{}/status.json"), ("post", "/bulk/{}/cancel/")],
)
def test_another_organisations_job_is_404_on_every_url(outsider_client, member, method, path):
    job = a_job(member)
    response = getattr(outsider_client, method)(path.format(job.pk))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == BulkSearchStatus.QUEUED


def test_the_list_shows_only_the_organisations_jobs(member_client, member, other_organisation):
    mine = a_job(member)
    theirs = a_job(UserFactory(organisation=other_organisation))
    page = member_client.get("/bulk/").content.decode()
    assert f"Bulk search {mine.pk}<" in page
    assert f"Bulk search {theirs.pk}<" not in page


def test_the_progress_counts_one_row_in_the_singular_and_many_with_a_separator(
    member_client, member
):
    one = a_job(member)
    page = member_client.get(f"/bulk/{one.pk}/").content.decode()
    assert " of 1 row searched" in page
    many = a_job(member, text="\n".join(mpan_core_for(n) for n in range(1, 1201)))
    BulkSearch.objects.filter(pk=many.pk).update(processed=1200, matched=1001)
    page = member_client.get(f"/bulk/{many.pk}/").content.decode()
    assert '<span id="bulk-processed">1,200</span> of 1,200 rows searched' in page
    assert '<span id="bulk-matched">1,001</span> found' in page
