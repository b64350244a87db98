"""Signed, expiring blobs (the pending authorization request carried by the login and consent
pages) and CSRF tokens bound to a per-browser cookie nonce (signed double-submit).

Blobs are integrity-protected, not secret: they hold only what the authorize URL held anyway
(plus, after login, the user id and auth time). A form post is accepted only when its CSRF token
is HMAC(key, cookie nonce | blob): another site can neither read our cookie nor forge the HMAC.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from typing import Any

from starlette.responses import Response

from services.auth.crypto import b64url, sign

CSRF_COOKIE = "of_csrf"


def seal(key: bytes, data: dict[str, Any], ttl_seconds: int) -> str:
    payload = b64url(
        json.dumps({**data, "exp": int(time.time()) + ttl_seconds}, separators=(",", ":")).encode()
    )
    return f"{payload}.{sign(key, payload.encode())}"


def unseal(key: bytes, blob: str) -> dict[str, Any] | None:
    payload, _, signature = blob.partition(".")
    if not hmac.compare_digest(sign(key, payload.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time():
        return None
    return data


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(key: bytes, nonce: str, blob: str) -> str:
    return sign(key, f"csrf|{nonce}|{blob}".encode())


def csrf_ok(key: bytes, nonce: str | None, blob: str, token: str) -> bool:
    return bool(nonce) and hmac.compare_digest(csrf_token(key, nonce or "", blob), token)


def set_csrf_cookie(response: Response, nonce: str, issuer: str, max_age: int) -> None:
    """The browser half of the signed double-submit, scoped to the tenant's issuer path."""
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        max_age=max_age,
        path="/" + issuer.split("://", 1)[-1].partition("/")[2],
        httponly=True,
        samesite="lax",
        secure=issuer.startswith("https://"),
    )
