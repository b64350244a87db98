"""The kit's one in-process cache (services/kit/caching.py): single flight, expiry, bounds,
negative caching on request, stale-while-refresh, and writes that a slower load cannot undo."""

from __future__ import annotations

import asyncio

import pytest

from services.kit.caching import RefreshingCache, TtlCache


class Source:
    """A load function over a mutable value, counting calls; it can fail or be held open."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0
        self.fail = False
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> object:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise OSError("source down")
        return self.value


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_concurrent_misses_share_one_load_and_a_hit_loads_nothing() -> None:
    source = Source(7)
    source.gate = asyncio.Event()
    cache: TtlCache[str, object] = TtlCache(60)
    waiting = [asyncio.create_task(cache.get_or_load("k", source)) for _ in range(10)]
    await settle()
    source.gate.set()
    assert await asyncio.gather(*waiting) == [7] * 10
    assert await cache.get_or_load("k", source) == 7
    assert source.calls == 1


async def test_a_failed_load_reaches_every_waiter_and_is_not_cached() -> None:
    source = Source(7)
    source.fail = True
    cache: TtlCache[str, object] = TtlCache(60)
    loads = (cache.get_or_load("k", source) for _ in range(3))
    results = await asyncio.gather(*loads, return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results) and source.calls == 1
    source.fail = False
    assert await cache.get_or_load("k", source) == 7 and source.calls == 2


async def test_a_waiter_that_gives_up_does_not_cancel_the_others_load() -> None:
    source = Source(7)
    source.gate = asyncio.Event()
    cache: TtlCache[str, object] = TtlCache(60)
    quitter, stayer = (asyncio.create_task(cache.get_or_load("k", source)) for _ in range(2))
    await settle()
    quitter.cancel()
    await settle()
    source.gate.set()
    assert await stayer == 7 and source.calls == 1
    assert "k" in cache


async def test_absence_is_asked_again_unless_negative_caching_is_asked_for() -> None:
    source = Source(None)
    plain: TtlCache[str, object] = TtlCache(60)
    assert await plain.get_or_load("k", source) is None
    assert await plain.get_or_load("k", source) is None
    assert source.calls == 2
    negative: TtlCache[str, object] = TtlCache(60, cache_none=True)
    assert await negative.get_or_load("k", source) is None
    assert await negative.get_or_load("k", source) is None
    assert source.calls == 3 and "k" in negative


async def test_entries_expire_after_their_ttl() -> None:
    now = [100.0]
    source = Source(1)
    cache: TtlCache[str, object] = TtlCache(10, clock=lambda: now[0])
    await cache.get_or_load("k", source)
    now[0] += 9.9
    assert await cache.get_or_load("k", source) == 1 and source.calls == 1
    now[0] += 0.2
    source.value = 2
    assert "k" not in cache and cache.get("k") is None
    assert await cache.get_or_load("k", source) == 2 and source.calls == 2


async def test_an_entry_may_carry_a_shorter_ttl_and_a_ttl_of_zero_stores_nothing() -> None:
    now = [100.0]
    cache: TtlCache[str, object] = TtlCache(30, clock=lambda: now[0])
    cache.put("short", "s", ttl_seconds=5)
    cache.put("none", "n", ttl_seconds=0)
    assert (cache.fresh_until("short"), cache.get("none"), len(cache)) == (105.0, None, 1)
    now[0] += 5
    assert cache.get("short") is None


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache: TtlCache[str, int] = TtlCache(60, max_items=3)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert cache.get("a") == 0  # used: "b" is now the least recently used
    cache.put("d", 3)
    assert len(cache) == 3 and cache.get("b") is None
    assert [cache.get(k) for k in "acd"] == [0, 2, 3]


def test_a_cache_of_size_zero_holds_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(60, max_items=0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0


async def test_a_put_during_a_load_wins_over_the_loads_older_answer() -> None:
    source = Source("read before the write")
    source.gate = asyncio.Event()
    cache: TtlCache[str, object] = TtlCache(60)
    reader = asyncio.create_task(cache.get_or_load("k", source))
    await settle()
    cache.put("k", "written")
    source.gate.set()
    assert await reader == "read before the write"  # its caller gets what it asked for...
    await settle()
    assert cache.get("k") == "written"  # ...but the cache keeps the newer value


async def test_an_invalidation_during_a_load_is_not_undone_by_it() -> None:
    source = Source("old")
    source.gate = asyncio.Event()
    cache: TtlCache[str, object] = TtlCache(60)
    reader = asyncio.create_task(cache.get_or_load("k", source))
    await settle()
    cache.invalidate("k")
    source.gate.set()
    await reader
    await settle()
    assert "k" not in cache
    source.value = "new"
    assert await cache.get_or_load("k", source) == "new"


async def test_stale_values_are_served_while_one_refresh_runs() -> None:
    now = [100.0]
    source = Source(1)
    cache: TtlCache[str, object] = TtlCache(10, serve_stale=True, clock=lambda: now[0])
    await cache.get_or_load("k", source)
    now[0] += 11
    source.value = 2
    source.gate = asyncio.Event()
    assert [await cache.get_or_load("k", source) for _ in range(5)] == [1] * 5, "never waits"
    await settle()
    assert source.calls == 2, "one refresh for all of them"
    source.gate.set()
    await settle()
    assert await cache.get_or_load("k", source) == 2 and source.calls == 2


async def test_a_failed_refresh_keeps_the_stale_value_and_retries_later() -> None:
    now = [100.0]
    source = Source(1)
    cache: TtlCache[str, object] = TtlCache(10, serve_stale=True, retry_seconds=2, clock=lambda: now[0])
    await cache.get_or_load("k", source)
    now[0] += 11
    source.fail = True
    assert await cache.get_or_load("k", source) == 1
    await settle()
    assert source.calls == 2
    for _ in range(3):  # the source is down: not asked again before retry_seconds
        assert await cache.get_or_load("k", source) == 1
    await settle()
    assert source.calls == 2
    now[0] += 2
    source.fail = False
    source.value = 3
    await cache.get_or_load("k", source)
    await settle()
    assert cache.get("k") == 3 and source.calls == 3


async def test_reload_loads_whatever_is_held() -> None:
    source = Source(1)
    cache: TtlCache[str, object] = TtlCache(60)
    await cache.get_or_load("k", source)
    source.value = 2
    assert await cache.reload("k", source) == 2 and cache.get("k") == 2


async def test_refreshing_cache_falls_back_for_a_key_never_read_and_keeps_the_last_known() -> None:
    values = {"t1": 5}
    down = [False]

    async def load(key: str) -> int:
        if down[0]:
            raise OSError("source down")
        return values[key]

    cache = RefreshingCache(load, lambda key: -1, 0.0001, what="test")
    assert await cache.get("t1") == 5
    down[0] = True
    await asyncio.sleep(0.01)
    assert await cache.get("t1") == 5  # stale: a refresh starts (and fails)
    await settle()
    assert await cache.get("t1") == 5, "the last known value stays in use"
    assert await cache.get("t2") == -1, "a key never read gets the fallback"


async def test_refreshing_cache_does_not_wait_for_a_slow_source() -> None:
    async def slow(key: str) -> int:
        await asyncio.sleep(10)
        return 1

    cache = RefreshingCache(slow, lambda key: 0, 60, what="test", read_timeout_s=0.01)
    assert await cache.get("t") == 0
    cache.put("t", 4)
    assert await cache.get("t") == 4
    cache.forget("t")
    assert await cache.get("t") == 0


@pytest.mark.parametrize("serve_stale", [False, True])
def test_clear_forgets_everything(serve_stale: bool) -> None:
    cache: TtlCache[str, int] = TtlCache(60, serve_stale=serve_stale)
    cache.put("a", 1)
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None
