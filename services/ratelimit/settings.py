"""Settings of the rate-limit service (the kit's, plus the limits and the failure behaviour)."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import Settings, local_port


class RateLimitSettings(Settings):
    service_name: str = "ratelimit"
    grpc_port: int = local_port("ratelimit")
    #: One access-log line per checked request would double the edge's own log; the policy
    #: admin RPCs log their writes themselves.
    access_log: bool = False

    #: The ``domain`` Envoy's filter sends; requests of any other domain are not limited.
    domain: str = "openframe"
    #: Defaults of every API key (DESIGN.md §5: the real OpenFrame's 100/min, 1,000/h, 10,000/day).
    api_key_per_minute: int = Field(default=100, gt=0)
    api_key_per_hour: int = Field(default=1_000, gt=0)
    api_key_per_day: int = Field(default=10_000, gt=0)
    #: Defaults of a tenant as a whole: generous, a guard against runaway clients (a console,
    #: scripts with a token, all its keys together), not a product quota.
    tenant_per_minute: int = Field(default=120_000, gt=0)
    tenant_per_hour: int = Field(default=2_000_000, gt=0)
    tenant_per_day: int = Field(default=20_000_000, gt=0)

    #: A tenant's policy is read from MongoDB at most this often per process (changes made
    #: through this process apply at once; other instances see them within this time).
    policy_cache_seconds: float = Field(default=5.0, ge=0)
    #: Redis must answer within this time, or the check falls back to the local limiter.
    redis_timeout_seconds: float = Field(default=0.2, gt=0)
    #: After a Redis failure, the local limiter serves alone for this long before Redis is tried
    #: again (so a dead Redis costs one timeout per period, not one per request).
    redis_retry_seconds: float = Field(default=2.0, ge=0)
