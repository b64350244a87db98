"""Typed settings from the environment (pydantic-settings), shared by every service.

Every variable is ``OPENFRAME_<FIELD>``. Local defaults point at the servers ``make run``
starts (the port block in ``infra/layout.py``, the one table of local ports), so a
developer sets nothing. In production the defaults are refused: every endpoint and
secret must be given explicitly, and the service fails at start, not at first use.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Self

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

    mongo_url: str = f"mongodb://127.0.0.1:{local_port('mongo')}/"
    mongo_database: str = "openframe"
    redis_url: str = f"redis://127.0.0.1:{local_port('redis')}/0"
    kafka_bootstrap: str = f"127.0.0.1:{local_port('kafka')}"
    nats_url: str = f"nats://127.0.0.1:{local_port('nats')}"
    cassandra_hosts: tuple[str, ...] = ("127.0.0.1",)
    cassandra_port: int = local_port("cassandra")

    #: Trust the x-openframe-tenant header as identity. Local development only; refused in production.
    dev_tenant_header: bool = False
    #: One JSON line per request (method, status, duration).
    access_log: bool = True

    #: Key that encrypts secrets at rest (signing keys, tool credentials). Required in production.
    master_key: SecretStr | None = None

    @model_validator(mode="after")
    def _production_needs_explicit_config(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        missing = [name for name in ("master_key",) if getattr(self, name) is None]
        local = [
            name
            for name in ("mongo_url", "redis_url", "kafka_bootstrap", "nats_url")
            if "127.0.0.1" in str(getattr(self, name)) and f"OPENFRAME_{name.upper()}" not in os.environ
        ]
        if self.dev_tenant_header:
            raise ValueError("OPENFRAME_DEV_TENANT_HEADER must not be enabled in production")
        if missing or local:
            raise ValueError(
                "production configuration incomplete: set "
                + ", ".join(f"OPENFRAME_{n.upper()}" for n in missing + local)
            )
        return self
