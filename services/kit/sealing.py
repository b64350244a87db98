"""Encryption at rest of secrets a service must read back later (signing keys, SSO client
secrets, tool credentials): the platform's one sealing.

AES-256-GCM under a key derived with HKDF-SHA256 from the platform master key, one derived key
per *purpose* (and per derivation salt: the auth service keeps its own, ``AUTH_SALT``, so its
records sealed before this module existed still open), and associated data binding a sealed
value to the record it belongs to (e.g. ``<tenant>/<tool>``), so a ciphertext copied onto
another record does not open. A sealed value is stored as ``{"alg": "A256GCM", "nonce",
"ciphertext"}`` (binary fields); ``alg`` names the format, so a later one can be read beside it.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

SEAL_ALG = "A256GCM"
#: The derivation salt of the services' sealed secrets (tool credentials, ...).
SALT = b"openframe-sealing"
#: The auth service's derivation salt (signing keys, SSO client secrets, its page keys).
AUTH_SALT = b"openframe-auth"


class MasterKeyMissingError(RuntimeError):
    """A service that keeps secrets at rest cannot run without the master key: fail at start."""


def master_key_bytes(master_key: SecretStr | None, *, needed_by: str) -> bytes:
    """The master key's bytes, or MasterKeyMissingError naming what needs it."""
    if master_key is None or not master_key.get_secret_value():
        raise MasterKeyMissingError(f"OPENFRAME_MASTER_KEY is required ({needed_by})")
    return master_key.get_secret_value().encode()


def derive_key(master_key: bytes, purpose: str, *, salt: bytes = SALT) -> bytes:
    """A 256-bit key for one purpose; purposes never share key material."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(master_key)


class SecretBox:
    """Seal and open byte strings for one purpose (``"openframe/external/tool-credentials/v1"``)."""

    def __init__(self, master_key: SecretStr | None, *, purpose: str, salt: bytes = SALT) -> None:
        self._aead = AESGCM(derive_key(master_key_bytes(master_key, needed_by=purpose), purpose, salt=salt))

    def seal(self, plaintext: bytes, *, aad: str) -> dict[str, Any]:
        """``{"alg", "nonce", "ciphertext"}``, ready to store as a sub-document (binary fields)."""
        nonce = os.urandom(12)
        return {
            "alg": SEAL_ALG,
            "nonce": nonce,
            "ciphertext": self._aead.encrypt(nonce, plaintext, aad.encode()),
        }

    def open(self, sealed: dict[str, Any], *, aad: str) -> bytes:
        """Raises cryptography.exceptions.InvalidTag on a wrong master key, aad or a tampered value."""
        if sealed.get("alg") != SEAL_ALG:
            raise ValueError("unknown sealing algorithm")
        return self._aead.decrypt(bytes(sealed["nonce"]), bytes(sealed["ciphertext"]), aad.encode())
