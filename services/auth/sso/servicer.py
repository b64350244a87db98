"""gRPC SsoProviderService (ADMIN or OWNER, caller's tenant only): proto ↔ domain."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import sso_providers_pb2 as pb
from openframe.auth.v1 import sso_providers_pb2_grpc as pb_grpc
from services.auth.sso.convert import PRESET_FROM_PB, fields_from_pb
from services.auth.sso.model import id_from_name
from services.auth.sso.service import SsoProviderService
from services.auth.users.model import ADMINS
from services.kit.identity import Identity, current_identity


def _admin() -> Identity:
    identity = current_identity()
    identity.require_any_role(*ADMINS)
    return identity


class SsoProviderServicer(pb_grpc.SsoProviderServiceServicer):
    def __init__(self, service: SsoProviderService) -> None:
        self.service = service

    async def CreateSsoProvider(
        self, request: pb.CreateSsoProviderRequest, context: Any
    ) -> pb.CreateSsoProviderResponse:
        who = _admin()
        message = request.sso_provider
        provider = await self.service.create(
            who.tenant_id, PRESET_FROM_PB[message.preset], fields_from_pb(message), who.subject
        )
        return pb.CreateSsoProviderResponse(sso_provider=self.service.to_pb(provider))

    async def GetSsoProvider(
        self, request: pb.GetSsoProviderRequest, context: Any
    ) -> pb.GetSsoProviderResponse:
        provider = await self.service.get(_admin().tenant_id, id_from_name(request.name))
        return pb.GetSsoProviderResponse(sso_provider=self.service.to_pb(provider))

    async def ListSsoProviders(
        self, request: pb.ListSsoProvidersRequest, context: Any
    ) -> pb.ListSsoProvidersResponse:
        page = await self.service.find_page(
            _admin().tenant_id,
            enabled_only=request.enabled_only,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListSsoProvidersResponse(
            sso_providers=[self.service.to_pb(p) for p in page.items], next_page_token=page.next_page_token
        )

    async def UpdateSsoProvider(
        self, request: pb.UpdateSsoProviderRequest, context: Any
    ) -> pb.UpdateSsoProviderResponse:
        who = _admin()
        provider = await self.service.update(
            who.tenant_id,
            id_from_name(request.sso_provider.name),
            fields_from_pb(request.sso_provider),
            list(request.update_mask.paths),
            request.sso_provider.etag,
            who.subject,
        )
        return pb.UpdateSsoProviderResponse(sso_provider=self.service.to_pb(provider))

    async def DeleteSsoProvider(
        self, request: pb.DeleteSsoProviderRequest, context: Any
    ) -> pb.DeleteSsoProviderResponse:
        who = _admin()
        await self.service.delete(who.tenant_id, id_from_name(request.name), request.etag, who.subject)
        return pb.DeleteSsoProviderResponse()

    async def SetSsoProviderEnabled(
        self, request: pb.SetSsoProviderEnabledRequest, context: Any
    ) -> pb.SetSsoProviderEnabledResponse:
        who = _admin()
        provider = await self.service.set_enabled(
            who.tenant_id, id_from_name(request.name), request.enabled, request.etag, who.subject
        )
        return pb.SetSsoProviderEnabledResponse(sso_provider=self.service.to_pb(provider))
