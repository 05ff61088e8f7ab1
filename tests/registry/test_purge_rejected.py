"""Stored copies of rejected files are removed after FLOW_REJECTED_RETENTION_DAYS; the
records and checksums stay."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from config.celery import app
from registry.errors import FlowFileError
from registry.models import FlowFile, FlowFileStatus
from registry.services import flow_file_reprocess, flow_files_purge_rejected
from tests.registry.conftest import points, refresh_bytes, send


@pytest.fixture
def rejected(distributor):
    flow_file = send(b"ZHV|broken|", sender=distributor, name="broken.txt")
    assert flow_file.status == FlowFileStatus.REJECTED
    return flow_file


def days_later(days: int):
    return timezone.now() + timedelta(days=days)


def test_a_rejected_files_copy_is_removed_after_the_retention_period(
    settings, rejected, django_capture_on_commit_callbacks
):
    settings.FLOW_REJECTED_RETENTION_DAYS = 30
    name, sha256, errors = rejected.stored_file.name, rejected.sha256, rejected.errors
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        assert flow_files_purge_rejected(now=days_later(31)) == 1

    rejected.refresh_from_db()
    assert not default_storage.exists(name)
    assert rejected.stored_file.name == ""
    assert rejected.stored_file_removed_at is not None
    assert (rejected.sha256, rejected.errors, rejected.status) == (sha256, errors, "rejected")


def test_a_copy_is_kept_within_the_retention_period(settings, rejected):
    settings.FLOW_REJECTED_RETENTION_DAYS = 30
    assert flow_files_purge_rejected(now=days_later(29)) == 0
    assert default_storage.exists(rejected.stored_file.name)


def test_an_applied_files_copy_is_kept(settings, distributor):
    applied = send(refresh_bytes(points(2)), sender=distributor)
    assert flow_files_purge_rejected(now=days_later(3650)) == 0
    assert default_storage.exists(applied.stored_file.name)


def test_a_second_purge_finds_nothing_left(rejected):
    later = days_later(365)
    assert flow_files_purge_rejected(now=later) == 1
    assert flow_files_purge_rejected(now=later) == 0


def test_a_file_whose_copy_was_removed_cannot_be_processed_again(rejected):
    flow_files_purge_rejected(now=days_later(365))

    with pytest.raises(FlowFileError, match=r"its stored copy was removed on .* Send the file"):
        flow_file_reprocess(flow_file_id=rejected.pk)
    assert FlowFile.objects.get(pk=rejected.pk).status == FlowFileStatus.REJECTED


def test_the_detail_page_says_the_copy_was_removed(client, rejected, distributor):
    from tests.factories import UserFactory

    flow_files_purge_rejected(now=days_later(365))
    client.force_login(UserFactory(organisation=distributor))
    page = client.get(f"/flows/{rejected.pk}/").content.decode()
    assert "send the file again to have it processed" in page


def test_beat_runs_the_purge_daily():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "registry.tasks.flow_files_purge_rejected" in tasks


def test_an_inbox_files_copy_in_the_rejected_folder_goes_too(
    settings, tmp_path, distributor, django_capture_on_commit_callbacks
):
    from registry.services import flow_inbox_scan

    settings.FLOW_INBOX_DIR = tmp_path / "inbox"
    settings.FLOW_INBOX_DIR.mkdir()
    (settings.FLOW_INBOX_DIR / "broken.txt").write_bytes(b"ZHV|broken|")
    (settings.FLOW_INBOX_DIR / "good.txt").write_bytes(refresh_bytes(points(2)))
    broken, good = flow_inbox_scan()
    assert (broken.status, good.status) == (FlowFileStatus.REJECTED, FlowFileStatus.APPLIED)
    rejected_copy = settings.FLOW_INBOX_DIR / "rejected" / f"{broken.pk}-broken.txt"
    assert rejected_copy.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert flow_files_purge_rejected(now=days_later(365)) == 1

    assert not rejected_copy.exists()
    assert (settings.FLOW_INBOX_DIR / "processed" / f"{good.pk}-good.txt").exists()
