"""The limits every checker applies by default, and how it treats Redis (one definition for the
rate-limit service and the external service's API-key check)."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import Settings


class LimitSettings(Settings):
    #: Defaults of every API key: 100 a minute, 1,000 an hour, 10,000 a day.
    api_key_per_minute: int = Field(default=100, gt=0)
    api_key_per_hour: int = Field(default=1_000, gt=0)
    api_key_per_day: int = Field(default=10_000, gt=0)
    #: Defaults of a tenant as a whole: generous, a guard against runaway clients (a console,
    #: scripts with a token, all its keys together), not a product quota.
    tenant_per_minute: int = Field(default=120_000, gt=0)
    tenant_per_hour: int = Field(default=2_000_000, gt=0)
    tenant_per_day: int = Field(default=20_000_000, gt=0)

    #: A tenant's policy is read at most this often per process; a change is announced on Redis
    #: and applies at once in every process (this bounds a lost announcement).
    policy_cache_seconds: float = Field(default=5.0, ge=0)
    #: Redis must answer within this time, or the check falls back to the local limiter.
    redis_timeout_seconds: float = Field(default=0.2, gt=0)
    #: After a Redis failure, the local limiter serves alone for this long before Redis is tried
    #: again (so a dead Redis costs one timeout per period, not one per request).
    redis_retry_seconds: float = Field(default=2.0, ge=0)
