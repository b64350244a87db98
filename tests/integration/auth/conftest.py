"""The auth service in-process on free ports (gRPC + HTTP), against the real store, Redis and
Kafka, in a private database and a private Kafka topic."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import grpc
import httpx
import pytest
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from infra.layout import Layout
from infra.servers import servers
from services.auth.app import Running, build
from services.auth.settings import AuthSettings
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from tests.integration.auth.helpers import Api
from tests.integration.auth.mailbox import Mailbox

#: One database per test session: two sessions at once (two engineers, or CI and a developer)
#: would otherwise drop each other's data and indexes half-way.
DATABASE = f"test_auth_{uuid.uuid4().hex[:8]}"
AUDIT_DATABASE = f"{DATABASE}_audit"  # the audit log's own database
MASTER_KEY = "test-master-key-not-a-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def auth_settings(settings: Settings, **overrides: object) -> AuthSettings:
    http_port = free_port()
    values: dict[str, object] = {
        "grpc_port": 0,
        "http_port": http_port,
        "public_url": f"http://127.0.0.1:{http_port}",
        "dev_tenant_header": True,
        "mongo_database": DATABASE,
        "access_log": False,
        "environment": "test",
        "master_key": SecretStr(MASTER_KEY),
        # outside the stream service's topic pattern: its consumers never pick up a test topic
        "audit_topic": f"test.openframe.auth.security-events-{uuid.uuid4().hex[:8]}.v1",
        "outbox_heartbeat_seconds": 0.5,
        "outbox_dead_after_seconds": 3.0,
        "login_max_failures_per_ip": 20,
        # delays long enough that no delay runs out mid-test on a slow machine
        "login_backoff_base_seconds": 60,
        "shutdown_grace_seconds": 2,
        **overrides,
    }
    return AuthSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def infra_up(layout: Layout) -> Layout:
    """What these tests use: the stores (most run the auth service in-process, with their own
    SMTP server), and the copy `make run` starts behind the edge (the through-the-edge tests).
    Other services are not started here, so one failing elsewhere in the tree stops nothing."""
    for server in servers(layout, ["ferretdb", "redis", "kafka", "smtp", "auth", "envoy"]):
        server.start()
    return layout


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) the service under test sends its email to."""
    box = Mailbox()
    box.start(free_port())
    yield box
    box.stop()


@pytest.fixture(scope="session")
async def auth(settings: Settings, mailbox: Mailbox) -> AsyncIterator[Running]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    for name in (DATABASE, AUDIT_DATABASE):
        await client.drop_database(name)
    lifecycle = Lifecycle(grace_seconds=3)
    assert mailbox.controller is not None
    running = await build(auth_settings(settings, smtp_port=mailbox.controller.port), lifecycle)
    yield running
    await lifecycle.shutdown()
    for name in (DATABASE, AUDIT_DATABASE):
        await client.drop_database(name)
    await client.close()


@pytest.fixture(scope="session")
async def channel(auth: Running) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{auth.grpc_port}") as chan:
        yield chan


@pytest.fixture(scope="session")
async def db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[DATABASE]
    await client.close()


@pytest.fixture(scope="session")
async def audit_db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[AUDIT_DATABASE]
    await client.close()


@pytest.fixture
async def http(auth: Running) -> AsyncIterator[httpx.AsyncClient]:
    # A client IP of its own per test (X-Forwarded-For is trusted, as behind our edge), so the
    # per-IP login throttle of one test never affects another.
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    async with httpx.AsyncClient(
        base_url=auth.deps.settings.public_url, headers={"x-forwarded-for": ip}, timeout=20
    ) as client:
        yield client


@pytest.fixture
def api(channel: grpc.aio.Channel, http: httpx.AsyncClient, auth: Running) -> Api:
    return Api(channel, http, auth.deps.settings.public_url, auth.deps.account.background.drain)
