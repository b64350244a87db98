"""The platform's one sealing (services/kit/sealing.py) and its users in the auth service: records
sealed before they shared it still open (the values below were sealed by the former, separate
implementations of the signing-key vault, the SSO client-secret box and the tool credentials)."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from services.auth.crypto import KeyVault
from services.auth.sso.secretbox import SecretBox as SsoSecretBox
from services.external.tools.service import PURPOSE as TOOL_CREDENTIALS
from services.kit.sealing import MasterKeyMissingError, SecretBox

MASTER = SecretStr("an old master key, for the test of old records")


def old(nonce: str, ciphertext: str) -> dict[str, object]:
    return {"alg": "A256GCM", "nonce": bytes.fromhex(nonce), "ciphertext": bytes.fromhex(ciphertext)}


OLD_SIGNING_KEY = old(
    "690cef358a6bec4058f97672", "92a41a84425128b51a1691991037dd70f1b57e3c009b6ac784dfca883393e4f47ef65d"
)
OLD_SSO_SECRET = old(
    "0a34a22b3e8a784d149b5fed",
    "3344cea66349aa4a9fa6d907a6cd43a3078d95f8cea2388a0a42ff9d44db19c3d59926abeedabeb0f9",
)
OLD_TOOL_CREDENTIALS = old(
    "e948352ea43cd94e5ba9fd1f",
    "11881f85780000e91977ab51553cadf878193e36478f4b3a61a32dc6a10fff7519ae09dc5c2e8617b1ea",
)


def test_a_signing_key_sealed_by_the_former_vault_opens() -> None:
    vault = KeyVault(MASTER)
    assert vault.open(OLD_SIGNING_KEY, aad="acme.0123456789abcdef") == b"a signing key's DER"
    with pytest.raises(InvalidTag):
        vault.open(OLD_SIGNING_KEY, aad="beta.0123456789abcdef")


def test_an_sso_client_secret_sealed_by_the_former_box_opens() -> None:
    box = SsoSecretBox(KeyVault(MASTER))
    assert box.open(OLD_SSO_SECRET, tenant_id="acme", provider_id="p1") == "an upstream client secret"
    with pytest.raises(InvalidTag):
        box.open(OLD_SSO_SECRET, tenant_id="acme", provider_id="p2")


def test_tool_credentials_sealed_before_open() -> None:
    box = SecretBox(MASTER, purpose=TOOL_CREDENTIALS)
    assert box.open(OLD_TOOL_CREDENTIALS, aad="acme/tool1") == b'{"api_key": "tool secret"}'


def test_the_page_key_is_derived_as_before() -> None:
    """The login pages' HMAC key (CSRF and flow cookies) is derived as it was: cookies issued
    before the change still verify."""
    assert KeyVault(MASTER).derive("openframe/auth/pages/v1").hex() == (
        "fb754892f8f98b1e09eb519f8edcf4f39443a56f6c04a09ec9c051e79134855c"
    )


def test_purposes_and_salts_never_share_a_key() -> None:
    tools, signing = SecretBox(MASTER, purpose="p"), KeyVault(MASTER).box("p")
    sealed = tools.seal(b"secret", aad="r")
    assert b"secret" not in sealed["ciphertext"] and tools.open(sealed, aad="r") == b"secret"
    with pytest.raises(InvalidTag):
        signing.open(sealed, aad="r")
    with pytest.raises(InvalidTag):
        SecretBox(MASTER, purpose="q").open(sealed, aad="r")


def test_an_unknown_format_is_refused_and_no_master_key_fails_at_start() -> None:
    with pytest.raises(ValueError, match="unknown sealing algorithm"):
        SecretBox(MASTER, purpose="p").open({**OLD_TOOL_CREDENTIALS, "alg": "A128CBC"}, aad="acme/tool1")
    for missing in (None, SecretStr("")):
        with pytest.raises(MasterKeyMissingError, match="OPENFRAME_MASTER_KEY"):
            SecretBox(missing, purpose="p")
        with pytest.raises(MasterKeyMissingError):
            KeyVault(missing)
