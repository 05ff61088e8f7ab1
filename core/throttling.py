"""Request-rate limits that cost the same at any rate: a sliding-window counter.

DRF's `SimpleRateThrottle` keeps the time of every request within the period in the
cache and reads, trims and rewrites that list at each request: 600 entries for a client
at 600 requests a minute, and more the higher the limit. Here a client's requests are
counted per fixed window of the period in Redis, and the limit applies to an estimate of
the last full period: the current window's count plus the previous window's, weighted
by how much of it the last period still covers (as Cloudflare and nginx-style limiters
do). The check and the count are one atomic Lua script: one round trip per request, and
a refused request is not counted, so a client that waits gets through again.

Without Redis (the development default, a local-memory cache) the same arithmetic runs
on the Django cache. While Redis is unreachable the limit is not enforced (fail open, as
for the rest of the cache; docs/security.md).
"""

import logging
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_TAKE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current + 1 > tonumber(ARGV[1]) then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {1, current, previous}
"""

_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """'600/minute' -> (600, 60); the period is a second, minute, hour or day."""
    number, period = rate.split("/")
    return int(number), _DURATIONS[period.strip()[0]]


def window_take(name: str, *, limit: int, period: int, now: float | None = None) -> float | None:
    """Count one request for `name` if it is within `limit` per `period` seconds.

    Returns None when allowed, else the seconds to wait before the estimate falls
    below the limit.
    """
    now = time.time() if now is None else now
    window, elapsed = divmod(now, period)
    weight = (period - elapsed) / period
    current_key = f"rate:{name}:{int(window)}"
    previous_key = f"rate:{name}:{int(window) - 1}"
    taker = getattr(cache, "script_run", None)
    if taker is not None:
        result = taker(_TAKE, [current_key, previous_key], [limit, repr(weight), period * 2 + 1])
        if result is None:  # Redis unreachable: not enforced (logged by the cache)
            return None
        allowed, current, previous = (int(value) for value in result)
    else:
        counts = cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        allowed = previous * weight + current + 1 <= limit
        if allowed and not cache.add(current_key, 1, period * 2 + 1):
            cache.incr(current_key)
    if allowed:
        return None
    if current + 1 > limit or not previous:
        return period - elapsed
    # The previous window's share must shrink by the excess.
    excess = previous * weight + current + 1 - limit
    return min(period - elapsed, excess * period / previous)


class WindowRateThrottle(BaseThrottle):
    """A DRF throttle over `window_take`. Subclasses name the setting holding the rate
    (read at each request, so tests and deployments can change it) and the identity."""

    scope = ""
    rate_setting = ""

    def identity(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        from django.conf import settings

        ident = self.identity(request)
        if ident is None:
            return True
        limit, period = rate_parse(getattr(settings, self.rate_setting))
        self._wait = window_take(f"{self.scope}:{ident}", limit=limit, period=period)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
