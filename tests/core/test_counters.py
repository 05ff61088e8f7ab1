"""Daily counters against caps (core/counters.py), in the cache the tests run with
(local memory on a laptop, Redis in CI); the Redis-only cases (a restart from an old
snapshot, a flush, racing) are in tests/security/test_hostile_reads.py."""

import pytest

from core.counters import Counter, counters_take
from core.throttling import Window, WindowRefused


def counter(key: str, cap: int, record: int = 0) -> Counter:
    return Counter(key, cap, lambda: record)


def test_a_take_counts_in_every_counter_while_each_stays_under_its_cap():
    first, second = counter("t:first", 5), counter("t:second", 3)
    assert counters_take([first, second], 2).taken == 2
    taken = counters_take([first, second], 2)
    assert (taken.taken, taken.limiting, taken.used) == (0, second, (2, 2))
    assert counters_take([first, second], 1).taken == 1
    assert counters_take([first], 0).used == (3,)


def test_a_partial_take_counts_what_is_left_and_names_the_limit():
    limit = counter("t:partial", 5)
    taken = counters_take([limit], 8, partial=True)
    assert (taken.taken, taken.limiting) == (5, limit)
    assert counters_take([limit], 1, partial=True).taken == 0


def test_a_missing_counter_starts_from_the_record():
    assert counters_take([counter("t:seeded", 10, record=9)], 1).used == (9,)
    assert counters_take([counter("t:seeded", 10, record=0)], 1).taken == 0


@pytest.mark.parametrize("wanted", [0, 1])
def test_nothing_is_counted_when_the_cap_is_reached(wanted):
    full = counter("t:full", 2, record=2)
    assert counters_take([full], wanted).taken == 0
    assert counters_take([full], 0).used == (2,)


# --- Rate windows taken with the caps (core/throttling.py) ------------------------------------

START = 1_800_000_000.0  # a multiple of 60: the start of a minute window


@pytest.fixture(params=["configured cache", "local-memory cache"])
def cache_kind(request, settings):
    if request.param == "local-memory cache":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    return request.param


def window(second: float, name: str = "client", limit: int = 2) -> Window:
    return Window(name, limit, 60, START + second)


def test_a_window_that_allows_is_counted_with_the_caps(cache_kind):
    cap = counter("t:with-window", 10)
    assert counters_take([cap], 1, windows=[window(0)]).taken == 1
    assert counters_take([cap], 1, windows=[window(1)]).taken == 1
    # The third request in the minute: refused, and neither the window nor the cap counts.
    with pytest.raises(WindowRefused) as refused:
        counters_take([cap], 1, windows=[window(20)])
    assert refused.value.wait == pytest.approx(40)
    assert counters_take([cap], 0).used == (2,)
    # The same arithmetic as the throttle's own take: that window is full there too.
    assert window(21).take() == pytest.approx(39)
    assert window(21, name="another-client").take() is None


def test_a_window_counts_even_when_a_cap_refuses(cache_kind):
    full = counter("t:full-cap", 1, record=1)
    assert counters_take([full], 1, windows=[window(0, name="capped")]).taken == 0
    assert counters_take([full], 1, windows=[window(1, name="capped")]).taken == 0
    with pytest.raises(WindowRefused):
        counters_take([full], 1, windows=[window(2, name="capped")])
