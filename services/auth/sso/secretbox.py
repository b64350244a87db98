"""Sealing of upstream client secrets: the kit's ``SecretBox`` (services/kit/sealing.py) under a
key of its own purpose (``KeyVault.box``), the tenant and provider id as associated data, so a
sealed secret copied onto another provider's record does not open."""

from __future__ import annotations

from typing import Any

from services.auth.crypto import KeyVault

PURPOSE = "openframe/auth/sso-client-secrets/v1"


class SecretBox:
    def __init__(self, vault: KeyVault) -> None:
        self._box = vault.box(PURPOSE)

    def seal(self, secret: str, *, tenant_id: str, provider_id: str) -> dict[str, Any]:
        return self._box.seal(secret.encode(), aad=_aad(tenant_id, provider_id))

    def open(self, sealed: dict[str, Any], *, tenant_id: str, provider_id: str) -> str:
        """Raises cryptography.exceptions.InvalidTag on a wrong master key or record."""
        return self._box.open(sealed, aad=_aad(tenant_id, provider_id)).decode()


def _aad(tenant_id: str, provider_id: str) -> str:
    return f"{tenant_id}/ssoProviders/{provider_id}"
