"""Make access tokens, good and forged, the way an attacker would: no server involved.

Used by the kit's unit tests (with locally generated keys) and by the edge attack tests (with a
real tenant's key, or its published public key). Every forgery is built by hand where a JWT
library would refuse to build it (``alg: none``, HS256 keyed with an RSA public key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "openframe"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey | rsa.RSAPublicKey, kid: str) -> dict[str, Any]:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def new_kid(tenant: str) -> str:
    return f"{tenant}.{secrets.token_hex(8)}"


def claims_for(
    tenant: str, public_url: str, *, subject: str = "user-1", ttl: int = 300, **extra: Any
) -> dict[str, Any]:
    """The claims the auth service puts in an access token of ``tenant``."""
    now = int(time.time())
    claims = {
        "iss": f"{public_url}/auth/tenants/{tenant}",
        "sub": subject,
        "aud": [AUDIENCE],
        "exp": now + ttl,
        "iat": now,
        "nbf": now,
        "jti": secrets.token_hex(8),
        "tid": tenant,
        "roles": ["ADMIN"],
        "scope": "openid organizations:read",
        "client_id": "console",
    }
    claims.update(extra)
    return claims


def sign(
    claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str, *, header: dict[str, Any] | None = None
) -> str:
    """An RS256 token as the auth service signs one (``typ: at+jwt``). ``header`` changes the
    JOSE header (a None value removes that field); the signature is always RS256 by ``key``."""
    fields = {"alg": "RS256", "typ": "at+jwt", "kid": kid, **(header or {})}
    signing_input = f"{b64url_json({k: v for k, v in fields.items() if v is not None})}.{b64url_json(claims)}"
    signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(
        signing_input.encode(), key
    )
    return f"{signing_input}.{b64url(signature)}"


def alg_none(claims: dict[str, Any], kid: str) -> str:
    """``alg: none``: no signature at all."""
    return f"{b64url_json({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{b64url_json(claims)}."


def hs256_with_public_key(claims: dict[str, Any], public_key: rsa.RSAPublicKey, kid: str) -> str:
    """HS256 whose HMAC secret is the tenant's *public* key (PEM, as a naive verifier would load
    it): the classic algorithm-confusion attack. Any JWKS reader can make it."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64url_json({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{b64url_json(claims)}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def tampered(token: str, **changes: Any) -> str:
    """The token with its payload changed and its original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{header}.{b64url_json(claims)}.{signature}"


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def unverified_header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


class JwksServer:
    """A stand-in for the auth service's ``GET /auth/jwks`` (every tenant's public keys), for
    tests of the edge in isolation (tests/contract/test_edge.py). Anything else answers 404.
    The tests of the real thing run against the real auth service (test_edge_jwt.py)."""

    def __init__(self, host: str, port: int, path: str = "/auth/jwks") -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.keys: list[dict[str, Any]] = []
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != path:
                    self.send_error(404)
                    return
                server.requests += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def add(self, tenant: str) -> tuple[rsa.RSAPrivateKey, str]:
        """A new signing key of ``tenant``, published at once; returns (private key, kid)."""
        key, kid = new_key(), new_kid(tenant)
        self.keys.append(public_jwk(key, kid))
        return key, kid

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def b64decode(value: str) -> bytes:
    """base64url without padding (JWK and JWT fields)."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
