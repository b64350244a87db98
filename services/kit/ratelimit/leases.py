"""Counting without a Redis round trip per request: each process leases tokens from the shared
counters in small batches and spends them locally.

A lease takes up to ``n`` requests' worth of a window at once from Redis (``INCRBY`` by what is
left under the limit, atomically, in one script for every window a request touches). While a
process holds tokens for every window of a request, the request is decided in memory; when one
runs low (half a lease left) the next lease is taken in the background, so a steady client
never waits for Redis. A request waits for Redis only when a window has no token here: its
first request, or near the limit.

What this keeps and what it costs:

* **never over the limit**: a window's Redis counter counts every token leased, spent or not, and
  a lease never goes past the limit, so all processes together admit at most ``limit``;
* **all or nothing** per request, as before: it spends a token of every window or none;
* tokens leased but unspent when a window ends are lost: a window can admit up to one lease per
  process fewer than its limit, and only when every process holds a partial lease at its end.
  Leases are a fiftieth of the limit (at most ``MAX_LEASE``, at least 1): a limit of 100/min
  leases 2 at a time, and limits under 100 lease 1, so small limits stay exact;
* ``X-RateLimit-Remaining`` counts other processes' leased tokens as spent (it may be low by
  their unspent leases, never high).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from services.kit.logging import get_logger
from services.kit.ratelimit.counters import CounterSpec, Outcome, RedisCounters

log = get_logger(__name__)

#: The largest lease (requests of one window taken at once by one process).
MAX_LEASE = 100

# KEYS[i]: counter i. ARGV[3i-2], ARGV[3i-1], ARGV[3i]: its limit, expiry (s), tokens wanted.
# Returns {granted_1, count_1, ..., granted_n, count_n}: count is the counter after the lease.
LEASE = """
local out = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i - 2])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  local grant = math.min(tonumber(ARGV[3 * i]), limit - current)
  if grant > 0 then
    current = redis.call('INCRBY', KEYS[i], grant)
    if current == grant then redis.call('EXPIRE', KEYS[i], ARGV[3 * i - 1]) end
  else
    grant = 0
  end
  out[2 * i - 1] = grant
  out[2 * i] = current
end
return out
"""


def lease_size(limit: int) -> int:
    return max(1, min(MAX_LEASE, limit // 50))


@dataclass
class _Pool:
    """The tokens this process holds of one window."""

    tokens: int = 0
    #: the limit the tokens were leased under (a policy change gives them back)
    limit: int = 0
    #: the Redis counter after this process's last lease (every token leased anywhere so far)
    leased_total: int = 0
    #: Redis had no more for this window: requests beyond the tokens held are refused here
    exhausted: bool = False
    #: the lease in flight for this window, if any (at most one: concurrent requests wait for it)
    leasing: asyncio.Future[None] | None = None
    ends_at: float = 0.0

    @property
    def spent(self) -> int:
        """Requests counted so far, as far as this process knows (others' leases count as spent)."""
        return self.leased_total - self.tokens


class LeasedCounters:
    """The shared counters, spent locally from leases. Raises RedisError/OSError when a request
    needs Redis and Redis cannot answer in time (the caller falls back, see FailoverCounters)."""

    def __init__(self, shared: RedisCounters, max_pools: int = 100_000) -> None:
        self.shared = shared
        self.max_pools = max_pools
        self._script = shared.client.register_script(LEASE)
        self._pools: dict[str, _Pool] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def hit(self, specs: Sequence[CounterSpec], now: float) -> Outcome:
        # The steady state, without an await: every window holds a token here under its limit.
        pools = []
        for spec in specs:
            pool = self._pools.get(spec.key)
            if pool is None or pool.limit != spec.limit or pool.tokens < spec.hits:
                return await self._hit_leasing(specs, now)
            pools.append(pool)
        return self._spend(specs, pools, now)

    async def _hit_leasing(self, specs: Sequence[CounterSpec], now: float) -> Outcome:
        """A request some window of which has no token here (or a changed limit): lease first."""
        pools = [self._pool(s, now) for s in specs]
        changed = [(s.key, p) for p, s in zip(pools, specs, strict=True) if p.limit != s.limit]
        for key, pool in changed:  # a new policy: what was leased under the old one goes back
            if pool.leasing is not None:
                await asyncio.wait({pool.leasing})
            await self._give_back(key, pool)
        for pool, spec in zip(pools, specs, strict=True):
            pool.limit = spec.limit
        while True:  # until every window has a token here, or one cannot get any
            short = [
                i
                for i, (p, s) in enumerate(zip(pools, specs, strict=True))
                if p.tokens < s.hits and not p.exhausted
            ]
            if not short:
                break
            leasing = set()
            for i in short:
                if (pending := pools[i].leasing) is not None:
                    leasing.add(pending)
            if leasing:  # one lease per window at a time: wait for it, then look again
                await asyncio.wait(leasing)
                continue
            wants = [max(lease_size(specs[i].limit), specs[i].hits - pools[i].tokens) for i in short]
            await self._lease([specs[i] for i in short], [pools[i] for i in short], wants, now)
            break  # decide at once (no await from here on): the tokens just leased are ours
        if any(p.tokens < s.hits for p, s in zip(pools, specs, strict=True)):
            # refused: nothing spent; a window without tokens reports itself as full
            counts = tuple(
                p.spent if p.tokens >= s.hits else max(p.leased_total, s.limit)
                for p, s in zip(pools, specs, strict=True)
            )
            return Outcome(False, counts, "redis")
        return self._spend(specs, pools, now)

    def _spend(self, specs: Sequence[CounterSpec], pools: list[_Pool], now: float) -> Outcome:
        """Take every window's tokens (each holds enough), refilling those running low."""
        counts = []
        for spec, pool in zip(specs, pools, strict=True):
            pool.tokens -= spec.hits
            size = lease_size(spec.limit)
            if size > 1 and pool.tokens < size // 2 and pool.leasing is None and not pool.exhausted:
                self._refill(spec, pool, size, now)
            counts.append(pool.spent)
        return Outcome(True, tuple(counts), "redis")

    def _pool(self, spec: CounterSpec, now: float) -> _Pool:
        pool = self._pools.get(spec.key)
        if pool is None:
            if len(self._pools) >= self.max_pools:
                self._prune(now)
            pool = self._pools[spec.key] = _Pool(ends_at=now + spec.window.until_reset(now))
        return pool

    def _prune(self, now: float) -> None:
        self._pools = {k: p for k, p in self._pools.items() if p.ends_at > now}
        if len(self._pools) >= self.max_pools:  # all current: start over (leases are lost, not exceeded)
            self._pools.clear()

    async def _give_back(self, key: str, pool: _Pool) -> None:
        unspent, pool.tokens, pool.exhausted = pool.tokens, 0, False
        if unspent > 0:
            pool.leased_total = int(await self.shared.client.decrby(key, unspent))

    async def _lease(
        self,
        specs: list[CounterSpec],
        pools: list[_Pool],
        wants: list[int],
        now: float,
        done: asyncio.Future[None] | None = None,
    ) -> None:
        if done is None:
            done = asyncio.get_running_loop().create_future()
            for pool in pools:
                pool.leasing = done
        args: list[Any] = []
        for spec, want in zip(specs, wants, strict=True):
            args += [spec.limit, spec.expiry(now), want]
        try:
            reply = await self._script(keys=[s.key for s in specs], args=args)
        finally:
            for pool in pools:
                pool.leasing = None
            done.set_result(None)
        for i, pool in enumerate(pools):
            granted, total = int(reply[2 * i]), int(reply[2 * i + 1])
            pool.tokens += granted
            pool.leased_total = max(pool.leased_total, total)
            pool.exhausted = granted < wants[i]

    def _refill(self, spec: CounterSpec, pool: _Pool, size: int, now: float) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pool.leasing = done  # at once: no second refill, and requests that run out wait for this one

        async def refill() -> None:
            try:
                await self._lease([spec], [pool], [size], now, done)
            except (RedisError, OSError) as exc:  # the next request that runs out leases itself
                log.debug("background lease failed", error=repr(exc))

        task = asyncio.create_task(refill())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def peek(self, specs: Sequence[CounterSpec], now: float) -> tuple[int, ...]:
        """Redis's counts less the tokens this process holds unspent (other processes' unspent
        leases still count: a report may be low, never high)."""
        counts = await self.shared.peek(specs, now)
        held = [self._pools.get(s.key) for s in specs]
        return tuple(max(0, c - (p.tokens if p else 0)) for c, p in zip(counts, held, strict=True))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.shared.close()
