"""Small helpers shared by the auth service's modules: time, ids, etags, an in-process TTL cache."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

K = TypeVar("K")
V = TypeVar("V")


def now() -> datetime:
    """UTC now at millisecond precision: what MongoDB stores, so values round-trip equal."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def new_etag() -> str:
    return secrets.token_hex(8)


def new_id() -> str:
    return uuid.uuid4().hex


_last_v7 = [0, 0]  # (milliseconds, counter) of the previous id of this process


def uuid7() -> str:
    """RFC 9562 UUIDv7 (Python 3.11 has none): time-ordered, and strictly increasing within this
    process (12-bit counter in rand_a, RFC 9562 §6.2 method 1), so ids of one millisecond keep
    their creation order."""
    ms, counter = time.time_ns() // 1_000_000, int.from_bytes(os.urandom(2), "big") & 0x3FF
    if ms <= _last_v7[0]:
        ms, counter = _last_v7[0], _last_v7[1] + 1
        if counter > 0xFFF:
            ms, counter = ms + 1, 0
    _last_v7[:] = [ms, counter]
    raw = bytearray(ms.to_bytes(6, "big") + (0x7000 | counter).to_bytes(2, "big") + os.urandom(8))
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    out = Timestamp()
    out.FromDatetime(value)
    return out


def aware(value: datetime) -> datetime:
    """MongoDB clients configured without tz_aware hand back naive UTC datetimes."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class TtlCache(Generic[K, V]):
    """Per-process cache with expiry. Used for what the token endpoint reads on every request
    (tenant, client, signing key): a store round trip per token would halve throughput.
    Writes in this process invalidate at once; other workers see changes within ``ttl``."""

    def __init__(self, ttl_seconds: float, max_items: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_items = max_items
        self._items: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[V]] = {}

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        hit = self._items.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        if key in self._loading:  # single flight: concurrent misses share one load
            return await asyncio.shield(self._loading[key])
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            self._loading.pop(key, None)
        future.set_result(value)
        if self.ttl > 0 and value is not None:  # never cache absence: it may appear any moment
            if len(self._items) >= self.max_items:
                self._items.clear()  # crude but bounded; a full cache is rare and refills fast
            self._items[key] = (time.monotonic() + self.ttl, value)
        return value

    def invalidate(self, key: K) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
