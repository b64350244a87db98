"""The browser side of SSO: ``{issuer}/sso/{provider_id}/start`` and ``{issuer}/sso/callback``.

start: keeps the pending authorization request (the login page's signed ``request`` blob) with a
fresh ``state``, ``nonce`` and PKCE verifier in Redis (single use, ``sso_state_ttl_seconds``),
binds it to the browser (``of_sso`` cookie: HttpOnly, SameSite=Lax — sent on the upstream's
top-level redirect back — path = the issuer path; Redis holds only its SHA-256), and redirects to
the upstream's authorize endpoint (code flow, S256).

callback: takes the state out of Redis (GETDEL: a replayed or forged state finds nothing), checks
the cookie, the provider (still there and enabled), the upstream's ``iss`` (RFC 9207, against
mix-up), exchanges the code, verifies the ID token, finds the user (accounts.py) and continues
the original authorization exactly as a password sign-in does (code or consent).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.auth.crypto import b64url, digest
from services.auth.oauth.base import TenantNotFoundError, client_ip, deps, issuer_of, path_tenant
from services.auth.oauth.login import finish_login
from services.auth.oauth.pages import error_page
from services.auth.oauth.signed import unseal
from services.auth.sso import audit
from services.auth.sso.accounts import Refused
from services.auth.sso.audit import Attempt
from services.auth.sso.links import SsoLogin, sso_of
from services.auth.sso.model import SsoProvider
from services.auth.sso.presets import MICROSOFT_TENANT_PLACEHOLDER
from services.auth.sso.upstream import UpstreamError
from services.auth.tenants.model import Tenant
from services.kit.mongo import now

ISSUER = "/auth/tenants/{tenant}"
SSO_COOKIE = "of_sso"
EXPIRED = "This sign-in request expired or is invalid. Go back to the application and start again."
UNAVAILABLE = "This sign-in option is not available."
UPSTREAM_FAILED = (
    "The sign-in provider could not confirm who you are. Try again or use another way to sign in."
)
STATE_KEY = "auth:sso:state:{tenant}:{digest}"


def routes() -> list[Route]:
    return [
        Route(f"{ISSUER}/sso/callback", callback, methods=["GET"]),
        Route(f"{ISSUER}/sso/{{provider}}/start", start, methods=["GET"]),
    ]


async def start(request: Request) -> Response:
    d, sso = deps(request), sso_of(request)
    tenant = await _tenant(request)
    blob = request.query_params.get("request", "")
    data = _pending(request, tenant, blob)
    if sso is None or tenant is None or data is None:
        return error_page(EXPIRED)
    provider_id = str(request.path_params["provider"])[:64]
    at = _attempt(request, tenant, data, f"ssoProviders/{provider_id}")
    provider = await sso.providers.repo.get(tenant_id=tenant.id, provider_id=provider_id)
    if provider is None or not provider.enabled:
        await audit.failed(d.audit, at, "provider_disabled" if provider else "provider_unknown")
        return error_page(UNAVAILABLE, 403)
    try:
        found = await sso.upstreams.discover(provider.issuer_uri)
    except UpstreamError as exc:
        await audit.failed(d.audit, at, exc.reason, detail=str(exc))
        return error_page(UPSTREAM_FAILED, 502)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    browser = request.cookies.get(SSO_COOKIE) or secrets.token_urlsafe(32)
    pending = {"p": provider.id, "v": verifier, "n": nonce, "b": digest(browser), "r": blob}
    await d.redis.set(_state_key(tenant.id, state), json.dumps(pending), ex=sso.state_ttl_seconds)
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": sso.providers.callback_uri(tenant.id),
        "scope": " ".join(provider.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": b64url(_sha256(verifier)),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in found.authorization_endpoint else "?"
    response = RedirectResponse(
        f"{found.authorization_endpoint}{separator}{urlencode(params)}",
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )
    issuer = issuer_of(request, tenant.id)
    response.set_cookie(
        SSO_COOKIE,
        browser,
        max_age=sso.state_ttl_seconds,
        path="/" + issuer.split("://", 1)[-1].partition("/")[2],
        httponly=True,
        samesite="lax",
        secure=issuer.startswith("https://"),
    )
    return response


async def callback(request: Request) -> Response:
    d, sso = deps(request), sso_of(request)
    tenant = await _tenant(request)
    if sso is None or tenant is None:
        return error_page(EXPIRED, 404)
    params = request.query_params
    state = params.get("state", "")
    raw = await d.redis.getdel(_state_key(tenant.id, state)) if state else None
    at = _attempt(request, tenant, None, "")
    if raw is None:
        await audit.failed(d.audit, at, "invalid_state")
        return error_page(EXPIRED)
    pending: dict[str, Any] = json.loads(raw)
    at = _attempt(request, tenant, None, f"ssoProviders/{pending['p']}")
    cookie = request.cookies.get(SSO_COOKIE, "")
    if not cookie or not secrets.compare_digest(digest(cookie), pending["b"]):
        await audit.failed(d.audit, at, "state_not_bound_to_browser")
        return error_page(EXPIRED)
    data = _pending(request, tenant, pending["r"])
    if data is None:
        await audit.failed(d.audit, at, "authorization_request_expired")
        return error_page(EXPIRED)
    at = _attempt(request, tenant, data, at.provider)
    provider = await sso.providers.repo.get(tenant_id=tenant.id, provider_id=pending["p"])
    if provider is None or not provider.enabled:
        await audit.failed(d.audit, at, "provider_disabled" if provider else "provider_unknown")
        return error_page(UNAVAILABLE, 403)
    if params.get("error"):
        await audit.failed(d.audit, at, "upstream_error", detail=params["error"][:64])
        return error_page(UPSTREAM_FAILED, 401)
    try:
        user_id = await _authenticate(
            sso, tenant, provider, pending, params.get("code", ""), params.get("iss"), at
        )
    except Refused as exc:
        await audit.failed(d.audit, at, exc.reason, code=exc.code, email=exc.email, user_id=exc.user_id)
        return error_page(exc.message, 403)
    except UpstreamError as exc:
        await audit.failed(d.audit, at, exc.reason, detail=str(exc))
        return error_page(UPSTREAM_FAILED, 401)
    signed_in = now()
    await d.users.touch_login(tenant_id=tenant.id, user_id=user_id, at=signed_in)
    return await finish_login(request, d, tenant, data, user_id, signed_in)


async def _authenticate(
    sso: SsoLogin,
    tenant: Tenant,
    provider: SsoProvider,
    pending: dict[str, Any],
    code: str,
    iss: str | None,
    at: Attempt,
) -> str:
    """The id of the user the upstream identity signs in as (audited), or Refused/UpstreamError."""
    found = await sso.upstreams.discover(provider.issuer_uri)
    if iss and iss != found.issuer and MICROSOFT_TENANT_PLACEHOLDER not in found.issuer:
        raise UpstreamError("issuer_mismatch", "the authorization response names another issuer")
    if not code:
        raise UpstreamError("code_missing", "the authorization response has no code")
    tokens = await sso.upstreams.exchange(
        found,
        client_id=provider.client_id,
        client_secret=sso.providers.client_secret(provider),
        code=code,
        redirect_uri=sso.providers.callback_uri(tenant.id),
        code_verifier=pending["v"],
    )
    ident = await sso.upstreams.verify_id_token(
        found, tokens["id_token"], client_id=provider.client_id, nonce=pending["n"]
    )
    try:
        user, how = await sso.accounts.resolve(tenant, provider, ident, at)
    except Refused as exc:
        exc.email = ident.email  # for the failure's audit entry
        raise
    await audit.succeeded(sso.accounts.audit, at, user, how)
    return user.id


def _attempt(request: Request, tenant: Tenant, data: dict[str, Any] | None, provider: str) -> Attempt:
    d = deps(request)
    return Attempt(
        tenant_id=tenant.id,
        provider=provider,
        client_id=str(data["c"]) if data else "",
        ip=client_ip(request, d.settings.trust_forwarded_for),
        agent=request.headers.get("user-agent", ""),
    )


async def _tenant(request: Request) -> Tenant | None:
    try:
        return await path_tenant(request)
    except TenantNotFoundError:
        return None


def _pending(request: Request, tenant: Tenant | None, blob: str) -> dict[str, Any] | None:
    data = unseal(deps(request).page_key, blob) if blob else None
    return data if data is not None and tenant is not None and data.get("t") == tenant.id else None


def _state_key(tenant_id: str, state: str) -> str:
    return STATE_KEY.format(tenant=tenant_id, digest=digest(state))


def _sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()
