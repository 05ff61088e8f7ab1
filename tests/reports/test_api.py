from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.kinds import ReportKind
from reports.models import ReportDownload
from tests.factories import ReportFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2019, 6, 27, 18, 0, tzinfo=LONDON)
LIST = "/api/v1/reports/"


def download(report) -> str:
    return f"/api/v1/reports/{report.pk}/download/"


@pytest.fixture
def api(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def outsider(other_organisation):
    return UserFactory(organisation=other_organisation, email="outsider@orgb.example")


def test_the_list_shows_only_the_organisations_reports_newest_first(
    api, organisation, other_organisation
):
    with time_machine.travel(CREATED, tick=False):
        older = ReportFactory(organisation=organisation)
    with time_machine.travel(CREATED + timedelta(minutes=1), tick=False):
        newer = ReportFactory(organisation=organisation, kind=ReportKind.D0312_PROCESSING)
    ReportFactory(organisation=other_organisation)

    data = api.get(LIST).json()

    assert data["count"] == 2
    assert [item["id"] for item in data["results"]] == [newer.pk, older.pk]
    first = data["results"][0]
    assert first["organisation"] == "ORGA"
    assert first["kind"] == "d0312_processing"
    assert first["available_until"] == "2019-09-27T18:01:00+01:00"
    assert first["sha256"] == newer.sha256
    assert first["download_url"] == f"http://testserver/api/v1/reports/{newer.pk}/download/"


def test_the_list_is_paged(api, organisation):
    for _ in range(3):
        ReportFactory(organisation=organisation)

    data = api.get(LIST, {"page_size": 2, "page": 2}).json()

    assert data["count"] == 3
    assert len(data["results"]) == 1
    assert data["previous"] is not None


def test_the_list_filters_by_kind(api, organisation):
    d0312 = ReportFactory(organisation=organisation, kind=ReportKind.D0312_PROCESSING)
    ReportFactory(organisation=organisation, kind=ReportKind.BULK_SEARCH)

    data = api.get(LIST, {"kind": "d0312_processing"}).json()

    assert [item["id"] for item in data["results"]] == [d0312.pk]


def test_a_bad_filter_gives_the_error_shape_naming_the_field(api):
    response = api.get(LIST, {"created_from": "27/13/2019"})

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "Enter a valid date.", "field": "created_from"}
    }


def test_the_api_needs_a_login(client, db):
    response = client.get(LIST)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_download_streams_the_file_and_is_audited(api, member, organisation):
    report = ReportFactory(organisation=organisation)

    response = api.get(download(report), HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    # Consuming the stream closes the file (the test client fires request_finished then).
    assert b"".join(response.streaming_content).startswith(b"MPAN core,Postcode\r\n")
    audit = ReportDownload.objects.get()
    assert (audit.user, audit.via_api) == (member, True)


def test_another_organisations_report_gives_404_in_the_error_shape(client, outsider, organisation):
    report = ReportFactory(organisation=organisation)
    client.force_login(outsider)

    response = client.get(download(report))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "field": None}
    }
    # The same answer as for a report that does not exist: nothing is revealed.
    assert client.get(f"/api/v1/reports/{report.pk + 1000}/download/").json() == response.json()
    assert client.get(LIST).json()["count"] == 0
    assert not ReportDownload.objects.exists()


def test_an_expired_report_gives_410_saying_when(api, organisation):
    with time_machine.travel(CREATED, tick=False):
        report = ReportFactory(organisation=organisation)

    with time_machine.travel(report.available_until - timedelta(seconds=1), tick=False):
        before = api.get(download(report))
        assert before.status_code == 200
        assert b"".join(before.streaming_content).startswith(b"MPAN core")
    with time_machine.travel(report.available_until + timedelta(seconds=1), tick=False):
        after = api.get(download(report))

    assert after.status_code == 410
    error = after.json()["error"]
    assert error["code"] == "report_expired"
    assert error["message"].startswith("This report expired at 18:00 on 27/09/2019")


# --- API keys: their own organisation's reports, downloads audited as the key's ------------


@pytest.fixture
def key_of_a(organisation, org_admin):
    from accounts.services import api_key_create

    return api_key_create(organisation=organisation, name="A's system", created_by=org_admin)


def test_an_api_key_lists_and_downloads_its_organisations_reports_audited_as_the_key(
    client, organisation, other_organisation, key_of_a
):
    api_key, text = key_of_a
    report = ReportFactory(organisation=organisation)
    ReportFactory(organisation=other_organisation)
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {text}"}

    listed = client.get(LIST, **headers).json()["results"]
    response = client.get(download(report), **headers)

    assert [item["id"] for item in listed] == [report.pk]
    assert response.status_code == 200
    audit = ReportDownload.objects.get()
    assert (audit.api_key, audit.user, audit.via_api) == (api_key, None, True)


def test_an_api_key_gets_404_for_another_organisations_report(client, other_organisation, key_of_a):
    _, text = key_of_a
    report = ReportFactory(organisation=other_organisation)
    response = client.get(download(report), HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert response.status_code == 404
    assert not ReportDownload.objects.exists()
