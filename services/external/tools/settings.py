"""Settings of the integrated tools and the tool proxy (``OPENFRAME_TOOLS_*``, and
``OPENFRAME_OUTBOUND_ALLOW``: where tools may be, docs/security.md); the external service's
settings inherit them."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import local_port
from services.kit.destinations import OutboundSettings


class ToolSettings(OutboundSettings):
    #: Where the tool proxy's HTTP app listens (the edge routes ``/tools/`` there).
    tools_http_host: str = "127.0.0.1"
    tools_http_port: int = local_port("external_http")
    #: Time to open a connection to a tool: a tool that is down fails fast.
    tools_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    #: Whole proxied exchange (also each read/write of a streamed body); then 504. Keep it under
    #: the edge's route timeout (15 s, infra/servers/envoy/services.py), so the caller gets our
    #: JSON 504, not the edge's.
    tools_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: Circuit breaker per tool: this many failures in a row open it; it stays open this long,
    #: then lets one trial request through (half-open).
    tools_breaker_failures: int = Field(default=5, ge=1)
    tools_breaker_open_seconds: float = Field(default=30.0, gt=0)
    #: Background health probes: every enabled tool is probed about this often.
    tools_health_interval_seconds: float = Field(default=60.0, gt=0)
    tools_health_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    #: A healthy answer slower than this is DEGRADED.
    tools_health_degraded_after_seconds: float = Field(default=2.0, gt=0)
    #: Run the background probes in this process (off in tests that probe on demand).
    tools_health_monitor: bool = True
    #: How long the proxy keeps a resolved tool (URL, decrypted credentials) in memory: how late
    #: another process sees a tool disabled, deleted or its credentials rotated.
    tools_cache_seconds: float = Field(default=5.0, ge=0, le=60)
