"""Envoy's ext_authz check (``envoy.service.auth.v3.Authorization/Check``) for the public API.

Per request on the public API routes (docs/external-api.md):

* ``X-API-Key`` present: the key must be valid (401 otherwise: malformed, unknown, revoked,
  expired, or its tenant not active: ``tenants.py``) and hold the scope the route needs (403
  otherwise). The request is then counted
  against the key's and its tenant's rate limits (``limits.py``; 429 with ``Retry-After`` when
  over, and the ``X-RateLimit-*`` headers either way). Then the request goes on with
  ``authorization`` replaced by an internal token of the key's identity (kind ``api_key``,
  subject = key id, the key's tenant, roles and scopes), so the services see an ordinary
  caller, and the key itself removed. Dynamic metadata ``tenant_id`` and ``api_key_id`` (namespace
  ``envoy.filters.http.ext_authz``) feed the usage log (refusals included), and ``rate_limits``
  (``"<min>/<hour>/<day>"``, 0 = default) names the key's own limits, when it has any.
* no key but a bearer token (already verified by jwt_authn and bound to its tenant by RBAC):
  allowed as is, with ``tenant_id`` metadata from the token's ``tid``. The edge calls the check
  only when an ``X-API-Key`` header is present, so this is the case of an empty header; bearer
  calls without one never reach the check.
* neither: 401.

Denials carry a plain-text message; the edge's local reply config renders it as the JSON error
body (``{"code": 16, "message": ...}``) REST callers get from every other refusal.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from envoy.config.core.v3 import base_pb2
from envoy.service.auth.v3 import external_auth_pb2 as pb
from envoy.service.auth.v3 import external_auth_pb2_grpc as pb_grpc
from envoy.type.v3 import http_status_pb2
from google.protobuf import struct_pb2
from google.rpc import code_pb2, status_pb2

from services.external.api_keys.model import ApiKey
from services.external.authz import scopes
from services.external.authz.limits import KeyLimiter
from services.external.authz.tenants import TenantStatuses
from services.external.authz.verifier import EXPIRED, REVOKED, KeyVerifier
from services.kit.identity import Identity
from services.kit.internal import InternalTokens
from services.kit.ratelimit.headers import draft03_headers

API_KEY_HEADER = "x-api-key"
#: The public API's REST paths; anything else the check sees is a gRPC method path.
REST_PREFIX = "/external-api/"
JWT_NAMESPACE = "envoy.filters.http.jwt_authn"
JWT_PAYLOAD = "jwt_payload"
METHOD = "/envoy.service.auth.v3.Authorization/Check"

_REJECTIONS = {REVOKED: "the API key has been revoked", EXPIRED: "the API key has expired"}


def _header(key: str, value: str) -> base_pb2.HeaderValueOption:
    return base_pb2.HeaderValueOption(
        header=base_pb2.HeaderValue(key=key, value=value),
        append_action=base_pb2.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD,
    )


def _metadata(**values: str) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


_CODES = {401: code_pb2.UNAUTHENTICATED, 403: code_pb2.PERMISSION_DENIED, 429: code_pb2.RESOURCE_EXHAUSTED}


def deny(
    http_status: int,
    message: str,
    *,
    metadata: struct_pb2.Struct | None = None,
    extra_headers: list[tuple[str, str]] | None = None,
) -> pb.CheckResponse:
    """A refusal. ``status.code`` is what gRPC callers get (Envoy answers them with it)."""
    code = _CODES[http_status]
    headers = [_header("content-type", "text/plain; charset=utf-8")]
    headers += [_header(k, v) for k, v in extra_headers or ()]
    if http_status == 401:
        headers.append(_header("www-authenticate", 'ApiKey header="X-API-Key", Bearer'))
    return pb.CheckResponse(
        status=status_pb2.Status(code=code, message=message),
        denied_response=pb.DeniedHttpResponse(
            status=http_status_pb2.HttpStatus(code=http_status),
            headers=headers,
            body=message,
        ),
        dynamic_metadata=metadata,
    )


def _jwt_tenant(request: pb.CheckRequest) -> str | None:
    namespaces = request.attributes.metadata_context.filter_metadata
    if JWT_NAMESPACE not in namespaces:
        return None
    payload = namespaces[JWT_NAMESPACE].fields.get(JWT_PAYLOAD)
    if payload is None or not payload.HasField("struct_value"):
        return None
    tid = payload.struct_value.fields.get("tid")
    return tid.string_value if tid is not None and tid.string_value else None


class _Grant(NamedTuple):
    """What the check tells the edge about a valid key, the same for every request of it."""

    key: ApiKey  # the record it was made from
    identity: Identity  # who the services see (in the internal token)
    metadata: struct_pb2.Struct  # the edge's dynamic metadata: usage log and rate limit override


def _grant(key: ApiKey) -> _Grant:
    metadata = _metadata(tenant_id=key.tenant_id, api_key_id=key.id)
    limits = key.rate_limits
    if limits.per_minute or limits.per_hour or limits.per_day:  # the rate limiter's override
        metadata.update({"rate_limits": f"{limits.per_minute}/{limits.per_hour}/{limits.per_day}"})
    identity = Identity(
        tenant_id=key.tenant_id,
        subject=key.id,
        roles=key.roles(),
        kind="api_key",
        scopes=frozenset(key.scopes),
    )
    return _Grant(key, identity, metadata)


class AuthorizationServicer(pb_grpc.AuthorizationServicer):  # type: ignore[misc]
    #: Keys whose grants are remembered; past it the memory starts over.
    MAX_REMEMBERED = 50_000

    def __init__(
        self, verifier: KeyVerifier, tokens: InternalTokens, limiter: KeyLimiter, tenants: TenantStatuses
    ) -> None:
        self.verifier = verifier
        self.tokens = tokens
        self.limiter = limiter
        self.tenants = tenants
        self._grants: dict[str, _Grant] = {}

    def _grant_of(self, key: ApiKey) -> _Grant:
        """Built once per key record (the verifier hands out one object until it reads the key
        again, so a changed key gets a new grant)."""
        known = self._grants.get(key.id)
        if known is not None and known.key is key:
            return known
        if len(self._grants) >= self.MAX_REMEMBERED:
            self._grants.clear()
        grant = self._grants[key.id] = _grant(key)
        return grant

    async def Check(self, request: pb.CheckRequest, context: Any) -> pb.CheckResponse:
        http = request.attributes.request.http
        presented = http.headers.get(API_KEY_HEADER)
        if presented:
            return await self._check_key(presented, http.method, http.path, request)
        tenant = _jwt_tenant(request)
        if tenant is None:
            return deny(401, "authentication required: send an API key (X-API-Key) or a bearer token")
        return pb.CheckResponse(
            status=status_pb2.Status(code=code_pb2.OK),
            ok_response=pb.OkHttpResponse(),
            dynamic_metadata=_metadata(tenant_id=tenant),
        )

    async def _check_key(
        self, presented: str, method: str, path: str, request: pb.CheckRequest
    ) -> pb.CheckResponse:
        client_ip = request.attributes.source.address.socket_address.address
        verdict = await self.verifier.verify(presented, client_ip=client_ip)
        if verdict.key is None:
            return deny(401, _REJECTIONS.get(verdict.rejection, "invalid API key"))
        key = verdict.key
        refusal = await self.tenants.refusal(key.tenant_id)
        if refusal is not None:
            return deny(401, refusal)
        grant = self._grant_of(key)
        metadata = grant.metadata
        needed = scopes.required_scope(method, path)
        if needed is None:
            return deny(403, "this endpoint is not available to API keys", metadata=metadata)
        if needed not in key.scopes:
            return deny(403, f"the API key lacks the scope {needed}", metadata=metadata)
        decision = await self.limiter.hit(key)
        limit_headers = draft03_headers(decision)
        if not decision.allowed:
            if not path.startswith(REST_PREFIX):
                # A gRPC caller: Envoy would map 429 to UNAVAILABLE (which clients retry at once);
                # say RESOURCE_EXHAUSTED, as the rate limit filter does.
                limit_headers.append(("grpc-status", str(code_pb2.RESOURCE_EXHAUSTED)))
            return deny(429, "rate limit exceeded", metadata=metadata, extra_headers=limit_headers)
        return pb.CheckResponse(
            status=status_pb2.Status(code=code_pb2.OK),
            ok_response=pb.OkHttpResponse(
                headers=[_header("authorization", f"Bearer {self.tokens.mint(grant.identity)}")],
                headers_to_remove=[API_KEY_HEADER],
                response_headers_to_add=[_header(k, v) for k, v in limit_headers],
            ),
            dynamic_metadata=metadata,
        )
