import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_key_create
from bulk.models import BulkSearch, BulkSearchStatus
from bulk.services import bulk_search_run
from tests.factories import MeteringPointFactory, UserFactory, mpan_core_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_login(member)
    return client


@pytest.fixture
def key_client(org_admin):
    _, text = api_key_create(
        organisation=org_admin.organisation, name="Billing", created_by=org_admin
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    return client


@pytest.fixture
def outsider_key_client(other_organisation):
    admin = UserFactory(organisation=other_organisation)
    _, text = api_key_create(organisation=other_organisation, name="Theirs", created_by=admin)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    return client


def test_a_json_list_is_accepted_with_202_and_a_status_url(api):
    response = api.post(
        "/api/v1/bulk-searches/",
        {"kind": "mpan", "values": [mpan_core_for(1), "nope"]},
        format="json",
    )
    assert response.status_code == 202
    body = response.json()
    job = BulkSearch.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/bulk-searches/{job.pk}/"
    assert body["status_url"] == response["Location"]
    assert (body["status"], body["total_rows"], body["bad_row_count"]) == ("queued", 1, 1)
    assert body["bad_rows"][0]["line"] == 2
    assert job.channel == "api"


def test_a_csv_file_is_accepted_as_multipart(api):
    upload = SimpleUploadedFile("list.csv", b"postcode\nSW1A 1AA\nE1 6AN\n")
    response = api.post("/api/v1/bulk-searches/", {"kind": "postcode", "file": upload})
    assert response.status_code == 202
    assert response.json()["total_rows"] == 2


def test_the_status_gives_progress_and_then_the_report_apis_download_url(api, member):
    point = MeteringPointFactory()
    created = api.post(
        "/api/v1/bulk-searches/", {"kind": "mpan", "values": [point.mpan_core]}, format="json"
    ).json()
    bulk_search_run(bulk_search_id=created["id"])
    body = api.get(created["status_url"]).json()
    assert (body["status"], body["processed"], body["matched"], body["percent"]) == (
        "done",
        1,
        1,
        100,
    )
    report_id = BulkSearch.objects.get().result_id
    assert body["result_download_url"] == (
        f"http://testserver/api/v1/reports/{report_id}/download/"
    )
    download = api.get(body["result_download_url"])
    assert download.status_code == 200
    assert point.mpan_core.encode() in b"".join(download.streaming_content)


def test_an_api_key_starts_and_follows_a_job_for_its_organisation(key_client, organisation):
    response = key_client.post(
        "/api/v1/bulk-searches/", {"kind": "mpan", "values": [mpan_core_for(1)]}, format="json"
    )
    assert response.status_code == 202
    job = BulkSearch.objects.get()
    assert (job.organisation, job.user, job.api_key.name) == (organisation, None, "Billing")
    assert key_client.get(response["Location"]).json()["status"] == "queued"


def test_a_list_that_cannot_be_read_is_400_in_the_error_shape(api):
    upload = SimpleUploadedFile("bad.csv", b"a,b\n1,2\n")
    response = api.post("/api/v1/bulk-searches/", {"kind": "mpan", "file": upload})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"
    assert response.json()["error"]["message"].startswith("Line 1 has 2 columns.")


def test_a_missing_kind_is_400_naming_the_field(api):
    response = api.post("/api/v1/bulk-searches/", {"values": ["x"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "kind"


def test_the_quota_is_429_in_the_error_shape(api, settings):
    settings.SEARCH_DAILY_CAP = 0
    response = api.post(
        "/api/v1/bulk-searches/",
        {"kind": "mpan", "values": [mpan_core_for(1), mpan_core_for(2)]},
        format="json",
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "bulk_quota_reached"
    assert BulkSearch.objects.count() == 0


def test_a_job_is_cancelled_through_the_api_once(api):
    created = api.post(
        "/api/v1/bulk-searches/", {"kind": "mpan", "values": [mpan_core_for(1)]}, format="json"
    ).json()
    url = f"/api/v1/bulk-searches/{created['id']}/cancel/"
    assert api.post(url).json()["status"] == "cancelled"
    again = api.post(url)
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "This bulk search has already ended (cancelled)."


def test_another_organisations_job_is_404_for_sessions_and_keys(
    api, outsider_key_client, other_organisation
):
    created = api.post(
        "/api/v1/bulk-searches/", {"kind": "mpan", "values": [mpan_core_for(1)]}, format="json"
    ).json()
    outsider = APIClient()
    outsider.force_login(UserFactory(organisation=other_organisation))
    for client in (outsider, outsider_key_client):
        assert client.get(f"/api/v1/bulk-searches/{created['id']}/").status_code == 404
        cancel = client.post(f"/api/v1/bulk-searches/{created['id']}/cancel/")
        assert cancel.status_code == 404
        assert cancel.json()["error"]["code"] == "not_found"
    assert BulkSearch.objects.get().status == BulkSearchStatus.QUEUED


def test_an_anonymous_caller_is_refused(client):
    response = APIClient().get("/api/v1/bulk-searches/1/")
    assert response.status_code in (401, 403)


def test_the_bulk_api_generates_its_schema_without_warnings():
    from django.conf import settings
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    ours = str(settings.BASE_DIR / "bulk") + "/"
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    about_bulk = [key for key in GENERATOR_STATS._warn_cache if ours in key]
    about_bulk += [key for key in GENERATOR_STATS._error_cache if ours in key]
    GENERATOR_STATS.reset()
    assert about_bulk == []
    assert "/api/v1/bulk-searches/" in schema["paths"]
    assert "/api/v1/bulk-searches/{id}/" in schema["paths"]
