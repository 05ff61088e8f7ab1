"""Daily counters against caps, checked and counted in one atomic step.

A lookup may count against several caps at once (the user's or the API key's, the
organisation's, the organisation's bulk quota). `counters_take` checks every one of them
and counts the lookup in all of them, or in none, as one step: in Redis one Lua script,
so concurrent lookups cannot both see the last unit left (no overshoot). Written here
because no cache library offers "increment several counters only if each stays under its
own cap, seeded from the database when lost".

Each counter's record is elsewhere (the audit rows); the counter only saves counting
them at every lookup. A counter therefore carries its own proof of freshness:

- its key names the UK day, so a counter left from another day is never read;
- it stores the `run_id` of the Redis server that wrote it. A Redis restarted from an
  old snapshot (or a replica promoted in its place) has a new run_id, so every counter
  it restored is reconciled with the record: the larger of the stored value and the
  record's count (a restored counter can only be too low);
- a missing counter (flushed, evicted, a new day) is seeded from the record.

The record is counted in Python and handed to the script, which re-checks freshness
itself: a counter that became fresh in the meantime (another process seeded it and
counted more lookups) keeps its value.

Remaining gap, accepted (docs/security.md): a lookup counted in Redis whose audit row is
not yet inserted when Redis loses its data is missed by the re-seed (microseconds per
lookup in flight). Without Redis (`script_run` answers None, or a local-memory cache in
development) the record is counted directly; in a single process a lock keeps that
atomic, across processes it is not (the accepted outage behaviour).
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache

from core.throttling import WINDOW_LUA, Window, WindowRefused

# A day's counter outlives the UK day it counts (23 to 25 hours) by a margin.
COUNTER_SECONDS = 27 * 3600

# KEYS: the counters (hashes {n, run}), then each rate window's two counters (core/
# throttling.py). ARGV: wanted, partial (1/0), ttl, the number of counters, the number of
# windows, then one cap per counter, one seed per counter (-1 when not counted yet), and
# each window's limit, weight and ttl.
# Answers {-1} when a counter needs its seed; {-2, window, current, previous} when a window
# refuses (nothing is counted); else {taken, limiting counter (0: none), the counters'
# values before this take...}. A window that allows is counted even when a cap refuses, as
# a throttle ahead of the view counts it.
_TAKE = (
    WINDOW_LUA
    + """
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local wanted = tonumber(ARGV[1])
local partial = ARGV[2] == '1'
local n = tonumber(ARGV[4])
local w = tonumber(ARGV[5])
local used = {}
local write = {}
for i = 1, n do
  local stored = redis.call('HMGET', KEYS[i], 'n', 'run')
  local count = tonumber(stored[1])
  write[i] = false
  if stored[2] ~= run then
    local seed = tonumber(ARGV[5 + n + i])
    if seed < 0 then return {-1} end
    count = math.max(seed, count or 0)
    write[i] = true
  end
  used[i] = count
end
for j = 1, w do
  local base = 5 + 2 * n + 3 * (j - 1)
  local fits, current, previous = window_fits(
    KEYS[n + 2 * j - 1], KEYS[n + 2 * j], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]))
  if not fits then return {-2, j, current, previous} end
end
for j = 1, w do
  window_count(KEYS[n + 2 * j - 1], ARGV[5 + 2 * n + 3 * j])
end
local taken = wanted
local limiting = 0
for i = 1, n do
  local left = math.max(tonumber(ARGV[5 + i]) - used[i], 0)
  if left < taken then taken = left; limiting = i end
end
if taken < wanted and not partial then taken = 0 end
local answer = {taken, limiting}
for i = 1, n do
  if taken > 0 or write[i] then
    redis.call('HSET', KEYS[i], 'n', used[i] + taken, 'run', run)
    redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3]))
  end
  answer[2 + i] = used[i]
end
return answer
"""
)


@dataclass(frozen=True)
class Counter:
    """One cap: the counter's key (naming its day), the cap, and how to count the record."""

    key: str
    cap: int
    record_count: Callable[[], int]


@dataclass(frozen=True)
class Taken:
    taken: int
    # The counter that allowed less than wanted (None when all of it was taken).
    limiting: Counter | None
    # Each counter's value before this take.
    used: tuple[int, ...]


_local_lock = threading.Lock()


def counters_take(
    counters: Sequence[Counter],
    wanted: int,
    *,
    partial: bool = False,
    windows: Sequence[Window] = (),
) -> Taken:
    """Count `wanted` units in every counter if each stays within its cap; with `partial`,
    as many as all of them allow. Nothing is counted when nothing (or, without
    `partial`, not all) can be.

    `windows` are the request's rate windows (core/throttling.py, deferred by its
    throttle): checked first and counted in the same step; WindowRefused when one
    refuses, with nothing counted."""
    keys = [counter.key for counter in counters]
    caps = [counter.cap for counter in counters]
    if hasattr(cache, "script_run"):
        window_keys = [key for window in windows for key in window.keys]
        window_args = [arg for window in windows for arg in window.script_args()]

        def run(seeds: list[int]):
            head = [wanted, int(partial), COUNTER_SECONDS, len(counters), len(windows)]
            return cache.script_run(_TAKE, keys + window_keys, [*head, *caps, *seeds, *window_args])

        answer = run([-1] * len(counters))
        if answer is not None and answer[0] == -1:
            answer = run([counter.record_count() for counter in counters])
        if answer is not None and answer[0] == -2:
            _, index, current, previous = (int(value) for value in answer)
            raise WindowRefused(windows[index - 1].wait(current, previous))
        if answer is not None:
            return _taken(counters, answer)
        # Redis is unreachable: count the record (docs/security.md, accepted risks); the
        # windows are not enforced, as for every throttle then.
        used = [counter.record_count() for counter in counters]
        return _decide(counters, used, wanted, partial)
    # A local-memory cache (development, tests without Redis): one process, one lock.
    with _local_lock:
        waits = [wait for window in windows if (wait := window.take()) is not None]
        if waits:
            raise WindowRefused(max(waits))
        used = []
        for counter in counters:
            value = cache.get(counter.key)
            used.append(counter.record_count() if value is None else value)
        result = _decide(counters, used, wanted, partial)
        for counter, value in zip(counters, used, strict=True):
            cache.set(counter.key, value + result.taken, COUNTER_SECONDS)
        return result


def _decide(counters, used: list[int], wanted: int, partial: bool) -> Taken:
    taken, limiting = wanted, None
    for counter, value in zip(counters, used, strict=True):
        left = max(counter.cap - value, 0)
        if left < taken:
            taken, limiting = left, counter
    if taken < wanted and not partial:
        taken = 0
    return Taken(taken=taken, limiting=limiting, used=tuple(used))


def _taken(counters, answer: list) -> Taken:
    taken, limiting = int(answer[0]), int(answer[1])
    return Taken(
        taken=taken,
        limiting=counters[limiting - 1] if limiting else None,
        used=tuple(int(value) for value in answer[2:]),
    )
