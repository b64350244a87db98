"""Settings of the external service (the kit's, plus API-key knobs). Env vars ``OPENFRAME_<FIELD>``."""

from __future__ import annotations

from pydantic import Field

from services.external.tools.settings import ToolSettings
from services.kit.config import local_port
from services.kit.ratelimit.settings import LimitSettings


class ExternalSettings(ToolSettings, LimitSettings):
    """``ToolSettings``: integrated tools and the proxy (``OPENFRAME_TOOLS_*``); ``LimitSettings``:
    the rate limits the API-key check applies (the same variables as the rate-limit service's)."""

    service_name: str = "external"
    grpc_port: int = local_port("external")
    #: How long the edge's check trusts a cached key record (revocation notices usually beat it;
    #: this bounds how long a lost notice lets a revoked key work).
    api_key_cache_ttl_seconds: float = Field(default=2.0, ge=0, le=2.0)
    #: How long the check trusts a tenant's status read from the auth service: a suspended
    #: tenant's keys stop working within this time (authz/tenants.py).
    tenant_status_cache_seconds: float = Field(default=10.0, ge=0, le=60)
    #: Last use of keys is kept in memory and written for all keys at once this often.
    api_key_last_use_flush_seconds: float = Field(default=10.0, gt=0, le=60)
