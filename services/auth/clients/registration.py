"""Dynamic client registration (RFC 7591) and the initial access tokens that guard it.

An ADMIN/OWNER creates an initial access token over gRPC (shown once; stored as its SHA-256 in
``initial_access_tokens``, with an expiry and a number of uses); whoever holds it may register
that many clients at ``{issuer}/oauth2/register``. Registered clients are third-party (they get
the consent page), have no roles, and are audited like any other client creation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.clients.model import DEFAULT_SCOPES, ClientType, Grant, OAuthClient, Purpose
from services.auth.clients.service import ClientService
from services.auth.common import aware
from services.auth.crypto import digest, new_secret
from services.kit.identity import Identity
from services.kit.mongo import Document, ensure_indexes, now

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")  # RFC 6749 §3.3 scope-token


class RegistrationError(Exception):
    """An RFC 7591 §3.2.2 error: ``invalid_redirect_uri`` or ``invalid_client_metadata``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


class InitialAccessTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.tokens = db["initial_access_tokens"]

    async def init(self) -> None:
        await ensure_indexes(
            self.tokens,
            [IndexModel([("tenant_id", ASCENDING), ("expire_time", ASCENDING)], name="tenant_expiry")],
            # the clean-up job's range (services/auth/audit/retention.py): cross-tenant by nature
            cross_tenant=[IndexModel([("expire_time", ASCENDING)], name="expiry")],
        )

    async def create(self, who: Identity, ttl_seconds: int, max_uses: int) -> tuple[str, datetime]:
        token, expires = new_secret(), now() + timedelta(seconds=ttl_seconds)
        await self.tokens.insert_one(
            {
                "_id": digest(token),
                "tenant_id": who.tenant_id,
                "remaining": max_uses,
                "max_uses": max_uses,
                "expire_time": expires,
                "creator": who.subject,
                "create_time": now(),
            }
        )
        return token, expires

    async def usable(self, tenant_id: str, token: str) -> bool:
        doc = await self.tokens.find_one(self._valid(tenant_id, token))
        return doc is not None

    async def use(self, tenant_id: str, token: str) -> str | None:
        """Spend one use (one conditional write: of concurrent callers only as many as there
        are uses left get through); the token's short id (for the audit), or None."""
        doc = await self.tokens.find_one_and_update(
            self._valid(tenant_id, token), {"$inc": {"remaining": -1}}, return_document=ReturnDocument.AFTER
        )
        return str(doc["_id"])[:12] if doc else None

    async def refund(self, tenant_id: str, token: str) -> None:
        """Give back a use spent on a registration that failed after all."""
        key = {"_id": digest(token), "tenant_id": tenant_id}
        await self.tokens.update_one(key, {"$inc": {"remaining": 1}})

    @staticmethod
    def _valid(tenant_id: str, token: str) -> dict[str, Any]:
        return {
            "_id": digest(token),
            "tenant_id": tenant_id,
            "remaining": {"$gt": 0},
            "expire_time": {"$gt": now()},
        }

    async def purge_expired(self) -> int:
        result = await self.tokens.delete_many({"expire_time": {"$lt": now()}})
        return result.deleted_count


def parse_metadata(body: Any) -> dict[str, Any]:
    """RFC 7591 client metadata → the fields of a new client (raises RegistrationError)."""
    if not isinstance(body, dict):
        raise RegistrationError("invalid_client_metadata", "the body must be a JSON object")
    grants_raw = body.get("grant_types", ["authorization_code"])
    if not _strings(grants_raw) or not grants_raw:
        raise RegistrationError("invalid_client_metadata", "grant_types must be a non-empty array of strings")
    known = {g.value for g in Grant}
    unknown = sorted(set(grants_raw) - known)
    if unknown:
        raise RegistrationError("invalid_client_metadata", f"unsupported grant_types: {unknown}")
    grants = [Grant(g) for g in dict.fromkeys(grants_raw)]
    responses = body.get("response_types", ["code"] if Grant.AUTHORIZATION_CODE in grants else [])
    if not _strings(responses) or set(responses) - {"code"}:
        raise RegistrationError("invalid_client_metadata", 'response_types may only be ["code"]')
    if ("code" in responses) != (Grant.AUTHORIZATION_CODE in grants):
        raise RegistrationError(
            "invalid_client_metadata", 'response_types "code" goes with grant_types "authorization_code"'
        )
    method = body.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        raise RegistrationError(
            "invalid_client_metadata", f"token_endpoint_auth_method must be one of {list(AUTH_METHODS)}"
        )
    client_type = ClientType.PUBLIC if method == "none" else ClientType.CONFIDENTIAL
    if client_type is ClientType.PUBLIC and Grant.CLIENT_CREDENTIALS in grants:
        raise RegistrationError(
            "invalid_client_metadata", 'public clients ("none") cannot use client_credentials'
        )
    uris = body.get("redirect_uris", [])
    if not _strings(uris) or len(uris) > 20:
        raise RegistrationError(
            "invalid_redirect_uri", "redirect_uris must be an array of at most 20 strings"
        )
    if Grant.AUTHORIZATION_CODE in grants and not uris:
        raise RegistrationError("invalid_redirect_uri", "the authorization_code grant needs redirect_uris")
    for uri in uris:
        parts = urlsplit(uri)
        if len(uri) > 2000 or parts.fragment or not parts.scheme or not (parts.netloc or "." in parts.scheme):
            raise RegistrationError(
                "invalid_redirect_uri", f"not an absolute URI without fragment: {uri[:200]!r}"
            )
        if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise RegistrationError(
                "invalid_redirect_uri", f"http is allowed only for loopback: {uri[:200]!r}"
            )
    name = body.get("client_name", "Registered client")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise RegistrationError(
            "invalid_client_metadata", "client_name must be a string of 1..200 characters"
        )
    scope = body.get("scope", "")
    if not isinstance(scope, str):
        raise RegistrationError("invalid_client_metadata", "scope must be a space-separated string")
    scopes = list(dict.fromkeys(scope.split()))
    if any(not SCOPE_TOKEN.fullmatch(s) for s in scopes) or len(scopes) > 50:
        raise RegistrationError("invalid_client_metadata", "scope holds an invalid scope token")
    return {
        "client_type": client_type,
        "method": method,
        "response_types": list(responses),
        "fields": {
            "display_name": name,
            "grant_types": grants,
            "redirect_uris": list(uris),
            "scopes": scopes,
            "first_party": False,
        },
    }


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


async def register(
    clients: ClientService, tenant_id: str, metadata: dict[str, Any], actor: str
) -> tuple[OAuthClient, str]:
    return await clients.create(
        tenant_id, metadata["client_type"], Purpose.INTEGRATION, metadata["fields"], actor
    )


def registration_response(client: OAuthClient, secret: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """RFC 7591 §3.2.1: the client information (the secret only here, never again)."""
    created = aware(client.create_time) if client.create_time else now()
    body: dict[str, Any] = {
        "client_id": client.id,
        "client_id_issued_at": int(created.timestamp()),
        "client_name": client.display_name,
        "redirect_uris": client.redirect_uris,
        "grant_types": [g.value for g in client.grant_types],
        "response_types": metadata["response_types"],
        "token_endpoint_auth_method": metadata["method"],
        "scope": " ".join(client.scopes or DEFAULT_SCOPES),
    }
    if secret:
        body.update(client_secret=secret, client_secret_expires_at=0)  # 0: does not expire
    return body
