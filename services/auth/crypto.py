"""Key material of the auth service: the master-key vault, RSA signing keys, random secrets.

* Private signing keys are sealed with the kit's ``SecretBox`` (services/kit/sealing.py:
  AES-256-GCM under a key derived with HKDF-SHA256 from the platform master key, the auth
  service's own salt), with the kid as associated data: a sealed key copied onto another
  key's record does not open. The master key itself is never stored by this service.
* High-entropy secrets we generate (client secrets, refresh tokens, codes) are stored as
  SHA-256 digests: with 256 random bits a fast hash is as strong as a slow one
  (docs/decisions/0006-auth-secrets-and-tokens.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from services.kit.sealing import AUTH_SALT, SecretBox, derive_key, master_key_bytes
from services.kit.sealing import MasterKeyMissingError as MasterKeyMissingError  # raised by KeyVault

RSA_BITS = 2048
SIGNING_KEYS = "openframe/auth/signing-keys/v1"


class KeyVault:
    """The auth service's keys from the master key: the sealing of signing keys, a
    :class:`SecretBox` per other purpose (``box``), raw derived keys (``derive``)."""

    def __init__(self, master_key: SecretStr | None) -> None:
        self._master = master_key
        self._ikm = master_key_bytes(master_key, needed_by="the auth service")
        self._signing_keys = self.box(SIGNING_KEYS)

    def derive(self, purpose: str) -> bytes:
        """A 256-bit key for one purpose; purposes never share key material."""
        return derive_key(self._ikm, purpose, salt=AUTH_SALT)

    def box(self, purpose: str) -> SecretBox:
        return SecretBox(self._master, purpose=purpose, salt=AUTH_SALT)

    def seal(self, plaintext: bytes, *, aad: str) -> dict[str, Any]:
        return self._signing_keys.seal(plaintext, aad=aad)

    def open(self, sealed: dict[str, Any], *, aad: str) -> bytes:
        """Raises cryptography.exceptions.InvalidTag on a wrong master key or aad."""
        return self._signing_keys.open(sealed, aad=aad)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def private_der(key: rsa.RSAPrivateKey) -> bytes:
    # DER, not PEM: nothing in a stored document should even look like a key.
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_der(der: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64int(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def public_jwk(key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = key.public_numbers()
    return {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": _b64int(numbers.n),
        "e": _b64int(numbers.e),
    }


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), expected_digest)


def sign(key: bytes, data: bytes) -> str:
    return b64url(hmac.new(key, data, hashlib.sha256).digest())
