import os
import shutil

import pytest

from accounts.roles import MarketRole, UserRole
from config.celery import app as celery_app
from tests.factories import OrganisationFactory, UserFactory, totp_enable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing_part(reason: str) -> None:
    """Skip on a developer's laptop, but fail in CI, where every part must be present."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def database_env() -> dict[str, str]:
    """DATABASE_URL (and DATABASE_REPLICA_URL) of the test database, for a process the
    test starts (a worker): the replica's settings name the test database too (MIRROR)."""
    from django.db import connections

    env = {}
    for alias, variable in (("default", "DATABASE_URL"), ("replica", "DATABASE_REPLICA_URL")):
        if alias in connections.settings:
            db = connections[alias].settings_dict
            env[variable] = (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}"
                f":{db['PORT'] or 5432}/{db['NAME']}"
            )
    return env


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager_by_default():
    """Tasks run in-process unless a test asks for the real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        missing_part(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def organisation(db):
    return OrganisationFactory(mpid="ORGA", name="Organisation A")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(mpid="ORGB", name="Organisation B")


@pytest.fixture
def member(organisation):
    return UserFactory(organisation=organisation, email="member@orga.example")


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    """A temporary MEDIA_ROOT for tests that write files, also seen by a worker process."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    return root


@pytest.fixture
def org_admin(organisation):
    """The owner: an organisation admin of organisation A."""
    return UserFactory(
        organisation=organisation, email="admin@orga.example", role=UserRole.ORGANISATION_ADMIN
    )


@pytest.fixture
def outsider_admin(other_organisation):
    """An organisation admin of organisation B, who must never see A's users."""
    return UserFactory(
        organisation=other_organisation,
        email="admin@orgb.example",
        role=UserRole.ORGANISATION_ADMIN,
    )


@pytest.fixture
def operator_organisation(db):
    return OrganisationFactory(mpid="DESK", name="Service desk", role_codes=MarketRole.OPERATOR)


@pytest.fixture
def service_admin_without_mfa(operator_organisation):
    """A service admin who has not set up two-factor authentication yet."""
    return UserFactory(
        organisation=operator_organisation,
        email="desk@operator.example",
        role=UserRole.SERVICE_ADMIN,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def member_client(client, member):
    """The test client, logged in as a plain member of organisation A."""
    client.force_login(member)
    return client


@pytest.fixture
def service_admin(service_admin_without_mfa):
    """A service admin with TOTP set up, as the MFA middleware requires of them."""
    totp_enable(service_admin_without_mfa)
    return service_admin_without_mfa


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and used TOTP codes live in the cache (Redis in CI), which
    outlives a test; start each test with none."""
    from django.core.cache import cache

    from search.data_items import role_codes_forget

    cache.clear()
    role_codes_forget()  # ids come back after a rollback on SQLite


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery worker` process on the Redis broker, reading the test database.

    Yields the name of a queue only this worker consumes, so tasks sent by the test
    cannot be taken by any other worker that shares the broker.
    """
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    if not settings.REDIS_URL:
        missing_part("REDIS_URL is not set: the Celery worker needs a Redis broker")
    if connection.vendor != "postgresql":
        missing_part("the Celery worker test needs PostgreSQL (DATABASE_URL) to share data")

    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, **database_env(), "REDIS_URL": settings.REDIS_URL}
    log = tmp_path / "worker.log"
    with log.open("wb") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        celery_app.conf.task_always_eager = False
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Let the test database be dropped at the end of the run on PostgreSQL.

    Threads of the live server may leave pooled connections checked out; they would
    block DROP DATABASE, so close the pool and end any backend still attached.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        connection.close_pool()


@pytest.fixture(autouse=True)
def _service_status_cache_cleared():
    """The service status snapshot is cached; a test must not see the last test's windows."""
    from service_status.queries import status_cache_clear

    status_cache_clear()
    yield
    status_cache_clear()
