"""Settings of the rate-limit service: the kit's, the limits (``LimitSettings``) and its port."""

from __future__ import annotations

from services.kit.config import local_port
from services.kit.ratelimit.settings import LimitSettings


class RateLimitSettings(LimitSettings):
    service_name: str = "ratelimit"
    grpc_port: int = local_port("ratelimit")
    #: One access-log line per checked request would double the edge's own log; the policy
    #: admin RPCs log their writes themselves.
    access_log: bool = False

    #: The ``domain`` Envoy's filter sends; requests of any other domain are not limited.
    domain: str = "openframe"
