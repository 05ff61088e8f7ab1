import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.models import FlowFile, FlowFileStatus, MeteringPoint
from tests.factories import UserFactory
from tests.registry.conftest import points, refresh_bytes, send


@pytest.fixture
def distributor_user(distributor):
    return UserFactory(organisation=distributor, email="dee@lond.example")


def upload(client, data: bytes, name: str = "d0204.txt"):
    return client.post("/api/v1/flows/", {"file": SimpleUploadedFile(name, data)})


def test_a_distributor_sends_a_refresh_and_gets_202_and_a_status_url(
    client, distributor_user, django_capture_on_commit_callbacks
):
    client.force_login(distributor_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, refresh_bytes(points(3)))

    assert response.status_code == 202
    body = response.json()
    assert body["status_url"].endswith(f"/api/v1/flows/{body['id']}/")
    assert response["Location"] == body["status_url"]
    status = client.get(f"/api/v1/flows/{body['id']}/").json()
    assert status["status"] == FlowFileStatus.APPLIED
    assert status["accepted_count"] == 3
    assert MeteringPoint.objects.count() == 3


def test_another_organisations_file_gives_404_in_the_error_shape(client, distributor, member):
    flow_file = send(refresh_bytes(points(2)), sender=distributor)
    client.force_login(member)

    response = client.get(f"/api/v1/flows/{flow_file.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_supplier_may_not_send_flows(client, member):
    client.force_login(member)
    response = upload(client, b"ZHV|")
    assert response.status_code == 403
    assert set(response.json()["error"]) == {"code", "message", "field"}
    assert not FlowFile.objects.exists()


def test_a_request_without_a_file_names_the_field(client, distributor_user):
    client.force_login(distributor_user)
    response = client.post("/api/v1/flows/", {})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"


def test_an_anonymous_request_is_refused(client):
    assert client.get("/api/v1/flows/1/").status_code == 403


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "flows"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_file_over_the_limit_is_refused_with_413_and_nothing_is_stored(
    client, distributor_user, settings
):
    data = refresh_bytes(points(3))
    settings.FLOW_UPLOAD_MAX_BYTES = len(data) - 1
    client.force_login(distributor_user)

    response = upload(client, data)

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "file_too_large"
    assert error["field"] == "file"
    assert f"larger than {len(data) - 1:,} bytes" in error["message"]
    assert not FlowFile.objects.exists()
    assert stored_files(settings) == []


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client, distributor_user, settings, monkeypatch
):
    settings.FLOW_UPLOAD_MAX_BYTES = 1000
    client.force_login(distributor_user)

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", never)
    response = upload(client, b"x" * 200_000)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert not FlowFile.objects.exists()


def test_a_file_at_the_limit_is_taken(client, distributor_user, settings):
    data = refresh_bytes(points(3))
    settings.FLOW_UPLOAD_MAX_BYTES = len(data)
    client.force_login(distributor_user)

    assert upload(client, data).status_code == 202
