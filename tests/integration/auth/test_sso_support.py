"""Fixtures of the SSO tests (no tests here): the auth service in-process like conftest.py's, but
in a database of its own, so that other auth test sessions running at the same time (they drop
``test_auth`` when they start and end) cannot delete what an SSO test is in the middle of using.
Imported by the test_sso_* modules, where the names override conftest.py's fixtures.

The upstream OpenID Provider of the federation tests is a second auth server on the same store
(:class:`Upstream`): the server under test may never fetch from its own listeners, as a tenant
of the same edge never may (docs/security.md). Its destination policy allows exactly the
upstream's port and two reserved loopback ports: :class:`FakeProvider`'s and one where nothing
listens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from openframe.auth.v1 import sso_providers_pb2_grpc
from services.auth.app import Running, build
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from tests.integration.auth.conftest import auth_settings
from tests.integration.external.tools_harness import FakeTool, PortPool, RunningTool

DATABASE = "test_auth_sso"
AUDIT_DATABASE = f"{DATABASE}_audit"
Sso = sso_providers_pb2_grpc.SsoProviderServiceStub


@dataclass(frozen=True)
class Upstream:
    running: Running

    def issuer(self, tenant: str) -> str:
        return f"{self.running.deps.settings.public_url}/auth/tenants/{tenant}"


class FakeProvider(FakeTool):
    """An upstream that only publishes discovery documents: ``documents[name]`` at
    ``/<name>/.well-known/openid-configuration`` (a string: a 302 to it); the rest as FakeTool."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, dict[str, object] | str] = {}

    async def handle(self, request: Request) -> Response:
        name, _, rest = request.url.path.lstrip("/").partition("/")
        if rest != ".well-known/openid-configuration" or name not in self.documents:
            return await super().handle(request)
        self.log.requests.append({"raw_path": request.url.path})
        document = self.documents[name]
        if isinstance(document, str):
            return Response(status_code=302, headers={"location": document})
        return JSONResponse(document)


@dataclass(frozen=True)
class Reserved:
    provider: RunningTool  # FakeProvider on an allowed port
    idle_port: int  # allowed, nothing listens

    @property
    def fake(self) -> FakeProvider:
        assert isinstance(self.provider.tool, FakeProvider)
        return self.provider.tool


@pytest.fixture(scope="module")
async def reserved() -> AsyncIterator[Reserved]:
    pool = PortPool(2)
    provider = await RunningTool(FakeProvider(), pool.ports[0]).start()
    yield Reserved(provider, pool.ports[1])
    await provider.stop()
    pool.close()


@pytest.fixture(scope="module")
async def upstream(settings: Settings) -> AsyncIterator[Upstream]:
    lifecycle = Lifecycle(grace_seconds=3)
    running = await build(
        auth_settings(settings, mongo_database=DATABASE, audit_mongo_database=AUDIT_DATABASE), lifecycle
    )
    yield Upstream(running)
    await lifecycle.shutdown()


@pytest.fixture(scope="module")
async def auth(settings: Settings, upstream: Upstream, reserved: Reserved) -> AsyncIterator[Running]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    lifecycle = Lifecycle(grace_seconds=3)
    allow = [f"127.0.0.1:{port}" for port in (upstream.running.http_port, reserved.provider.port)]
    running = await build(
        auth_settings(
            settings,
            mongo_database=DATABASE,
            audit_mongo_database=AUDIT_DATABASE,
            outbound_allow=(*allow, f"127.0.0.1:{reserved.idle_port}"),
        ),
        lifecycle,
    )
    yield running
    await lifecycle.shutdown()
    await client.close()


@pytest.fixture
async def outside() -> AsyncIterator[RunningTool]:
    """A listening server on a loopback port no allow-list names: nothing may reach it."""
    running = await RunningTool(FakeTool()).start()
    yield running
    await running.stop()


@pytest.fixture(scope="module")
async def channel(auth: Running) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{auth.grpc_port}") as chan:
        yield chan


@pytest.fixture(scope="module")
async def db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[DATABASE]
    await client.close()


@pytest.fixture(scope="module")
async def audit_db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[AUDIT_DATABASE]
    await client.close()


@pytest.fixture
def sso(channel: grpc.aio.Channel) -> Sso:
    return Sso(channel)
