"""Internal tokens of the mesh: minted by one service, accepted by another, refused when forged."""

from __future__ import annotations

import asyncio
import time

import jwt as pyjwt
import pytest

from services.kit.errors import Unauthenticated
from services.kit.identity import Identity
from services.kit.internal import InternalTokens
from services.kit.jwt import JwksCache, JwtAuthenticator

KEY = "k" * 40
ALICE = Identity(
    tenant_id="acme",
    subject="ak_1",
    roles=frozenset({"ADMIN"}),
    kind="api_key",
    scopes=frozenset({"devices:read"}),
)


def authenticator(internal: InternalTokens | None) -> JwtAuthenticator:
    return JwtAuthenticator(JwksCache(jwks={"keys": []}), public_url="http://edge", internal=internal)


def auth(a: JwtAuthenticator, token: str) -> Identity:
    return asyncio.run(a.authenticate({"authorization": f"Bearer {token}"}))


def test_round_trip_keeps_the_identity() -> None:
    tokens = InternalTokens(KEY, service="external")
    assert auth(authenticator(tokens), tokens.mint(ALICE)) == ALICE


def test_tokens_are_reused_for_half_their_life() -> None:
    tokens = InternalTokens(KEY, service="external")
    assert tokens.mint(ALICE) == tokens.mint(ALICE)


def test_refused_without_the_internal_key_configured() -> None:
    token = InternalTokens(KEY, service="external").mint(ALICE)
    with pytest.raises(Unauthenticated):
        auth(authenticator(None), token)


def test_refused_when_signed_with_another_key() -> None:
    forged = InternalTokens("x" * 40, service="evil").mint(ALICE)
    with pytest.raises(Unauthenticated):
        auth(authenticator(InternalTokens(KEY, service="api")), forged)


@pytest.mark.parametrize("alg", ["none", "HS512"])
def test_the_algorithm_is_never_the_tokens_choice(alg: str) -> None:
    claims = {
        "iss": "openframe-internal",
        "aud": "openframe",
        "sub": "x",
        "tid": "acme",
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
    }
    token = pyjwt.encode(
        claims, None if alg == "none" else KEY.encode() * 2, algorithm=alg, headers={"kid": "internal"}
    )
    with pytest.raises(Unauthenticated):
        auth(authenticator(InternalTokens(KEY, service="api")), token)


def test_expired_tokens_are_refused() -> None:
    tokens = InternalTokens(KEY, service="external", ttl_seconds=-10, leeway_seconds=0)
    with pytest.raises(Unauthenticated, match="expired"):
        auth(authenticator(InternalTokens(KEY, service="api")), tokens.mint(ALICE))


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        InternalTokens("short", service="api")


class CountingTokens(InternalTokens):
    def __init__(self, key: str, *, service: str) -> None:
        super().__init__(key, service=service)
        self.verified = 0

    def verify_until(self, token: str) -> tuple[Identity, float]:
        self.verified += 1
        return super().verify_until(token)


def test_a_verified_token_is_remembered() -> None:
    callee = CountingTokens(KEY, service="api")
    a, token = authenticator(callee), InternalTokens(KEY, service="external").mint(ALICE)
    assert auth(a, token) == auth(a, token) == ALICE
    assert callee.verified == 1, "the second call is answered from what the first verified"


def test_a_remembered_token_is_not_accepted_past_its_expiry() -> None:
    a = authenticator(InternalTokens(KEY, service="api", leeway_seconds=0))
    token = InternalTokens(KEY, service="external", ttl_seconds=1).mint(ALICE)
    assert auth(a, token) == ALICE
    time.sleep(1.2)
    with pytest.raises(Unauthenticated, match="expired"):
        auth(a, token)
