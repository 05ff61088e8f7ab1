"""Acceptance 2: a migration run over the demo parties survives a worker killed mid-run."""

import signal
import time
import uuid
from datetime import date

import pytest
from django.conf import settings

from accounts.models import Organisation
from bench.demo_accounts import demo_data_load
from config.celery import app as celery_app
from extracts.models import Extract, ExtractDisclosure, ExtractStatus
from extracts.services import migration_run_resume, migration_run_start
from registry.keys import serial_key
from registry.models import Meter
from reports.models import Report
from tests.conftest import celery_worker_start, celery_worker_wait_ready, missing_part
from tests.factories import MeteringPointFactory, OrganisationFactory

pytestmark = pytest.mark.worker

EXTRA_MOPS = ("MOPA", "MOPB", "MOPC", "MOPD", "MOPE")
METERS_PER_POINT = 3
POINTS_PER_MOP = 400  # enough for each file to take a moment, so the kill lands mid-run


def _mops_with_meters() -> list[Organisation]:
    demo_data_load()
    mops = [Organisation.objects.get(mpid="MTRW")]
    mops += [OrganisationFactory(mpid=mpid, role_codes="M") for mpid in EXTRA_MOPS]
    for mop in mops:
        points = MeteringPointFactory.create_batch(POINTS_PER_MOP, mop_mpid=mop.mpid)
        Meter.objects.bulk_create(
            Meter(
                metering_point=point,
                serial=f"{mop.mpid}{n}{i:04d}"[:10],
                serial_key=serial_key(f"{mop.mpid}{n}{i:04d}"[:10]),
                meter_type="N",
                installation_date=date(2019, 6, 1),
            )
            for i, point in enumerate(points)
            for n in range(METERS_PER_POINT)
        )
    return mops


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    transactional_db, media_root, tmp_path
):
    if not settings.REDIS_URL:
        missing_part("REDIS_URL is not set: the Celery worker needs a Redis broker")
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_part("the Celery worker test needs PostgreSQL (DATABASE_URL) to share data")
    mops = _mops_with_meters()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = celery_worker_start(queue, first_log)
    second = None
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    try:
        celery_worker_wait_ready(first, first_log)
        run = migration_run_start(kind="meter_technical_details", role_code="M")
        extracts = Extract.objects.filter(run=run)

        def mid_run():
            statuses = list(extracts.values_list("status", flat=True))
            return ExtractStatus.DONE in statuses and ExtractStatus.RUNNING in statuses

        _wait(mid_run, 120, "the first worker to be mid-run")
        first.send_signal(signal.SIGKILL)  # no warm shutdown: the worker just dies
        first.wait(timeout=10)
        statuses = list(extracts.values_list("status", flat=True))
        assert statuses.count(ExtractStatus.DONE) < len(mops), "the kill came too late"
        assert ExtractStatus.RUNNING in statuses

        second = celery_worker_start(queue, second_log)
        celery_worker_wait_ready(second, second_log)
        # The dead worker's task is unacknowledged until the broker's visibility timeout:
        # the operator resumes the run (admin button or `manage.py migration_run resume`).
        assert migration_run_resume(run=run) >= 1
        _wait(
            lambda: extracts.filter(status=ExtractStatus.DONE).count() == len(mops),
            180,
            "every party's file",
        )
    finally:
        celery_app.conf.task_default_queue = previous_queue
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)

    assert sorted(extracts.values_list("organisation__mpid", flat=True)) == sorted(
        mop.mpid for mop in mops
    )
    for mop in mops:
        assert Report.objects.filter(organisation=mop).count() == 1, mop.mpid
        extract = extracts.get(organisation=mop)
        assert extract.report.row_count == POINTS_PER_MOP == extract.row_count
    assert ExtractDisclosure.objects.count() == len(mops)
    assert max(extracts.values_list("attempts", flat=True)) >= 2
