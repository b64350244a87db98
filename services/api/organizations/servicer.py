"""gRPC transport for organizations: proto ↔ domain, nothing else. Input is already
validated by the kit's interceptor against the contract's protovalidate rules."""

from __future__ import annotations

from typing import Any

from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1 import organizations_pb2_grpc as pb_grpc
from services.api.organizations.convert import STATUS_FROM_PB, to_pb
from services.api.organizations.model import MUTABLE_FIELDS, id_from_name
from services.api.organizations.service import OrganizationService
from services.kit.identity import current_identity

WRITERS = ("OWNER", "ADMIN")


class OrganizationServicer(pb_grpc.OrganizationServiceServicer):
    def __init__(self, service: OrganizationService) -> None:
        self.service = service

    async def CreateOrganization(
        self, request: pb.CreateOrganizationRequest, context: Any
    ) -> pb.CreateOrganizationResponse:
        tenant = _writer()
        org = await self.service.create(tenant, _fields(request.organization))
        return pb.CreateOrganizationResponse(organization=to_pb(org))

    async def GetOrganization(
        self, request: pb.GetOrganizationRequest, context: Any
    ) -> pb.GetOrganizationResponse:
        org = await self.service.get(current_identity().tenant_id, id_from_name(request.name))
        return pb.GetOrganizationResponse(organization=to_pb(org))

    async def ListOrganizations(
        self, request: pb.ListOrganizationsRequest, context: Any
    ) -> pb.ListOrganizationsResponse:
        page = await self.service.find_page(
            current_identity().tenant_id,
            status=STATUS_FROM_PB.get(request.status),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListOrganizationsResponse(
            organizations=[to_pb(o) for o in page.items], next_page_token=page.next_page_token
        )

    async def UpdateOrganization(
        self, request: pb.UpdateOrganizationRequest, context: Any
    ) -> pb.UpdateOrganizationResponse:
        tenant = _writer()
        org = await self.service.update(
            tenant,
            id_from_name(request.organization.name),
            _fields(request.organization),
            list(request.update_mask.paths),
            request.organization.etag,
        )
        return pb.UpdateOrganizationResponse(organization=to_pb(org))

    async def ArchiveOrganization(
        self, request: pb.ArchiveOrganizationRequest, context: Any
    ) -> pb.ArchiveOrganizationResponse:
        org = await self.service.archive(_writer(), id_from_name(request.name), request.etag)
        return pb.ArchiveOrganizationResponse(organization=to_pb(org))

    async def UnarchiveOrganization(
        self, request: pb.UnarchiveOrganizationRequest, context: Any
    ) -> pb.UnarchiveOrganizationResponse:
        org = await self.service.unarchive(_writer(), id_from_name(request.name), request.etag)
        return pb.UnarchiveOrganizationResponse(organization=to_pb(org))

    async def CanArchiveOrganization(
        self, request: pb.CanArchiveOrganizationRequest, context: Any
    ) -> pb.CanArchiveOrganizationResponse:
        check = await self.service.can_archive(current_identity().tenant_id, id_from_name(request.name))
        return pb.CanArchiveOrganizationResponse(
            can_archive=check.can_archive, reason=check.reason, active_device_count=check.active_devices
        )


def _writer() -> str:
    identity = current_identity()
    identity.require_any_role(*WRITERS)
    return identity.tenant_id


def _fields(message: pb.Organization) -> dict[str, Any]:
    return {f: getattr(message, f) for f in MUTABLE_FIELDS}
