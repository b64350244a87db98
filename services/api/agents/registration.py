"""Agent registration: tenant secret in, machine id and OAuth client credentials out.

Order of writes (no multi-document transactions): the OAuth client (auth service) first — its
client id becomes the machine id — then the ``agents`` record (unique per fingerprint), then the
device (PENDING, with its DeviceRegistered event). A retry with the same fingerprint finds the
record and finishes (or refreshes) the device with fresh credentials, so a failure half-way
never leaves a machine the agent cannot get back; a client orphaned by a lost race is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openframe.agents.v1 import agents_pb2 as pb
from services.api.agents.auth_clients import AgentClients, Credentials
from services.api.agents.registry import AgentRecord, AgentRegistry, fingerprint_key
from services.api.agents.secrets_service import SecretService
from services.api.devices.convert import os_from_pb, type_from_pb
from services.api.devices.repository import DeviceRepository
from services.api.organizations.service import OrganizationService
from services.kit.mongo import now


@dataclass(frozen=True)
class Registration:
    tenant_id: str
    machine_id: str
    organization: str
    credentials: Credentials
    reregistered: bool


def inventory_fields(inventory: pb.DeviceInventory) -> dict[str, Any]:
    """The proto inventory as the device repository's inventory fields."""
    return {
        "hostname": inventory.hostname,
        "os_type": os_from_pb(inventory.os_type),
        "os_version": inventory.os_version,
        "serial_number": inventory.serial_number,
        "manufacturer": inventory.manufacturer,
        "model": inventory.model,
        "device_type": type_from_pb(inventory.device_type),
        "architecture": inventory.architecture,
        "ip_addresses": list(inventory.ip_addresses),
        "mac_addresses": list(inventory.mac_addresses),
        "agent_version": inventory.agent_version,
    }


class AgentRegistrar:
    def __init__(
        self,
        secrets: SecretService,
        registry: AgentRegistry,
        clients: AgentClients,
        devices: DeviceRepository,
        organizations: OrganizationService,
    ) -> None:
        self.secrets = secrets
        self.registry = registry
        self.clients = clients
        self.devices = devices
        self.organizations = organizations

    async def register(self, secret: str, inventory: pb.DeviceInventory, fingerprint: str) -> Registration:
        record = await self.secrets.use(secret)  # UNAUTHENTICATED unless a valid, active secret
        tenant = record.tenant_id
        organization = record.organization or (await self.organizations.default(tenant)).name
        fields = inventory_fields(inventory)
        if fingerprint:
            existing = await self.registry.by_fingerprint(tenant, fingerprint)
            if existing is not None:
                return await self._reregister(existing, fields, organization)
        credentials = await self.clients.create(tenant, inventory.hostname)
        machine = credentials.client_id
        agent = AgentRecord(machine, tenant, fingerprint_key(tenant, fingerprint, machine), record.id, now())
        if not await self.registry.insert(agent):  # a concurrent registration of this fingerprint won
            await self.clients.delete(tenant, machine)
            existing = await self.registry.by_fingerprint(tenant, fingerprint)
            if existing is None:
                raise RuntimeError("agent record vanished during registration")
            return await self._reregister(existing, fields, organization)
        await self.devices.register(
            tenant_id=tenant,
            device_id=machine,
            inventory=fields,
            organization=organization,
            client_id=machine,
        )
        return Registration(tenant, machine, organization, credentials, reregistered=False)

    async def _reregister(
        self, agent: AgentRecord, fields: dict[str, Any], organization: str
    ) -> Registration:
        credentials = await self.clients.rotate(agent.tenant_id, agent.machine_id)
        written = await self.devices.register(
            tenant_id=agent.tenant_id,
            device_id=agent.machine_id,
            inventory=fields,
            organization=organization,
            client_id=agent.machine_id,
        )
        return Registration(
            agent.tenant_id, agent.machine_id, written.device.organization, credentials, reregistered=True
        )
