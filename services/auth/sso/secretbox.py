"""Sealing of upstream client secrets: AES-256-GCM under a key HKDF'd from the master key for
this one purpose (services/auth/crypto.py KeyVault.derive), the tenant and provider id as
associated data, so a sealed secret copied onto another provider's record does not open."""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.auth.crypto import SEAL_ALG, KeyVault

PURPOSE = "openframe/auth/sso-client-secrets/v1"


class SecretBox:
    def __init__(self, vault: KeyVault) -> None:
        self._aead = AESGCM(vault.derive(PURPOSE))

    def seal(self, secret: str, *, tenant_id: str, provider_id: str) -> dict[str, Any]:
        nonce = os.urandom(12)
        aad = _aad(tenant_id, provider_id)
        return {
            "alg": SEAL_ALG,
            "nonce": nonce,
            "ciphertext": self._aead.encrypt(nonce, secret.encode(), aad),
        }

    def open(self, sealed: dict[str, Any], *, tenant_id: str, provider_id: str) -> str:
        """Raises cryptography.exceptions.InvalidTag on a wrong master key or record."""
        if sealed.get("alg") != SEAL_ALG:
            raise ValueError("unknown sealing algorithm")
        aad = _aad(tenant_id, provider_id)
        return self._aead.decrypt(bytes(sealed["nonce"]), bytes(sealed["ciphertext"]), aad).decode()


def _aad(tenant_id: str, provider_id: str) -> bytes:
    return f"{tenant_id}/ssoProviders/{provider_id}".encode()
