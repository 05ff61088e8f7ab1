import time

import pytest
from rest_framework.test import APIClient

from bulk.models import BulkSearch, BulkSearchStatus
from config.celery import app as celery_app
from tests.bulk.conftest import result_rows
from tests.factories import MeteringPointFactory, mpan_core_for

pytestmark = pytest.mark.worker


def test_a_bulk_search_runs_in_a_real_worker_on_postgresql(
    media_root, celery_worker_process, member
):
    points = MeteringPointFactory.create_batch(5)
    values = [point.mpan_core for point in points] + [mpan_core_for(424_242), "nonsense"]
    api = APIClient()
    api.force_login(member)
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker_process
    try:
        response = api.post(
            "/api/v1/bulk-searches/", {"kind": "mpan", "values": values}, format="json"
        )
        assert response.status_code == 202
        deadline = time.monotonic() + 60
        status = response.json()
        while status["status"] in (BulkSearchStatus.QUEUED, BulkSearchStatus.RUNNING):
            assert time.monotonic() < deadline, "the worker did not finish within 60 s"
            time.sleep(0.3)
            status = api.get(response["Location"]).json()
    finally:
        celery_app.conf.task_default_queue = previous_queue

    assert status["status"] == BulkSearchStatus.DONE, status["failure_reason"]
    assert (status["processed"], status["matched"], status["bad_row_count"]) == (6, 5, 1)
    job = BulkSearch.objects.get()
    assert job.attempts == 1
    rows = result_rows(job.result)
    assert [row[2] for row in rows[1:]] == ["matched"] * 5 + ["not found", "invalid"]
    assert not job.input_file.name
