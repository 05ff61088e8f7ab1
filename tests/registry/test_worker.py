import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.celery import app as celery_app
from registry.models import FlowFile, FlowFileStatus, MeteringPoint
from tests.factories import UserFactory
from tests.registry.conftest import points, refresh_bytes

pytestmark = pytest.mark.worker


@pytest.fixture
def shared_media(tmp_path, monkeypatch, settings):
    """The worker process must read the files the test stores: one MEDIA_ROOT for both."""
    media = tmp_path / "shared-media"
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media
    return media


def test_an_upload_is_applied_by_a_real_worker_and_shown_in_its_status(
    shared_media, celery_worker_process, client, distributor
):
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker_process
    try:
        client.force_login(UserFactory(organisation=distributor, email="dee@lond.example"))
        response = client.post(
            "/api/v1/flows/",
            {"file": SimpleUploadedFile("d0204.txt", refresh_bytes(points(25)))},
        )
        assert response.status_code == 202
        status_url = response.json()["status_url"]

        deadline = time.monotonic() + 60
        status = response.json()
        while status["status"] not in (FlowFileStatus.APPLIED, FlowFileStatus.REJECTED):
            assert time.monotonic() < deadline, "the worker did not apply the file within 60 s"
            time.sleep(0.3)
            status = client.get(status_url).json()
    finally:
        celery_app.conf.task_default_queue = previous_queue

    assert status["status"] == FlowFileStatus.APPLIED, status["errors"]
    assert status["accepted_count"] == 25
    assert MeteringPoint.objects.count() == 25
    assert FlowFile.objects.get().started_at is not None
