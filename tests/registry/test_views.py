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
