"""Settings of the rate-limit service: the kit's, the limits (``LimitSettings``) and its port."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import local_port
from services.kit.ratelimit.settings import LimitSettings


class RateLimitSettings(LimitSettings):
    service_name: str = "ratelimit"
    grpc_port: int = local_port("ratelimit")
    #: One access-log line per checked request would double the edge's own log; the policy
    #: admin RPCs log their writes themselves.
    access_log: bool = False

    #: The ``domain`` Envoy's filters send; requests of any other domain are not limited.
    domain: str = "openframe"
    #: How often the edge reports a tenant's usage (Envoy 1.40's rate limit quota filter: every
    #: 5 s, whatever its config says); a tenant gets ALLOW_ALL only while it has more left than
    #: twice what it sends in this time (services/ratelimit/quota.py).
    quota_report_seconds: float = Field(default=5.0, gt=0)
    #: ... and at least this many requests left in every window; below it, an exact grant.
    quota_near: int = Field(default=100, ge=1)
