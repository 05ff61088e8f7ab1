"""The search audit partitioned by UK month on PostgreSQL: partitions made ahead, expired
months dropped whole, rows still never updated or deleted, queries reading only the
months they need."""

from datetime import date, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.celery import app as celery_app
from search.models import SearchAction, SearchChannel, SearchEvent
from search.partitions import partitions_maintain, partitions_of_table
from search.queries import UK, lookups_counted_since, search_usage, uk_day_start
from search.services import search_event_partitions_maintain
from search.tasks import search_event_partitions_maintain_task
from tests.conftest import missing_part

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        missing_part("the search audit is partitioned on PostgreSQL only (DATABASE_URL)")


def month_of(moment: datetime, months: int = 0) -> date:
    local = timezone.localtime(moment, UK)
    index = local.year * 12 + local.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition(month: date) -> str:
    return f"search_searchevent_p{month:%Y_%m}"


def uk(month: date, day: int = 15) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UK)


def event(created_at: datetime, **fields) -> SearchEvent:
    return SearchEvent.objects.create(
        created_at=created_at,
        action=SearchAction.SEARCH,
        channel=SearchChannel.WEB,
        kind="mpan",
        query="1200000000009",
        result_count=1,
        **fields,
    )


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_audit_has_this_months_partition_three_ahead_and_a_default():
    now = timezone.now()
    expected = {partition(month_of(now, ahead)) for ahead in range(4)}
    assert expected | {"search_searchevent_default"} <= set(partitions_of_table())


def test_a_month_starts_at_midnight_uk_time():
    summer = date(2031, 7, 1)
    partitions_maintain(retention_months=1000, months_ahead=0, at=uk(summer))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s",
            [partition(summer)],
        )
        (bound,) = cursor.fetchone()
    assert "2031-06-30 23:00:00+00" in bound and "2031-07-31 23:00:00+00" in bound


def test_maintenance_makes_the_months_ahead_and_is_idempotent():
    now = timezone.now()
    done = partitions_maintain(retention_months=24, months_ahead=6)
    assert done == [("created", partition(month_of(now, ahead))) for ahead in (4, 5, 6)]
    assert partitions_maintain(retention_months=24, months_ahead=6) == []


def test_months_wholly_older_than_the_retention_are_dropped_and_the_rest_kept(settings):
    now = timezone.now()
    expired, kept = month_of(now, -25), month_of(now, -24)
    for month in (expired, kept):
        partitions_maintain(retention_months=1000, months_ahead=0, at=uk(month))
    old = event(uk(expired, 28))
    recent = event(uk(kept, 1))
    settings.SEARCH_EVENT_RETENTION_MONTHS = 24
    with connection.cursor() as cursor:
        # The test's own transaction holds the deferred foreign-key checks of the rows
        # just written; the beat task runs in a transaction of its own.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert search_event_partitions_maintain() == [("dropped", partition(expired))]

    assert partition(expired) not in partitions_of_table()
    assert partition(kept) in partitions_of_table()
    assert not SearchEvent.objects.filter(pk=old.pk).exists()
    assert SearchEvent.objects.filter(pk=recent.pk).exists()


def test_rows_are_still_never_updated_or_deleted_in_any_partition():
    row = event(timezone.now())
    table = partition(month_of(row.created_at))
    for sql in (
        f"DELETE FROM search_searchevent WHERE id = {row.pk}",  # noqa: S608 - our numbers
        f"DELETE FROM {table} WHERE id = {row.pk}",  # noqa: S608
        f"UPDATE {table} SET query = 'changed' WHERE id = {row.pk}",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert SearchEvent.objects.get(pk=row.pk).query == "1200000000009"


def test_the_database_refuses_a_retention_under_12_months_whoever_asks():
    with pytest.raises(DatabaseError, match="at least 12 months"), transaction.atomic():
        partitions_maintain(retention_months=11, months_ahead=0)
    assert partition(month_of(timezone.now())) in partitions_of_table()


def test_a_month_whose_rows_landed_in_the_default_partition_is_reported_not_made():
    now = timezone.now()
    stray = month_of(now, 5)  # beyond the three months made ahead
    event(uk(stray))
    done = partitions_maintain(retention_months=24, months_ahead=5)
    assert ("held in the default partition", partition(stray)) in done
    assert ("created", partition(month_of(now, 4))) in done


@pytest.mark.parametrize("who", ["user", "organisation"])
def test_the_daily_cap_count_reads_only_this_months_partition(member, who):
    event(timezone.now(), user=member, organisation=member.organisation)
    caller = {"user": member} if who == "user" else {"organisation_id": member.organisation_id}
    with CaptureQueriesContext(connection) as queries:
        assert lookups_counted_since(uk_day_start(), **caller) == 1
    plan = explain(queries.captured_queries[-1]["sql"])
    assert partition(month_of(timezone.now())) in plan
    scanned = {name for name in partitions_of_table() if name in plan}
    assert scanned == {partition(month_of(timezone.now()))}, plan


def test_the_usage_screen_reads_only_the_months_asked_for(org_admin):
    now = timezone.now()
    first, second = month_of(now, -1), month_of(now)
    partitions_maintain(retention_months=1000, months_ahead=0, at=uk(first))
    event(uk(first, 20), organisation=org_admin.organisation)
    with CaptureQueriesContext(connection) as queries:
        rows = search_usage(viewer=org_admin, date_from=uk(first, 20).date(), date_to=now.date())
    assert sum(row.total for row in rows) == 1
    plan = explain(queries.captured_queries[-1]["sql"])
    scanned = {name for name in partitions_of_table() if name in plan}
    assert scanned == {partition(first), partition(second)}, plan


def test_the_beat_runs_the_maintenance_daily():
    schedule = celery_app.conf.beat_schedule["search-audit-partitions"]
    assert schedule["task"] == "search.tasks.search_event_partitions_maintain_task"
    assert search_event_partitions_maintain_task() == []  # the migration made them all
    assert timedelta(days=1) >= schedule["schedule"].remaining_estimate(timezone.now())
