"""The one in-process cache of the services: bounded, with expiry, single-flight loads, and (where
a caller wants it) stale values served while one refresh runs in the background.

Storage is cachetools' ``TLRUCache`` (least recently used entries leave first when it is full;
each entry carries its own expiry). This module adds what an asyncio service needs on top of it:

* **single flight**: concurrent misses of one key share one load (a task of its own, so a
  caller that gives up does not cancel the others' load);
* **no lost invalidation**: a ``put`` or ``invalidate`` that lands while a load is in flight
  wins; the load's older answer is handed to its waiters but not stored;
* **negative caching** only when asked (``cache_none``): by default an absent value (``None``)
  is asked again next time, since it may appear any moment;
* **stale while refresh** (``serve_stale``): an entry past its freshness is still answered while
  one background load refreshes it; if that load fails the entry stays and is tried again after
  ``retry_seconds`` (a source that is down is not asked on every request).

Every cache is per process: what it holds is at most ``ttl_seconds`` old (plus the time a
failing source keeps a stale entry alive, for the callers that serve stale), and writers that
must be seen at once elsewhere announce the change (the callers' change notices).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar, overload

from cachetools import TLRUCache

from services.kit.logging import get_logger

log = get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

Load = Callable[[], Awaitable[V]]


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V
    fresh_until: float
    expires: float  # when the entry leaves the cache: fresh_until, or never for serve_stale


class TtlCache(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_items: int = 10_000,
        cache_none: bool = False,
        serve_stale: bool = False,
        retry_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        what: str = "cache",
    ) -> None:
        self.ttl = ttl_seconds
        self.max_items = max_items
        self.cache_none = cache_none
        self.serve_stale = serve_stale
        self.retry = ttl_seconds if retry_seconds is None else retry_seconds
        self.clock = clock
        self.what = what  # for the log: "jwks", "rate-limit policy"
        self._entries: TLRUCache[K, _Entry[V], float] = TLRUCache(
            max(max_items, 1), lambda _key, entry, _now: entry.expires, timer=clock
        )
        self._flights: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        """A fresh entry is held for ``key``."""
        entry = self._entries.get(key)
        return entry is not None and entry.fresh_until > self.clock()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: object = None) -> object:
        """What the cache holds for ``key`` (a stale entry too, for a ``serve_stale`` cache)."""
        entry = self._entries.get(key)
        return default if entry is None else entry.value

    def fresh_until(self, key: K) -> float | None:
        entry = self._entries.get(key)
        return None if entry is None else entry.fresh_until

    def loading(self, key: K) -> bool:
        """Whether a load of ``key`` is in flight (``reload`` would join it, at no extra cost)."""
        return key in self._flights

    def put(self, key: K, value: V, *, ttl_seconds: float | None = None) -> None:
        """A value known now (this process wrote it, or loaded it another way): in force at once,
        and a load of ``key`` still in flight will not overwrite it."""
        self._flights.pop(key, None)
        self._store(key, value, self.ttl if ttl_seconds is None else ttl_seconds)

    def invalidate(self, key: K) -> None:
        """A change announced elsewhere: the next request loads the value again."""
        self._flights.pop(key, None)
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._flights.clear()
        self._entries.clear()

    async def get_or_load(self, key: K, load: Load[V]) -> V:
        """The fresh value, else (``serve_stale``) the stale one while a refresh starts, else
        the value ``load()`` returns, one load shared by concurrent callers. A failed load
        raises to every caller waiting for it."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry.fresh_until > self.clock():
                return entry.value
            if key not in self._flights:
                self._start(key, load)
            return entry.value
        return await asyncio.shield(self._start(key, load))

    async def reload(self, key: K, load: Load[V]) -> V:
        """Load ``key`` now whatever the cache holds (joining a load already in flight)."""
        return await asyncio.shield(self._start(key, load))

    def _start(self, key: K, load: Load[V]) -> asyncio.Task[V]:
        task = self._flights.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(_call(load))
            self._flights[key] = task
            # Added before any waiter's: the value is stored before a waiter resumes.
            task.add_done_callback(partial(self._landed, key))
        return task

    def _landed(self, key: K, task: asyncio.Task[V]) -> None:
        error = None if task.cancelled() else task.exception()  # retrieved: never "not retrieved"
        if self._flights.get(key) is not task:
            return  # superseded by a put or an invalidation: its answer is older than theirs
        del self._flights[key]
        if task.cancelled():
            return
        if error is not None:
            entry = self._entries.get(key)
            if entry is not None:  # a stale entry stays in use; the source is asked again later
                entry.fresh_until = self.clock() + self.retry
                log.warning("refresh failed: serving what is held", cache=self.what, error=repr(error))
            return
        self._store(key, task.result(), self.ttl)

    def _store(self, key: K, value: V, ttl: float) -> None:
        if (value is None and not self.cache_none) or ttl <= 0 or self.max_items <= 0:
            self._entries.pop(key, None)
            return
        fresh_until = self.clock() + ttl
        self._entries[key] = _Entry(value, fresh_until, math.inf if self.serve_stale else fresh_until)


async def _call(load: Load[V]) -> V:
    return await load()


class RefreshingCache(Generic[V]):
    """For what every request needs and rarely changes (a tenant's rate-limit policy, whether a
    tenant is active): a request never waits on the source once a key is known.

    A ``serve_stale`` :class:`TtlCache` over ``load(key)``: a key not cached yet waits for one
    read, shared by concurrent callers. If the source fails or is slower than ``read_timeout_s``,
    the last known value stays in use, or ``fallback(key)`` for a key never read (the caller
    decides what failing open means), and a warning is logged.
    """

    def __init__(
        self,
        load: Callable[[str], Awaitable[V]],
        fallback: Callable[[str], V],
        ttl_s: float,
        *,
        what: str,
        read_timeout_s: float = 0.25,
        max_entries: int = 50_000,
    ) -> None:
        self.load = load
        self.fallback = fallback
        self.read_timeout_s = read_timeout_s
        self.what = what
        self._cache: TtlCache[str, V] = TtlCache(
            ttl_s, max_items=max_entries, cache_none=True, serve_stale=True, what=what
        )

    async def get(self, key: str) -> V:
        return await self._cache.get_or_load(key, partial(self._read, key))

    def put(self, key: str, value: V) -> None:
        """A value this process just wrote: in force here at once."""
        self._cache.put(key, value)

    def forget(self, key: str) -> None:
        """A change announced by another process: the next request reads the value again."""
        self._cache.invalidate(key)

    async def _read(self, key: str) -> V:
        try:
            return await asyncio.wait_for(self.load(key), self.read_timeout_s)
        except Exception as exc:  # any source failure: go on with what is known
            log.warning(
                "read failed: using the last known or the default", what=self.what, key=key, error=repr(exc)
            )
            known: V | None = self._cache.get(key)
            return known if known is not None else self.fallback(key)
