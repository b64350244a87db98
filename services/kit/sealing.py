"""Encryption at rest of secrets a service must read back later (tool credentials, ...).

The same construction as the auth service's signing-key vault (services/auth/crypto.py,
docs/decisions/0006): AES-256-GCM under a key derived with HKDF-SHA256 from the platform master
key, one derived key per *purpose*, and associated data binding a sealed value to the record it
belongs to (e.g. ``<tenant>/<tool>``), so a ciphertext copied onto another record does not open.
The auth service can adopt this module as is; its own derivation salt is kept separate.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

SEAL_ALG = "A256GCM"
SALT = b"openframe-sealing"


class MasterKeyMissingError(RuntimeError):
    """A service that keeps secrets at rest cannot run without the master key: fail at start."""


class SecretBox:
    """Seal and open byte strings for one purpose (``"openframe/external/tool-credentials/v1"``)."""

    def __init__(self, master_key: SecretStr | None, *, purpose: str) -> None:
        if master_key is None or not master_key.get_secret_value():
            raise MasterKeyMissingError(f"OPENFRAME_MASTER_KEY is required ({purpose})")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=purpose.encode())
        self._aead = AESGCM(hkdf.derive(master_key.get_secret_value().encode()))

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
