"""Lookups read a real streaming replica (.ci/replica); everything else stays on the primary.

These tests commit (the replica sees only committed, replayed rows) and wait for the
replica to replay the primary's position before they look anything up.
"""

import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import api_key_create
from bulk.queries import metering_points_by_key
from core.replicas import REPLICA, read_alias, replica_lag_seconds, replica_probe_forget
from registry.models import MeteringPoint
from search.models import SearchEvent
from tests.conftest import missing_part
from tests.factories import MeterFactory, MeteringPointFactory

# Without a replica (a laptop) the tests skip (the `replica` fixture); the mark must
# not name an alias that does not exist.
both_databases = pytest.mark.django_db(
    transaction=True,
    databases=[alias for alias in (DEFAULT_DB_ALIAS, REPLICA) if alias in settings.DATABASES],
)


def replica_catch_up(timeout: float = 10.0) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (position,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    pytest.fail(f"the replica did not replay {position} within {timeout} s")


@pytest.fixture
def replica(settings):
    if REPLICA not in settings.DATABASES:
        missing_part("no DATABASE_REPLICA_URL (start one with .ci/replica 5433)")
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    replica_probe_forget()
    yield connections[REPLICA]
    replica_probe_forget()


@pytest.fixture
def point(replica):
    point = MeteringPointFactory(postcode="SW1A 1AA", address_line_1="10 Downing Street")
    MeterFactory(metering_point=point, serial="REPLICA 1")
    replica_catch_up()
    return point


def read_on_replica(capture: CaptureQueriesContext) -> str:
    return " ".join(query["sql"] for query in capture.captured_queries)


@both_databases
def test_the_replica_is_a_replica_and_caught_up(replica):
    MeteringPointFactory()
    replica_catch_up()
    # 0 unless the primary wrote again since (other tests, autovacuum): then a moment.
    assert replica_lag_seconds() < 5
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)


@both_databases
def test_a_detail_page_is_read_from_the_replica_and_audited_on_the_primary(
    replica, point, client, member
):
    client.force_login(member)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(f"/metering-points/{point.mpan_core}/")
    assert response.status_code == 200
    assert "10 Downing Street" in response.content.decode()
    assert "registry_meteringpoint" in read_on_replica(on_replica)
    assert "registry_meter" in read_on_replica(on_replica)
    # The audit row, the session and the user are the primary's alone.
    assert "search_searchevent" not in read_on_replica(on_replica)
    assert "django_session" not in read_on_replica(on_replica)
    assert SearchEvent.objects.using(DEFAULT_DB_ALIAS).filter(query=point.mpan_core).count() == 1


@both_databases
def test_a_postcode_search_is_read_from_the_replica(replica, point, client, member):
    client.force_login(member)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get("/search/", {"q": "SW1A 1AA"})
    assert response.status_code == 200
    assert point.mpan_core in response.content.decode()
    assert "registry_meteringpoint" in read_on_replica(on_replica)
    assert SearchEvent.objects.filter(kind="postcode").count() == 1


@both_databases
def test_api_lookups_read_the_replica_but_check_the_key_on_the_primary(replica, point, org_admin):
    organisation = org_admin.organisation
    _, text = api_key_create(organisation=organisation, name="Billing", created_by=org_admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    with CaptureQueriesContext(replica) as on_replica:
        detail = api.get(f"/api/v1/metering-points/{point.mpan_core}/")
        listing = api.get("/api/v1/metering-points/", {"serial": "REPLICA 1"})
    assert detail.status_code == 200
    assert detail.json()["mpan_core"] == point.mpan_core
    assert [row["mpan_core"] for row in listing.json()["results"]] == [point.mpan_core]
    assert "registry_meteringpoint" in read_on_replica(on_replica)
    # A key revoked on the primary must stop at once, whatever the replica's lag.
    assert "search_organisationapikey" not in read_on_replica(on_replica)
    assert SearchEvent.objects.filter(api_key__isnull=False).count() == 2


@both_databases
def test_bulk_lookups_read_the_replica(replica, point):
    with CaptureQueriesContext(replica) as on_replica:
        found = metering_points_by_key(kind="mpan", keys=[point.mpan_core])
    assert [p.mpan_core for p in found[point.mpan_core]] == [point.mpan_core]
    assert found[point.mpan_core][0]._state.db == REPLICA
    assert "registry_meteringpoint" in read_on_replica(on_replica)


@both_databases
def test_a_replica_further_behind_than_the_limit_is_skipped(replica, settings, client, member):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    client.force_login(member)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        point = MeteringPointFactory(address_line_1="Written while the replica waits")
        time.sleep(1.5)
        assert replica_lag_seconds() > 1
        assert read_alias() == DEFAULT_DB_ALIAS
        with CaptureQueriesContext(replica) as on_replica:
            response = client.get(f"/metering-points/{point.mpan_core}/")
        assert response.status_code == 200
        assert "Written while the replica waits" in response.content.decode()
        assert "registry_meteringpoint" not in read_on_replica(on_replica)
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    replica_catch_up()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 60
    replica_probe_forget()
    assert read_alias() == REPLICA


@both_databases
def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    with transaction.atomic():
        point = MeteringPointFactory()
        assert read_alias() == DEFAULT_DB_ALIAS
        found = metering_points_by_key(kind="mpan", keys=[point.mpan_core])
    assert found[point.mpan_core][0]._state.db == DEFAULT_DB_ALIAS


@both_databases
def test_nothing_is_migrated_or_written_on_the_replica(replica):
    assert not router.allow_migrate(REPLICA, "registry", model_name="meteringpoint")
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry", model_name="meteringpoint")
    with pytest.raises(Exception, match="read-only"):
        MeteringPoint.objects.using(REPLICA).filter(pk="0").update(postcode="X")
