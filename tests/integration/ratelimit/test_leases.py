"""Leased counting against the real Redis: several processes (here: several LeasedCounters, each
with its own pools, as each process has) share one limit exactly, spend most requests without a
round trip, and keep all-or-nothing counting."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from services.kit.config import Settings
from services.kit.ratelimit.counters import CounterSpec, RedisCounters
from services.kit.ratelimit.leases import LeasedCounters, lease_size
from services.kit.ratelimit.limits import Window
from tests.integration.ratelimit.conftest import hour_start


def counters(settings: Settings) -> LeasedCounters:
    return LeasedCounters(RedisCounters.connect(settings.redis_url, 2.0))


async def test_processes_together_admit_exactly_the_limit(
    settings: Settings, redis: aioredis.Redis, unique: str
) -> None:
    limit = 1_000  # leases of 20: each process holds tokens the others cannot use
    assert lease_size(limit) == 20
    processes = [counters(settings) for _ in range(3)]
    now = hour_start() + 5
    spec = CounterSpec.at(f"{{{unique}}}:t", Window.MINUTE, limit, now)
    allowed = 0
    for i in range(1_500):  # round robin, as a load balancer spreads requests
        allowed += (await processes[i % 3].hit([spec], now)).allowed
    # nothing leased is left unspent when every process is asked until it refuses
    assert allowed == limit
    assert int(await redis.get(spec.key)) == limit
    for p in processes:
        await p.close()


async def test_a_steady_client_rarely_waits_for_redis(
    settings: Settings, redis: aioredis.Redis, unique: str
) -> None:
    process = counters(settings)
    now = hour_start() + 5
    spec = CounterSpec.at(f"{{{unique}}}:t", Window.MINUTE, 120_000, now)  # leases of 100
    before = await redis.info("commandstats")
    for _ in range(1_000):
        assert (await process.hit([spec], now)).allowed
        await asyncio.sleep(0)  # let background leases run, as a serving process does
    after = await redis.info("commandstats")
    scripts = sum(
        int(after.get(name, {}).get("calls", 0)) - int(before.get(name, {}).get("calls", 0))
        for name in ("cmdstat_evalsha", "cmdstat_eval")
    )
    assert scripts <= 15, scripts  # ~one lease per 100 requests (other tests may run scripts too)
    counted = int(await redis.get(spec.key))
    assert 1_000 <= counted <= 1_000 + 100  # every request counted; at most one lease ahead
    await process.close()


async def test_a_refused_request_spends_nothing(
    settings: Settings, redis: aioredis.Redis, unique: str
) -> None:
    process = counters(settings)
    now = hour_start() + 5
    tenant = CounterSpec.at(f"{{{unique}}}:t", Window.MINUTE, 120_000, now)
    key = CounterSpec.at(f"{{{unique}}}:k:a", Window.MINUTE, 2, now)
    outcomes = [await process.hit([tenant, key], now) for _ in range(5)]
    assert [o.allowed for o in outcomes] == [True, True, False, False, False]
    assert int(await redis.get(key.key)) == 2  # small limits lease one at a time: exact
    refused = outcomes[-1]
    assert refused.counts[1] + 1 > key.limit  # the full window shows as the reason
    assert refused.counts[0] == 2  # the tenant's window: the two that passed, nothing more
    await process.close()
