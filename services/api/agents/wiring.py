"""Plugs the agents into the api service (called by services/api/app.py ``build_app``).

Stores -> services -> servicers, the NATS streams and consumers, and the scheduled sweeps.
``settings.agent_workers=false`` serves only the gRPC side (no consumers, no sweeps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.client import Client as Nats
from redis.asyncio import Redis

from openframe.agents.v1 import (
    agents_pb2,
    agents_pb2_grpc,
    commands_pb2,
    commands_pb2_grpc,
    registration_secrets_pb2,
    registration_secrets_pb2_grpc,
)
from services.api.agents import subjects
from services.api.agents.agent_auth import AgentAuthenticator
from services.api.agents.agent_servicer import AgentServicer
from services.api.agents.auth_clients import AGENT_SCOPE, AgentClients
from services.api.agents.commands_service import CommandService
from services.api.agents.commands_servicer import CommandServicer
from services.api.agents.commands_store import CommandStore
from services.api.agents.heartbeats import HeartbeatConsumer, StatusWriter
from services.api.agents.presence import Presence
from services.api.agents.registration import AgentRegistrar
from services.api.agents.registry import AgentRegistry
from services.api.agents.results import ResultConsumer
from services.api.agents.secrets_repository import SecretRepository
from services.api.agents.secrets_service import SecretService
from services.api.agents.secrets_servicer import RegistrationSecretServicer
from services.api.agents.sweep import OfflineSweep
from services.api.settings import ApiSettings
from services.kit.lifecycle import Lifecycle
from services.kit.periodic import Periodic
from services.kit.server import ServiceBinding

if TYPE_CHECKING:
    from services.api.app import Domain

#: The only RPCs an agent's token (scope ``agent``) may call: its own heartbeat and command
#: results. The tenant's inventory, secrets and commands stay out of an agent's reach.
AGENT_METHODS: dict[str, tuple[str, ...]] = {
    AGENT_SCOPE: (
        "/openframe.agents.v1.AgentService/Heartbeat",
        "/openframe.agents.v1.CommandService/ReportCommandResult",
    )
}


@dataclass
class Agents:
    """Everything the agents part started (tests look inside)."""

    nc: Nats
    presence: Presence
    commands: CommandService
    heartbeats: HeartbeatConsumer | None = None
    results: ResultConsumer | None = None
    sweep: OfflineSweep | None = None
    loops: list[Periodic] = field(default_factory=list)


#: The most recently started agents part of this process (for in-process tests).
started: list[Agents] = []


async def start(settings: ApiSettings, lifecycle: Lifecycle, domain: Domain) -> list[ServiceBinding]:
    relay = _relay(domain, settings, lifecycle)
    lease = settings.outbox_lease_seconds
    secret_repo = SecretRepository(domain.db, await relay("registration_secrets"), lease_seconds=lease)
    command_store = CommandStore(domain.db, await relay("commands"), lease_seconds=lease)
    registry = AgentRegistry(domain.db)
    for store in (secret_repo, command_store, registry):
        await store.init()
    lifecycle.on_shutdown("registration-secret-uses", secret_repo.stop)

    redis: Redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=3)
    lifecycle.on_shutdown("agents-redis", redis.aclose)
    nc = await nats.connect(
        settings.nats_url, name=f"openframe-{settings.agent_group}", max_reconnect_attempts=-1
    )
    lifecycle.on_shutdown("agents-nats", nc.drain)
    js = nc.jetstream()
    await subjects.ensure_streams(js)

    presence = Presence(redis, namespace=settings.mongo_database)
    status = StatusWriter(domain.device_repository)
    clients = AgentClients(settings)
    lifecycle.on_shutdown("agents-auth-channel", clients.close)
    secrets = SecretService(secret_repo, domain.organizations.repo)
    registrar = AgentRegistrar(secrets, registry, clients, domain.device_repository, domain.organizations)
    commands = CommandService(
        command_store, domain.device_repository, js, grace_seconds=settings.agent_command_grace_seconds
    )
    agents = Agents(nc=nc, presence=presence, commands=commands)
    if settings.agent_workers:
        await _start_workers(settings, lifecycle, agents, js, redis, status)
    started.append(agents)

    agent_servicer = AgentServicer(
        registrar,
        presence,
        status,
        domain.device_repository,
        issuer_base=settings.public_url,
        heartbeat_interval_seconds=settings.agent_heartbeat_interval_seconds,
    )
    return [
        _binding(
            agents_pb2, "AgentService", agents_pb2_grpc.add_AgentServiceServicer_to_server, agent_servicer
        ),
        _binding(
            registration_secrets_pb2,
            "RegistrationSecretService",
            registration_secrets_pb2_grpc.add_RegistrationSecretServiceServicer_to_server,
            RegistrationSecretServicer(secrets),
        ),
        _binding(
            commands_pb2,
            "CommandService",
            commands_pb2_grpc.add_CommandServiceServicer_to_server,
            CommandServicer(commands),
        ),
    ]


async def _start_workers(
    settings: ApiSettings, lifecycle: Lifecycle, agents: Agents, js: Any, redis: Redis, status: StatusWriter
) -> None:
    auth = AgentAuthenticator(settings)
    group, inactive = settings.agent_group, settings.agent_consumer_inactive_seconds
    agents.heartbeats = HeartbeatConsumer(
        js,
        durable=f"{group}-heartbeats",
        auth=auth,
        presence=agents.presence,
        status=status,
        batch_size=settings.agent_heartbeat_batch,
        flush_seconds=settings.agent_heartbeat_flush_seconds,
        inactive_seconds=inactive,
    )
    agents.results = ResultConsumer(
        js, durable=f"{group}-results", auth=auth, commands=agents.commands, inactive_seconds=inactive
    )
    agents.sweep = OfflineSweep(
        agents.presence,
        status,
        offline_after_seconds=settings.agent_offline_after_seconds,
        tenants=settings.agent_sweep_tenants,
    )
    sweep = agents.sweep

    async def offline_sweep(fence: int) -> None:
        await sweep.run_once()

    async def command_expiry(fence: int) -> None:
        await agents.commands.expire_overdue()

    # Once per period across every replica and worker (services/kit/periodic.py). No fencing
    # needed: every write they make is a compare-and-set on the document (a transition only
    # from ONLINE, a command times out only while unfinished), so an outdated run repeats at
    # worst an attempt that changes nothing.
    interval = settings.agent_sweep_interval_seconds
    loops = [
        Periodic(
            redis,
            f"agents:{settings.mongo_database}:{group}:{name}",
            job,
            period_seconds=interval,
            max_run_seconds=10 * interval,
        )
        for name, job in (("offline-sweep", offline_sweep), ("command-expiry", command_expiry))
    ]
    agents.loops += loops
    await agents.heartbeats.start()
    await agents.results.start()
    for loop in loops:
        loop.start()
        lifecycle.on_shutdown(f"agents-{loop.name}", loop.stop)
    lifecycle.on_shutdown("agents-heartbeats", agents.heartbeats.stop)
    lifecycle.on_shutdown("agents-results", agents.results.stop)


def _relay(domain: Domain, settings: ApiSettings, lifecycle: Lifecycle) -> Any:
    from services.api.app import relay_for  # app imports this module lazily: no cycle at load

    async def make(collection: str) -> Any:
        relay = relay_for(domain.db, collection, settings)
        await relay.init()
        relay.start(lifecycle)
        domain.relays.append(relay)
        return relay

    return make


def _binding(module: Any, service: str, add: Any, servicer: Any) -> ServiceBinding:
    return ServiceBinding(
        module.DESCRIPTOR.services_by_name[service].full_name, lambda server: add(servicer, server)
    )
