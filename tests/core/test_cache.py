import pytest
from django.conf import settings as django_settings

from core.cache import FaultTolerantRedisCache
from tests.conftest import missing_part
from tests.factories import login_with_two_factors

BROKEN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broken_cache():
    return FaultTolerantRedisCache(
        BROKEN_REDIS, {"OPTIONS": {"socket_connect_timeout": 1, "RETRY_AFTER": 60}}
    )


def test_reads_miss_and_writes_are_dropped_while_redis_is_down(broken_cache):
    broken_cache.set("k", "v")
    assert broken_cache.get("k") is None
    assert broken_cache.get("k", "fallback") == "fallback"
    assert broken_cache.get_or_set("k", lambda: "computed") == "computed"
    assert broken_cache.get_many(["k"]) == {}
    assert broken_cache.delete("k") is False
    assert broken_cache.last_error.startswith("ConnectionError")


def test_add_answers_stored_so_that_locks_and_used_code_checks_do_not_block(broken_cache):
    assert broken_cache.add("lock", True) is True


def test_a_counter_that_cannot_be_read_is_a_missing_key(broken_cache):
    with pytest.raises(ValueError, match="not found"):
        broken_cache.incr("counter")


def test_after_a_failure_redis_is_left_alone_for_a_while(broken_cache, monkeypatch):
    broken_cache.get("k")
    calls = []
    monkeypatch.setattr(
        type(broken_cache._cache), "get", lambda *args, **kwargs: calls.append(args)
    )
    broken_cache.get("k")
    assert calls == []


@pytest.mark.django_db
def test_ready_names_the_cache_error_when_redis_is_down(client, settings, service_admin):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FaultTolerantRedisCache",
            "LOCATION": BROKEN_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    login_with_two_factors(client, service_admin)  # only the desk sees the detail
    response = client.get("/health/ready/")
    assert response.status_code == 503
    cache_check = response.json()["checks"]["cache"]
    assert cache_check["ok"] is False
    assert "ConnectionError" in cache_check["detail"]


def test_with_redis_up_it_is_an_ordinary_redis_cache():
    if not django_settings.REDIS_URL:
        missing_part("REDIS_URL is not set")
    cache = FaultTolerantRedisCache(django_settings.REDIS_URL, {"KEY_PREFIX": "cache-test"})
    cache.set("k", "v", 10)
    assert cache.get("k") == "v"
    assert cache.add("k", "w") is False
    cache.delete("k")
    assert cache.last_error is None


def test_redis_replies_are_parsed_by_hiredis():
    """requirements.txt installs hiredis, which redis-py uses when present: 5 % of an API
    lookup's time (docs/performance.md). Without it redis-py falls back silently."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE
