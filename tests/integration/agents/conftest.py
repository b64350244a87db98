"""The api service in-process (with the agents part) against the real servers, in a private
database, beside the running one: its own consumer group, a 5 s offline window and a sweep
limited to this session's tenants. Tenants are real (registered with the auth service), so
agents get real OAuth clients and real tokens from the token endpoint."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from infra.layout import Layout
from infra.servers.service import local_internal_token_key
from openframe.agents.v1 import (
    agents_pb2_grpc,
    commands_pb2_grpc,
    registration_secrets_pb2_grpc,
)
from openframe.agents.v1 import (
    registration_secrets_pb2 as rs_pb,
)
from openframe.auth.v1 import tenants_pb2, tenants_pb2_grpc
from services.api.agents import wiring
from services.api.app import Domain, build_app
from services.api.settings import ApiSettings
from services.kit.config import Environment, Settings
from services.kit.internal import channel_to
from services.kit.lifecycle import Lifecycle
from tests.support.identity import PASSWORD

TEST_DB = "test_agents"
#: the test's offline window: short, but with room for a loaded 2-core machine (1 s heartbeats).
#: In CI the fleet test's 1,000 simulated agents share one process with the api service, next to
#: Kafka and Cassandra: at 10 s a live agent's heartbeats were sometimes processed late enough
#: to flap it OFFLINE and back (the production window is 130 s).
OFFLINE_AFTER = 30.0


@dataclass(frozen=True)
class AgentsApp:
    channel: grpc.aio.Channel
    domain: Domain
    agents: wiring.Agents
    settings: ApiSettings
    tenants: tuple[str, ...]  # a, b, fleet
    target: str  # the in-process service's gRPC address

    def admin(self, tenant: str, roles: str = "ADMIN") -> tuple[tuple[str, str], ...]:
        """The in-process service trusts the development header (the edge is not involved)."""
        return (("x-openframe-tenant", tenant), ("x-openframe-roles", roles))

    @property
    def secrets(self) -> registration_secrets_pb2_grpc.RegistrationSecretServiceStub:
        return registration_secrets_pb2_grpc.RegistrationSecretServiceStub(self.channel)

    @property
    def agent_service(self) -> agents_pb2_grpc.AgentServiceStub:
        return agents_pb2_grpc.AgentServiceStub(self.channel)

    @property
    def commands(self) -> commands_pb2_grpc.CommandServiceStub:
        return commands_pb2_grpc.CommandServiceStub(self.channel)

    async def new_secret(self, tenant: str, **fields: object) -> tuple[rs_pb.RegistrationSecret, str]:
        reply = await self.secrets.CreateRegistrationSecret(
            rs_pb.CreateRegistrationSecretRequest(
                registration_secret=rs_pb.RegistrationSecret(display_name="installer", **fields)  # type: ignore[arg-type]
            ),
            metadata=self.admin(tenant),
        )
        return reply.registration_secret, reply.secret


@pytest.fixture(scope="session")
async def auth_tenants(settings: Settings) -> tuple[str, ...]:
    """Three tenants registered with the running auth service (RegisterTenant is public)."""
    ids = tuple(f"t{uuid.uuid4().hex[:12]}" for _ in range(3))
    async with channel_to(settings, "auth") as channel:
        stub = tenants_pb2_grpc.TenantServiceStub(channel)
        for tenant in ids:
            await stub.RegisterTenant(
                tenants_pb2.RegisterTenantRequest(
                    tenant_id=tenant,
                    display_name=f"{tenant} MSP",
                    owner_email=f"owner@{tenant}.example.test",
                    owner_password=PASSWORD,
                    owner_display_name="Olivia Owner",
                ),
                timeout=30,
            )
    return ids


@pytest.fixture(scope="session")
async def agents_app(
    settings: Settings, infra_up: Layout, auth_tenants: tuple[str, ...]
) -> AsyncIterator[AgentsApp]:
    api_settings = ApiSettings(
        grpc_port=0,
        dev_tenant_header=True,
        mongo_database=TEST_DB,
        access_log=False,
        environment=Environment.TEST,
        internal_token_key=settings.internal_token_key or SecretStr(local_internal_token_key(infra_up)),
        outbox_lease_seconds=2.0,
        outbox_sweep_seconds=1.0,
        agent_offline_after_seconds=OFFLINE_AFTER,
        agent_sweep_interval_seconds=1.0,
        agent_heartbeat_flush_seconds=0.2,
        agent_command_grace_seconds=0.0,
        agent_group=f"test-{uuid.uuid4().hex[:8]}",
        agent_consumer_inactive_seconds=30.0,
        agent_sweep_tenants=auth_tenants,
    )
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(api_settings.mongo_url)
    await client.drop_database(TEST_DB)
    lifecycle = Lifecycle(grace_seconds=2)
    port, domain = await build_app(api_settings, lifecycle)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield AgentsApp(channel, domain, wiring.started[-1], api_settings, auth_tenants, f"127.0.0.1:{port}")
    await wiring.started[-1].presence.clear()
    await lifecycle.shutdown()
    await client.drop_database(TEST_DB)
    await client.close()


async def eventually(check: object, *, within: float = 60.0, every: float = 0.25) -> None:
    """Wait until ``check()`` (sync or async) returns true."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(every)
