"""Tenants' rate-limit policies as the checkers see them: a short in-process cache over a source
(the rate-limit service reads its MongoDB collection; the edge's API-key check asks that service),
because every checked request needs its tenant's policy.

The cache (services/kit/caching.py RefreshingCache) never makes a check wait on the source once a tenant is
known, and keeps the last known policy (or the defaults) when the source fails. A policy change
is announced on Redis (``CHANNEL``): every process forgets that tenant's entry at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.kit.caching import RefreshingCache
from services.kit.ratelimit.limits import Limits

#: Redis channel of policy changes (the tenant id): the caches of every process drop it.
CHANNEL = "openframe:ratelimit:policy-changed"


@dataclass(frozen=True)
class Policy:
    """What a tenant set (zeros: the defaults apply). ``etag`` is empty until the first write."""

    tenant_id: str
    tenant: Limits = field(default_factory=Limits)
    api_key: Limits = field(default_factory=Limits)
    update_time: datetime | None = None
    etag: str = ""


class PolicySource(Protocol):
    async def get(self, tenant_id: str) -> Policy: ...


class PolicyCache(RefreshingCache[Policy]):
    """Per-process cache of policies, ``ttl_s`` fresh, then served stale while refreshed; a tenant
    whose policy cannot be read gets the defaults (fail open: the defaults still limit)."""

    def __init__(self, source: PolicySource, ttl_s: float, *, read_timeout_s: float = 0.25) -> None:
        super().__init__(source.get, Policy, ttl_s, what="rate-limit policy", read_timeout_s=read_timeout_s)
