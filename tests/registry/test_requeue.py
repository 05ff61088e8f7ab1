"""Flow files whose processing task was lost are sent again, never left behind."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from registry import tasks
from registry.models import FlowFile, FlowFileChannel, FlowFileStatus
from registry.services import REQUEUE_AFTER, flow_file_receive, flow_files_requeue_waiting
from tests.registry.conftest import points, refresh_bytes


def receive(distributor, *, file_id="RF000001"):
    return flow_file_receive(
        content=io.BytesIO(refresh_bytes(points(3), file_id=file_id)),
        original_name=f"{file_id}.txt",
        channel=FlowFileChannel.UPLOAD,
        sender=distributor,
    )


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(tasks.flow_file_process, "delay", refuse)


def test_an_upload_while_the_broker_is_down_is_kept_received(
    distributor, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flow_file = receive(distributor)
    flow_file.refresh_from_db()
    assert flow_file.status == FlowFileStatus.RECEIVED


def test_a_file_left_received_is_queued_again_and_applied(
    distributor, django_capture_on_commit_callbacks, monkeypatch
):
    with monkeypatch.context() as during_outage:
        during_outage.setattr(tasks.flow_file_process, "delay", lambda *a: None)
        with django_capture_on_commit_callbacks(execute=True):
            lost = receive(distributor, file_id="RF000001")
            recent = receive(distributor, file_id="RF000002")
    FlowFile.objects.filter(pk=lost.pk).update(
        received_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1)
    )

    assert flow_files_requeue_waiting() == [lost.pk]

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == FlowFileStatus.APPLIED  # the task ran (eagerly, in tests)
    assert recent.status == FlowFileStatus.RECEIVED  # its own task may still come


def test_requeueing_an_applied_file_changes_nothing(
    distributor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flow_file = receive(distributor)
    flow_file.refresh_from_db()
    assert flow_file.status == FlowFileStatus.APPLIED
    FlowFile.objects.filter(pk=flow_file.pk).update(received_at=timezone.now() - REQUEUE_AFTER * 2)
    assert flow_files_requeue_waiting() == []
