"""gRPC OAuthClientService (ADMIN or OWNER, caller's tenant only): proto ↔ domain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openframe.auth.v1 import oauth_clients_pb2 as pb
from openframe.auth.v1 import oauth_clients_pb2_grpc as pb_grpc
from services.auth.clients.convert import PURPOSE_FROM_PB, TYPE_FROM_PB, fields_from_pb, to_pb
from services.auth.clients.model import Purpose, id_from_name
from services.auth.clients.registration import InitialAccessTokens
from services.auth.clients.service import ClientService
from services.auth.users.model import ADMINS
from services.kit.identity import Identity, current_identity


def _admin() -> Identity:
    identity = current_identity()
    identity.require_any_role(*ADMINS)
    return identity


class OAuthClientServicer(pb_grpc.OAuthClientServiceServicer):
    def __init__(self, service: ClientService, initial_tokens: InitialAccessTokens) -> None:
        self.service = service
        self.initial_tokens = initial_tokens

    async def CreateInitialAccessToken(
        self, request: pb.CreateInitialAccessTokenRequest, context: Any
    ) -> pb.CreateInitialAccessTokenResponse:
        who = _admin()
        token, expires = await self.initial_tokens.create(who, request.ttl.seconds, request.max_uses or 1)
        reply = pb.CreateInitialAccessTokenResponse(token=token)
        reply.expire_time.FromDatetime(expires)
        return reply

    async def CreateOAuthClient(
        self, request: pb.CreateOAuthClientRequest, context: Any
    ) -> pb.CreateOAuthClientResponse:
        who = _admin()
        message = request.oauth_client
        client, secret = await self.service.create(
            who.tenant_id,
            TYPE_FROM_PB[message.client_type],
            PURPOSE_FROM_PB.get(message.purpose, Purpose.INTEGRATION),
            fields_from_pb(message),
            who.subject,
        )
        return pb.CreateOAuthClientResponse(oauth_client=to_pb(client), client_secret=secret)

    async def GetOAuthClient(
        self, request: pb.GetOAuthClientRequest, context: Any
    ) -> pb.GetOAuthClientResponse:
        client = await self.service.get(_admin().tenant_id, id_from_name(request.name))
        return pb.GetOAuthClientResponse(oauth_client=to_pb(client))

    async def ListOAuthClients(
        self, request: pb.ListOAuthClientsRequest, context: Any
    ) -> pb.ListOAuthClientsResponse:
        page = await self.service.find_page(
            _admin().tenant_id,
            purpose=PURPOSE_FROM_PB.get(request.purpose),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListOAuthClientsResponse(
            oauth_clients=[to_pb(c) for c in page.items], next_page_token=page.next_page_token
        )

    async def UpdateOAuthClient(
        self, request: pb.UpdateOAuthClientRequest, context: Any
    ) -> pb.UpdateOAuthClientResponse:
        who = _admin()
        client = await self.service.update(
            who.tenant_id,
            id_from_name(request.oauth_client.name),
            fields_from_pb(request.oauth_client),
            list(request.update_mask.paths),
            request.oauth_client.etag,
            who.subject,
        )
        return pb.UpdateOAuthClientResponse(oauth_client=to_pb(client))

    async def DeleteOAuthClient(
        self, request: pb.DeleteOAuthClientRequest, context: Any
    ) -> pb.DeleteOAuthClientResponse:
        who = _admin()
        await self.service.delete(who.tenant_id, id_from_name(request.name), request.etag, who.subject)
        return pb.DeleteOAuthClientResponse()

    async def RotateOAuthClientSecret(
        self, request: pb.RotateOAuthClientSecretRequest, context: Any
    ) -> pb.RotateOAuthClientSecretResponse:
        who = _admin()
        overlap = (
            timedelta(seconds=request.overlap.ToSeconds()) if request.HasField("overlap") else timedelta(0)
        )
        client, secret = await self.service.rotate_secret(
            who.tenant_id, id_from_name(request.name), overlap, request.etag, who.subject
        )
        return pb.RotateOAuthClientSecretResponse(oauth_client=to_pb(client), client_secret=secret)
