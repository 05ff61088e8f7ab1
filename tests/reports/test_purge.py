import os
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from reports.models import Report, ReportDownload
from reports.services import report_download_record, report_purge_expired
from reports.tasks import reports_purge_expired
from tests.factories import ReportFactory

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2019, 6, 27, 18, 0, tzinfo=LONDON)
EXPIRES = datetime(2019, 9, 27, 18, 0, tzinfo=LONDON)
ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def report_made_at(moment, **kwargs):
    with time_machine.travel(moment, tick=False):
        return ReportFactory(**kwargs)


def orphan(name: str, *, age: timedelta) -> str:
    path = default_storage.save(f"reports/{name}", ContentFile(b"left behind\r\n"))
    stamp = time.time() - age.total_seconds()
    os.utime(default_storage.path(path), (stamp, stamp))
    return path


@pytest.mark.django_db
def test_only_expired_reports_and_their_files_are_purged(
    organisation, django_capture_on_commit_callbacks
):
    expired = report_made_at(CREATED, organisation=organisation)
    live = report_made_at(CREATED + timedelta(seconds=2), organisation=organisation)

    with django_capture_on_commit_callbacks(execute=True):
        result = report_purge_expired(now=EXPIRES + timedelta(seconds=1))

    assert result.reports == 1
    assert list(Report.objects.all()) == [live]
    assert not default_storage.exists(expired.file.name)
    assert default_storage.exists(live.file.name)


@pytest.mark.django_db
def test_files_are_deleted_only_after_the_database_commits(
    organisation, django_capture_on_commit_callbacks
):
    report = report_made_at(CREATED, organisation=organisation)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_purge_expired(now=EXPIRES)
        assert default_storage.exists(report.file.name)

    assert len(callbacks) == 1
    callbacks[0]()
    assert not default_storage.exists(report.file.name)


@pytest.mark.django_db
def test_purging_twice_finds_nothing_the_second_time(
    organisation, django_capture_on_commit_callbacks
):
    for _ in range(3):
        report_made_at(CREATED, organisation=organisation)

    with django_capture_on_commit_callbacks(execute=True):
        first = report_purge_expired(now=EXPIRES, chunk_size=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = report_purge_expired(now=EXPIRES, chunk_size=2)

    assert (first.reports, second.reports) == (3, 0)
    assert callbacks == []
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_report_whose_file_is_already_gone_is_purged_without_error(
    organisation, django_capture_on_commit_callbacks
):
    report = report_made_at(CREATED, organisation=organisation)
    default_storage.delete(report.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        assert report_purge_expired(now=EXPIRES).reports == 1
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_old_files_without_a_record_are_removed_and_fresh_ones_kept(
    organisation, django_capture_on_commit_callbacks
):
    kept_report = ReportFactory(organisation=organisation)
    old = orphan("old.csv", age=timedelta(hours=2))
    fresh = orphan("in-flight.csv", age=timedelta(minutes=5))
    os.utime(default_storage.path(kept_report.file.name), (0, 0))  # old, but has a record

    with django_capture_on_commit_callbacks(execute=True):
        result = report_purge_expired()

    assert result.orphan_files == 1
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh)
    assert default_storage.exists(kept_report.file.name)


@pytest.mark.django_db
def test_the_purge_logs_what_it_removed(organisation, django_capture_on_commit_callbacks, caplog):
    report = report_made_at(CREATED, organisation=organisation)
    orphan("stray.csv", age=timedelta(days=1))
    caplog.set_level("INFO", logger="reports.services")

    with django_capture_on_commit_callbacks(execute=True):
        report_purge_expired(now=EXPIRES)

    log = caplog.text
    assert f"Purged report {report.pk} (bulk_search, organisation id {organisation.pk}" in log
    assert report.file.name in log
    assert "Purged orphan report file reports/stray.csv" in log
    assert "Purge removed 1 expired reports and 1 orphan files" in log


@pytest.mark.django_db
def test_the_download_audit_outlives_the_purged_report(
    organisation, member, django_capture_on_commit_callbacks
):
    report = report_made_at(CREATED, organisation=organisation)
    with time_machine.travel(CREATED + timedelta(days=1), tick=False):
        download = report_download_record(report=report, user=member, ip_address="192.0.2.1")

    with django_capture_on_commit_callbacks(execute=True):
        report_purge_expired(now=EXPIRES)

    download = ReportDownload.objects.get(pk=download.pk)
    assert download.report is None
    assert download.report_title == report.title
    assert download.user == member


@pytest.mark.django_db
def test_the_command_purges_and_says_how_much(organisation, django_capture_on_commit_callbacks):
    report_made_at(CREATED, organisation=organisation)

    from io import StringIO

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired_reports", "--chunk-size", "10", stdout=out)

    assert out.getvalue().strip() == "Purged 1 expired report and 0 orphan files."
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_task_runs_the_purge(organisation, django_capture_on_commit_callbacks):
    report = report_made_at(timezone.now() - timedelta(days=200), organisation=organisation)

    with django_capture_on_commit_callbacks(execute=True):
        assert reports_purge_expired.delay().get() == {"reports": 1, "orphan_files": 0}
    assert not default_storage.exists(report.file.name)


def test_beat_runs_the_purge_daily():
    entry = celery_app.conf.beat_schedule["purge-expired-reports"]
    assert entry["task"] == reports_purge_expired.name == "reports.tasks.reports_purge_expired"
    assert entry["schedule"].hour == {3}
    assert len(entry["schedule"].day_of_week) == 7


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_report_another_purge_holds_is_skipped_not_waited_for(organisation):
    held = report_made_at(CREATED, organisation=organisation)
    free = report_made_at(CREATED, organisation=organisation)
    locked, release = threading.Event(), threading.Event()

    def other_purge_holds_a_row():
        try:
            with transaction.atomic():
                Report.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_purge_holds_a_row)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        result = report_purge_expired(now=EXPIRES)
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join()

    assert result.reports == 1
    assert list(Report.objects.values_list("pk", flat=True)) == [held.pk]
    assert not default_storage.exists(free.file.name)
    assert default_storage.exists(held.file.name)


@pytest.mark.worker
def test_a_real_worker_purges_an_expired_report_and_its_file(celery_worker_process, organisation):
    expired = report_made_at(timezone.now() - timedelta(days=200), organisation=organisation)
    live = ReportFactory(organisation=organisation)

    reports_purge_expired.apply_async(queue=celery_worker_process)

    deadline = time.monotonic() + 30
    while Report.objects.filter(pk=expired.pk).exists() or default_storage.exists(
        expired.file.name
    ):
        assert time.monotonic() < deadline, "the worker did not purge within 30 s"
        time.sleep(0.2)
    assert Report.objects.filter(pk=live.pk).exists()
    assert default_storage.exists(live.file.name)
