"""Redis through redis-py's asyncio client: counters with expiry and an atomic Lua script."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from services.kit.config import Settings

# Fixed-window counter: INCR and set the expiry on first hit, in one atomic step.
WINDOW_COUNTER = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
"""


@pytest.fixture
async def r(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(settings.redis_url)
    yield client
    await client.aclose()


async def test_incr_with_expiry(r: aioredis.Redis, unique: str) -> None:
    key = f"test:{unique}"
    assert await r.incr(key) == 1
    assert await r.incr(key) == 2
    assert await r.expire(key, 30)
    ttl = await r.ttl(key)
    assert 0 < ttl <= 30


async def test_lua_window_counter(r: aioredis.Redis, unique: str) -> None:
    script = r.register_script(WINDOW_COUNTER)
    key = f"test:{unique}:window"
    results = [await script(keys=[key], args=[60_000]) for _ in range(3)]
    assert [n for n, _ in results] == [1, 2, 3]
    assert all(0 < ttl <= 60_000 for _, ttl in results)  # expiry set once, never reset to -1
