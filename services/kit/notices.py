"""Change notices over Redis pub/sub: how a change reaches the caches of every process at once.

Used for API keys (a revocation drops the edge checkers' cached verdicts) and rate-limit
policies (a new limit applies in every checker). Caches keep a short TTL as well: a lost notice
(Redis down, subscriber reconnecting) is bounded by it, so a change applies within seconds
whatever happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger

log = get_logger(__name__)


class ChangeNotices:
    """Notices of one kind on one channel; the payload is the id of what changed. Each of
    ``listeners`` (``listener(id)``, e.g. a cache's invalidation) runs for every change, local or
    announced by another process."""

    def __init__(
        self,
        channel: str,
        redis: aioredis.Redis,
        listeners: Sequence[Callable[[str], None]],
        *,
        subscriber: aioredis.Redis | None = None,
    ) -> None:
        self.channel = channel
        self.redis = redis
        #: a client without a read timeout: a quiet channel is not an error
        self.subscriber = subscriber or redis
        self._listeners = tuple(listeners)

    async def changed(self, changed_id: str) -> None:
        self._deliver(changed_id)  # this process at once, whatever Redis does
        try:
            await self.redis.publish(self.channel, changed_id)
        except RedisError as exc:  # the other processes' caches expire within their TTL
            log.warning("change notice not published", channel=self.channel, id=changed_id, error=str(exc))

    def _deliver(self, changed_id: str) -> None:
        for listener in self._listeners:
            listener(changed_id)

    def start(self, lifecycle: Lifecycle) -> None:
        task = asyncio.create_task(self._listen(), name=f"notices:{self.channel}")

        async def stop() -> None:
            task.cancel()

        lifecycle.on_shutdown(f"notices:{self.channel}", stop)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        self._deliver(data.decode())
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("change notices: reconnecting", channel=self.channel, error=str(exc))
                await asyncio.sleep(1.0)
