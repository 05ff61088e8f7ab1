"""Issue 14, reads: a hostile supplier's user, its API key and its organisation admin try
to get more registry data than the caps allow, or another organisation's results.

Every attempt is refused, and the audit rows and the counters are compared before and
after. Real PostgreSQL (the audit rows, the append-only triggers) and a real Redis: a
redis-server of this test's own (tests/security/services.py), so that it can be
restarted from an old snapshot and flushed without touching the shared one.
"""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.test import Client

from accounts.models import OrganisationApiKey
from accounts.services import api_key_create
from bulk.models import BulkSearch, BulkSearchInput
from bulk.services import bulk_search_run
from reports.models import ReportDownload
from search.models import SearchAction, SearchChannel, SearchEvent
from search.parsing import SearchKind, SearchQuery
from search.queries import uk_day_start
from search.services import DailyCapReached, lookups_take, search_event_record
from tests.bulk.conftest import result_rows
from tests.conftest import missing_part
from tests.factories import MeteringPointFactory, ReportFactory, UserFactory, mpan_core_for
from tests.security.services import OwnRedis, wait_for

pytestmark = pytest.mark.faults


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        missing_part("the hostile read tests need PostgreSQL (DATABASE_URL)")


@pytest.fixture
def own_redis(tmp_path, settings, postgresql):
    """This process's cache on a redis-server of our own that keeps only what SAVE wrote."""
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = OwnRedis(folder, snapshots=True)
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FaultTolerantRedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "ecoes",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 0.2},
        }
    }
    yield redis
    redis.kill()


@pytest.fixture
def caps(settings):
    settings.SEARCH_DAILY_CAP = 10
    settings.SEARCH_API_KEY_DAILY_CAP = 10
    settings.SEARCH_ORGANISATION_DAILY_CAP = 1000
    settings.BULK_SEARCH_DAILY_POINTS = 1000
    return settings


@pytest.fixture
def key_of_a(organisation, org_admin):
    api_key, text = api_key_create(
        organisation=organisation, name="A's system", created_by=org_admin
    )
    return api_key, text


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_key(text: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {text}")


def counter(own_redis, subject: str) -> int | None:
    """A cap's counter as stored in Redis (`subject`: "user:<pk>", "key:<pk>", "org:<pk>")."""
    day = uk_day_start().date().isoformat()
    key = cache.make_and_validate_key(f"caps:lookups:{subject}:{day}")
    value = own_redis.command("HGET", key, "n")
    return None if value is None else int(value)


def counted(**who) -> int:
    """Lookups the audit rows count against the caps."""
    return SearchEvent.objects.filter(**who).aggregate(n=Sum("lookups"))["n"] or 0


def state(own_redis, user) -> tuple:
    return (
        counted(user=user),
        counter(own_redis, f"user:{user.pk}"),
        BulkSearch.objects.count(),
        BulkSearchInput.objects.count(),
    )


def lookups(client: Client, count: int) -> list[int]:
    point = MeteringPointFactory()
    return [client.get(f"/metering-points/{point.mpan_core}/").status_code for _ in range(count)]


def points(count: int, start: int = 1) -> list[str]:
    return [
        MeteringPointFactory(mpan_core=mpan_core_for(n)).mpan_core
        for n in range(start, start + count)
    ]


# --- Bulk search ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_at_the_cap_cannot_start_a_bulk_search_on_the_page_or_the_api(
    own_redis, caps, member
):
    client = signed_in(member)
    assert lookups(client, 10) == [200] * 10
    before = state(own_redis, member)
    assert before[:2] == (10, 10)

    page = client.post("/bulk/", {"kind": "mpan", "text": "\n".join(points(3))})
    api = client.post(
        "/api/v1/bulk-searches/",
        {"kind": "mpan", "values": [mpan_core_for(1)]},
        content_type="application/json",
    )

    assert page.status_code == 429
    assert "You have reached your daily limit of 10 lookups" in page.content.decode()
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "bulk_quota_reached"
    assert state(own_redis, member) == before


@pytest.mark.django_db
def test_an_api_key_at_its_cap_cannot_start_a_bulk_search(own_redis, caps, key_of_a):
    api_key, text = key_of_a
    client = with_key(text)
    core = points(1)[0]
    assert [client.get(f"/api/v1/metering-points/{core}/").status_code for _ in range(10)] == [
        200
    ] * 10
    before = (counted(api_key=api_key), counter(own_redis, f"key:{api_key.pk}"))

    response = client.post(
        "/api/v1/bulk-searches/",
        {"kind": "mpan", "values": [core]},
        content_type="application/json",
    )

    assert response.status_code == 429
    assert "has reached its daily quota of 10 lookups" in response.json()["error"]["message"]
    assert (counted(api_key=api_key), counter(own_redis, f"key:{api_key.pk}")) == before == (10, 10)
    assert not BulkSearch.objects.exists()


@pytest.mark.django_db
def test_a_bulk_search_returning_more_than_is_left_delivers_only_what_it_counted(
    own_redis, caps, member
):
    client = signed_in(member)
    assert lookups(client, 7) == [200] * 7
    cores = points(8)

    response = client.post("/bulk/", {"kind": "mpan", "text": "\n".join(cores)})
    assert response.status_code == 302
    job = bulk_search_run(bulk_search_id=BulkSearch.objects.get().pk)

    assert job.status == "done" and job.lookups_counted == 3
    assert "stopped at line 4" in job.stopped_reason
    rows = result_rows(job.result)[1:]
    # The points' own MPAN cores: never one that was not counted.
    assert [row[4] for row in rows if row[4]] == cores[:3]
    assert [row[2] for row in rows] == ["matched"] * 3 + ["not searched"] * 5
    assert counted(user=member) == 10
    assert counter(own_redis, f"user:{member.pk}") == 10
    assert BulkSearchInput.objects.get(bulk_search=job).rows == [
        [line, core] for line, core in enumerate(cores, start=1)
    ]
    assert lookups(client, 1) == [429]


# --- The organisation's cap and its API keys ----------------------------------------------


@pytest.mark.django_db
def test_the_organisation_cap_holds_across_its_users_and_keys(
    own_redis, caps, organisation, other_organisation, member, key_of_a
):
    caps.SEARCH_ORGANISATION_DAILY_CAP = 5
    colleague = UserFactory(organisation=organisation)
    _api_key, text = key_of_a
    core = points(1)[0]
    assert lookups(signed_in(member), 3) == [200] * 3
    assert lookups(signed_in(colleague), 1) == [200]
    assert with_key(text).get(f"/api/v1/metering-points/{core}/").status_code == 200
    before = (counted(organisation=organisation), counter(own_redis, f"org:{organisation.pk}"))
    assert before == (5, 5)

    refused = [
        signed_in(colleague).get(f"/metering-points/{core}/"),
        with_key(text).get(f"/api/v1/metering-points/{core}/"),
        signed_in(member).get("/search/export.csv", {"q": "SW1A 1AA"}),
        signed_in(member).post("/bulk/", {"kind": "mpan", "text": core}),
    ]

    assert [response.status_code for response in refused] == [429] * 4
    assert "Your organisation has reached its daily limit of 5 lookups" in (
        refused[0].content.decode()
    )
    assert "Your organisation has reached" in refused[1].json()["error"]["message"]
    after = (counted(organisation=organisation), counter(own_redis, f"org:{organisation.pk}"))
    assert after == before
    assert not BulkSearch.objects.exists()
    outsider = UserFactory(organisation=other_organisation)
    assert lookups(signed_in(outsider), 1) == [200]  # another organisation's cap


@pytest.mark.django_db
def test_an_organisation_admin_cannot_hold_more_active_keys_than_the_limit(
    own_redis, caps, organisation, org_admin
):
    caps.API_KEYS_PER_ORGANISATION = 2
    client = signed_in(org_admin)
    for name in ("first", "second"):
        # Created, then sent on to the page that shows the secret once (post/redirect/get).
        assert client.post("/organisation/api-keys/", {"name": name}).status_code == 302
    assert OrganisationApiKey.objects.filter(organisation=organisation).count() == 2

    response = client.post("/organisation/api-keys/", {"name": "third"})

    assert "already has 2 active API keys, the most it may hold" in response.content.decode()
    assert OrganisationApiKey.objects.filter(organisation=organisation).count() == 2
    first = OrganisationApiKey.objects.get(name="first")
    client.post(f"/organisation/api-keys/{first.prefix}/revoke/", {"name": "first"})
    assert OrganisationApiKey.objects.get(name="first").revoked
    client.post("/organisation/api-keys/", {"name": "third"})
    assert OrganisationApiKey.objects.filter(organisation=organisation, revoked=False).count() == 2


@pytest.mark.django_db
def test_an_export_larger_than_what_is_left_is_refused_whole(own_redis, caps, member):
    MeteringPointFactory.create_batch(4, postcode="E1 6AN")
    client = signed_in(member)
    assert lookups(client, 7) == [200] * 7

    response = client.get("/search/export.csv", {"q": "E1 6AN"})

    assert response.status_code == 429
    assert "more than the 3 lookups left today" in response.content.decode()
    assert (counted(user=member), counter(own_redis, f"user:{member.pk}")) == (7, 7)
    assert not SearchEvent.objects.filter(action=SearchAction.EXPORT).exists()


# --- Counters: racing, a restart from an old snapshot, a flush -------------------------------


@pytest.mark.django_db(transaction=True)
def test_racing_lookups_at_the_cap_count_exactly_the_cap(own_redis, caps, organisation):
    member = UserFactory(organisation=organisation)
    threads, attempts = 16, 4
    allowed: list[int] = []
    start = threading.Barrier(threads)

    def look_up():
        try:
            start.wait()
            for _ in range(attempts):
                try:
                    lookups_take(user=member)
                except DailyCapReached:
                    continue
                search_event_record(
                    user=member,
                    action=SearchAction.DETAIL,
                    channel=SearchChannel.API,
                    query=SearchQuery(SearchKind.MPAN, mpan_core_for(1)),
                    result_count=1,
                    ip_address=None,
                )
                allowed.append(1)
        finally:
            connection.close()

    workers = [threading.Thread(target=look_up) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(allowed) == 10  # of 64 attempts
    assert counted(user=member) == 10
    assert counter(own_redis, f"user:{member.pk}") == 10


def _reachable_again(own_redis):
    """After a restart the process's connections are stale: the first call fails and the
    cache degrades for RETRY_AFTER; wait until the cache really answers again."""

    def answers():
        cache.set("probe", 1, 30)
        return cache.get("probe") == 1

    wait_for(answers, timeout=10, message="the cache did not reconnect to Redis")


@pytest.mark.django_db
def test_a_redis_restarted_from_an_old_snapshot_does_not_reopen_the_cap(own_redis, caps, member):
    client = signed_in(member)
    assert lookups(client, 4) == [200] * 4
    own_redis.command("SAVE")  # the snapshot holds a counter of 4
    assert lookups(client, 6) == [200] * 6
    assert counter(own_redis, f"user:{member.pk}") == 10

    own_redis.kill()  # a crash: nothing saved since the snapshot
    own_redis.start()
    assert counter(own_redis, f"user:{member.pk}") == 4  # the stale counter is back
    _reachable_again(own_redis)

    assert lookups(client, 3) == [429] * 3
    assert counted(user=member) == 10
    # Reconciled in Redis with the audit rows, not merely refused while Redis was away.
    assert counter(own_redis, f"user:{member.pk}") == 10


@pytest.mark.django_db
def test_a_flushed_redis_does_not_reopen_the_cap(own_redis, caps, member, key_of_a):
    api_key, text = key_of_a
    client = signed_in(member)
    core = points(1)[0]
    assert lookups(client, 10) == [200] * 10
    assert [
        with_key(text).get(f"/api/v1/metering-points/{core}/").status_code for _ in range(10)
    ] == [200] * 10

    own_redis.command("FLUSHDB")
    assert counter(own_redis, f"user:{member.pk}") is None

    assert lookups(client, 2) == [429] * 2
    assert with_key(text).get(f"/api/v1/metering-points/{core}/").status_code == 429
    assert (counted(user=member), counted(api_key=api_key)) == (10, 10)
    assert counter(own_redis, f"user:{member.pk}") == 10
    assert counter(own_redis, f"key:{api_key.pk}") == 10


# --- Another organisation's reports and bulk results, with an API key -----------------------


@pytest.mark.django_db
def test_an_api_key_gets_only_its_own_organisations_reports_and_bulk_results(
    own_redis, caps, organisation, other_organisation, member, media_root
):
    _key_b, text_b = api_key_create(
        organisation=other_organisation, name="B's system", created_by=None
    )
    report_a = ReportFactory(organisation=organisation)
    client = signed_in(member)
    core = points(1)[0]
    client.post("/bulk/", {"kind": "mpan", "text": core})
    bulk_a = bulk_search_run(bulk_search_id=BulkSearch.objects.get().pk)
    hostile = with_key(text_b)
    downloads_before = ReportDownload.objects.count()

    answers = [
        hostile.get(f"/api/v1/reports/{report_a.pk}/download/").status_code,
        hostile.get(f"/api/v1/reports/{bulk_a.result_id}/download/").status_code,
        hostile.get(f"/api/v1/bulk-searches/{bulk_a.pk}/").status_code,
        hostile.post(f"/api/v1/bulk-searches/{bulk_a.pk}/cancel/").status_code,
    ]
    listed = hostile.get("/api/v1/reports/").json()["results"]
    jobs = hostile.get("/api/v1/bulk-searches/").json()["results"]

    assert answers == [404] * 4
    assert listed == [] and jobs == []
    assert ReportDownload.objects.count() == downloads_before


@pytest.mark.django_db
def test_an_api_key_downloads_its_own_bulk_result_audited_as_the_key(
    own_redis, caps, organisation, member, key_of_a, media_root
):
    api_key, text = key_of_a
    core = points(1)[0]
    created = with_key(text).post(
        "/api/v1/bulk-searches/",
        {"kind": "mpan", "values": [core]},
        content_type="application/json",
    )
    job = bulk_search_run(bulk_search_id=created.json()["id"])
    listed = with_key(text).get("/api/v1/bulk-searches/").json()["results"]
    assert [item["id"] for item in listed] == [job.pk]

    response = with_key(text).get(listed[0]["result_download_url"])

    assert response.status_code == 200
    assert core in b"".join(response.streaming_content).decode()
    download = ReportDownload.objects.get()
    assert (download.api_key, download.user, download.via_api) == (api_key, None, True)
    assert counted(api_key=api_key) == 1  # the bulk search's one point
