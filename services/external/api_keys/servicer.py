"""gRPC transport for API keys: proto ↔ domain, nothing else. Input is already validated by the
kit's interceptor against the contract's protovalidate rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.common.v1 import common_pb2
from openframe.external.v1 import api_keys_pb2 as pb
from openframe.external.v1 import api_keys_pb2_grpc as pb_grpc
from services.external.api_keys.model import ApiKey, Limits, Status, id_from_name
from services.external.api_keys.service import ApiKeyService
from services.external.authz.verifier import KeyVerifier
from services.kit.errors import PermissionDenied
from services.kit.identity import Identity, current_identity
from services.kit.mongo import now

MANAGERS = ("OWNER", "ADMIN")

_STATUS_TO_PB = {
    Status.ACTIVE: pb.API_KEY_STATUS_ACTIVE,
    Status.EXPIRED: pb.API_KEY_STATUS_EXPIRED,
    Status.REVOKED: pb.API_KEY_STATUS_REVOKED,
}
_STATUS_FROM_PB = {v: k for k, v in _STATUS_TO_PB.items()}
_REJECTION_TO_PB = {
    "MALFORMED": pb.API_KEY_REJECTION_MALFORMED,
    "UNKNOWN": pb.API_KEY_REJECTION_UNKNOWN,
    "REVOKED": pb.API_KEY_REJECTION_REVOKED,
    "EXPIRED": pb.API_KEY_REJECTION_EXPIRED,
}
_ACTOR_TYPES = {
    "user": common_pb2.ACTOR_TYPE_USER,
    "client": common_pb2.ACTOR_TYPE_CLIENT,
    "api_key": common_pb2.ACTOR_TYPE_API_KEY,
    "agent": common_pb2.ACTOR_TYPE_AGENT,
    "system": common_pb2.ACTOR_TYPE_SYSTEM,
}


class ApiKeyServicer(pb_grpc.ApiKeyServiceServicer):
    def __init__(self, service: ApiKeyService, verifier: KeyVerifier) -> None:
        self.service = service
        self.verifier = verifier

    async def CreateApiKey(self, request: pb.CreateApiKeyRequest, context: Any) -> pb.CreateApiKeyResponse:
        caller = require_manager()
        issued = await self.service.create(caller, _fields(request.api_key))
        return pb.CreateApiKeyResponse(api_key=to_pb(issued.key), key=issued.full_key)

    async def GetApiKey(self, request: pb.GetApiKeyRequest, context: Any) -> pb.GetApiKeyResponse:
        key = await self.service.get(require_manager().tenant_id, id_from_name(request.name))
        return pb.GetApiKeyResponse(api_key=to_pb(key))

    async def ListApiKeys(self, request: pb.ListApiKeysRequest, context: Any) -> pb.ListApiKeysResponse:
        page = await self.service.find_page(
            require_manager().tenant_id,
            status=_STATUS_FROM_PB.get(request.status),
            search=request.search,
            size=request.page_size,
            token=request.page_token,
        )
        return pb.ListApiKeysResponse(
            api_keys=[to_pb(k) for k in page.items], next_page_token=page.next_page_token
        )

    async def UpdateApiKey(self, request: pb.UpdateApiKeyRequest, context: Any) -> pb.UpdateApiKeyResponse:
        key = await self.service.update(
            require_manager().tenant_id,
            id_from_name(request.api_key.name),
            _fields(request.api_key),
            list(request.update_mask.paths),
            request.api_key.etag,
        )
        return pb.UpdateApiKeyResponse(api_key=to_pb(key))

    async def RegenerateApiKey(
        self, request: pb.RegenerateApiKeyRequest, context: Any
    ) -> pb.RegenerateApiKeyResponse:
        expire = _dt(request.expire_time) if request.HasField("expire_time") else None
        issued = await self.service.regenerate(
            require_manager().tenant_id, id_from_name(request.name), expire, request.etag
        )
        return pb.RegenerateApiKeyResponse(api_key=to_pb(issued.key), key=issued.full_key)

    async def RevokeApiKey(self, request: pb.RevokeApiKeyRequest, context: Any) -> pb.RevokeApiKeyResponse:
        key = await self.service.revoke(require_manager().tenant_id, id_from_name(request.name), request.etag)
        return pb.RevokeApiKeyResponse(api_key=to_pb(key))

    async def DeleteApiKey(self, request: pb.DeleteApiKeyRequest, context: Any) -> pb.DeleteApiKeyResponse:
        await self.service.delete(require_manager().tenant_id, id_from_name(request.name), request.etag)
        return pb.DeleteApiKeyResponse()

    async def VerifyApiKey(self, request: pb.VerifyApiKeyRequest, context: Any) -> pb.VerifyApiKeyResponse:
        # Internal: other services of the mesh (internal tokens of kind "system") only.
        if current_identity().kind != "system":
            raise PermissionDenied("VerifyApiKey is internal to the platform")
        verdict = await self.verifier.verify(request.key)
        if verdict.key is None:
            return pb.VerifyApiKeyResponse(valid=False, rejection=_REJECTION_TO_PB[verdict.rejection])
        key = verdict.key
        limits = key.rate_limits.effective()
        return pb.VerifyApiKeyResponse(
            valid=True,
            tenant_id=key.tenant_id,
            api_key=key.name,
            scopes=key.scopes,
            rate_limits=pb.RateLimits(
                per_minute=limits.per_minute, per_hour=limits.per_hour, per_day=limits.per_day
            ),
            expire_time=_ts(key.expire_time),
        )


def require_manager() -> Identity:
    identity = current_identity()
    if identity.kind == "api_key":  # a key never manages keys, whatever its roles
        raise PermissionDenied("API keys cannot manage API keys")
    identity.require_any_role(*MANAGERS)
    return identity


def _fields(message: pb.ApiKey) -> dict[str, Any]:
    limits = message.rate_limits
    return {
        "display_name": message.display_name,
        "description": message.description,
        "scopes": list(message.scopes),
        "expire_time": _dt(message.expire_time) if message.HasField("expire_time") else None,
        "rate_limits": Limits(limits.per_minute, limits.per_hour, limits.per_day),
    }


def to_pb(key: ApiKey) -> pb.ApiKey:
    return pb.ApiKey(
        name=key.name,
        key_prefix=key.prefix,
        display_name=key.display_name,
        description=key.description,
        scopes=key.scopes,
        expire_time=_ts(key.expire_time),
        rate_limits=pb.RateLimits(
            per_minute=key.rate_limits.per_minute,
            per_hour=key.rate_limits.per_hour,
            per_day=key.rate_limits.per_day,
        ),
        status=_STATUS_TO_PB[key.status(now())],
        last_use_time=_ts(key.last_use_time),
        last_use_ip_address=key.last_use_ip,
        creator=common_pb2.Actor(
            type=_ACTOR_TYPES.get(key.creator_type, common_pb2.ACTOR_TYPE_UNSPECIFIED), id=key.creator_id
        ),
        create_time=_ts(key.create_time),
        update_time=_ts(key.update_time),
        regenerate_time=_ts(key.regenerate_time),
        revoke_time=_ts(key.revoke_time),
        etag=key.etag,
    )


def _dt(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
