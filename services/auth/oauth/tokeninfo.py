"""Revocation (RFC 7009) and introspection (RFC 7662), and the access-token checks they share.

Access tokens are JWTs: "revoking" one puts its jti on a Redis deny-list until it expires, which
introspection and userinfo honour (verifiers that only check signatures cannot). Revoking a
refresh token revokes its whole family.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import Response

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.model import AuditEntry, client_actor
from services.auth.grants.jwts import verify_access
from services.auth.oauth.base import Deps, OAuthError, client_ip, deps, json_no_store, oauth_form, path_tenant
from services.auth.oauth.clientauth import authenticate, read_credentials
from services.auth.tenants.model import Tenant
from services.kit.audience import TOKEN_AUDIENCE


def _denied_key(tenant_id: str, jti: str) -> str:
    return f"auth:revoked-jti:{tenant_id}:{jti}"


async def verified_access(d: Deps, tenant: Tenant, token: str) -> dict[str, Any]:
    """Claims of an unrevoked access token of this tenant; jwt.InvalidTokenError otherwise."""
    keys = await d.keys.verification_keys(tenant)
    claims = verify_access(token, keys, issuer=d.tenants.issuer(tenant.id), audience=TOKEN_AUDIENCE)
    if claims.get("tid") != tenant.id:
        raise jwt.InvalidTokenError("token of another tenant")
    if await d.redis.exists(_denied_key(tenant.id, str(claims["jti"]))):
        raise jwt.InvalidTokenError("revoked")
    return claims


async def revoke(request: Request) -> Response:
    d, tenant, form = deps(request), await path_tenant(request), await oauth_form(request)
    client = await authenticate(d, request, tenant, read_credentials(request, form), public_ok=True)
    token = str(form.get("token", ""))
    if not token:
        raise OAuthError("invalid_request", "token is required")
    if token.count(".") == 2:
        try:
            claims = await verified_access(d, tenant, token)
        except jwt.InvalidTokenError:
            claims = {}
        if claims.get("client_id") == client.id:
            ttl = max(int(claims["exp"]) - int(time.time()), 1)
            await d.redis.set(_denied_key(tenant.id, str(claims["jti"])), "1", ex=ttl)
            await _audit(d, request, tenant, client.id, str(claims["sub"]), "access_token", 1)
    else:
        found = await d.refresh.find(tenant.id, token, client.id)  # RFC 7009 §2.1: the owner's only
        if found is not None:
            family, user = found.grant.family_id, found.grant.user_id
            count = await d.refresh.revoke_family(tenant.id, family)
            await _audit(d, request, tenant, client.id, user, "refresh_token", count, family)
    # RFC 7009 §2.2: 200 whether or not the token was valid, so nothing is learned from it.
    return json_no_store({})


async def introspect(request: Request) -> Response:
    d, tenant, form = deps(request), await path_tenant(request), await oauth_form(request)
    client = await authenticate(d, request, tenant, read_credentials(request, form), public_ok=False)
    token = str(form.get("token", ""))
    if not token:
        raise OAuthError("invalid_request", "token is required")
    if token.count(".") == 2:
        try:
            claims = await verified_access(d, tenant, token)
        except jwt.InvalidTokenError:
            return json_no_store({"active": False})
        keep = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "tid", "roles")
        return json_no_store(
            {"active": True, "token_type": "Bearer", **{k: claims[k] for k in keep if k in claims}}
        )
    found, active = await d.refresh.lookup(tenant.id, token)
    if found is None or not active or found.grant.client_id != client.id:
        return json_no_store({"active": False})
    grant = found.grant
    return json_no_store(
        {
            "active": True,
            "token_type": "refresh_token",
            "scope": grant.scope,
            "client_id": grant.client_id,
            "sub": grant.user_id,
            "exp": int(grant.expire_time.timestamp()),
            "tid": tenant.id,
            "iss": d.tenants.issuer(tenant.id),
        }
    )


async def _audit(
    d: Deps,
    request: Request,
    tenant: Tenant,
    client_id: str,
    subject: str,
    kind: str,
    count: int,
    family: str = "",
) -> None:
    await d.audit.record(
        AuditEntry(
            tenant_id=tenant.id,
            type=audit_pb2.AUDIT_EVENT_TYPE_TOKEN_REVOKED,
            subject=f"oauthClients/{client_id}",
            target=f"oauthClients/{client_id}",
            client_id=client_id,
            actor=client_actor(client_id),
            ip_address=client_ip(request, d.settings.trust_forwarded_for),
            details={"token_type": kind},
            payload=events.TokenRevoked(
                client_id=client_id,
                subject=subject,
                family_id=family,
                revoked_count=count,
                reason=events.TOKEN_REVOCATION_REASON_CLIENT_REQUEST,
            ),
        )
    )
