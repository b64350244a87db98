"""Pure building blocks of the auth service (no servers): caches, ids, signed pages, key vault."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from services.auth.clients.console import console_client_id
from services.auth.common import uuid7
from services.auth.crypto import KeyVault, MasterKeyMissingError, digest, matches
from services.auth.oauth.signed import csrf_ok, csrf_token, seal, unseal
from services.kit.caching import TtlCache


async def test_cache_loads_once_for_concurrent_misses_and_never_caches_absence() -> None:
    cache: TtlCache[str, int | None] = TtlCache(5)
    calls = 0

    async def load() -> int | None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 7 if calls == 1 else None

    assert await asyncio.gather(*[cache.get_or_load("k", load) for _ in range(10)]) == [7] * 10
    assert calls == 1
    assert await cache.get_or_load("absent", load) is None
    assert await cache.get_or_load("absent", load) is None and calls == 3  # asked again each time


def test_uuid7_is_time_ordered_and_strictly_increasing() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}


def test_signed_blobs_and_csrf_tokens() -> None:
    key, other = b"k" * 32, b"o" * 32
    blob = seal(key, {"t": "acme", "c": "client"}, 60)
    assert unseal(key, blob) == {"t": "acme", "c": "client", "exp": unseal(key, blob)["exp"]}  # type: ignore[index]
    assert unseal(other, blob) is None
    payload, _, sig = blob.partition(".")
    assert unseal(key, f"{payload}x.{sig}") is None
    assert unseal(key, seal(key, {"t": "acme"}, -1)) is None  # expired
    token = csrf_token(key, "nonce-1", blob)
    assert csrf_ok(key, "nonce-1", blob, token)
    assert not csrf_ok(key, "nonce-2", blob, token) and not csrf_ok(key, None, blob, token)


def test_vault_and_digests() -> None:
    with pytest.raises(MasterKeyMissingError):
        KeyVault(None)
    vault = KeyVault(SecretStr("m"))
    assert vault.derive("a") != vault.derive("b")
    sealed = vault.seal(b"secret", aad="t.1")
    assert b"secret" not in sealed["ciphertext"] and vault.open(sealed, aad="t.1") == b"secret"
    with pytest.raises(InvalidTag):
        vault.open(sealed, aad="t.2")
    assert matches("abc", digest("abc")) and not matches("abd", digest("abc"))


def test_console_client_id() -> None:
    assert console_client_id("acme") == "console-acme"
    long_id = "a" * 63
    assert len(console_client_id(long_id)) <= 64 and console_client_id(long_id) != console_client_id("a" * 62)
