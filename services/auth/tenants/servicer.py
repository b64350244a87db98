"""gRPC TenantService. RegisterTenant, DiscoverTenants and CheckTenantAvailability are public;
GetTenant reads the caller's own tenant (another is NOT_FOUND); SetTenantStatus is for platform
operators (role PLATFORM_OPERATOR, or a system identity)."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import tenants_pb2 as pb
from openframe.auth.v1 import tenants_pb2_grpc as pb_grpc
from services.auth.tenants import convert
from services.auth.tenants.service import Registration, TenantService
from services.auth.users import convert as users_convert
from services.kit.errors import NotFound, PermissionDenied
from services.kit.identity import Identity, current_identity

OPERATOR_ROLE = "PLATFORM_OPERATOR"
SERVICE = pb.DESCRIPTOR.services_by_name["TenantService"].full_name


def is_operator(identity: Identity) -> bool:
    return identity.kind == "system" or OPERATOR_ROLE in identity.roles


class TenantServicer(pb_grpc.TenantServiceServicer):
    def __init__(self, service: TenantService) -> None:
        self.service = service

    async def RegisterTenant(
        self, request: pb.RegisterTenantRequest, context: Any
    ) -> pb.RegisterTenantResponse:
        tenant, owner = await self.service.register(
            Registration(
                tenant_id=request.tenant_id,
                display_name=request.display_name,
                owner_email=request.owner_email,
                owner_password=request.owner_password,
                owner_display_name=request.owner_display_name,
            )
        )
        return pb.RegisterTenantResponse(
            tenant=convert.to_pb(tenant, self.service.issuer(tenant.id)), owner=users_convert.to_pb(owner)
        )

    async def DiscoverTenants(
        self, request: pb.DiscoverTenantsRequest, context: Any
    ) -> pb.DiscoverTenantsResponse:
        tenants, claimed = await self.service.discover(request.email)
        summaries = [
            pb.TenantSummary(name=t.name, display_name=t.display_name, issuer_uri=self.service.issuer(t.id))
            for t in tenants
        ]
        return pb.DiscoverTenantsResponse(tenants=summaries, email_domain_claimed=claimed)

    async def CheckTenantAvailability(
        self, request: pb.CheckTenantAvailabilityRequest, context: Any
    ) -> pb.CheckTenantAvailabilityResponse:
        tenant_free, domain_free = await self.service.availability(request.tenant_id, request.email_domain)
        return pb.CheckTenantAvailabilityResponse(
            tenant_id_available=tenant_free, email_domain_available=domain_free
        )

    async def GetTenant(self, request: pb.GetTenantRequest, context: Any) -> pb.GetTenantResponse:
        tenant_id = request.name.removeprefix("tenants/")
        identity = current_identity()
        if tenant_id != identity.tenant_id and not is_operator(identity):
            raise NotFound(request.name)  # another tenant looks exactly like a missing one
        tenant = await self.service.get(tenant_id)
        return pb.GetTenantResponse(tenant=convert.to_pb(tenant, self.service.issuer(tenant.id)))

    async def SetTenantStatus(
        self, request: pb.SetTenantStatusRequest, context: Any
    ) -> pb.SetTenantStatusResponse:
        identity = current_identity()
        if not is_operator(identity):
            raise PermissionDenied("only platform operators can change a tenant's status")
        tenant = await self.service.set_status(
            request.name.removeprefix("tenants/"),
            convert.STATUS_FROM_PB[request.status],
            request.reason,
            request.etag,
            identity.subject,
        )
        return pb.SetTenantStatusResponse(tenant=convert.to_pb(tenant, self.service.issuer(tenant.id)))

    async def ListTenants(self, request: pb.ListTenantsRequest, context: Any) -> pb.ListTenantsResponse:
        identity = current_identity()
        page = await self.service.list_for(
            identity,
            operator=is_operator(identity),
            status=convert.STATUS_FROM_PB.get(request.status),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListTenantsResponse(
            tenants=[convert.to_pb(t, self.service.issuer(t.id)) for t in page.items],
            next_page_token=page.next_page_token,
        )

    async def UpdateTenant(self, request: pb.UpdateTenantRequest, context: Any) -> pb.UpdateTenantResponse:
        message = request.tenant
        tenant = await self.service.update(
            current_identity(),
            message.name.removeprefix("tenants/"),
            {"display_name": message.display_name, "email_domains": list(message.email_domains)},
            list(request.update_mask.paths),
            message.etag,
        )
        return pb.UpdateTenantResponse(tenant=convert.to_pb(tenant, self.service.issuer(tenant.id)))
