"""The external service as `make run` runs it, behind the real Envoy: API keys are managed over
gRPC (as any tenant's admin, with internal tokens) and used through the edge, REST and gRPC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import AsyncMongoClient

from infra.layout import Layout
from infra.servers import servers
from infra.servers.base import ServerError
from openframe.api.v1 import organizations_pb2, organizations_pb2_grpc
from openframe.external.v1 import api_keys_pb2 as pb
from openframe.external.v1 import api_keys_pb2_grpc, usage_pb2_grpc
from services.kit.config import Environment, Settings
from tests.support.internal import as_caller

#: What these tests need running (the rest of the platform may be mid-change).
NEEDED = {"ferretdb", "redis", "auth", "external", "envoy"}
#: Behind the public API; tests of API keys alone run without it.
OPTIONAL = {"api"}


@pytest.fixture(scope="session")
def external_up(layout: Layout) -> Layout:
    """The external service and the edge fresh (restarted if their code or config changed); the
    rest as it runs (a service someone else is changing is not restarted under our feet)."""
    for server in servers(layout, only=sorted(NEEDED | OPTIONAL)):
        if server.name in {"external", "envoy"} or server.status().state != "running":
            try:
                server.start()
            except ServerError:
                if server.name not in OPTIONAL:
                    raise
    return layout


@pytest.fixture(scope="session")
def edge_url(external_up: Layout) -> str:
    return f"http://127.0.0.1:{external_up.port('envoy')}"


@pytest.fixture
async def edge(edge_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=edge_url, timeout=10) as client:
        yield client


@pytest.fixture
async def edge_channel(external_up: Layout) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{external_up.port('envoy')}") as channel:
        yield channel


@pytest.fixture(scope="session")
async def external_channel(external_up: Layout) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{external_up.port('external')}") as channel:
        yield channel


@pytest.fixture(scope="session")
async def api_channel(external_up: Layout) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{external_up.port('api')}") as channel:
        yield channel


@pytest.fixture
def keys(external_channel: grpc.aio.Channel) -> api_keys_pb2_grpc.ApiKeyServiceStub:
    return api_keys_pb2_grpc.ApiKeyServiceStub(external_channel)


@pytest.fixture
def usage(external_channel: grpc.aio.Channel) -> usage_pb2_grpc.UsageServiceStub:
    return usage_pb2_grpc.UsageServiceStub(external_channel)


@pytest.fixture
def orgs(api_channel: grpc.aio.Channel) -> organizations_pb2_grpc.OrganizationServiceStub:
    return organizations_pb2_grpc.OrganizationServiceStub(api_channel)


@pytest.fixture(scope="session")
async def api_keys_collection(external_up: Layout) -> AsyncIterator[object]:
    settings = Settings(environment=Environment.TEST)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[settings.mongo_database]["api_keys"]
    await client.close()


@pytest.fixture
def admin(layout: Layout) -> Callable[..., tuple[tuple[str, str], ...]]:
    """``admin(tenant, roles=("ADMIN",))``: gRPC metadata of that tenant's admin."""

    def make(tenant: str, roles: tuple[str, ...] = ("ADMIN",)) -> tuple[tuple[str, str], ...]:
        return as_caller(layout, tenant, roles=roles, subject="tester")

    return make


def timestamp_in(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(UTC) + timedelta(seconds=seconds))
    return ts


@pytest.fixture
def create_key(
    keys: api_keys_pb2_grpc.ApiKeyServiceStub, admin: Callable[..., tuple[tuple[str, str], ...]]
) -> Callable[..., Awaitable[pb.CreateApiKeyResponse]]:
    async def make(tenant: str, scopes: list[str], **fields: Any) -> pb.CreateApiKeyResponse:
        key = pb.ApiKey(display_name=fields.pop("display_name", "integration"), scopes=scopes, **fields)
        response: pb.CreateApiKeyResponse = await keys.CreateApiKey(
            pb.CreateApiKeyRequest(api_key=key), metadata=admin(tenant)
        )
        return response

    return make


@pytest.fixture
def create_org(
    orgs: organizations_pb2_grpc.OrganizationServiceStub, admin: Callable[..., tuple[tuple[str, str], ...]]
) -> Callable[[str, str], Awaitable[organizations_pb2.Organization]]:
    async def make(tenant: str, name: str) -> organizations_pb2.Organization:
        reply = await orgs.CreateOrganization(
            organizations_pb2.CreateOrganizationRequest(
                organization=organizations_pb2.Organization(display_name=name)
            ),
            metadata=admin(tenant),
        )
        organization: organizations_pb2.Organization = reply.organization
        return organization

    return make


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float, step: float = 0.1) -> float:
    """Seconds until ``check()`` holds; fails after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < within:
        if await check():
            return loop.time() - started
        await asyncio.sleep(step)
    raise AssertionError(f"not within {within} s")
