"""Usage counters in Redis: per tenant and per API key, in minute, hour and day buckets.

Layout: one hash per tenant and bucket, ``usage:<tenant>:<m|h|d>:<bucket start, epoch s>``, with
fields ``<key_id>:<class>`` and ``*:<class>`` (the tenant's total), class one of ``req``, ``4xx``,
``5xx``, ``429``. A batch of counts is one pipeline of HINCRBYs (atomic per field, so several
writers never lose counts) and EXPIREs: minute buckets live 48 h, hour buckets 90 days, day
buckets 2 years (the retention the contract promises).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis

TOTAL = "*"
CLASSES = ("req", "4xx", "5xx", "429")
#: granularity -> (bucket width in seconds, retention in seconds)
GRANULARITIES: dict[str, tuple[int, int]] = {
    "m": (60, 48 * 3600),
    "h": (3600, 90 * 86_400),
    "d": (86_400, 2 * 365 * 86_400),
}


@dataclass(frozen=True)
class Hit:
    """One request of an API key as the edge answered it."""

    tenant_id: str
    key_id: str
    at: float  # epoch seconds
    status_class: str  # "" (success), "4xx", "5xx" or "429"


@dataclass
class Counts:
    requests: int = 0
    client_errors: int = 0
    server_errors: int = 0
    rate_limited: int = 0

    def add(self, other: Counts) -> None:
        self.requests += other.requests
        self.client_errors += other.client_errors
        self.server_errors += other.server_errors
        self.rate_limited += other.rate_limited


def bucket_key(tenant_id: str, granularity: str, start: int) -> str:
    return f"usage:{tenant_id}:{granularity}:{start}"


def bucket_start(at: float, granularity: str) -> int:
    width = GRANULARITIES[granularity][0]
    return int(at // width * width)


class UsageCounters:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def record(self, hits: list[Hit]) -> None:
        increments: Counter[tuple[str, str]] = Counter()
        for hit in hits:
            for granularity in GRANULARITIES:
                key = bucket_key(hit.tenant_id, granularity, bucket_start(hit.at, granularity))
                for who in (hit.key_id, TOTAL):
                    increments[(key, f"{who}:req")] += 1
                    if hit.status_class:
                        increments[(key, f"{who}:{hit.status_class}")] += 1
        if not increments:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for (key, field), n in increments.items():
                pipe.hincrby(key, field, n)
            for key in {k for k, _ in increments}:
                pipe.expire(key, GRANULARITIES[key.split(":")[2]][1])
            await pipe.execute()

    async def buckets(self, tenant_id: str, granularity: str, starts: list[int]) -> list[dict[str, Counts]]:
        """Per bucket start: who (key id or ``*``) -> counts."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for start in starts:
                pipe.hgetall(bucket_key(tenant_id, granularity, start))
            raw = await pipe.execute()
        return [_parse(fields) for fields in raw]


def _parse(fields: dict[bytes, bytes]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for name, value in fields.items():
        who, _, cls = name.decode().rpartition(":")
        counts = out.setdefault(who, Counts())
        n = int(value)
        if cls == "req":
            counts.requests += n
        elif cls == "4xx":
            counts.client_errors += n
        elif cls == "5xx":
            counts.server_errors += n
        elif cls == "429":
            counts.rate_limited += n
    return out


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
