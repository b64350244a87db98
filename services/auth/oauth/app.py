"""The Starlette application of every tenant's issuer, and its uvicorn server inside the
service's event loop (shared with gRPC), on a socket we bind with SO_REUSEPORT so that several
worker processes share the port."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from services.auth.account import pages as account_pages
from services.auth.oauth import authorize, endpoints, login, register, token, tokeninfo
from services.auth.oauth.base import Deps, OAuthError, TenantNotFoundError, oauth_error_response
from services.kit.context import request_id
from services.kit.logging import get_logger

log = get_logger(__name__)
ISSUER = "/auth/tenants/{tenant}"


def routes() -> list[Route]:
    return [
        Route("/auth/jwks", endpoints.all_jwks, methods=["GET"]),
        Route(f"{ISSUER}/.well-known/openid-configuration", endpoints.discovery, methods=["GET"]),
        Route(f"/.well-known/oauth-authorization-server{ISSUER}", endpoints.discovery, methods=["GET"]),
        Route(f"{ISSUER}/jwks", endpoints.tenant_jwks, methods=["GET"]),
        Route(f"{ISSUER}/oauth2/authorize", authorize.authorize_endpoint, methods=["GET", "POST"]),
        Route(f"{ISSUER}/oauth2/token", token.token_endpoint, methods=["POST"]),
        Route(f"{ISSUER}/oauth2/revoke", tokeninfo.revoke, methods=["POST"]),
        Route(f"{ISSUER}/oauth2/introspect", tokeninfo.introspect, methods=["POST"]),
        Route(f"{ISSUER}/oauth2/register", register.register_endpoint, methods=["POST"]),
        Route(f"{ISSUER}/userinfo", endpoints.userinfo, methods=["GET", "POST"]),
        Route(f"{ISSUER}/login", login.login_form, methods=["GET"]),
        Route(f"{ISSUER}/login", login.login_submit, methods=["POST"]),
        Route(f"{ISSUER}/consent", login.consent_submit, methods=["POST"]),
        Route(f"{ISSUER}/password/forgot", account_pages.forgot_form, methods=["GET"]),
        Route(f"{ISSUER}/password/forgot", account_pages.forgot_submit, methods=["POST"]),
        Route(f"{ISSUER}/password/reset", account_pages.reset_form, methods=["GET"]),
        Route(f"{ISSUER}/password/reset", account_pages.reset_submit, methods=["POST"]),
        Route(f"{ISSUER}/email/verify", account_pages.verify_form, methods=["GET"]),
        Route(f"{ISSUER}/email/verify", account_pages.verify_submit, methods=["POST"]),
        Route(f"{ISSUER}/invitation", account_pages.invitation_form, methods=["GET"]),
        Route(f"{ISSUER}/invitation", account_pages.invitation_submit, methods=["POST"]),
    ]


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return oauth_error_response(exc)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "not_found", "error_description": "no such issuer"}, status_code=404)


async def _unexpected(request: Request, exc: Exception) -> Response:
    rid = request_id.get()
    log.error("unhandled error", path=request.url.path, error=type(exc).__name__, request_id=rid)
    return JSONResponse(
        {"error": "server_error", "error_description": f"internal error (request id {rid})"},
        status_code=500,
        headers={"Cache-Control": "no-store"},
    )


class RequestIdMiddleware:
    """x-request-id into the context (audit entries carry it); pure ASGI, a few µs per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                rid = value.decode("latin-1")[:128]
        token = request_id.set(rid or None)
        try:
            await self.app(scope, receive, send)
        finally:
            request_id.reset(token)


def create_app(deps: Deps) -> Starlette:
    app = Starlette(
        routes=routes(),
        exception_handlers={
            OAuthError: _oauth_error,
            TenantNotFoundError: _not_found,
            Exception: _unexpected,
        },
    )
    app.state.deps = deps
    app.add_middleware(RequestIdMiddleware)
    return app
