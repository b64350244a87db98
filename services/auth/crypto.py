"""Key material of the auth service: the master-key vault, RSA signing keys, random secrets.

* Private signing keys are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
  platform master key, with the kid as associated data: a sealed key copied onto another
  key's record does not open. The master key itself is never stored by this service.
* High-entropy secrets we generate (client secrets, refresh tokens, codes) are stored as
  SHA-256 digests: with 256 random bits a fast hash is as strong as a slow one
  (docs/decisions/0006-auth-secrets-and-tokens.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

SEAL_ALG = "A256GCM"
RSA_BITS = 2048


class MasterKeyMissingError(RuntimeError):
    """The service cannot protect signing keys without a master key: fail at start."""


class KeyVault:
    def __init__(self, master_key: SecretStr | None) -> None:
        if master_key is None or not master_key.get_secret_value():
            raise MasterKeyMissingError("OPENFRAME_MASTER_KEY is required by the auth service")
        self._ikm = master_key.get_secret_value().encode()
        self._sealing = AESGCM(self.derive("openframe/auth/signing-keys/v1"))

    def derive(self, purpose: str) -> bytes:
        """A 256-bit key for one purpose; purposes never share key material."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"openframe-auth", info=purpose.encode())
        return hkdf.derive(self._ikm)

    def seal(self, plaintext: bytes, *, aad: str) -> dict[str, Any]:
        nonce = os.urandom(12)
        return {
            "alg": SEAL_ALG,
            "nonce": nonce,
            "ciphertext": self._sealing.encrypt(nonce, plaintext, aad.encode()),
        }

    def open(self, sealed: dict[str, Any], *, aad: str) -> bytes:
        """Raises cryptography.exceptions.InvalidTag on a wrong master key or aad."""
        if sealed.get("alg") != SEAL_ALG:
            raise ValueError("unknown sealing algorithm")
        return self._sealing.decrypt(bytes(sealed["nonce"]), bytes(sealed["ciphertext"]), aad.encode())


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
