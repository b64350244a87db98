"""Fixed-window counters: Redis for every instance together, an in-process fallback per instance.

A request hits several counters at once (the tenant's minute, hour and day windows, and its API
key's). They are checked and counted **all or nothing**, in one atomic step: if any of them
would go over its limit, none is incremented and the request is refused; otherwise all are.
So a refused request spends nothing (a client hammering past its limit does not push its hour
and day budgets down), and exactly ``limit`` requests pass a window however many arrive at once.

Redis: one Lua script per request (EVALSHA, one round trip for all windows of all descriptors),
keys ``rl:{<tenant>}:...:<window>:<bucket>`` (the hash tag keeps a request's keys on one Redis
Cluster slot), each expiring shortly after its window ends.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.kit.logging import get_logger
from services.kit.ratelimit.limits import Window

log = get_logger(__name__)

#: Counters outlive their window by this much (clock differences between instances).
EXPIRY_MARGIN_S = 60


class CounterSpec(NamedTuple):
    """One window of one subject, as of one request: ``key`` is its Redis key for the window the
    request falls in (``at``), ``limit`` the subject's limit. A tuple: several are built per
    request, and the key once, not once per store that reads it."""

    key: str
    window: Window
    limit: int
    hits: int = 1

    @classmethod
    def at(cls, name: str, window: Window, limit: int, now: float, hits: int = 1) -> CounterSpec:
        """``name`` is the subject (``{acme}:t``); the key names the window ``now`` falls in."""
        return cls(f"rl:{name}:{window.letter}:{window.bucket(now)}", window, limit, hits)

    def expiry(self, now: float) -> int:
        return int(self.window.until_reset(now)) + EXPIRY_MARGIN_S


@dataclass(frozen=True)
class Outcome:
    """``allowed``: the request passed every counter; ``counts[i]``: counter i after the request
    (when allowed) or as found (when refused)."""

    allowed: bool
    counts: tuple[int, ...]
    #: "redis" or "local": which store decided (logged and tested, never sent to clients)
    backend: str


class Counters(Protocol):
    async def hit(self, specs: Sequence[CounterSpec], now: float) -> Outcome: ...

    async def peek(self, specs: Sequence[CounterSpec], now: float) -> tuple[int, ...]:
        """The counts so far, counting nothing (what a usage report shows)."""
        ...


# KEYS[i]: counter i. ARGV[3i-2], ARGV[3i-1], ARGV[3i]: its limit, expiry (s), hits.
# Returns {refused (0/1), count_1, ..., count_n}.
HIT_ALL_OR_NOTHING = """
local counts = {}
local refused = 0
for i = 1, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = current
  if current + tonumber(ARGV[3 * i]) > tonumber(ARGV[3 * i - 2]) then refused = 1 end
end
if refused == 0 then
  for i = 1, #KEYS do
    local hits = tonumber(ARGV[3 * i])
    counts[i] = redis.call('INCRBY', KEYS[i], hits)
    if counts[i] == hits then redis.call('EXPIRE', KEYS[i], ARGV[3 * i - 1]) end
  end
end
table.insert(counts, 1, refused)
return counts
"""


class RedisCounters:
    """The shared counters. Raises RedisError/OSError when Redis cannot answer in time."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._script = client.register_script(HIT_ALL_OR_NOTHING)

    @classmethod
    def connect(cls, url: str, timeout_s: float, max_connections: int = 32) -> RedisCounters:
        # A bounded pool: a burst of checks shares a few connections (waiting up to timeout_s for
        # one) instead of opening one each, which under load times out and trips the fallback.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout_s,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
        )
        return cls(aioredis.Redis(connection_pool=pool))

    async def hit(self, specs: Sequence[CounterSpec], now: float) -> Outcome:
        if not specs:
            return Outcome(True, (), "redis")
        args: list[Any] = []
        for spec in specs:
            args += [spec.limit, spec.expiry(now), spec.hits]
        reply = await self._script(keys=[s.key for s in specs], args=args)
        return Outcome(allowed=int(reply[0]) == 0, counts=tuple(int(c) for c in reply[1:]), backend="redis")

    async def peek(self, specs: Sequence[CounterSpec], now: float) -> tuple[int, ...]:
        if not specs:
            return ()
        values = await self.client.mget([s.key for s in specs])
        return tuple(int(v) if v is not None else 0 for v in values)

    async def close(self) -> None:
        await self.client.aclose()


class LocalCounters:
    """The same counting in this process only: the fallback while Redis is down.

    Each instance of the service counts on its own, so with N instances a subject may pass up
    to N times its limit while Redis is down (docs/rate-limits.md). Counters of past windows
    are dropped as the table grows.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._counts: dict[str, tuple[float, int]] = {}  # key -> (expires at, count)

    async def hit(self, specs: Sequence[CounterSpec], now: float) -> Outcome:
        keys = [s.key for s in specs]
        current = [self._counts.get(k, (0.0, 0))[1] for k in keys]
        if any(c + s.hits > s.limit for c, s in zip(current, specs, strict=True)):
            return Outcome(False, tuple(current), "local")
        if len(self._counts) + len(keys) > self.max_entries:
            self._prune(now)
        after = []
        for key, count, spec in zip(keys, current, specs, strict=True):
            self._counts[key] = (now + spec.expiry(now), count + spec.hits)
            after.append(count + spec.hits)
        return Outcome(True, tuple(after), "local")

    async def peek(self, specs: Sequence[CounterSpec], now: float) -> tuple[int, ...]:
        return tuple(self._counts.get(s.key, (0.0, 0))[1] for s in specs)

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        if len(self._counts) > self.max_entries // 2:  # all current: forget the oldest half
            keep = sorted(self._counts.items(), key=lambda kv: kv[1][0])[len(self._counts) // 2 :]
            self._counts = dict(keep)


class FailoverCounters:
    """Redis while it answers; the local counters when it does not (fail open, but still
    limited), retrying Redis every ``retry_s`` seconds."""

    def __init__(self, shared: Counters, local: LocalCounters, *, retry_s: float) -> None:
        self.shared = shared
        self.local = local
        self.retry_s = retry_s
        self._redis_down_until = 0.0

    @property
    def redis_down(self) -> bool:
        return time.monotonic() < self._redis_down_until

    async def hit(self, specs: Sequence[CounterSpec], now: float) -> Outcome:
        if not self.redis_down:
            try:
                return await self.shared.hit(specs, now)
            except (RedisError, OSError) as exc:
                if not self.redis_down:
                    log.warning("redis unavailable: counting in this process only", error=repr(exc))
                self._redis_down_until = time.monotonic() + self.retry_s
        return await self.local.hit(specs, now)

    async def peek(self, specs: Sequence[CounterSpec], now: float) -> tuple[int, ...]:
        if not self.redis_down:
            try:
                return await self.shared.peek(specs, now)
            except (RedisError, OSError) as exc:
                log.warning("redis unavailable: reporting this process's counts", error=repr(exc))
        return await self.local.peek(specs, now)
