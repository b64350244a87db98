"""Change notices of API keys over Redis pub/sub: how a revocation reaches every edge checker.

The checkers (ext_authz) cache verdicts for a short TTL; a notice drops a key's cached verdict at
once in every process. A lost notice (Redis down, subscriber reconnecting) is bounded by the
TTL, so a revoked key stops working within seconds whatever happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger

log = get_logger(__name__)

CHANNEL = "openframe:external:api-key-changed"


class KeyNotices:
    def __init__(self, redis: aioredis.Redis, subscriber: aioredis.Redis | None = None) -> None:
        self.redis = redis
        #: a client without a read timeout: a quiet channel is not an error
        self.subscriber = subscriber or redis
        self._listeners: list[Callable[[str], None]] = []

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """``listener(key_id)`` runs for every change, local or announced by another process."""
        self._listeners.append(listener)

    async def changed(self, key_id: str) -> None:
        self._deliver(key_id)  # this process at once, whatever Redis does
        try:
            await self.redis.publish(CHANNEL, key_id)
        except RedisError as exc:  # the other processes' caches expire within their TTL
            log.warning("api key notice not published", key_id=key_id, error=str(exc))

    def _deliver(self, key_id: str) -> None:
        for listener in self._listeners:
            listener(key_id)

    def start(self, lifecycle: Lifecycle) -> None:
        task = asyncio.create_task(self._listen(), name="api-key-notices")

        async def stop() -> None:
            task.cancel()

        lifecycle.on_shutdown("api-key-notices", stop)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        self._deliver(data.decode())
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("api key notices: reconnecting", error=str(exc))
                await asyncio.sleep(1.0)
