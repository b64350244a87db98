"""gRPC InvitationService: proto ↔ domain. Lookup and Accept are public (the token is the
credential); everything else is ADMIN/OWNER in the caller's tenant."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import invitations_pb2 as pb
from openframe.auth.v1 import invitations_pb2_grpc as pb_grpc
from services.auth.invitations.convert import STATUS_FROM_PB, to_pb
from services.auth.invitations.model import id_from_name
from services.auth.invitations.service import InvitationService
from services.auth.users import convert as users_convert
from services.auth.users.convert import ROLE_FROM_PB, ROLE_TO_PB
from services.kit.identity import current_identity

SERVICE = pb.DESCRIPTOR.services_by_name["InvitationService"].full_name


def _ttl(request: Any) -> int | None:
    return request.ttl.seconds if request.HasField("ttl") else None


class InvitationServicer(pb_grpc.InvitationServiceServicer):
    def __init__(self, service: InvitationService) -> None:
        self.service = service

    async def CreateInvitation(
        self, request: pb.CreateInvitationRequest, context: Any
    ) -> pb.CreateInvitationResponse:
        message = request.invitation
        invitation = await self.service.create(
            current_identity(),
            email=message.email,
            role=ROLE_FROM_PB.get(message.role),
            message=message.message,
            ttl_seconds=_ttl(request),
        )
        return pb.CreateInvitationResponse(invitation=to_pb(invitation))

    async def GetInvitation(self, request: pb.GetInvitationRequest, context: Any) -> pb.GetInvitationResponse:
        invitation = await self.service.get(current_identity(), id_from_name(request.name))
        return pb.GetInvitationResponse(invitation=to_pb(invitation))

    async def ListInvitations(
        self, request: pb.ListInvitationsRequest, context: Any
    ) -> pb.ListInvitationsResponse:
        page = await self.service.list(
            current_identity(),
            status=STATUS_FROM_PB.get(request.status),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListInvitationsResponse(
            invitations=[to_pb(i) for i in page.items], next_page_token=page.next_page_token
        )

    async def ResendInvitation(
        self, request: pb.ResendInvitationRequest, context: Any
    ) -> pb.ResendInvitationResponse:
        invitation = await self.service.resend(
            current_identity(), id_from_name(request.name), _ttl(request), request.etag
        )
        return pb.ResendInvitationResponse(invitation=to_pb(invitation))

    async def RevokeInvitation(
        self, request: pb.RevokeInvitationRequest, context: Any
    ) -> pb.RevokeInvitationResponse:
        invitation = await self.service.revoke(current_identity(), id_from_name(request.name), request.etag)
        return pb.RevokeInvitationResponse(invitation=to_pb(invitation))

    async def LookupInvitation(
        self, request: pb.LookupInvitationRequest, context: Any
    ) -> pb.LookupInvitationResponse:
        pending = await self.service.lookup(request.token)
        invitation = pending.invitation
        return pb.LookupInvitationResponse(
            tenant=pending.tenant.name,
            tenant_display_name=pending.tenant.display_name,
            email=invitation.email,
            role=ROLE_TO_PB[invitation.role],
            inviter_display_name=invitation.inviter_name,
            expire_time=to_pb(invitation).expire_time,
        )

    async def AcceptInvitation(
        self, request: pb.AcceptInvitationRequest, context: Any
    ) -> pb.AcceptInvitationResponse:
        user, tenant = await self.service.accept(request.token, request.display_name, request.password)
        return pb.AcceptInvitationResponse(
            user=users_convert.to_pb(user),
            tenant=tenant.name,
            issuer_uri=self.service.tenants.issuer(tenant.id),
        )
