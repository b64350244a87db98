"""Wiring of the api service: stores → repositories → domain services → servicers."""

from __future__ import annotations

from openframe.api.v1 import organizations_pb2, organizations_pb2_grpc
from services.api.organizations.repository import OrganizationRepository
from services.api.organizations.service import OrganizationService
from services.api.organizations.servicer import OrganizationServicer
from services.api.settings import ApiSettings
from services.kit import mongo
from services.kit.cache import Cache
from services.kit.lifecycle import Lifecycle
from services.kit.server import ServiceBinding, start_server


async def build(settings: ApiSettings, lifecycle: Lifecycle) -> int:
    """Start the api service; returns the bound gRPC port."""
    db = mongo.connect(settings, lifecycle)
    cache = Cache.connect(settings.redis_url, lifecycle, namespace="organizations")
    organizations = OrganizationRepository(db, cache)
    await organizations.init()
    servicer = OrganizationServicer(OrganizationService(organizations))
    bindings = [
        ServiceBinding(
            organizations_pb2.DESCRIPTOR.services_by_name["OrganizationService"].full_name,
            lambda server: organizations_pb2_grpc.add_OrganizationServiceServicer_to_server(servicer, server),
        ),
    ]
    _, port = await start_server(settings, bindings, lifecycle)
    return port
