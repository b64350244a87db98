"""Read-through cache in Redis for hot single-resource reads.

Keys always carry the tenant (``<namespace>:<tenant>:<id>``). Values are BSON documents, the
shape the repositories already read from MongoDB. Writers delete the key after their write;
entries also expire (TTL), which bounds staleness when an invalidation is lost.

A cache must never turn into an outage: any Redis error or slow answer makes the cache step
aside for a cool-down period, and reads go to the database.
"""

from __future__ import annotations

import time
from typing import Any

import bson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger

log = get_logger(__name__)


class Cache:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        namespace: str,
        ttl_seconds: int = 30,
        cooldown_seconds: float = 5.0,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.ttl_seconds = ttl_seconds
        self.cooldown_seconds = cooldown_seconds
        self._down_until = 0.0

    @classmethod
    def connect(cls, redis_url: str, lifecycle: Lifecycle, *, namespace: str, **kw: Any) -> Cache:
        # Short timeouts: a cache that answers slowly is worse than no cache.
        client = aioredis.from_url(redis_url, socket_timeout=0.1, socket_connect_timeout=0.1)
        lifecycle.on_shutdown(f"cache-{namespace}", client.aclose)
        return cls(client, namespace=namespace, **kw)

    def key(self, tenant_id: str, item_id: str) -> str:
        return f"{self.namespace}:{tenant_id}:{item_id}"

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    async def get(self, tenant_id: str, item_id: str) -> dict[str, Any] | None:
        if not self.available:
            return None
        try:
            raw = await self.client.get(self.key(tenant_id, item_id))
        except (RedisError, OSError) as exc:
            self._trip(exc)
            return None
        return bson.decode(raw) if isinstance(raw, bytes) else None

    async def put(self, tenant_id: str, item_id: str, doc: dict[str, Any]) -> None:
        if not self.available:
            return
        try:
            await self.client.set(self.key(tenant_id, item_id), bson.encode(doc), ex=self.ttl_seconds)
        except (RedisError, OSError) as exc:
            self._trip(exc)

    async def invalidate(self, tenant_id: str, item_id: str) -> None:
        # Attempted even while tripped: a delete that succeeds is always right.
        try:
            await self.client.delete(self.key(tenant_id, item_id))
        except (RedisError, OSError) as exc:
            self._trip(exc)

    def _trip(self, exc: Exception) -> None:
        if self.available:
            log.warning(
                "cache unavailable, reading through to the database", cache=self.namespace, error=repr(exc)
            )
        self._down_until = time.monotonic() + self.cooldown_seconds
