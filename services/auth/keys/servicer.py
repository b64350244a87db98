"""gRPC SigningKeyService: list/get/rotate the caller's tenant's keys (ADMIN or OWNER); GetJwks
is public (public keys only; "tenants/-" is every active tenant's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from openframe.auth.v1 import signing_keys_pb2 as pb
from openframe.auth.v1 import signing_keys_pb2_grpc as pb_grpc
from services.auth.keys.convert import STATUS_FROM_PB, jwk_pb, to_pb
from services.auth.keys.model import RESOURCE
from services.auth.keys.service import SigningKeyService
from services.auth.tenants.model import Tenant
from services.auth.tenants.service import TenantService
from services.auth.users.model import ADMINS
from services.kit.errors import NotFound
from services.kit.identity import current_identity
from services.kit.mongo import now
from services.kit.pagination import decode_token, page_of, page_size

SERVICE = pb.DESCRIPTOR.services_by_name["SigningKeyService"].full_name


class SigningKeyServicer(pb_grpc.SigningKeyServiceServicer):
    def __init__(self, keys: SigningKeyService, tenants: TenantService) -> None:
        self.keys = keys
        self.tenants = tenants

    async def _admin_tenant(self) -> Tenant:
        identity = current_identity()
        identity.require_any_role(*ADMINS)
        return await self.tenants.get(identity.tenant_id)

    async def ListSigningKeys(
        self, request: pb.ListSigningKeysRequest, context: Any
    ) -> pb.ListSigningKeysResponse:
        tenant = await self._admin_tenant()
        at = now()
        keys = await self.keys.repo.for_tenant(tenant.id)  # newest first; a handful per tenant
        wanted = STATUS_FROM_PB.get(request.status)
        if wanted is not None:
            keys = [k for k in keys if k.status(active_id=tenant.active_key_id, at=at) is wanted]
        position = decode_token(request.page_token, keys={"id"})
        if position:
            ids = [k.id for k in keys]
            keys = keys[ids.index(position["id"]) + 1 :] if position["id"] in ids else []
        page = page_of(keys, page_size(request.page_size), lambda key: {"id": key.id})
        return pb.ListSigningKeysResponse(
            signing_keys=[to_pb(k, active_id=tenant.active_key_id, at=at) for k in page.items],
            next_page_token=page.next_page_token,
        )

    async def GetSigningKey(self, request: pb.GetSigningKeyRequest, context: Any) -> pb.GetSigningKeyResponse:
        tenant = await self._admin_tenant()
        key = await self.keys.get(tenant, request.name.removeprefix(f"{RESOURCE}/"))
        return pb.GetSigningKeyResponse(signing_key=to_pb(key, active_id=tenant.active_key_id, at=now()))

    async def RotateSigningKey(
        self, request: pb.RotateSigningKeyRequest, context: Any
    ) -> pb.RotateSigningKeyResponse:
        tenant = await self._admin_tenant()
        overlap = timedelta(seconds=request.overlap.ToSeconds()) if request.HasField("overlap") else None
        fresh, previous = await self.keys.rotate(
            tenant.id, overlap=overlap, actor_id=current_identity().subject
        )
        self.tenants.forget(tenant.id)
        at = now()
        return pb.RotateSigningKeyResponse(
            signing_key=to_pb(fresh, active_id=fresh.id, at=at),
            previous_signing_key=to_pb(previous, active_id=fresh.id, at=at),
        )

    async def GetJwks(self, request: pb.GetJwksRequest, context: Any) -> pb.GetJwksResponse:
        tenant_id = request.tenant.removeprefix("tenants/")
        if tenant_id == "-":
            return pb.GetJwksResponse(keys=[jwk_pb(k) for k in await self.keys.all_jwks()])
        tenant = await self.tenants.cached(tenant_id)
        if tenant is None or not tenant.active:
            raise NotFound(request.tenant)
        return pb.GetJwksResponse(keys=[jwk_pb(k) for k in await self.keys.jwks(tenant)])
