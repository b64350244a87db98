"""Issuing tokens for any grant: access token, optional ID token and refresh token, the audit
entry (durable before the response: no token leaves unaudited), the RFC 6749 §5.1 body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from openframe.auth.v1 import audit_pb2, oauth_clients_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.model import AuditEntry, client_actor, user_actor
from services.auth.clients.model import Grant, OAuthClient
from services.auth.common import new_id, ts
from services.auth.grants.jwts import mint_access, mint_id_token
from services.auth.grants.refresh import RefreshGrant, expiry
from services.auth.oauth.base import Deps
from services.auth.tenants.model import Tenant
from services.auth.users.model import User
from services.kit.audience import TOKEN_AUDIENCE

GRANT_PB = {
    Grant.AUTHORIZATION_CODE: oauth_clients_pb2.GRANT_TYPE_AUTHORIZATION_CODE,
    Grant.CLIENT_CREDENTIALS: oauth_clients_pb2.GRANT_TYPE_CLIENT_CREDENTIALS,
    Grant.REFRESH_TOKEN: oauth_clients_pb2.GRANT_TYPE_REFRESH_TOKEN,
}


@dataclass(frozen=True)
class UserGrant:
    """The user side of a token: who, when they authenticated, the OIDC nonce, the family."""

    user: User
    auth_time: datetime
    nonce: str | None = None
    family_id: str | None = None  # the refresh token family (from the code, or the one refreshed)
    refresh_token: str | None = None  # the successor a refresh already stored (refresh grant)


async def issue(
    deps: Deps,
    *,
    tenant: Tenant,
    client: OAuthClient,
    grant: Grant,
    scope: str,
    user: UserGrant | None,
    ip: str,
    user_agent: str,
) -> dict[str, object]:
    settings = deps.settings
    issuer = deps.tenants.issuer(tenant.id)
    signer = await deps.keys.signer(tenant)
    subject = user.user.id if user else client.id
    roles = [user.user.role.value] if user else list(client.roles)
    audience = list(client.audiences) or [TOKEN_AUDIENCE]
    ttl = client.access_token_ttl or settings.access_token_ttl_seconds
    access = mint_access(
        signer,
        issuer=issuer,
        tenant_id=tenant.id,
        subject=subject,
        client_id=client.id,
        audience=audience,
        roles=roles,
        scope=scope,
        ttl=ttl,
    )
    body: dict[str, object] = {"access_token": access.token, "token_type": "Bearer", "expires_in": ttl}
    if scope:
        body["scope"] = scope
    scopes = scope.split()
    if user is not None:
        if "openid" in scopes:
            body["id_token"] = mint_id_token(
                signer,
                issuer=issuer,
                subject=subject,
                client_id=client.id,
                ttl=settings.id_token_ttl_seconds,
                auth_time=int(user.auth_time.timestamp()),
                nonce=user.nonce,
                access_token=access.token,
                extra=profile_claims(user.user, scopes),
            )
        if user.refresh_token:
            body["refresh_token"] = user.refresh_token
        elif Grant.REFRESH_TOKEN in client.grant_types:
            body["refresh_token"] = await _new_family(deps, tenant, client, user, scope)
    await deps.audit.record(
        AuditEntry(
            tenant_id=tenant.id,
            type=audit_pb2.AUDIT_EVENT_TYPE_TOKEN_ISSUED,
            subject=f"oauthClients/{client.id}",
            target=f"users/{subject}" if user else f"oauthClients/{client.id}",
            client_id=client.id,
            actor=user_actor(subject, user.user.email) if user else client_actor(client.id),
            ip_address=ip,
            user_agent=user_agent,
            details={"grant_type": grant.value, "jti": access.jti, "kid": signer.kid, "scope": scope},
            payload=events.TokenIssued(
                client_id=client.id,
                subject=subject,
                grant_type=GRANT_PB[grant],
                scopes=scopes,
                audiences=audience,
                jti=access.jti,
                kid=signer.kid,
                expire_time=ts(datetime.fromtimestamp(access.expires_at, UTC)),
                refresh_token_issued="refresh_token" in body,
            ),
        )
    )
    return body


async def _new_family(deps: Deps, tenant: Tenant, client: OAuthClient, user: UserGrant, scope: str) -> str:
    ttl = client.refresh_token_ttl or deps.settings.refresh_token_ttl_seconds
    grant = RefreshGrant(
        family_id=user.family_id or new_id(),
        client_id=client.id,
        user_id=user.user.id,
        scope=scope,
        auth_time=user.auth_time,
        expire_time=expiry(ttl),
    )
    return await deps.refresh.issue(tenant.id, grant)


def profile_claims(user: User, scopes: list[str]) -> dict[str, object]:
    claims: dict[str, object] = {}
    if "email" in scopes:
        claims.update(email=user.email, email_verified=user.email_verified)
    if "profile" in scopes:
        claims.update(name=user.display_name, given_name=user.given_name, family_name=user.family_name)
        if user.time_zone:
            claims["zoneinfo"] = user.time_zone
    return {k: v for k, v in claims.items() if v != ""}
