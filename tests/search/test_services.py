import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchKind, SearchQuery
from search.queries import metering_point_detail
from search.services import metering_point_detail_recorded, search_event_record
from tests.factories import (
    MeterFactory,
    MeteringPointFactory,
    RelatedMpanFactory,
    UserFactory,
    mpan_core_for,
)


def synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_recording_a_lookup_leaves_the_connections_commit_setting_as_it_was(member):
    before = synchronous_commit()

    event = search_event_record(
        user=member,
        action=SearchAction.DETAIL,
        channel=SearchChannel.WEB,
        query=SearchQuery(SearchKind.MPAN, "1200000000011"),
        result_count=1,
        ip_address="127.0.0.1",
    )

    assert SearchEvent.objects.get() == event
    assert (event.organisation_id, event.query) == (member.organisation_id, "1200000000011")
    assert synchronous_commit() == before


# --- The detail read and its audit row, in one round trip -------------------------------------


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _same_detail(found, expected) -> bool:
    return (
        _fields(found.point) == _fields(expected.point)
        and [_fields(m) for m in found.meters] == [_fields(m) for m in expected.meters]
        and found.related == expected.related
    )


@pytest.mark.django_db(transaction=True)
def test_a_detail_read_in_autocommit_is_audited_in_the_same_round_trip(member):
    """In autocommit on PostgreSQL the three reads and the audit insert go in one
    pipeline, the INSERT counting the point itself; elsewhere (SQLite, an atomic block)
    the read is followed by the insert. Both give the same detail and the same row."""
    point = MeteringPointFactory()
    MeterFactory(metering_point=point)
    RelatedMpanFactory(metering_point=point)
    missing = mpan_core_for(999)
    expected = metering_point_detail(point.mpan_core)
    pipelines = []
    if connection.vendor == "postgresql":
        pipeline = type(connection.connection).pipeline

        def counting(self, *args, **kwargs):
            pipelines.append(1)
            return pipeline(self, *args, **kwargs)

        type(connection.connection).pipeline = counting
    try:
        found = metering_point_detail_recorded(
            point.mpan_core, user=member, channel=SearchChannel.WEB, ip_address="10.0.0.9"
        )
        absent = metering_point_detail_recorded(
            missing, user=None, api_key=None, channel=SearchChannel.API, ip_address=None
        )
    finally:
        if connection.vendor == "postgresql":
            type(connection.connection).pipeline = pipeline
    assert _same_detail(found, expected) and absent is None
    rows = list(SearchEvent.objects.order_by("id").values())
    assert [
        (r["action"], r["channel"], r["query"], r["result_count"], r["lookups"]) for r in rows
    ] == [
        ("detail", "web", point.mpan_core, 1, 1),
        ("detail", "api", missing, 0, 1),
    ]
    assert (rows[0]["user_id"], rows[0]["organisation_id"]) == (member.pk, member.organisation_id)
    assert str(rows[0]["ip_address"]) == "10.0.0.9" and rows[1]["ip_address"] is None
    assert len(pipelines) == (2 if connection.vendor == "postgresql" else 0)


@pytest.mark.django_db(transaction=True)
def test_an_audit_row_that_cannot_be_written_shows_nothing():
    point = MeteringPointFactory()
    gone = UserFactory()
    User.objects.filter(pk=gone.pk).delete()  # the row's user no longer exists
    with pytest.raises(DatabaseError):
        metering_point_detail_recorded(
            point.mpan_core, user=gone, channel=SearchChannel.WEB, ip_address="127.0.0.1"
        )
    assert not SearchEvent.objects.exists()


def test_inside_an_atomic_block_the_detail_is_read_then_recorded(member):
    point = MeteringPointFactory()
    with transaction.atomic():
        found = metering_point_detail_recorded(
            point.mpan_core, user=member, channel=SearchChannel.WEB, ip_address="127.0.0.1"
        )
    assert found.point.pk == point.pk
    assert SearchEvent.objects.get().result_count == 1
