import csv
import hashlib
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import IntegrityError

from core.audit import AppendOnlyError
from registry.d0312_report import D0312_REPORT_HEADER, report_create_d0312_processing
from reports.kinds import ReportKind
from reports.models import Report, ReportDownload
from reports.retention import report_available_until
from reports.services import (
    ReportError,
    ReportExpiredError,
    report_create,
    report_download_record,
)
from tests.factories import ReportFactory

LONDON = ZoneInfo("Europe/London")


def stored_files(media_root):
    folder = media_root / "reports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def read_csv(report):
    with report.file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8"))))


@pytest.mark.django_db
def test_a_report_is_written_with_its_size_digest_and_row_count(organisation, member):
    rows = ((f"1800021679{n:03d}", f"S{n}") for n in range(1000))  # a generator

    report = report_create(
        organisation=organisation,
        kind=ReportKind.BULK_SEARCH,
        title="Bulk search 1",
        rows_header=("MPAN core", "Serial"),
        rows=rows,
        created_by=member,
    )

    report.refresh_from_db()
    with report.file.open("rb") as handle:
        content = handle.read()
    assert report.row_count == 1000
    assert report.size == len(content)
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert content.startswith(b"MPAN core,Serial\r\n1800021679000,S0\r\n")
    assert report.created_by == member
    assert report.organisation == organisation


@pytest.mark.django_db
def test_the_stored_name_reveals_neither_organisation_nor_title(organisation):
    report = ReportFactory(organisation=organisation, title="ORGA secret customers")

    assert report.file.name.startswith("reports/")
    assert "ORGA" not in report.file.name
    assert "secret" not in report.file.name
    assert report.download_name.startswith("orga-secret-customers-")


@pytest.mark.django_db
def test_a_failure_while_writing_rows_leaves_no_file_and_no_record(organisation, media_root):
    def rows():
        yield ("1800021679848", "S1")
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        ReportFactory(organisation=organisation, rows=rows())

    assert stored_files(media_root) == []
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_failure_to_write_the_record_deletes_the_stored_file(
    organisation, media_root, monkeypatch
):
    def refuse(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Report.objects, "create", refuse)

    with pytest.raises(IntegrityError):
        ReportFactory(organisation=organisation)

    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_d0312_processing_report_has_one_row_per_record(organisation):
    report = report_create_d0312_processing(
        organisation=organisation,
        flow_file_name="MOP0000123.D0312",
        outcomes=[
            ("1800021679848", "S95A 12345", "accepted", ""),
            ("1000000000040", "K01", "rejected", "Not the appointed MOP"),
        ],
    )

    assert report.kind == ReportKind.D0312_PROCESSING
    assert report.title == "D0312 processing report for MOP0000123.D0312"
    assert report.row_count == 2
    assert read_csv(report) == [
        list(D0312_REPORT_HEADER),
        ["1800021679848", "S95A 12345", "accepted", ""],
        ["1000000000040", "K01", "rejected", "Not the appointed MOP"],
    ]


@pytest.mark.django_db
def test_an_unknown_d0312_outcome_is_refused_and_nothing_is_kept(organisation, media_root):
    with pytest.raises(ReportError, match="must be one of accepted, rejected, not 'maybe'"):
        report_create_d0312_processing(
            organisation=organisation,
            flow_file_name="F1",
            outcomes=[("1800021679848", "S1", "maybe", "")],
        )
    assert stored_files(media_root) == []
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("created", "until"),
    [
        # The 2019 story: the last D0312 report, kept to the end of September.
        (datetime(2019, 6, 27, 18, 0), datetime(2019, 9, 27, 18, 0)),
        # Calendar months: no 31 February, and the wall-clock time survives the clock change.
        (datetime(2019, 11, 30, 9, 0), datetime(2020, 2, 29, 9, 0)),
        (datetime(2019, 8, 31, 12, 0), datetime(2019, 11, 30, 12, 0)),
    ],
)
def test_a_report_is_available_for_three_calendar_months(created, until):
    result = report_available_until(created_at=created.replace(tzinfo=LONDON))
    assert result == until.replace(tzinfo=LONDON)
    assert result.utcoffset() == until.replace(tzinfo=LONDON).utcoffset()


def test_the_retention_period_is_one_setting(settings):
    settings.REPORT_RETENTION_MONTHS = 1
    created = datetime(2019, 6, 27, 18, 0, tzinfo=LONDON)
    assert report_available_until(created_at=created) == datetime(2019, 7, 27, 18, 0, tzinfo=LONDON)


@pytest.mark.django_db
def test_a_download_is_recorded_and_an_expired_report_is_refused(organisation, member):
    with time_machine.travel(datetime(2019, 6, 27, 18, 0, tzinfo=LONDON), tick=False):
        report = ReportFactory(organisation=organisation)

    with time_machine.travel(report.available_until - timedelta(seconds=1), tick=False):
        download = report_download_record(report=report, user=member, ip_address="192.0.2.1")
    with (
        time_machine.travel(report.available_until, tick=False),
        pytest.raises(ReportExpiredError, match="expired at 18:00 on 27/09/2019"),
    ):
        report_download_record(report=report, user=member, ip_address="192.0.2.1")

    assert list(ReportDownload.objects.all()) == [download]
    assert download.report_title == report.title
    assert download.organisation == organisation


@pytest.mark.django_db
def test_a_download_record_cannot_be_changed_or_deleted(organisation, member):
    report = ReportFactory(organisation=organisation)
    download = report_download_record(report=report, user=member, ip_address=None)

    download.ip_address = "192.0.2.9"
    with pytest.raises(AppendOnlyError):
        download.save()
    with pytest.raises(AppendOnlyError):
        download.delete()


@pytest.mark.django_db
def test_nothing_is_left_in_storage_outside_the_reports_folder(organisation, media_root):
    ReportFactory(organisation=organisation)
    assert [p.name for p in media_root.iterdir()] == ["reports"]
    assert default_storage.listdir("reports")[1] == stored_files(media_root)
