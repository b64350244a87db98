"""gRPC AgentService: RegisterAgent (public: the registration secret is the credential) and
Heartbeat (the device's own agent only; the NATS subject is the usual way)."""

from __future__ import annotations

import time
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from openframe.agents.v1 import agents_pb2 as pb
from openframe.agents.v1 import agents_pb2_grpc as pb_grpc
from services.api.agents import subjects
from services.api.agents.agent_auth import check_agent
from services.api.agents.heartbeats import StatusWriter
from services.api.agents.presence import Presence
from services.api.agents.registration import AgentRegistrar
from services.api.devices.convert import status_to_pb
from services.api.devices.repository import DeviceRepository
from services.kit.errors import NotFound
from services.kit.identity import current_identity


class AgentServicer(pb_grpc.AgentServiceServicer):
    def __init__(
        self,
        registrar: AgentRegistrar,
        presence: Presence,
        status: StatusWriter,
        devices: DeviceRepository,
        *,
        issuer_base: str,
        heartbeat_interval_seconds: int,
    ) -> None:
        self.registrar = registrar
        self.presence = presence
        self.status = status
        self.devices = devices
        self.issuer_base = issuer_base.rstrip("/")
        self.interval = heartbeat_interval_seconds

    async def RegisterAgent(self, request: pb.RegisterAgentRequest, context: Any) -> pb.RegisterAgentResponse:
        done = await self.registrar.register(
            request.registration_secret, request.inventory, request.machine_fingerprint
        )
        issuer = f"{self.issuer_base}/auth/tenants/{done.tenant_id}"
        return pb.RegisterAgentResponse(
            device=f"devices/{done.machine_id}",
            machine_id=done.machine_id,
            tenant_id=done.tenant_id,
            organization=done.organization,
            client_id=done.credentials.client_id,
            client_secret=done.credentials.client_secret,
            issuer_uri=issuer,
            token_endpoint=f"{issuer}/oauth2/token",
            nats_subject_prefix=subjects.subject(done.tenant_id, done.machine_id, "")[:-1],
            heartbeat_interval=Duration(seconds=self.interval),
            reregistered=done.reregistered,
        )

    async def Heartbeat(self, request: pb.HeartbeatRequest, context: Any) -> pb.HeartbeatResponse:
        who = current_identity()
        machine = who.client_id or ""
        if request.device and request.device != f"devices/{machine}":
            check_agent(who, who.tenant_id, request.device.removeprefix("devices/"))
        check_agent(who, who.tenant_id, machine)
        now = time.time()
        arrived = await self.presence.record(who.tenant_id, {machine: now})
        if arrived and not await self.status.online(who.tenant_id, machine, now):
            await self.presence.forget(who.tenant_id, [machine])  # the next heartbeat retries
        device = await self.devices.get(tenant_id=who.tenant_id, device_id=machine)
        if device is None:
            raise NotFound(f"devices/{machine}")
        server_time = Timestamp()
        server_time.FromSeconds(int(now))
        return pb.HeartbeatResponse(
            status=status_to_pb(device.status),  # type: ignore[arg-type]
            heartbeat_interval=Duration(seconds=self.interval),
            server_time=server_time,
        )
