"""Typed settings from the environment (pydantic-settings), shared by every service.

Every variable is ``OPENFRAME_<FIELD>``. Local defaults point at the servers ``make run``
starts (the port block in ``infra/layout.py``, the one table of local ports), so a
developer sets nothing. In production the defaults are refused: every endpoint and
secret must be given explicitly, and the service fails at start, not at first use.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.layout import PORT_OFFSETS

_BASE = int(os.environ.get("OPENFRAME_PORT_BASE", "27000"))


def local_port(name: str) -> int:
    """The port ``make run`` gives ``name`` on this machine (see infra/layout.py)."""
    return _BASE + PORT_OFFSETS[name]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Settings every service needs; services subclass it to add their own."""

    model_config = SettingsConfigDict(env_prefix="OPENFRAME_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    service_name: str = "openframe"
    log_level: str = "INFO"

    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0  # 0 = pick a free port (tests); services set their own
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    #: Worker processes sharing the ports (services/kit/workers.py); one per core for CPU-bound services.
    workers: int = Field(default=1, ge=1, le=64)

    mongo_url: str = f"mongodb://127.0.0.1:{local_port('mongo')}/"
    mongo_database: str = "openframe"
    redis_url: str = f"redis://127.0.0.1:{local_port('redis')}/0"
    kafka_bootstrap: str = f"127.0.0.1:{local_port('kafka')}"
    nats_url: str = f"nats://127.0.0.1:{local_port('nats')}"
    cassandra_hosts: tuple[str, ...] = ("127.0.0.1",)
    cassandra_port: int = local_port("cassandra")

    # -- authentication (services/kit/identity.py, services/kit/jwt.py) -------------------------
    #: How callers are authenticated: ``jwt`` bearer tokens of the auth service (the default);
    #: ``dev_header`` trusts x-openframe-tenant (in-process tests only, refused in production);
    #: ``reject`` lets nobody in.
    auth_mode: Literal["jwt", "dev_header", "reject"] = "jwt"
    #: Older spelling of ``auth_mode=dev_header`` (kept for compatibility; same production rule).
    dev_tenant_header: bool = False
    #: Public origin of the edge; tenant T's token issuer is ``{public_url}/auth/tenants/T``.
    public_url: str = f"http://127.0.0.1:{local_port('envoy')}"
    #: Every tenant's public signing keys (the auth service's HTTP port, not through the edge).
    jwks_url: str = f"http://127.0.0.1:{local_port('auth_http')}/auth/jwks"
    #: Clock skew tolerated on exp / nbf / iat.
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    #: The key set is fetched again after this long (keys removed by the auth service stop
    #: verifying within it); an unknown key id triggers a fetch sooner (below).
    jwks_refresh_seconds: float = Field(default=60.0, gt=0)
    #: An unknown key id (a new tenant, a rotated key) fetches the key set at once, but at most
    #: this often (tokens with made-up key ids cost one fetch per period, whatever their number).
    jwks_min_refetch_seconds: float = Field(default=0.5, ge=0)
    #: One JSON line per request (method, status, duration).
    access_log: bool = True

    #: Key that encrypts secrets at rest (signing keys, tool credentials). Required in production.
    master_key: SecretStr | None = None
    #: Key of the mesh's internal tokens (services/kit/internal.py): how one service passes the
    #: caller it acts for to another. Every service holds it; nothing outside does.
    internal_token_key: SecretStr | None = None
    #: gRPC address of other services by name (JSON, ``{"api": "api:27300"}``); unset = local port.
    service_addresses: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _auth_mode_from_dev_tenant_header(cls, data: Any) -> Any:
        """``dev_tenant_header=true`` alone means ``auth_mode=dev_header``; the two must agree."""
        if not isinstance(data, dict):
            return data
        legacy = str(data.get("dev_tenant_header", "false")).strip().lower() in {"1", "true", "yes", "on"}
        mode = data.get("auth_mode")
        if mode is None:
            return {**data, "auth_mode": "dev_header"} if legacy else data
        if legacy and mode != "dev_header":
            raise ValueError(f"OPENFRAME_DEV_TENANT_HEADER=true contradicts OPENFRAME_AUTH_MODE={mode}")
        return {**data, "dev_tenant_header": mode == "dev_header"}

    @model_validator(mode="after")
    def _production_needs_explicit_config(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        missing = [name for name in ("master_key", "internal_token_key") if getattr(self, name) is None]
        endpoints = ["mongo_url", "redis_url", "kafka_bootstrap", "nats_url"]
        if self.auth_mode == "jwt":
            endpoints += ["public_url", "jwks_url"]
        local = [
            name
            for name in endpoints
            if "127.0.0.1" in str(getattr(self, name)) and f"OPENFRAME_{name.upper()}" not in os.environ
        ]
        if self.auth_mode == "dev_header":
            raise ValueError(
                "OPENFRAME_AUTH_MODE=dev_header (the dev tenant header) is refused in production"
            )
        if missing or local:
            raise ValueError(
                "production configuration incomplete: set "
                + ", ".join(f"OPENFRAME_{n.upper()}" for n in missing + local)
            )
        return self
