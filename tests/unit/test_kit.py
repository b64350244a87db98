"""The runtime kit's pure logic: settings validation, log format and redaction, shutdown order."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from pydantic import ValidationError

from services.kit.config import Environment, Settings
from services.kit.context import MissingTenantError, current_tenant, request_scope
from services.kit.lifecycle import Lifecycle
from services.kit.logging import configure_logging, get_logger


def test_production_refuses_local_defaults_and_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENFRAME_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as err:
        Settings()
    message = str(err.value)
    assert "OPENFRAME_MASTER_KEY" in message
    assert "OPENFRAME_INTERNAL_TOKEN_KEY" in message
    assert "OPENFRAME_MONGO_URL" in message


def test_production_accepts_explicit_config(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "OPENFRAME_ENVIRONMENT": "production",
        "OPENFRAME_MASTER_KEY": "k" * 32,
        "OPENFRAME_INTERNAL_TOKEN_KEY": "i" * 32,
        "OPENFRAME_MONGO_URL": "mongodb://mongo:27017/",
        "OPENFRAME_REDIS_URL": "redis://redis:6379/0",
        "OPENFRAME_KAFKA_BOOTSTRAP": "kafka:9092",
        "OPENFRAME_NATS_URL": "nats://nats:4222",
        "OPENFRAME_PUBLIC_URL": "https://openframe.example",
        "OPENFRAME_JWKS_URL": "http://auth:27311/auth/jwks",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = Settings()
    assert s.environment is Environment.PRODUCTION
    assert s.master_key is not None and s.master_key.get_secret_value() == "k" * 32
    assert "k" * 32 not in repr(s)  # secrets never appear in reprs (and so in logs)


def test_json_logs_carry_service_tenant_request_and_mask_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("api", "INFO")
    log = get_logger("test")
    with request_scope(tenant="tenant-a", request="req-1"):
        log.info("user created", email="a@example.com", password="hunter2", api_key="ak_x.sk_y")
    log.info("outside")
    logging.getLogger("aiokafka").warning("from stdlib")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first, outside, stdlib = lines
    assert first["event"] == "user created" and first["service"] == "api"
    assert (first["tenant_id"], first["request_id"]) == ("tenant-a", "req-1")
    assert first["password"] == "***" and first["api_key"] == "***"
    assert first["email"] == "a@example.com"
    assert "tenant_id" not in outside  # context does not leak past its scope
    assert stdlib["event"] == "from stdlib" and stdlib["level"] == "warning"


def test_current_tenant_is_required() -> None:
    with pytest.raises(MissingTenantError):
        current_tenant()
    with request_scope(tenant="t1", request=None):
        assert current_tenant() == "t1"


async def test_shutdown_runs_hooks_newest_first_and_survives_failures() -> None:
    order: list[str] = []
    life = Lifecycle(grace_seconds=0.5)

    async def record(name: str) -> None:
        order.append(name)

    async def broken() -> None:
        raise RuntimeError("boom")

    async def hangs() -> None:
        await asyncio.sleep(10)

    life.on_shutdown("db", lambda: record("db"))
    life.on_shutdown("hangs", hangs)
    life.on_shutdown("broken", broken)
    life.on_shutdown("server", lambda: record("server"))
    life.request_stop("test")
    await asyncio.wait_for(life.wait(), 1)
    await life.shutdown()
    assert order == ["server", "db"]  # broken and hanging hooks did not stop the rest
