"""gRPC RegistrationSecretService (ADMIN or OWNER, caller's tenant only): proto <-> domain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openframe.agents.v1 import registration_secrets_pb2 as pb
from openframe.agents.v1 import registration_secrets_pb2_grpc as pb_grpc
from services.api.agents.secrets_convert import STATUS_FROM_PB, fields_from_pb, to_pb
from services.api.agents.secrets_model import id_from_name
from services.api.agents.secrets_service import SecretService
from services.kit.identity import Identity, current_identity

ADMINS = ("OWNER", "ADMIN")


def _admin() -> Identity:
    identity = current_identity()
    identity.require_any_role(*ADMINS)
    return identity


class RegistrationSecretServicer(pb_grpc.RegistrationSecretServiceServicer):
    def __init__(self, service: SecretService) -> None:
        self.service = service

    async def CreateRegistrationSecret(
        self, request: pb.CreateRegistrationSecretRequest, context: Any
    ) -> pb.CreateRegistrationSecretResponse:
        who = _admin()
        issued = await self.service.create(
            who.tenant_id, fields_from_pb(request.registration_secret), who.subject
        )
        return pb.CreateRegistrationSecretResponse(
            registration_secret=to_pb(issued.record), secret=issued.secret
        )

    async def GetRegistrationSecret(
        self, request: pb.GetRegistrationSecretRequest, context: Any
    ) -> pb.GetRegistrationSecretResponse:
        record = await self.service.get(_admin().tenant_id, id_from_name(request.name))
        return pb.GetRegistrationSecretResponse(registration_secret=to_pb(record))

    async def ListRegistrationSecrets(
        self, request: pb.ListRegistrationSecretsRequest, context: Any
    ) -> pb.ListRegistrationSecretsResponse:
        items, token = await self.service.find_page(
            _admin().tenant_id,
            status=STATUS_FROM_PB.get(request.status),
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListRegistrationSecretsResponse(
            registration_secrets=[to_pb(r) for r in items], next_page_token=token
        )

    async def RotateRegistrationSecret(
        self, request: pb.RotateRegistrationSecretRequest, context: Any
    ) -> pb.RotateRegistrationSecretResponse:
        overlap = timedelta(seconds=request.overlap.ToSeconds()) if request.HasField("overlap") else None
        issued = await self.service.rotate(
            _admin().tenant_id, id_from_name(request.name), overlap, request.etag
        )
        return pb.RotateRegistrationSecretResponse(
            registration_secret=to_pb(issued.record), secret=issued.secret
        )

    async def RevokeRegistrationSecret(
        self, request: pb.RevokeRegistrationSecretRequest, context: Any
    ) -> pb.RevokeRegistrationSecretResponse:
        record = await self.service.revoke(_admin().tenant_id, id_from_name(request.name), request.etag)
        return pb.RevokeRegistrationSecretResponse(registration_secret=to_pb(record))
