from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from bulk import services
from bulk.models import BulkSearch, BulkSearchInput, BulkSearchStatus
from bulk.queries import bulk_points_today
from bulk.services import (
    RESULT_HEADER,
    BulkQuotaExceeded,
    BulkSearchError,
    bulk_search_cancel,
    bulk_search_run,
    bulk_search_submit,
)
from core.audit import AppendOnlyError
from reports.kinds import ReportKind
from reports.models import Report
from search.models import SearchAction, SearchChannel, SearchEvent
from tests.bulk.conftest import result_rows
from tests.factories import MeterFactory, MeteringPointFactory, UserFactory, mpan_core_for

pytestmark = pytest.mark.django_db


def submit(member, text: str, kind="mpan") -> BulkSearch:
    return bulk_search_submit(
        organisation=member.organisation,
        kind=kind,
        channel=SearchChannel.WEB,
        text=text,
        user=member,
        ip_address="192.0.2.1",
    )


def test_a_mixed_list_is_accepted_with_its_bad_rows_by_line(member):
    job = submit(member, f"{mpan_core_for(1)}\nnot an mpan\n\n{mpan_core_for(2)}\n1800021679841\n")
    assert job.status == BulkSearchStatus.QUEUED
    assert job.total_rows == 2
    assert job.bad_row_count == 2
    assert [(row["line"], row["value"]) for row in job.bad_rows] == [
        (2, "not an mpan"),
        (5, "1800021679841"),
    ]
    assert "check digit" in job.bad_rows[1]["reason"]
    assert default_storage.exists(job.input_file.name)


def test_the_job_records_who_sent_how_many_rows_and_when(member):
    job = submit(member, mpan_core_for(1))
    assert (job.organisation, job.user, job.channel) == (member.organisation, member, "web")
    assert job.ip_address == "192.0.2.1"
    assert job.created_at is not None


def test_a_list_with_no_searchable_row_is_refused(member):
    with pytest.raises(BulkSearchError, match=r"line 1: .*hello"):
        submit(member, "hello world!\n")
    assert BulkSearch.objects.count() == 0


def test_the_result_file_lists_every_row_with_its_match_status(member):
    found = MeteringPointFactory(supplier_mpid="OCTO", supplier_date=date(2019, 6, 28))
    MeterFactory(metering_point=found, serial="S95A 12345")
    missing = mpan_core_for(777)
    job = submit(member, f"{found.mpan_core}\n=cmd()\n{missing}\n")

    job = bulk_search_run(bulk_search_id=job.pk)

    assert job.status == BulkSearchStatus.DONE
    assert (job.processed, job.matched) == (2, 1)
    report = job.result
    assert report.kind == ReportKind.BULK_SEARCH
    assert report.organisation == member.organisation
    assert report.created_by == member
    assert report.title == f"Bulk search {job.pk}: 3 MPAN cores"
    rows = result_rows(report)
    assert rows[0] == list(RESULT_HEADER)
    assert rows[1][:4] == ["1", found.mpan_core, "matched", ""]
    assert rows[1][4:] == [
        found.mpan_core,
        ", ".join(found.address_lines),
        "SW1A 1AA",
        "OCTO",
        "2019-06-28",
        "E",
        "01",
        "S95A 12345",
    ]
    # A value a spreadsheet would run as a formula is written inert.
    assert rows[2][:3] == ["2", "'=cmd()", "invalid"]
    assert rows[2][3] == "'=cmd() is not a valid MPAN: only digits, spaces and dashes are allowed"
    assert rows[3] == ["3", missing, "not found", ""] + [""] * 8
    assert len(rows) == 4
    assert report.row_count == 3


def test_a_postcode_gives_one_result_row_per_metering_point_in_address_order(member):
    MeteringPointFactory(postcode="E1 6AN", address_line_1="10 Flower Street")
    MeteringPointFactory(postcode="E1 6AN", address_line_1="2 Flower Street")
    job = submit(member, "e16an\nN1 9GU\n", kind="postcode")

    job = bulk_search_run(bulk_search_id=job.pk)

    rows = result_rows(job.result)
    assert [(row[0], row[2], row[5]) for row in rows[1:]] == [
        ("1", "matched", "2 Flower Street, London"),
        ("1", "matched", "10 Flower Street, London"),
        ("2", "not found", ""),
    ]
    assert job.matched == 1


def test_a_serial_finds_every_point_holding_it_whatever_the_spacing(member):
    first = MeterFactory(serial="K 01234").metering_point
    second = MeterFactory(serial="k01234").metering_point
    job = submit(member, "K-01234\n", kind="serial")

    job = bulk_search_run(bulk_search_id=job.pk)

    rows = result_rows(job.result)
    assert sorted(row[4] for row in rows[1:]) == sorted([first.mpan_core, second.mpan_core])


def test_lookups_run_in_batches_of_set_based_queries(member, monkeypatch):
    points = MeteringPointFactory.create_batch(10)
    monkeypatch.setitem(services.BATCH_SIZES, "mpan", 4)
    job = submit(member, "\n".join(point.mpan_core for point in points))
    with CaptureQueriesContext(connection) as queries:
        job = bulk_search_run(bulk_search_id=job.pk)
    registry = [q["sql"] for q in queries.captured_queries if '"registry_' in q["sql"]]
    # Three batches (4 + 4 + 2 keys), each one query for the points and one for their meters.
    assert len(registry) == 6
    assert all(" IN (" in sql for sql in registry)
    assert (job.processed, job.matched) == (10, 10)


def test_a_finished_job_run_again_changes_nothing(member):
    job = submit(member, mpan_core_for(1))
    first = bulk_search_run(bulk_search_id=job.pk)
    again = bulk_search_run(bulk_search_id=job.pk)
    assert again.result_id == first.result_id
    assert Report.objects.count() == 1
    assert again.attempts == 1


def test_a_job_redelivered_while_running_starts_afresh_and_writes_one_result(member):
    point = MeteringPointFactory()
    job = submit(member, point.mpan_core)
    # The first delivery's worker died mid-run: the job is left running with its token.
    BulkSearch.objects.filter(pk=job.pk).update(
        status=BulkSearchStatus.RUNNING, run_token="dead", processed=1, attempts=1
    )

    job = bulk_search_run(bulk_search_id=job.pk)

    assert job.status == BulkSearchStatus.DONE
    assert job.attempts == 2
    assert (job.processed, job.matched) == (1, 1)
    assert Report.objects.count() == 1


def test_a_run_that_was_taken_over_stops_at_its_next_batch(member, monkeypatch):
    points = MeteringPointFactory.create_batch(4)
    monkeypatch.setitem(services.BATCH_SIZES, "mpan", 2)
    job = submit(member, "\n".join(point.mpan_core for point in points))
    real = services.metering_points_by_key

    def another_delivery_takes_over(**kwargs):
        BulkSearch.objects.filter(pk=job.pk).update(run_token="someone-else")
        return real(**kwargs)

    monkeypatch.setattr(services, "metering_points_by_key", another_delivery_takes_over)
    job = bulk_search_run(bulk_search_id=job.pk)
    assert job.status == BulkSearchStatus.RUNNING  # still the other run's
    assert Report.objects.count() == 0


def test_a_queued_job_can_be_cancelled_and_then_never_runs(member):
    job = submit(member, mpan_core_for(1))
    stored = job.input_file.name
    cancelled = bulk_search_cancel(bulk_search_id=job.pk)
    assert cancelled.status == BulkSearchStatus.CANCELLED
    assert cancelled.finished_at is not None

    ran = bulk_search_run(bulk_search_id=job.pk)
    assert ran.status == BulkSearchStatus.CANCELLED
    assert ran.result is None
    assert Report.objects.count() == 0
    assert stored and ran.input_file.name == ""


def test_a_running_job_stops_between_batches_when_cancelled(member, monkeypatch):
    points = MeteringPointFactory.create_batch(6)
    monkeypatch.setitem(services.BATCH_SIZES, "mpan", 2)
    job = submit(member, "\n".join(point.mpan_core for point in points))
    real = services.metering_points_by_key
    calls = []

    def cancel_during_the_second_batch(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            bulk_search_cancel(bulk_search_id=job.pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "metering_points_by_key", cancel_during_the_second_batch)
    job = bulk_search_run(bulk_search_id=job.pk)

    assert job.status == BulkSearchStatus.CANCELLED
    assert len(calls) == 2  # the third batch never ran
    assert job.processed == 2  # the progress saved before the cancellation
    assert Report.objects.count() == 0


def test_a_finished_job_cannot_be_cancelled(member):
    job = bulk_search_run(bulk_search_id=submit(member, mpan_core_for(1)).pk)
    with pytest.raises(BulkSearchError, match="already ended"):
        bulk_search_cancel(bulk_search_id=job.pk)


def test_an_error_during_the_run_fails_the_job_with_a_reason(member, monkeypatch):
    job = submit(member, mpan_core_for(1))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "metering_points_by_key", broken)
    job = bulk_search_run(bulk_search_id=job.pk)
    assert job.status == BulkSearchStatus.FAILED
    assert "internal error" in job.failure_reason
    assert f"bulk search {job.pk}" in job.failure_reason
    assert job.input_file.name == ""


def test_a_lost_input_file_fails_the_job_with_a_clear_reason(member):
    job = submit(member, mpan_core_for(1))
    default_storage.delete(job.input_file.name)
    job = bulk_search_run(bulk_search_id=job.pk)
    assert job.status == BulkSearchStatus.FAILED
    assert job.failure_reason == "The list of this search is no longer stored; submit it again."


# --- Caps: points returned, not rows -------------------------------------------------------


def cores(count: int, start: int = 1) -> str:
    return "\n".join(mpan_core_for(n) for n in range(start, start + count))


def points(count: int, start: int = 1) -> list:
    return [MeteringPointFactory(mpan_core=mpan_core_for(n)) for n in range(start, start + count)]


def test_a_bulk_search_counts_the_points_it_returns_not_its_rows(member):
    points(2)
    job = bulk_search_run(bulk_search_id=submit(member, cores(5) + "\nbad").pk)
    assert job.lookups_counted == 2
    assert bulk_points_today(organisation=member.organisation) == 2
    (event,) = SearchEvent.objects.filter(action=SearchAction.BULK)
    assert (event.user, event.lookups, event.result_count) == (member, 2, 2)
    assert event.query == f"bulk search {job.pk}"


def test_the_inputs_of_every_bulk_search_are_kept_in_the_append_only_audit(member):
    job = submit(member, f"{mpan_core_for(1)}\nnot an mpan")
    bulk_search_run(bulk_search_id=job.pk)
    inputs = BulkSearchInput.objects.get(bulk_search=job)
    assert inputs.rows == [[1, mpan_core_for(1)], [2, "not an mpan"]]
    assert (inputs.kind, inputs.source_name) == ("mpan", "pasted list")
    with pytest.raises(AppendOnlyError):
        inputs.delete()


def test_a_user_at_the_daily_cap_cannot_start_one(member, settings):
    settings.SEARCH_DAILY_CAP = 2
    points(2)
    bulk_search_run(bulk_search_id=submit(member, cores(2)).pk)
    with pytest.raises(BulkQuotaExceeded, match="You have reached your daily limit of 2"):
        submit(member, cores(1))
    assert BulkSearch.objects.count() == 1


def test_a_run_stops_at_the_cap_and_delivers_only_what_it_counted(member, settings):
    settings.SEARCH_DAILY_CAP = 3
    points(5)
    job = bulk_search_run(bulk_search_id=submit(member, cores(5)).pk)
    assert job.status == BulkSearchStatus.DONE
    assert (job.processed, job.matched, job.lookups_counted) == (3, 3, 3)
    assert job.stopped_reason.startswith("You have reached your daily limit of 3 lookups")
    assert "stopped at line 4" in job.stopped_reason
    rows = result_rows(job.result)[1:]
    assert [row[2] for row in rows] == ["matched"] * 3 + ["not searched"] * 2
    assert all(row[4] == "" for row in rows[3:])  # no MPAN core of an uncounted row
    assert SearchEvent.objects.aggregate(n=Sum("lookups"))["n"] == 3


def test_a_postcode_row_larger_than_what_is_left_is_cut_at_the_cap(member, settings):
    settings.SEARCH_DAILY_CAP = 4
    MeteringPointFactory.create_batch(6, postcode="E1 6AN")
    job = bulk_search_run(bulk_search_id=submit(member, "E1 6AN", kind="postcode").pk)
    rows = result_rows(job.result)[1:]
    assert len(rows) == 4
    assert rows[0][3] == "Only the first 4 of 6: daily limit reached."
    assert job.lookups_counted == 4


def test_the_organisation_bulk_quota_is_shared_by_its_users_and_counts_points(member, settings):
    settings.BULK_SEARCH_DAILY_POINTS = 3
    colleague = UserFactory(organisation=member.organisation)
    points(4)
    first = bulk_search_run(bulk_search_id=submit(member, cores(2)).pk)
    second = bulk_search_run(bulk_search_id=submit(colleague, cores(2, start=3)).pk)
    assert (first.lookups_counted, second.lookups_counted) == (2, 1)
    assert "daily bulk search quota of 3 metering points" in second.stopped_reason
    with pytest.raises(BulkQuotaExceeded, match="bulk search quota"):
        submit(colleague, cores(1))


def test_another_organisations_bulk_searches_do_not_use_this_quota(
    member, settings, other_organisation
):
    settings.BULK_SEARCH_DAILY_POINTS = 2
    points(2)
    bulk_search_run(
        bulk_search_id=submit(UserFactory(organisation=other_organisation), cores(2)).pk
    )
    assert bulk_search_run(bulk_search_id=submit(member, cores(2)).pk).lookups_counted == 2


def test_a_run_after_a_lost_worker_does_not_count_again_what_was_counted(member):
    points(3)
    job = submit(member, cores(3))
    BulkSearch.objects.filter(pk=job.pk).update(status=BulkSearchStatus.RUNNING, lookups_counted=3)
    job = bulk_search_run(bulk_search_id=job.pk)
    assert (job.status, job.lookups_counted) == (BulkSearchStatus.DONE, 3)
    assert (
        not SearchEvent.objects.filter(lookups__gt=0, action=SearchAction.BULK)
        .exclude(lookups=3)
        .exists()
    )
