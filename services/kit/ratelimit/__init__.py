"""Rate limiting shared by the edge's two checkers: the rate-limit service (Envoy's global rate
limit filter, bearer-token traffic) and the external service's API-key check (ext_authz, which
counts API-key traffic in the same call that verifies the key, so an API-key request costs one
check, not two). Both count in the same Redis keys with the same policies, so a tenant has one
budget whichever way it calls. See docs/rate-limits.md."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.kit.lifecycle import Lifecycle
from services.kit.notices import ChangeNotices
from services.kit.ratelimit.checker import Checker
from services.kit.ratelimit.counters import FailoverCounters, LocalCounters, RedisCounters
from services.kit.ratelimit.leases import LeasedCounters
from services.kit.ratelimit.limits import Defaults, Limits
from services.kit.ratelimit.policies import CHANNEL, PolicyCache, PolicySource
from services.kit.ratelimit.settings import LimitSettings


def defaults_of(settings: LimitSettings) -> Defaults:
    return Defaults(
        tenant=Limits(settings.tenant_per_minute, settings.tenant_per_hour, settings.tenant_per_day),
        api_key=Limits(settings.api_key_per_minute, settings.api_key_per_hour, settings.api_key_per_day),
    )


def start_checker(
    settings: LimitSettings, source: PolicySource, lifecycle: Lifecycle
) -> tuple[Checker, ChangeNotices]:
    """A checker over the shared Redis counters, spent from leases (``leases.py``; local counters
    while Redis is down), and ``source``'s policies, cached and dropped on the policy notices it
    returns (started here)."""
    cache = PolicyCache(source, settings.policy_cache_seconds)
    shared = RedisCounters.connect(settings.redis_url, settings.redis_timeout_seconds)
    leased = LeasedCounters(shared)
    lifecycle.on_shutdown("ratelimit-redis", leased.close)
    counters = FailoverCounters(leased, LocalCounters(), retry_s=settings.redis_retry_seconds)
    # Notices go out on the counters' client; the subscriber needs one without a read timeout.
    subscriber = aioredis.from_url(settings.redis_url, socket_connect_timeout=2)
    lifecycle.on_shutdown("ratelimit-notices", subscriber.aclose)
    notices = ChangeNotices(CHANNEL, shared.client, [cache.forget], subscriber=subscriber)
    notices.start(lifecycle)
    return Checker(cache, counters, defaults_of(settings)), notices
