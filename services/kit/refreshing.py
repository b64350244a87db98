"""A per-process cache for what every request needs and rarely changes (a tenant's rate-limit
policy, whether a tenant is active): a request never waits on the source once a key is known.

An entry is fresh for ``ttl_s``; after that it is still served while one refresh runs in the
background. A key not cached yet waits for one read, shared by concurrent callers. If the source
fails or is slower than ``read_timeout_s``, the last known value stays in use, or ``fallback(key)``
for a key never read (the caller decides what failing open means), and a warning is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.kit.logging import get_logger

log = get_logger(__name__)

V = TypeVar("V")


@dataclass
class _Entry(Generic[V]):
    value: V
    fresh_until: float
    refreshing: bool = False


class RefreshingCache(Generic[V]):
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
        self.ttl_s = ttl_s
        self.what = what  # for the log: "rate-limit policy", "tenant status"
        self.read_timeout_s = read_timeout_s
        self.max_entries = max_entries
        self._entries: dict[str, _Entry[V]] = {}
        self._loading: dict[str, asyncio.Future[V]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, key: str) -> V:
        entry = self._entries.get(key)
        if entry is not None:
            if entry.fresh_until < time.monotonic() and not entry.refreshing:
                entry.refreshing = True
                task = asyncio.create_task(self._refresh(key))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return entry.value
        loading = self._loading.get(key)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await self._read(key)
        except BaseException as exc:  # never leave concurrent waiters hanging
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._loading[key]
        future.set_result(value)
        return value

    def put(self, key: str, value: V) -> None:
        """A value this process just wrote: in force here at once."""
        if len(self._entries) >= self.max_entries and key not in self._entries:
            self._entries.clear()  # rare (tens of thousands of keys per process): start over
        self._entries[key] = _Entry(value, time.monotonic() + self.ttl_s)

    def forget(self, key: str) -> None:
        """A change announced by another process: the next request reads the value again."""
        self._entries.pop(key, None)

    async def _refresh(self, key: str) -> None:
        await self._read(key)

    async def _read(self, key: str) -> V:
        try:
            value = await asyncio.wait_for(self.load(key), self.read_timeout_s)
        except Exception as exc:  # any source failure: go on with what is known
            known = self._entries.get(key)
            value = known.value if known else self.fallback(key)
            log.warning(
                "read failed: using the last known or the default", what=self.what, key=key, error=repr(exc)
            )
        self.put(key, value)
        return value
