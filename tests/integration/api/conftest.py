"""The api service in-process on a free port, against the real FerretDB, Redis and Kafka, in a
private database. ``api_domain`` is the domain behind that server: tests register devices through
it the way the agents part does (registration is not a public RPC)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from pymongo import AsyncMongoClient

from openframe.api.v1 import devices_pb2_grpc, events_pb2_grpc, organizations_pb2_grpc, tags_pb2_grpc
from services.api.app import Domain, build_app
from services.api.devices.model import Device
from services.api.settings import ApiSettings
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle

TEST_DB = "test_api"


@pytest.fixture(scope="session")
async def api_app(settings: Settings) -> AsyncIterator[tuple[grpc.aio.Channel, Domain]]:
    api_settings = ApiSettings(
        grpc_port=0,
        dev_tenant_header=True,
        mongo_database=TEST_DB,
        access_log=False,
        environment="test",
        outbox_lease_seconds=2.0,  # quick take-over by the sweep (the Kafka outage test)
        outbox_sweep_seconds=1.0,
        agents=False,  # the agents' NATS side (services/api/agents/) is tested on its own
    )
    # Every test works in its own tenant (the `unique` fixture), which is what isolation is about.
    lifecycle = Lifecycle(grace_seconds=1)
    port, domain = await build_app(api_settings, lifecycle)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel, domain
    await lifecycle.shutdown()


@pytest.fixture(scope="session")
def api_channel(api_app: tuple[grpc.aio.Channel, Domain]) -> grpc.aio.Channel:
    return api_app[0]


@pytest.fixture(scope="session")
def api_domain(api_app: tuple[grpc.aio.Channel, Domain]) -> Domain:
    return api_app[1]


@pytest.fixture(scope="session")
async def api_db(api_channel: grpc.aio.Channel, settings: Settings) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[TEST_DB]
    await client.close()


@pytest.fixture
def orgs(api_channel: grpc.aio.Channel) -> organizations_pb2_grpc.OrganizationServiceStub:
    return organizations_pb2_grpc.OrganizationServiceStub(api_channel)


@pytest.fixture
def devices(api_channel: grpc.aio.Channel) -> devices_pb2_grpc.DeviceServiceStub:
    return devices_pb2_grpc.DeviceServiceStub(api_channel)


@pytest.fixture
def tags(api_channel: grpc.aio.Channel) -> tags_pb2_grpc.TagServiceStub:
    return tags_pb2_grpc.TagServiceStub(api_channel)


@pytest.fixture
def event_records(api_channel: grpc.aio.Channel) -> events_pb2_grpc.EventServiceStub:
    return events_pb2_grpc.EventServiceStub(api_channel)


def as_tenant(tenant: str, roles: str = "ADMIN") -> tuple[tuple[str, str], ...]:
    return (("x-openframe-tenant", tenant), ("x-openframe-roles", roles))


async def register(domain: Domain, tenant: str, device_id: str, **inventory: Any) -> Device:
    """A device as an agent's registration creates it (PENDING, default organization)."""
    inventory = {"hostname": f"host-{device_id}", **inventory}
    return (await domain.devices.register(tenant, device_id, inventory)).device
