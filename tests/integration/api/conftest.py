"""The api service in-process on a free port, against the real FerretDB, in a private database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from pymongo import AsyncMongoClient

from openframe.api.v1 import organizations_pb2_grpc
from services.api.app import build
from services.api.settings import ApiSettings
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle


@pytest.fixture(scope="session")
async def api_channel(settings: Settings) -> AsyncIterator[grpc.aio.Channel]:
    api_settings = ApiSettings(
        grpc_port=0, dev_tenant_header=True, mongo_database="test_api", access_log=False, environment="test"
    )
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(api_settings.mongo_url)
    await client.drop_database("test_api")
    lifecycle = Lifecycle(grace_seconds=1)
    port = await build(api_settings, lifecycle)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await lifecycle.shutdown()
    await client.drop_database("test_api")
    await client.close()


@pytest.fixture(scope="session")
async def api_db(api_channel: grpc.aio.Channel, settings: Settings) -> AsyncIterator[object]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    yield client["test_api"]
    await client.close()


@pytest.fixture
def orgs(api_channel: grpc.aio.Channel) -> organizations_pb2_grpc.OrganizationServiceStub:
    return organizations_pb2_grpc.OrganizationServiceStub(api_channel)


def as_tenant(tenant: str, roles: str = "ADMIN") -> tuple[tuple[str, str], ...]:
    return (("x-openframe-tenant", tenant), ("x-openframe-roles", roles))
