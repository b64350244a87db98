"""The console client every tenant gets at registration: how its owner signs in the first time.

A first-party public client (authorization code + PKCE, refresh tokens) of the platform's own
application. Its client_id is derived from the tenant id, so an application can compute it
without any call: ``console-<tenant>`` (or, for tenant ids over 56 characters, ``console-`` and
24 hex of the SHA-256 of the tenant id, to stay within 64 characters).
"""

from __future__ import annotations

import hashlib

from services.auth.clients.model import ClientType, Grant, OAuthClient, Purpose

CONSOLE_NAME = "OpenFrame console"


def console_client_id(tenant_id: str) -> str:
    readable = f"console-{tenant_id}"
    return (
        readable if len(readable) <= 64 else f"console-{hashlib.sha256(tenant_id.encode()).hexdigest()[:24]}"
    )


def console_client(tenant_id: str, redirect_uris: list[str]) -> OAuthClient:
    return OAuthClient(
        id=console_client_id(tenant_id),
        tenant_id=tenant_id,
        display_name=CONSOLE_NAME,
        client_type=ClientType.PUBLIC,
        purpose=Purpose.APPLICATION,
        grant_types=[Grant.AUTHORIZATION_CODE, Grant.REFRESH_TOKEN],
        redirect_uris=list(redirect_uris),
        first_party=True,
        creator={"type": "ACTOR_TYPE_SYSTEM", "id": "registration"},
    )
