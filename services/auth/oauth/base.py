"""What every OAuth endpoint shares: its dependencies, RFC 6749 errors, no-store JSON, tenants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import redis.asyncio as aioredis
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.auth.account.service import AccountService
from services.auth.audit.log import AuditLog
from services.auth.clients.registration import InitialAccessTokens
from services.auth.clients.service import ClientService
from services.auth.grants.codes import CodeStore
from services.auth.grants.refresh import RefreshTokens
from services.auth.invitations.service import InvitationService
from services.auth.keys.service import SigningKeyService
from services.auth.oauth.throttle import LoginThrottle
from services.auth.settings import AuthSettings
from services.auth.tenants.model import Tenant
from services.auth.tenants.service import TenantService
from services.auth.users.repository import UserRepository
from services.kit.identity import TENANT_RE

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"


@dataclass
class Deps:
    settings: AuthSettings
    tenants: TenantService
    keys: SigningKeyService
    clients: ClientService
    users: UserRepository
    refresh: RefreshTokens
    codes: CodeStore
    audit: AuditLog
    redis: aioredis.Redis
    throttle: LoginThrottle
    #: HMAC key (HKDF from the master key) for login requests and CSRF tokens.
    page_key: bytes
    #: Password reset and email verification (the account pages).
    account: AccountService
    #: Invitations (the accept page).
    invitations: InvitationService
    #: Initial access tokens of dynamic client registration.
    registration: InitialAccessTokens


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``{"error", "error_description"}`` with a status."""

    def __init__(
        self, error: str, description: str = "", status: int = 400, headers: dict[str, str] | None = None
    ):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


class TenantNotFoundError(Exception):
    """The path names no active tenant: a 404, whatever the endpoint."""


def json_no_store(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    body = {"error": exc.error, **({"error_description": exc.description} if exc.description else {})}
    return json_no_store(body, exc.status, exc.headers)


async def oauth_form(request: Request) -> FormData:
    """The urlencoded body of a token/revoke/introspect request (RFC 6749 §3.2). Parsed with the
    standard library: a fraction of the cost of the general multipart parser on the hot path."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise OAuthError("invalid_request", f"the body must be {FORM}")
    body = (await request.body()).decode("utf-8", "replace")
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(body, keep_blank_values=True, max_num_fields=100)
    )
    return FormData(pairs)


def deps(request: Request) -> Deps:
    found: Deps = request.app.state.deps
    return found


async def path_tenant(request: Request, *, active: bool = True) -> Tenant:
    """The tenant named in the path; TenantNotFoundError unless it exists (and is active)."""
    tenant_id = request.path_params["tenant"]
    if not TENANT_RE.fullmatch(tenant_id):
        raise TenantNotFoundError
    tenant = await deps(request).tenants.cached(tenant_id)
    if tenant is None or (active and not tenant.active) or tenant.status.value in ("PROVISIONING", "DELETED"):
        raise TenantNotFoundError
    return tenant


def client_ip(request: Request, trust_forwarded_for: bool) -> str:
    """Our edge appends the peer address to X-Forwarded-For: its last hop is the client."""
    forwarded = request.headers.get("x-forwarded-for", "")
    if trust_forwarded_for and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else ""


def issuer_of(request: Request, tenant_id: str) -> str:
    return deps(request).tenants.issuer(tenant_id)
