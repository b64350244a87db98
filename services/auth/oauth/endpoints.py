"""Discovery (OIDC + RFC 8414), JWKS (per tenant, all tenants) and userinfo."""

from __future__ import annotations

from typing import Any

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.auth.oauth.base import OAuthError, deps, issuer_of, json_no_store, path_tenant
from services.auth.oauth.issue import profile_claims
from services.auth.oauth.tokeninfo import verified_access
from services.auth.users.model import UserStatus

#: JWKS may be cached briefly. New keys (a new tenant, a rotation) sign at once, so verifiers
#: must refetch on an unknown kid rather than wait for this to run out.
JWKS_CACHE = {"Cache-Control": "public, max-age=15"}


def metadata(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "registration_endpoint": f"{issuer}/oauth2/register",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "zoneinfo",
        ],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,
    }


async def discovery(request: Request) -> Response:
    tenant = await path_tenant(request)
    return JSONResponse(
        metadata(issuer_of(request, tenant.id)), headers={"Cache-Control": "public, max-age=300"}
    )


async def tenant_jwks(request: Request) -> Response:
    tenant = await path_tenant(request)
    return JSONResponse({"keys": await deps(request).keys.jwks(tenant)}, headers=JWKS_CACHE)


async def all_jwks(request: Request) -> Response:
    return JSONResponse({"keys": await deps(request).keys.all_jwks()}, headers=JWKS_CACHE)


async def userinfo(request: Request) -> Response:
    d, tenant = deps(request), await path_tenant(request)
    header = request.headers.get("authorization", "")
    challenge = f'Bearer realm="{issuer_of(request, tenant.id)}"'
    if header[:7].lower() != "bearer ":
        raise OAuthError(
            "invalid_request", "a Bearer access token is required", 401, {"WWW-Authenticate": challenge}
        )
    try:
        claims = await verified_access(d, tenant, header[7:].strip())
    except jwt.InvalidTokenError:
        raise OAuthError(
            "invalid_token",
            "the access token is invalid or expired",
            401,
            {"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
        ) from None
    scopes = str(claims.get("scope", "")).split()
    if "openid" not in scopes:
        raise OAuthError(
            "insufficient_scope",
            "the openid scope is required",
            403,
            {"WWW-Authenticate": f'{challenge}, error="insufficient_scope", scope="openid"'},
        )
    user = await d.users.get(tenant_id=tenant.id, user_id=str(claims["sub"]))
    if user is None or user.status is not UserStatus.ACTIVE:
        raise OAuthError(
            "invalid_token",
            "the token's subject is not an active user",
            401,
            {"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
        )
    return json_no_store({"sub": user.id, **profile_claims(user, scopes)})
