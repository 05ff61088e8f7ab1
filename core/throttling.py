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
from dataclasses import dataclass, field

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

# The window arithmetic as Lua functions, shared with core/counters.py, which checks and
# counts a lookup's windows in the same script as its daily caps.
WINDOW_LUA = """
local function window_fits(current_key, previous_key, limit, weight)
  local current = tonumber(redis.call('GET', current_key) or '0')
  local previous = tonumber(redis.call('GET', previous_key) or '0')
  return previous * weight + current + 1 <= limit, current, previous
end
local function window_count(current_key, ttl)
  local current = redis.call('INCR', current_key)
  if current == 1 then redis.call('EXPIRE', current_key, ttl) end
  return current
end
"""

_TAKE = (
    WINDOW_LUA
    + """
local fits, current, previous = window_fits(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
if not fits then return {0, current, previous} end
return {1, window_count(KEYS[1], ARGV[3]), previous}
"""
)

_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """'600/minute' -> (600, 60); the period is a second, minute, hour or day."""
    number, period = rate.split("/")
    return int(number), _DURATIONS[period.strip()[0]]


@dataclass(frozen=True)
class Window:
    """One request of `name`, limited to `limit` per `period` seconds, at the time `now`."""

    name: str
    limit: int
    period: int
    now: float = field(default_factory=time.time)

    @property
    def keys(self) -> list[str]:
        """The current window's counter, then the previous one's."""
        window = int(self.now // self.period)
        return [f"rate:{self.name}:{window}", f"rate:{self.name}:{window - 1}"]

    @property
    def weight(self) -> float:
        """How much of the previous window the last full period still covers."""
        return (self.period - self.now % self.period) / self.period

    @property
    def ttl(self) -> int:
        return self.period * 2 + 1

    def script_args(self) -> list:
        return [self.limit, repr(self.weight), self.ttl]

    def wait(self, current: int, previous: int) -> float:
        """Seconds to wait before the estimate falls below the limit again."""
        left = self.period - self.now % self.period
        if current + 1 > self.limit or not previous:
            return left
        # The previous window's share must shrink by the excess.
        excess = previous * self.weight + current + 1 - self.limit
        return min(left, excess * self.period / previous)

    def take(self) -> float | None:
        """Count the request if it fits: None, else the seconds to wait."""
        current_key, previous_key = self.keys
        taker = getattr(cache, "script_run", None)
        if taker is not None:
            result = taker(_TAKE, [current_key, previous_key], self.script_args())
            if result is None:  # Redis unreachable: not enforced (logged by the cache)
                return None
            allowed, current, previous = (int(value) for value in result)
        else:
            counts = cache.get_many([current_key, previous_key])
            current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
            allowed = previous * self.weight + current + 1 <= self.limit
            if allowed and not cache.add(current_key, 1, self.ttl):
                cache.incr(current_key)
        return None if allowed else self.wait(current, previous)


class WindowRefused(Exception):
    """A rate window taken with the daily caps (core/counters.py) refused the request."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"rate limit reached; try again in {wait:.0f} s")
        self.wait = wait


def window_take(name: str, *, limit: int, period: int, now: float | None = None) -> float | None:
    """Count one request for `name` if it is within `limit` per `period` seconds.

    Returns None when allowed, else the seconds to wait before the estimate falls
    below the limit.
    """
    return Window(name, limit, period, time.time() if now is None else now).take()


# --- DRF ---------------------------------------------------------------------------------------


class WindowRateThrottle(BaseThrottle):
    """A DRF throttle over `Window`. Subclasses name the setting holding the rate (read at
    each request, so tests and deployments can change it) and the identity.

    A view that counts its requests against the daily caps may set
    `windows_with_caps = True`: its requests' windows are then not taken here but handed
    to the caps' take (`windows_deferred`), which checks and counts both in one Redis
    call instead of two (docs/performance.md). Whatever does not reach the caps (a
    refused input, say) has its windows taken as the answer leaves
    (`windows_deferred_take`), and is answered 429 if they refuse. A view that answers a
    refusal and goes on (the API's batch, set by set) must not defer: its later lookups
    would find no window left to refuse them."""

    scope = ""
    rate_setting = ""

    def identity(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        from django.conf import settings

        self._wait = None
        ident = self.identity(request)
        if ident is None:
            return True
        limit, period = rate_parse(getattr(settings, self.rate_setting))
        window = Window(f"{self.scope}:{ident}", limit, period)
        if getattr(view, "windows_with_caps", False):
            request.__dict__.setdefault(_DEFERRED, []).append(window)
            return True
        self._wait = window.take()
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


_DEFERRED = "_windows_deferred"


def windows_deferred(request) -> list[Window]:
    """The request's windows left for the caps' take, handed over once: whoever takes
    them counts them."""
    return request.__dict__.pop(_DEFERRED, [])


def windows_deferred_take(request) -> float | None:
    """Take the windows nothing took during the request: None, or the longest wait of
    those that refused."""
    waits = [wait for window in windows_deferred(request) if (wait := window.take()) is not None]
    return max(waits) if waits else None
