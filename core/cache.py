"""A Redis cache that degrades instead of failing when Redis is down.

Django's RedisCache raises on every call when Redis cannot be reached, which would turn
every page (the service-status banner, DRF throttles, allauth's rate limits and used TOTP
codes, all in the cache) into a 500. Everything this portal keeps in the cache can be
recomputed or is a limit, so while Redis is away:

- reads miss (return the default), writes and deletes are dropped;
- `add` answers True ("stored"): allauth's rate-limit lock and its used-TOTP-code check
  call it, and False would lock every user out. Rate limits and TOTP replay protection
  are therefore *not enforced* during an outage (fail open, logged; docs/security.md);
- after a failure Redis is not tried again for `RETRY_AFTER` seconds (OPTIONS), so an
  outage costs one connection timeout per process and interval, not one per call.

`/health/ready/` still reports the outage: its cache check finds that nothing is stored
and names the last error (`last_error`).
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrading(fallback):
    """Run the RedisCache method; while Redis is unreachable, answer `fallback(*args)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._retry_at:
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except _OUTAGE_ERRORS as error:
                self._outage(error)
                return fallback(*args, **kwargs)
            self.last_error = None
            return result

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _none(*args, **kwargs):
    return None


def _true(*args, **kwargs):
    return True


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _all_failed(data, *args, **kwargs):
    return list(data)


def _incr_failed(key, delta=1, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (the cache is unavailable)")


_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call, and building one
    fills a table of about 170 response callbacks: about a fifth of a millisecond, three
    times per API request. One `redis.Redis` per connection pool is enough (it is
    thread-safe; the pool hands out the connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class FaultTolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._retry_at = 0.0
        self.last_error: str | None = None
        self._scripts: dict[str, object] = {}  # Lua source -> redis-py Script (EVALSHA)

    def _outage(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + self.retry_after
        self.last_error = f"{type(error).__name__}: {error}"
        logger.warning(
            "cache unavailable, degrading for %.0f s (rate limits not enforced): %s",
            self.retry_after,
            self.last_error,
        )

    get = _degrading(_default)(RedisCache.get)
    set = _degrading(_none)(RedisCache.set)
    add = _degrading(_true)(RedisCache.add)
    touch = _degrading(_false)(RedisCache.touch)
    delete = _degrading(_false)(RedisCache.delete)
    has_key = _degrading(_false)(RedisCache.has_key)
    get_many = _degrading(_empty)(RedisCache.get_many)
    set_many = _degrading(_all_failed)(RedisCache.set_many)
    delete_many = _degrading(_none)(RedisCache.delete_many)

    @_degrading(_incr_failed)
    def incr(self, key, delta=1, version=None):
        """As RedisCache.incr (ValueError for a missing key), in one round trip
        instead of two (EXISTS, then INCRBY)."""
        value = self.script_run(_INCR_EXISTING, [key], [delta], version=version)
        if value is None:
            raise ValueError(f"Key '{key}' not found")
        return value

    clear = _degrading(_false)(RedisCache.clear)

    @_degrading(_none)
    def script_run(self, script: str, keys: list[str], args: list, version=None) -> list:
        """Run a Lua script on the keys (made with this cache's prefix and version);
        None while Redis is unreachable. The script is cached by Redis (EVALSHA)."""
        runner = self._scripts.get(script)
        if runner is None:
            runner = self._cache.get_client(write=True).register_script(script)
            self._scripts[script] = runner
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        return runner(keys=made, args=args)
