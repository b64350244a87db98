"""Who is heartbeating: ``last_seen`` per machine in Redis, not in the device documents.

Why Redis (docs/decisions/0011-agent-presence-in-redis.md): at 2,000 heartbeats/s the device
store would take 2,000 document updates/s (each ~1.4 ms of a locked read-modify-write, and every
one rewrites the device's index entries) for a value that says nothing new most of the time.
Redis takes one pipelined script per tenant per flush, whatever the number of machines in it.

Layout (tenant first, like every key and subject): ``agents:{<tenant>}:<database>:last_seen``
is a sorted set machine -> last heartbeat (epoch seconds); ``agents:<database>:tenants`` lists
tenants with members. The database (``settings.mongo_database``) is in the key because this
state mirrors the device documents of that database (tests run private databases beside the
running service).
A machine is a member exactly while it counts as heartbeating: the heartbeat path adds it (and
learns it was absent: that is the moment to mark the device ONLINE), the offline sweep removes
it (and marks the device OFFLINE). The device document carries ``last_seen_time`` as of its last
status change; :meth:`Presence.last_seen` gives the live value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

# ZADD GT per member (never moves a machine back in time), reporting the members that were
# absent: one round trip, and Redis does the loop.
_RECORD = """
local added = {}
for i = 2, #ARGV, 2 do
  if redis.call('ZADD', KEYS[1], 'GT', ARGV[i], ARGV[i + 1]) == 1 then
    added[#added + 1] = ARGV[i + 1]
  end
end
redis.call('SADD', KEYS[2], ARGV[1])
return added
"""

# Remove members whose score is still at or before the cutoff; report the others (a heartbeat
# arrived while the sweep was deciding: the machine is alive after all).
_REMOVE_STALE = """
local refreshed = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > tonumber(ARGV[1]) then
    refreshed[#refreshed + 1] = ARGV[i]
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return refreshed
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def as_datetime(epoch: float) -> datetime:
    t = datetime.fromtimestamp(epoch, UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class Presence:
    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace
        self.tenants_key = f"agents:{namespace}:tenants"
        self._record = redis.register_script(_RECORD)
        self._remove_stale = redis.register_script(_REMOVE_STALE)

    def key(self, tenant_id: str) -> str:
        return f"agents:{{{tenant_id}}}:{self.namespace}:last_seen"

    async def record(self, tenant_id: str, seen: dict[str, float]) -> list[str]:
        """Store last-seen times; returns the machines that were not heartbeating before."""
        args: list[str | float] = [tenant_id]
        for machine, at in seen.items():
            args += [at, machine]
        added = await self._record(keys=[self.key(tenant_id), self.tenants_key], args=args)
        return [m.decode() if isinstance(m, bytes) else m for m in added]

    async def forget(self, tenant_id: str, machines: Iterable[str]) -> None:
        """Drop members (their ONLINE transition failed: the next heartbeat tries again)."""
        names = list(machines)
        if names:
            await self.redis.zrem(self.key(tenant_id), *names)

    async def tenants(self) -> list[str]:
        return sorted(
            m.decode() if isinstance(m, bytes) else m for m in await self.redis.smembers(self.tenants_key)
        )

    async def stale(self, tenant_id: str, cutoff: float, limit: int) -> list[tuple[str, float]]:
        rows: list[Any] = await self.redis.zrangebyscore(
            self.key(tenant_id), "-inf", cutoff, start=0, num=limit, withscores=True
        )
        return [(_text(row[0]), float(row[1])) for row in rows]

    async def remove_stale(self, tenant_id: str, cutoff: float, machines: Sequence[str]) -> list[str]:
        """Remove the machines still stale; returns those refreshed in the meantime."""
        if not machines:
            return []
        kept = await self._remove_stale(keys=[self.key(tenant_id)], args=[cutoff, *machines])
        return [m.decode() if isinstance(m, bytes) else m for m in kept]

    async def last_seen(self, tenant_id: str, machines: Sequence[str]) -> dict[str, datetime]:
        """Live last-seen times of heartbeating machines (absent: not heartbeating)."""
        if not machines:
            return {}
        scores = await self.redis.zmscore(self.key(tenant_id), list(machines))
        return {m: as_datetime(float(s)) for m, s in zip(machines, scores, strict=True) if s is not None}

    async def clear(self) -> None:
        """Forget every machine of this namespace (test and benchmark databases, when dropped)."""
        keys = [
            k async for k in self.redis.scan_iter(match=f"agents:*:{self.namespace}:last_seen", count=1000)
        ]
        await self.redis.delete(self.tenants_key, *keys)
