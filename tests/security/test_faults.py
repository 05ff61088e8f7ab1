"""Faults with real services: Redis crashes, database connections die, a worker is killed
in the middle of an ingest. Nothing may be lost and the portal must keep answering.

Each test breaks only services it started itself (tests/security/services.py): its own
redis-server on a free port, its own Celery workers. The database "restart" terminates
every backend of the test database, which is what clients see when PostgreSQL restarts,
without touching the shared cluster.
"""

import io
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from accounts.roles import MarketRole
from bench.generate import metering_points, refresh_write
from config.celery import app as celery_app
from core.tasks import sessions_clear_expired
from registry.models import FlowFile, FlowFileChannel, FlowFileStatus, Meter, MeteringPoint
from registry.services import flow_file_receive
from registry.tasks import flow_file_process
from tests.conftest import missing_part
from tests.core.test_tasks import make_session
from tests.factories import (
    TEST_PASSWORD,
    MeteringPointFactory,
    OrganisationFactory,
    UserFactory,
    login_with_two_factors,
)
from tests.security.services import (
    OwnRedis,
    database_backends_terminate,
    wait_for,
    worker_start,
    worker_stop,
)

pytestmark = [pytest.mark.worker, pytest.mark.faults]


@pytest.fixture
def own_redis(tmp_path):
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = OwnRedis(folder)
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def tasks_to_the_broker():
    """Tasks go to the broker (the conftest runs them eagerly unless told otherwise; it
    restores that after the test)."""
    celery_app.conf.task_always_eager = False


@pytest.fixture
def portal_on_own_redis(settings, own_redis, tasks_to_the_broker):
    """This process's cache and broker point at our own Redis."""
    settings.REDIS_URL = own_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FaultTolerantRedisCache",
            "LOCATION": own_redis.url,
            "KEY_PREFIX": "ecoes",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 0.5},
        }
    }
    settings.CELERY_BROKER_URL = own_redis.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return own_redis


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        missing_part("the worker and fault tests need PostgreSQL (DATABASE_URL)")


def _ready(client) -> dict:
    return client.get("/health/ready/").json()


# --- Redis crashes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_search_login_and_the_api_still_work_and_ready_says_so(
    portal_on_own_redis, member, service_admin
):
    point = MeteringPointFactory(postcode="SW1A 1AA")
    client = Client()
    client.force_login(member)
    assert client.get("/search/", {"q": "SW1A 1AA"}).status_code == 200
    assert _ready(client)["status"] == "ok"

    portal_on_own_redis.kill()

    started = time.monotonic()
    response = client.get("/search/", {"q": "SW1A 1AA"})
    assert response.status_code == 200
    assert point.mpan_core in response.text
    assert client.get(f"/metering-points/{point.mpan_core}/").status_code == 200
    # DRF's throttle reads the cache; allauth's login rate limits too.
    assert client.get(f"/api/v1/metering-points/{point.mpan_core}/").status_code == 200
    login = Client().post("/accounts/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert login.status_code == 302
    assert time.monotonic() - started < 10, "each request waited for the dead Redis"
    desk = Client()
    login_with_two_factors(desk, service_admin)  # only the desk sees which check failed
    ready = desk.get("/health/ready/")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True

    portal_on_own_redis.start()
    wait_for(
        lambda: _ready(Client())["status"] == "ok",
        timeout=15,
        message="/health/ready/ did not recover once Redis was back",
    )


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_before_a_redis_crash_run_when_it_returns(
    postgresql, portal_on_own_redis, tmp_path
):
    redis = portal_on_own_redis
    queue, later_queue = f"q-{uuid.uuid4().hex[:8]}", f"later-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"
    worker = worker_start(redis_url=redis.url, queue=queue, log=log)
    try:
        queued_before = make_session(expired=True)
        with celery_app.connection_for_write(redis.url) as broker:
            # Nobody consumes this queue yet: the task waits in Redis through the crash.
            sessions_clear_expired.apply_async(queue=later_queue, connection=broker)
        assert redis.command("LLEN", later_queue) == 1

        redis.kill()
        time.sleep(1)
        redis.start()

        assert redis.command("LLEN", later_queue) == 1, "the queued task was lost"
        # A worker for that queue, started now, finds the task and runs it.
        late_worker = worker_start(redis_url=redis.url, queue=later_queue, log=log)
        try:
            wait_for(
                lambda: not Session.objects.filter(pk=queued_before).exists(),
                timeout=30,
                message=lambda: f"the queued task did not run:\n{log.read_text()[-3000:]}",
            )
        finally:
            worker_stop(late_worker)

        # The worker that was running through the crash reconnects and takes new tasks.
        sent_after = make_session(expired=True)
        with celery_app.connection_for_write(redis.url) as broker:
            sessions_clear_expired.apply_async(queue=queue, connection=broker)
        wait_for(
            lambda: not Session.objects.filter(pk=sent_after).exists(),
            timeout=90,
            message=lambda: f"the running worker did not resume:\n{log.read_text()[-3000:]}",
        )
    finally:
        worker_stop(worker)


# --- PostgreSQL connections die -----------------------------------------------------------


def _get(url: str, session: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_requests_recover_when_every_database_connection_is_cut_during_load(
    postgresql, live_server, member
):
    """Through a real server (the test client keeps connections open between requests,
    which a real request cycle does not), four users search while every connection of
    the test database is terminated; the pool's health check replaces the dead ones."""
    MeteringPointFactory(postcode="SW1A 1AA")
    signed_in = Client()
    signed_in.force_login(member)
    session = signed_in.cookies["sessionid"].value
    url = f"{live_server.url}/search/?q=SW1A+1AA"
    results: list[tuple[float, float, int]] = []
    stop = threading.Event()

    def user():
        while not stop.is_set():
            asked = time.monotonic()
            status = _get(url, session)
            results.append((asked, time.monotonic(), status))

    threads = [threading.Thread(target=user) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    cut_at = time.monotonic()
    assert database_backends_terminate() > 0
    cut_done = time.monotonic()
    connection.close()  # this thread's connection was cut too
    time.sleep(2.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    # Requests in flight when the connections were cut may fail; none before or after:
    # without the pool's check, the first requests after the cut get dead connections.
    before = [status for _, answered, status in results if answered < cut_at]
    after = [status for asked, _, status in results if asked > cut_done]
    assert before and set(before) == {200}
    assert len(after) > 10, "too few requests after the cut to tell"
    assert set(after) == {200}, f"requests did not recover: {after}"


# --- A worker killed in the middle of an ingest --------------------------------------------

POINTS = 40000


@pytest.fixture
def refresh_file(media_root):
    distributor = OrganisationFactory(
        mpid="LOND", name="London Power", role_codes=MarketRole.DISTRIBUTOR
    )
    UserFactory(organisation=distributor)
    out = io.StringIO()
    refresh_write(
        out, points=metering_points(POINTS, distributor_id="12", seed=7), distributor_id="12"
    )
    content = out.getvalue().encode()
    flow_file = flow_file_receive(
        content=io.BytesIO(content),
        original_name="refresh.txt",
        channel=FlowFileChannel.COMMAND,
        sender=distributor,
        queue=False,
    )
    meters = sum(1 for line in content.splitlines() if line.startswith(b"R04|"))
    return flow_file, meters


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_ingest_leaves_the_file_for_the_next_to_apply_exactly_once(
    postgresql, own_redis, tasks_to_the_broker, refresh_file, tmp_path
):
    flow_file, meters = refresh_file
    # Redis hands an unacknowledged task to another worker after the visibility timeout,
    # twice the task time limit: short here so the test does not wait for hours.
    env = {"CELERY_TASK_TIME_LIMIT": "10"}
    queue = f"ingest-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"
    first = worker_start(redis_url=own_redis.url, queue=queue, log=log, env=env)
    try:
        with celery_app.connection_for_write(own_redis.url) as broker:
            flow_file_process.apply_async(args=[flow_file.pk], queue=queue, connection=broker)
        wait_for(
            lambda: FlowFile.objects.get(pk=flow_file.pk).status == FlowFileStatus.PROCESSING,
            timeout=30,
            message="the worker did not start the ingest",
            interval=0.02,
        )
        time.sleep(0.2)
        first.kill()  # SIGKILL, in the middle of the one ingest transaction
        first.wait(timeout=10)
        assert FlowFile.objects.get(pk=flow_file.pk).status == FlowFileStatus.PROCESSING, (
            "the ingest finished before the kill: make the file bigger"
        )
        assert MeteringPoint.objects.count() == 0, "a killed ingest left rows behind"
    finally:
        worker_stop(first)

    assert own_redis.command("ZCARD", "unacked_index") == 1, "the killed worker's task is gone"
    second = worker_start(redis_url=own_redis.url, queue=queue, log=log, env=env)
    try:
        wait_for(
            lambda: FlowFile.objects.get(pk=flow_file.pk).status == FlowFileStatus.APPLIED,
            timeout=90,
            message=lambda: f"the new worker did not apply the file:\n{log.read_text()[-3000:]}",
            interval=0.5,
        )
    finally:
        worker_stop(second)
    flow_file.refresh_from_db()
    assert flow_file.accepted_count == POINTS
    assert MeteringPoint.objects.count() == POINTS
    assert Meter.objects.count() == meters
    assert log.read_text().count(f"flow file {flow_file.pk} applied") == 1
