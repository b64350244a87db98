"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
client_secret_basic, client_secret_post, or "none" for public clients (client_id only)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.datastructures import FormData
from starlette.requests import Request

from services.auth.clients.model import OAuthClient
from services.auth.oauth.base import Deps, OAuthError
from services.auth.tenants.model import Tenant
from services.kit.mongo import now


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str | None
    method: str  # client_secret_basic | client_secret_post | none


def read_credentials(request: Request, form: FormData) -> Credentials:
    header = request.headers.get("authorization", "")
    body_id, body_secret = form.get("client_id"), form.get("client_secret")
    if header[:6].lower() == "basic ":
        if body_secret is not None:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        try:
            raw_id, _, raw_secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _invalid_client(request, "malformed basic credentials") from None
        client_id = unquote_plus(raw_id)  # RFC 6749 §2.3.1: form-urlencoded, then base64
        if isinstance(body_id, str) and body_id != client_id:
            raise OAuthError("invalid_request", "client_id differs from the authenticated client")
        return Credentials(client_id, unquote_plus(raw_secret), "client_secret_basic")
    if not isinstance(body_id, str) or not body_id:
        raise _invalid_client(request, "client authentication required")
    if isinstance(body_secret, str):
        return Credentials(body_id, body_secret, "client_secret_post")
    return Credentials(body_id, None, "none")


async def authenticate(
    deps: Deps, request: Request, tenant: Tenant, creds: Credentials, *, public_ok: bool
) -> OAuthClient:
    """The authenticated client, or invalid_client (401). One message for every failure."""
    client = await deps.clients.cached(tenant.id, creds.client_id)
    if client is None or client.disabled:
        raise _invalid_client(request)
    if client.confidential:
        if creds.secret is None or not client.check_secret(creds.secret, now()):
            raise _invalid_client(request)
    elif creds.secret is not None or not public_ok:
        raise _invalid_client(request)
    return client


def _invalid_client(request: Request, description: str = "client authentication failed") -> OAuthError:
    realm = request.url.path.rsplit("/oauth2/", 1)[0]
    return OAuthError("invalid_client", description, 401, {"WWW-Authenticate": f'Basic realm="{realm}"'})
