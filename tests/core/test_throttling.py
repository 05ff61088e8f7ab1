"""The sliding-window rate limit, on the configured cache (Redis in CI: the Lua
script) and on a local-memory cache (the development default: the same arithmetic)."""

import pytest

from core.throttling import rate_parse, window_take

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
START = 1_800_000_000.0  # a multiple of 60: the start of a minute window


@pytest.fixture(params=["configured cache", "local-memory cache"])
def cache_kind(request, settings):
    if request.param == "local-memory cache":
        settings.CACHES = LOCAL
    from django.core.cache import cache

    cache.clear()
    return request.param


def take(now: float, name: str = "client") -> float | None:
    return window_take(name, limit=3, period=60, now=now)


def test_the_limit_holds_within_a_window_and_says_how_long_to_wait(cache_kind):
    assert [take(START + second) for second in (0, 1, 2)] == [None, None, None]
    assert take(START + 20) == pytest.approx(40)  # the rest of the window


def test_refused_requests_are_not_counted(cache_kind):
    for second in (0, 1, 2):
        take(START + second)
    for second in range(10, 20):
        assert take(START + second) is not None
    # Half-way through the next window the last window counts for half: 1.5 + 1 <= 3.
    assert take(START + 90) is None
    # A second one would make 3.5; the previous window's share must shrink by 0.5,
    # which takes 10 of its 60 seconds (3 requests).
    assert take(START + 90) == pytest.approx(10)


def test_the_previous_window_fades_out(cache_kind):
    for second in (50, 55, 59):
        take(START + second)
    # Just after the window turns, nearly the whole last minute still counts.
    assert take(START + 61) is not None
    assert take(START + 115) is None  # 3 * 5/60 + 0 + 1 <= 3


def test_clients_are_counted_apart(cache_kind):
    for second in (0, 1, 2):
        take(START + second, "one")
    assert take(START + 3, "one") is not None
    assert take(START + 3, "two") is None


def test_rates_read_as_drf_writes_them():
    assert rate_parse("600/minute") == (600, 60)
    assert rate_parse("5/second") == (5, 1)
    assert rate_parse("1000/hour") == (1000, 3600)
    assert rate_parse("20000/day") == (20000, 86400)
