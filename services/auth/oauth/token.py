"""POST {issuer}/oauth2/token: client_credentials, authorization_code (+PKCE), refresh_token."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from openframe.auth.v1 import audit_pb2
from openframe.events.v1 import security_events_pb2 as events
from services.auth.audit.model import FAILURE, AuditEntry, client_actor
from services.auth.clients.model import Grant, OAuthClient
from services.auth.crypto import b64url
from services.auth.grants.refresh import Use
from services.auth.oauth.base import Deps, OAuthError, client_ip, deps, json_no_store, oauth_form, path_tenant
from services.auth.oauth.clientauth import authenticate, read_credentials
from services.auth.oauth.issue import UserGrant, issue
from services.auth.tenants.model import Tenant
from services.auth.users.model import User, UserStatus

VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1


async def token_endpoint(request: Request) -> Response:
    d = deps(request)
    tenant = await path_tenant(request, active=False)
    form = await oauth_form(request)
    grant_name = _one(form, "grant_type")
    try:
        grant = Grant(grant_name)
    except ValueError:
        raise OAuthError(
            "unsupported_grant_type", "supported: " + ", ".join(g.value for g in Grant)
        ) from None
    client = await authenticate(
        d, request, tenant, read_credentials(request, form), public_ok=grant is not Grant.CLIENT_CREDENTIALS
    )
    if not tenant.active:
        raise OAuthError("unauthorized_client", "the tenant is not active")
    if grant not in client.grant_types:
        raise OAuthError("unauthorized_client", f"the client may not use {grant.value}")
    ip, agent = client_ip(request, d.settings.trust_forwarded_for), request.headers.get("user-agent", "")
    if grant is Grant.CLIENT_CREDENTIALS:
        scope = granted_scope(client, _one(form, "scope", required=False), default=" ".join(client.scopes))
        body = await issue(
            d, tenant=tenant, client=client, grant=grant, scope=scope, user=None, ip=ip, user_agent=agent
        )
    elif grant is Grant.AUTHORIZATION_CODE:
        scope, user = await _redeem_code(d, tenant, client, form)
        body = await issue(
            d, tenant=tenant, client=client, grant=grant, scope=scope, user=user, ip=ip, user_agent=agent
        )
    else:
        scope, user = await _use_refresh(d, tenant, client, form, ip)
        body = await issue(
            d, tenant=tenant, client=client, grant=grant, scope=scope, user=user, ip=ip, user_agent=agent
        )
    return json_no_store(body)


def granted_scope(client: OAuthClient, requested: str | None, *, default: str) -> str:
    if not requested:
        return default
    asked = requested.split()
    refused = [s for s in asked if s not in client.allowed_scopes]
    if refused:
        raise OAuthError("invalid_scope", f"not allowed for this client: {' '.join(refused)}")
    return " ".join(dict.fromkeys(asked))


async def _redeem_code(d: Deps, tenant: Tenant, client: OAuthClient, form: FormData) -> tuple[str, UserGrant]:
    code = _one(form, "code")
    grant = await d.codes.redeem(tenant.id, code)
    if grant is None:
        family = await d.codes.family_of_redeemed(tenant.id, code)
        if family:  # replayed code: revoke what it produced (RFC 6749 §4.1.2)
            await d.refresh.revoke_family(tenant.id, family)
        raise OAuthError("invalid_grant", "the code is invalid, expired or already used")
    if grant["client_id"] != client.id or grant["redirect_uri"] != _one(form, "redirect_uri", required=False):
        raise OAuthError("invalid_grant", "the code was issued to another client or redirect_uri")
    verifier = _one(form, "code_verifier", required=False)
    challenge = grant.get("code_challenge")
    if challenge or not client.confidential:
        if not verifier or not VERIFIER_RE.fullmatch(verifier) or not challenge:
            raise OAuthError("invalid_grant", "a valid code_verifier is required")
        computed = b64url(hashlib.sha256(verifier.encode()).digest())
        if not hmac.compare_digest(computed, challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    elif verifier:
        raise OAuthError("invalid_grant", "no code_challenge was sent for this code")
    user = await _active_user(d, tenant, grant["user_id"])
    auth_time = datetime.fromtimestamp(grant["auth_time"], UTC)
    return grant["scope"], UserGrant(
        user=user, auth_time=auth_time, nonce=grant.get("nonce"), family_id=grant["family_id"]
    )


async def _use_refresh(
    d: Deps, tenant: Tenant, client: OAuthClient, form: FormData, ip: str
) -> tuple[str, UserGrant]:
    token, requested = _one(form, "refresh_token"), _one(form, "scope", required=False).split()
    presented = await d.refresh.find(tenant.id, token, client.id)
    if presented is None:  # unknown, or another client's: nothing to spend or revoke
        raise OAuthError("invalid_grant", "the refresh token is invalid, expired, revoked or already used")
    grant = presented.grant
    if set(requested) - set(grant.scope.split()):  # before the token is spent: it stays usable
        raise OAuthError("invalid_scope", "a refresh may only narrow the original scope")
    scope = " ".join(dict.fromkeys(requested)) if requested else grant.scope
    outcome, successor = await d.refresh.rotate(tenant.id, presented, scope)
    if outcome is Use.REUSED:  # audited once: only the caller whose write revoked the family
        await d.audit.record(
            AuditEntry(
                tenant_id=tenant.id,
                type=audit_pb2.AUDIT_EVENT_TYPE_REFRESH_TOKEN_REUSED,
                outcome=FAILURE,
                subject=f"oauthClients/{client.id}",
                target=f"users/{grant.user_id}",
                client_id=client.id,
                actor=client_actor(client.id),
                ip_address=ip,
                failure_reason="refresh_token_reused",
                details={"family_id": grant.family_id},
                payload=events.TokenRevoked(
                    client_id=client.id,
                    subject=grant.user_id,
                    family_id=grant.family_id,
                    reason=events.TOKEN_REVOCATION_REASON_REFRESH_TOKEN_REUSE,
                ),
            )
        )
    if outcome is not Use.OK or successor is None:
        raise OAuthError("invalid_grant", "the refresh token is invalid, expired, revoked or already used")
    user = await _active_user(d, tenant, grant.user_id)
    return scope, UserGrant(
        user=user, auth_time=grant.auth_time, family_id=grant.family_id, refresh_token=successor
    )


async def _active_user(d: Deps, tenant: Tenant, user_id: str) -> User:
    user = await d.users.get(tenant_id=tenant.id, user_id=user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise OAuthError("invalid_grant", "the user is no longer allowed to sign in")
    return user


def _one(form: FormData, name: str, *, required: bool = True) -> str:
    values = form.getlist(name)
    if len(values) > 1:  # RFC 6749 §3.1: parameters must not repeat
        raise OAuthError("invalid_request", f"{name} is repeated")
    value = values[0] if values else None
    if not isinstance(value, str) or not value:
        if required:
            raise OAuthError("invalid_request", f"{name} is required")
        return ""
    return value
