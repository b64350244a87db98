"""Wiring of the api service: stores → repositories → domain services → servicers.

Agents (services/api/agents/) plug in through ``services.api.agents.wiring``: unless
``settings.agents`` is off, ``build`` calls its ``async start(settings, lifecycle, domain)`` with
the :class:`Domain` below and serves the bindings it returns on the same gRPC server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from openframe.api.v1 import (
    devices_pb2,
    devices_pb2_grpc,
    events_pb2,
    events_pb2_grpc,
    organizations_pb2,
    organizations_pb2_grpc,
    tags_pb2,
    tags_pb2_grpc,
)
from openframe.external.v1 import (
    public_api_pb2,
    public_api_pb2_grpc,
    public_devices_pb2,
    public_devices_pb2_grpc,
)
from services.api.agents import wiring as agents
from services.api.devices.counts import DeviceCounts
from services.api.devices.repository import DeviceRepository
from services.api.devices.service import DeviceService
from services.api.devices.servicer import DeviceServicer
from services.api.events.repository import EventRepository
from services.api.events.servicer import EventServicer
from services.api.organizations.repository import OrganizationRepository
from services.api.organizations.service import OrganizationService
from services.api.organizations.servicer import OrganizationServicer
from services.api.outbox import QueuedOutboxRelay
from services.api.public import PublicDeviceServicer, PublicEventServicer, PublicOrganizationServicer
from services.api.settings import ApiSettings
from services.api.tags.repository import TagKeyRepository
from services.api.tags.service import TagService
from services.api.tags.servicer import TagServicer
from services.kit import mongo
from services.kit.cache import Cache
from services.kit.lifecycle import Lifecycle
from services.kit.mongo import Document
from services.kit.server import ServiceBinding, start_server


@dataclass
class Domain:
    """What the api service's parts share (also handed to the agents' wiring)."""

    db: AsyncDatabase[Document]
    organizations: OrganizationService
    devices: DeviceService
    device_repository: DeviceRepository
    relays: list[QueuedOutboxRelay]


def relay_for(db: AsyncDatabase[Document], collection: str, settings: ApiSettings) -> QueuedOutboxRelay:
    return QueuedOutboxRelay(
        db[collection],
        bootstrap=settings.kafka_bootstrap,
        client_id=f"openframe-api-{collection}",
        lease_seconds=settings.outbox_lease_seconds,
        sweep_seconds=settings.outbox_sweep_seconds,
    )


async def build_domain(settings: ApiSettings, lifecycle: Lifecycle) -> Domain:
    db = mongo.connect(settings, lifecycle)
    relays = {
        name: relay_for(db, name, settings) for name in ("organizations", "devices", "tag_keys", "events")
    }
    lease = settings.outbox_lease_seconds
    org_cache = Cache.connect(settings.redis_url, lifecycle, namespace="organizations")
    device_cache = Cache.connect(settings.redis_url, lifecycle, namespace="devices")
    counts = DeviceCounts(db)  # one per process: its pending changes are read by both
    lifecycle.on_shutdown("device-counts", counts.stop)
    organizations = OrganizationRepository(
        db, org_cache, relays["organizations"], lease_seconds=lease, counts=counts
    )
    devices = DeviceRepository(db, device_cache, relays["devices"], lease_seconds=lease, counts=counts)
    for store in (organizations, devices):
        await store.init()
    for relay in relays.values():
        await relay.init()
    for relay in relays.values():
        relay.start(lifecycle)
    return Domain(
        db=db,
        organizations=OrganizationService(organizations),
        devices=DeviceService(devices, organizations),
        device_repository=devices,
        relays=list(relays.values()),
    )


async def build(settings: ApiSettings, lifecycle: Lifecycle) -> int:
    """Start the api service; returns the bound gRPC port."""
    port, _ = await build_app(settings, lifecycle)
    return port


async def build_app(settings: ApiSettings, lifecycle: Lifecycle) -> tuple[int, Domain]:
    """Start the api service; returns the bound gRPC port and the domain behind it."""
    domain = await build_domain(settings, lifecycle)
    relays = {r.collection.name: r for r in domain.relays}
    tag_keys = TagKeyRepository(domain.db, relays["tag_keys"], lease_seconds=settings.outbox_lease_seconds)
    event_records = EventRepository(domain.db, relays["events"], lease_seconds=settings.outbox_lease_seconds)
    for store in (tag_keys, event_records):
        await store.init()
    org_repo = domain.organizations.repo
    organizations = OrganizationServicer(domain.organizations)
    devices = DeviceServicer(domain.devices, org_repo)
    events = EventServicer(event_records, domain.device_repository, org_repo)
    servicers: list[tuple[Any, Any, Any]] = [
        (
            organizations_pb2,
            "OrganizationService",
            (organizations_pb2_grpc.add_OrganizationServiceServicer_to_server, organizations),
        ),
        (devices_pb2, "DeviceService", (devices_pb2_grpc.add_DeviceServiceServicer_to_server, devices)),
        (
            tags_pb2,
            "TagService",
            (
                tags_pb2_grpc.add_TagServiceServicer_to_server,
                TagServicer(TagService(tag_keys, domain.device_repository)),
            ),
        ),
        (events_pb2, "EventService", (events_pb2_grpc.add_EventServiceServicer_to_server, events)),
        # the public API's resources of this service (services/kit/public_api.py)
        (
            public_devices_pb2,
            "PublicDeviceService",
            (
                public_devices_pb2_grpc.add_PublicDeviceServiceServicer_to_server,
                PublicDeviceServicer(devices),
            ),
        ),
        (
            public_api_pb2,
            "PublicOrganizationService",
            (
                public_api_pb2_grpc.add_PublicOrganizationServiceServicer_to_server,
                PublicOrganizationServicer(organizations),
            ),
        ),
        (
            public_api_pb2,
            "PublicEventService",
            (public_api_pb2_grpc.add_PublicEventServiceServicer_to_server, PublicEventServicer(events)),
        ),
    ]
    bindings = [_binding(module, name, add, servicer) for module, name, (add, servicer) in servicers]
    if settings.agents:  # RegisterAgent is public (its proto says so): the secret is the credential
        bindings += await agents.start(settings, lifecycle, domain)
    _, port = await start_server(
        settings,
        bindings,
        lifecycle,
        # agents' tokens reach the agent RPCs only (whether or not agents run here)
        confined_scopes=agents.AGENT_METHODS,
    )
    return port, domain


def _binding(module: Any, service: str, add: Any, servicer: Any) -> ServiceBinding:
    return ServiceBinding(
        module.DESCRIPTOR.services_by_name[service].full_name, lambda server: add(servicer, server)
    )
