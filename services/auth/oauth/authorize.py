"""GET/POST {issuer}/oauth2/authorize: check the request, then send the browser to the login page.

Errors follow RFC 6749 §4.1.2.1: an unknown client or an unregistered redirect_uri is shown on
an error page (never redirect to an unverified URI); everything else goes back to the client's
redirect_uri as ``error``, with ``state`` and ``iss`` (RFC 9207).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.auth.clients.model import Grant
from services.auth.oauth.base import OAuthError, TenantNotFoundError, deps, issuer_of, path_tenant
from services.auth.oauth.pages import error_page
from services.auth.oauth.signed import seal
from services.auth.oauth.token import granted_scope

CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest


def redirect_to_client(redirect_uri: str, params: dict[str, str], status: int = 302) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(
        f"{redirect_uri}{separator}{query}", status_code=status, headers={"Cache-Control": "no-store"}
    )


async def authorize_endpoint(request: Request) -> Response:
    d = deps(request)
    try:
        tenant = await path_tenant(request)
    except TenantNotFoundError:
        return error_page("This sign-in page does not exist or is not available.", 404)
    params = await request.form() if request.method == "POST" else request.query_params
    get = {k: str(v) for k, v in params.items()}
    client = await d.clients.cached(tenant.id, get.get("client_id", "")) if get.get("client_id") else None
    if client is None or client.disabled:
        return error_page("Unknown application. Check the link you followed.")
    redirect_uri = get.get("redirect_uri") or (
        client.redirect_uris[0] if len(client.redirect_uris) == 1 else ""
    )
    if redirect_uri not in client.redirect_uris:  # exact string match, no prefixes or patterns
        return error_page("This application sent an unregistered redirect address.")
    issuer = issuer_of(request, tenant.id)

    def fail(error: str, description: str) -> Response:
        return redirect_to_client(
            redirect_uri,
            {"error": error, "error_description": description, "state": get.get("state", ""), "iss": issuer},
        )

    if get.get("response_type") != "code":
        return fail("unsupported_response_type", "only response_type=code is supported")
    if Grant.AUTHORIZATION_CODE not in client.grant_types:
        return fail("unauthorized_client", "the client may not use the authorization code grant")
    try:
        scope = granted_scope(client, get.get("scope"), default=" ".join(client.scopes) or "openid")
    except OAuthError as exc:
        return fail(exc.error, exc.description)
    challenge, method = get.get("code_challenge", ""), get.get("code_challenge_method", "")
    if challenge and method != "S256":
        return fail("invalid_request", "code_challenge_method must be S256")
    if challenge and not CHALLENGE_RE.fullmatch(challenge):
        return fail("invalid_request", "code_challenge must be a base64url SHA-256 digest")
    if not challenge and not client.confidential:
        return fail("invalid_request", "public clients must use PKCE with S256")
    if get.get("prompt") == "none":
        return fail("login_required", "the user must sign in")
    pending = {
        "t": tenant.id,
        "c": client.id,
        "r": redirect_uri,
        "s": scope,
        "st": get.get("state", ""),
        "n": get.get("nonce", ""),
        "cc": challenge,
    }
    blob = seal(d.page_key, pending, d.settings.login_request_ttl_seconds)
    return RedirectResponse(
        f"{issuer}/login?{urlencode({'request': blob})}",
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )
