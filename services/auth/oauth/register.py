"""``POST {issuer}/oauth2/register``: dynamic client registration (RFC 7591), for holders of an
initial access token of the tenant (``Authorization: Bearer``). Errors per RFC 7591 §3.2.2
(``invalid_redirect_uri``, ``invalid_client_metadata``) and RFC 6750 (``invalid_token``, 401)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from services.auth.clients.registration import (
    RegistrationError,
    parse_metadata,
    register,
    registration_response,
)
from services.auth.oauth.base import OAuthError, deps, json_no_store, path_tenant
from services.kit.errors import DomainError

MAX_BODY = 64 * 1024


def _bad_token(description: str) -> OAuthError:
    return OAuthError(
        "invalid_token",
        description,
        401,
        {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
    )


async def register_endpoint(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError(
            "invalid_token", "an initial access token is required", 401, {"WWW-Authenticate": "Bearer"}
        )
    token = token.strip()
    if not await d.registration.usable(tenant.id, token):
        raise _bad_token("the initial access token is invalid, expired or used up")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise OAuthError("invalid_client_metadata", "the body is too large")
    try:
        metadata = parse_metadata(json.loads(raw or b"null"))
    except ValueError:
        raise OAuthError("invalid_client_metadata", "the body must be a JSON object") from None
    except RegistrationError as exc:
        raise OAuthError(exc.error, exc.description) from None
    used = await d.registration.use(tenant.id, token)  # spent only by a valid request
    if used is None:
        raise _bad_token("the initial access token is invalid, expired or used up")
    try:
        client, secret = await register(d.clients, tenant.id, metadata, f"initial-access-token:{used}")
    except DomainError as exc:  # the rules every client follows (services/auth/clients/service.py)
        await d.registration.refund(tenant.id, token)
        raise OAuthError("invalid_client_metadata", str(exc)) from None
    return json_no_store(registration_response(client, secret, metadata), 201)
