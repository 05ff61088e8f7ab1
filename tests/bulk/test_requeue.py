"""Bulk searches whose task was lost or whose worker died are sent again; leftover lists
are swept. A submission while the broker is down is kept, never a 500."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from kombu.exceptions import OperationalError

from bulk import tasks
from bulk.models import BulkSearch, BulkSearchStatus
from bulk.services import (
    REQUEUE_AFTER,
    SWEEP_AFTER,
    bulk_inputs_sweep,
    bulk_search_submit,
    bulk_searches_requeue,
)
from config.celery import app as celery_app
from search.models import SearchChannel
from tests.factories import MeteringPointFactory, mpan_core_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(tasks.bulk_search_run, "delay", refuse)


def submit(member, text=None):
    return bulk_search_submit(
        organisation=member.organisation,
        kind="mpan",
        channel=SearchChannel.WEB,
        text=text or mpan_core_for(1),
        user=member,
    )


def test_a_submission_while_the_broker_is_down_is_kept_queued(
    member, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = submit(member)
    job.refresh_from_db()
    assert job.status == BulkSearchStatus.QUEUED
    assert default_storage.exists(job.input_file.name)


def test_the_page_answers_with_the_job_while_the_broker_is_down(
    client, member, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post("/bulk/", {"kind": "mpan", "text": mpan_core_for(1)})
    assert len(sent) == 1
    job = BulkSearch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bulk/{job.pk}/"
    assert job.status == BulkSearchStatus.QUEUED


def test_the_api_answers_202_while_the_broker_is_down(
    client, member, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post(
            "/api/v1/bulk-searches/",
            {"kind": "mpan", "values": [mpan_core_for(1)]},
            content_type="application/json",
        )
    assert len(sent) == 1
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


def test_a_job_left_queued_is_queued_again_and_runs(
    member, django_capture_on_commit_callbacks, monkeypatch
):
    MeteringPointFactory(mpan_core=mpan_core_for(1))
    with monkeypatch.context() as outage:
        outage.setattr(tasks.bulk_search_run, "delay", lambda *args: None)
        with django_capture_on_commit_callbacks(execute=True):
            lost = submit(member)
            recent = submit(member)
    BulkSearch.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1)
    )

    assert bulk_searches_requeue() == [lost.pk]

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == BulkSearchStatus.DONE  # the task ran (eagerly, in tests)
    assert recent.status == BulkSearchStatus.QUEUED  # its own task may still come


def test_a_running_job_whose_progress_stalled_is_queued_again(member, settings):
    settings.BULK_SEARCH_STALLED_MINUTES = 30
    stalled, alive = submit(member), submit(member)
    long_ago = timezone.now() - timedelta(minutes=31)
    BulkSearch.objects.filter(pk=stalled.pk).update(
        status=BulkSearchStatus.RUNNING, run_token="dead", updated_at=long_ago
    )
    BulkSearch.objects.filter(pk=alive.pk).update(
        status=BulkSearchStatus.RUNNING, run_token="alive", updated_at=timezone.now()
    )

    assert bulk_searches_requeue() == [stalled.pk]

    stalled.refresh_from_db()
    assert stalled.status == BulkSearchStatus.DONE
    assert stalled.attempts == 1


def test_finished_jobs_are_never_queued_again(member):
    job = submit(member)
    BulkSearch.objects.filter(pk=job.pk).update(
        status=BulkSearchStatus.DONE, created_at=timezone.now() - REQUEUE_AFTER * 3
    )
    assert bulk_searches_requeue() == []


def _age(name: str, by: timedelta) -> None:
    path = default_storage.path(name)
    when = time.time() - by.total_seconds()
    os.utime(path, (when, when))


def test_the_sweep_deletes_old_lists_no_active_job_needs(member):
    active = submit(member)
    _age(active.input_file.name, SWEEP_AFTER * 2)
    orphan = default_storage.save("bulk/orphan.jsonl", ContentFile(b"[1]\n"))
    _age(orphan, SWEEP_AFTER * 2)
    young = default_storage.save("bulk/young.jsonl", ContentFile(b"[1]\n"))

    assert bulk_inputs_sweep() == [orphan]

    assert default_storage.exists(active.input_file.name)
    assert default_storage.exists(young)  # its job may still be committing
    assert not default_storage.exists(orphan)


def test_beat_requeues_bulk_searches_and_sweeps_their_lists():
    schedule = celery_app.conf.beat_schedule
    assert schedule["requeue-bulk-searches"]["task"] == "bulk.tasks.bulk_searches_requeue"
    assert schedule["sweep-bulk-inputs"]["task"] == "bulk.tasks.bulk_inputs_sweep"
    assert tasks.bulk_searches_requeue.name in celery_app.tasks
    assert tasks.bulk_inputs_sweep.name in celery_app.tasks
