"""Minting and verifying the JWTs of the contract (docs/auth.md):

access token: header {alg: RS256, typ: at+jwt, kid}; claims iss, sub, aud, exp, iat, nbf, jti,
tid, roles, scope, client_id. ID token (OIDC Core): iss, sub, aud = client_id, exp, iat,
auth_time, nonce, at_hash, plus profile/email claims by scope.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth.crypto import b64url
from services.auth.keys.service import Signer

ACCESS_TYPE = "at+jwt"


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    expires_at: int
    claims: dict[str, Any]


def mint_access(
    signer: Signer,
    *,
    issuer: str,
    tenant_id: str,
    subject: str,
    client_id: str,
    audience: list[str],
    roles: list[str],
    scope: str,
    ttl: int,
) -> AccessToken:
    issued = int(time.time())
    jti = uuid.uuid4().hex
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": issued + ttl,
        "iat": issued,
        "nbf": issued,
        "jti": jti,
        "tid": tenant_id,
        "roles": roles,
        "scope": scope,
        "client_id": client_id,
    }
    token = jwt.encode(claims, signer.key, algorithm="RS256", headers={"kid": signer.kid, "typ": ACCESS_TYPE})
    return AccessToken(token=token, jti=jti, expires_at=issued + ttl, claims=claims)


def mint_id_token(
    signer: Signer,
    *,
    issuer: str,
    subject: str,
    client_id: str,
    ttl: int,
    auth_time: int,
    nonce: str | None,
    access_token: str,
    extra: Mapping[str, Any],
) -> str:
    issued = int(time.time())
    claims: dict[str, Any] = {
        **extra,
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "exp": issued + ttl,
        "iat": issued,
        "auth_time": auth_time,
        "at_hash": at_hash(access_token),
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(claims, signer.key, algorithm="RS256", headers={"kid": signer.kid, "typ": "JWT"})


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: left half of SHA-256 of the ASCII token, base64url."""
    return b64url(hashlib.sha256(access_token.encode()).digest()[:16])


def verify_access(
    token: str, keys: Mapping[str, rsa.RSAPublicKey], *, issuer: str, audience: str
) -> dict[str, Any]:
    """Claims of a valid access token of this issuer; raises jwt.InvalidTokenError otherwise."""
    header = jwt.get_unverified_header(token)
    key = keys.get(str(header.get("kid", "")))
    if key is None or header.get("alg") != "RS256" or header.get("typ") != ACCESS_TYPE:
        raise jwt.InvalidTokenError("unknown key or wrong token type")
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti", "tid"]},
    )
    return claims
