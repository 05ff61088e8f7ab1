import pytest
from django.conf import settings

from tests.factories import login_with_two_factors

BROKEN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_answers_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def desk(client, service_admin):
    login_with_two_factors(client, service_admin)
    return client


@pytest.mark.django_db
def test_ready_reports_each_dependency(desk):
    response = desk.get("/health/ready/")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_ready_is_503_when_the_broker_is_down(desk, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKEN_REDIS
    response = desk.get("/health/ready/")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_ready_is_503_when_the_cache_is_down(desk, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FaultTolerantRedisCache",  # as in production
            "LOCATION": BROKEN_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = desk.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_ready_is_503_when_the_database_cannot_be_used(client, caplog):
    # No django_db mark: pytest-django refuses every query, as a dead database would.
    # Nobody can be recognised as the service desk then: the status, and the log.
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "readiness check database failed" in caplog.text


@pytest.mark.django_db
def test_only_the_service_desk_sees_which_check_failed_and_why(
    client, member, service_admin, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKEN_REDIS
    assert client.get("/health/ready/").json() == {"status": "unavailable"}
    client.force_login(member)
    assert client.get("/health/ready/").json() == {"status": "unavailable"}
    client.force_login(service_admin)  # a password-only session: not enough
    assert client.get("/health/ready/").json() == {"status": "unavailable"}
    login_with_two_factors(client, service_admin)
    body = client.get("/health/ready/").json()
    assert body["checks"]["broker"]["ok"] is False
    assert "127.0.0.1:1" in body["checks"]["broker"]["detail"]


def test_ready_uses_the_configured_cache_backend():
    expected = "RedisCache" if settings.REDIS_URL else "LocMemCache"
    assert settings.CACHES["default"]["BACKEND"].endswith(expected)
