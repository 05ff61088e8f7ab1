from django.core.files.uploadedfile import SimpleUploadedFile

from registry.models import FlowFile, FlowFileStatus
from tests.registry.conftest import meter_information_bytes, points, refresh_bytes, send


def test_a_mop_user_uploads_a_file_and_sees_its_status(
    client, mop_user, distributor, django_capture_on_commit_callbacks
):
    send(refresh_bytes(points(3)), sender=distributor)
    client.force_login(mop_user)
    data = meter_information_bytes([points(3)[0].items["mpan_core"]])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/flows/upload/", {"file": SimpleUploadedFile("d0312.txt", data)})

    flow_file = FlowFile.objects.get(original_name="d0312.txt")
    assert response.status_code == 302
    assert response["Location"] == f"/flows/{flow_file.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="applied"' in page
    assert FlowFile.objects.get(pk=flow_file.pk).status == FlowFileStatus.APPLIED


def test_a_rejected_file_shows_the_line_and_reason(client, mop_user):
    client.force_login(mop_user)
    flow_file = send(b"ZHV|broken|", sender=mop_user.organisation)
    page = client.get(f"/flows/{flow_file.pk}/").content.decode()
    assert "Why the file was rejected" in page
    assert flow_file.errors[0]["reason"] in page.replace("&#x27;", "'")


def test_a_supplier_user_may_not_open_the_upload_screen(client, member):
    client.force_login(member)
    assert client.get("/flows/upload/").status_code == 403


def test_the_list_shows_only_the_organisations_files(client, mop_user, distributor):
    send(refresh_bytes(points(2)), sender=distributor, name="theirs.txt")
    client.force_login(mop_user)
    page = client.get("/flows/").content.decode()
    assert "theirs.txt" not in page


def test_a_file_over_the_limit_is_refused_on_the_page_and_nothing_is_stored(
    client, mop_user, settings
):
    data = meter_information_bytes([points(1)[0].items["mpan_core"]])
    settings.FLOW_UPLOAD_MAX_BYTES = len(data) - 1
    client.force_login(mop_user)

    response = client.post("/flows/upload/", {"file": SimpleUploadedFile("big.txt", data)})

    assert response.status_code == 413
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert f"The file is larger than {len(data) - 1:,} bytes" in page
    assert "nothing was stored" in page
    assert not FlowFile.objects.exists()
    assert not (settings.MEDIA_ROOT / "flows").exists()


def test_a_body_over_the_limit_is_refused_on_the_page_before_it_is_read(
    client, mop_user, settings, monkeypatch
):
    settings.FLOW_UPLOAD_MAX_BYTES = 1000

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    client.force_login(mop_user)
    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", never)
    response = client.post(
        "/flows/upload/", {"file": SimpleUploadedFile("big.txt", b"x" * 200_000)}
    )

    assert response.status_code == 413
    assert "The file is larger than 1,000 bytes" in response.content.decode()


def test_the_upload_page_says_how_large_a_file_may_be(client, mop_user, settings):
    settings.FLOW_UPLOAD_MAX_BYTES = 50 * 2**20
    client.force_login(mop_user)
    assert "Files of up to 50 MB can be sent here" in client.get("/flows/upload/").content.decode()


def test_the_upload_page_still_checks_the_csrf_token(mop_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mop_user)
    data = meter_information_bytes([points(1)[0].items["mpan_core"]])
    response = client.post("/flows/upload/", {"file": SimpleUploadedFile("d.txt", data)})
    assert response.status_code == 403
    assert not FlowFile.objects.exists()
