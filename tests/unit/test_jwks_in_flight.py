"""A token whose key is on its way (a fetch of the key set already in flight) waits for that
fetch instead of being refused: with several processes per service, each learns a new tenant's
key on its own, and requests arriving while its fetch runs must not fail (the replica suite's
kill test saw one such 401 through the edge)."""

from __future__ import annotations

import asyncio

from services.kit.jwt import JwksCache
from tests.unit.test_jwt import Fetcher, Tenant

ACME, BETA = Tenant("acme"), Tenant("beta")


async def test_an_unknown_kid_waits_for_the_fetch_in_flight() -> None:
    now = [1000.0]
    fetch = Fetcher(ACME, delay=0.05)
    cache = JwksCache(fetch, refresh_seconds=60, min_refetch_seconds=2, clock=lambda: now[0])
    assert await cache.key(ACME.kid) is not None
    fetch.keys.append(BETA.jwk())  # a tenant registers
    now[0] += 3
    first = asyncio.create_task(cache.key(BETA.kid))
    await asyncio.sleep(0.01)  # the fetch it started is in flight
    assert await cache.key(BETA.kid) is not None, "joined the fetch in flight"
    assert await first is not None
    assert fetch.calls == 2


async def test_made_up_kids_still_cost_one_fetch_per_period() -> None:
    now = [1000.0]
    fetch = Fetcher(ACME, delay=0.05)
    cache = JwksCache(fetch, refresh_seconds=60, min_refetch_seconds=2, clock=lambda: now[0])
    await cache.key(ACME.kid)
    now[0] += 3
    found = await asyncio.gather(*(cache.key(f"acme.{i:016d}") for i in range(10)))
    assert found == [None] * 10
    assert fetch.calls == 2
