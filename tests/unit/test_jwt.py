"""The kit's bearer-token authenticator (services/kit/jwt.py): pure logic, local keys.

The authenticator is built with a fixed, in-memory JWKS (``JwksCache(jwks=...)``) or a fetch
function we count calls of; the same checks against the real auth service and through the real
Envoy are in tests/contract/test_edge_jwt.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from services.kit.config import Settings
from services.kit.errors import Unauthenticated
from services.kit.identity import (
    DevHeaderAuthenticator,
    Identity,
    RejectAll,
    authenticate,
    authenticator_for,
)
from services.kit.jwt import JwksCache, JwtAuthenticator, bearer_token, parse_jwks
from tests.support import tokens

PUBLIC_URL = "https://edge.example"


class Tenant:
    def __init__(self, tenant: str) -> None:
        self.id = tenant
        self.key = tokens.new_key()
        self.kid = tokens.new_kid(tenant)

    def jwk(self) -> dict[str, Any]:
        return tokens.public_jwk(self.key, self.kid)

    def claims(self, **extra: Any) -> dict[str, Any]:
        return tokens.claims_for(self.id, PUBLIC_URL, **extra)

    def token(self, **extra: Any) -> str:
        return tokens.sign(self.claims(**extra), self.key, self.kid)


@pytest.fixture(scope="module")
def acme() -> Tenant:
    return Tenant("acme")


@pytest.fixture(scope="module")
def beta() -> Tenant:
    return Tenant("beta")


@pytest.fixture
def auth(acme: Tenant, beta: Tenant) -> JwtAuthenticator:
    jwks = JwksCache(jwks={"keys": [acme.jwk(), beta.jwk()]})
    return JwtAuthenticator(jwks, public_url=PUBLIC_URL)


def bearer(token: str) -> Mapping[str, str]:
    return {"authorization": f"Bearer {token}"}


async def refused(auth: JwtAuthenticator, token: str) -> str:
    with pytest.raises(Unauthenticated) as err:
        await auth.authenticate(bearer(token))
    return err.value.message


# -- the good token ---------------------------------------------------------------------------


async def test_valid_token_gives_the_identity_of_its_claims(auth: JwtAuthenticator, acme: Tenant) -> None:
    token = acme.token(subject="user-7", roles=["admin", "OWNER"], scope="a b  c", client_id="console")
    identity = await auth.authenticate(bearer(token))
    assert identity == Identity(
        tenant_id="acme",
        subject="user-7",
        roles=frozenset({"ADMIN", "OWNER"}),
        kind="user",
        scopes=frozenset({"a", "b", "c"}),
        client_id="console",
    )


async def test_client_credentials_token_is_a_client(auth: JwtAuthenticator, acme: Tenant) -> None:
    identity = await auth.authenticate(bearer(acme.token(subject="svc-1", client_id="svc-1", roles=[])))
    assert (identity.kind, identity.subject, identity.roles) == ("client", "svc-1", frozenset())


async def test_bearer_scheme_is_case_insensitive_and_trimmed(auth: JwtAuthenticator, acme: Tenant) -> None:
    assert (await auth.authenticate({"authorization": f"  bearer {acme.token()} "})).tenant_id == "acme"


@pytest.mark.parametrize("value", ["", "Bearer", "Bearer   ", "Basic dXNlcjpwdw==", "Token abc"])
def test_missing_or_other_schemes_are_unauthenticated(value: str) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token({"authorization": value} if value else {})


# -- the attack list (the same list the edge test sends through Envoy) -------------------------


async def test_token_signed_by_a_claiming_b_is_refused(
    auth: JwtAuthenticator, acme: Tenant, beta: Tenant
) -> None:
    """Signed with acme's key (acme's kid, so the signature verifies), claiming beta."""
    forged = tokens.sign(beta.claims(), acme.key, acme.kid)
    assert await refused(auth, forged) == "the token was not issued by its tenant"
    # ... and with beta's kid in the header, acme's signature does not verify under beta's key
    assert await refused(auth, tokens.sign(beta.claims(), acme.key, beta.kid)) == "invalid bearer token"


async def test_tid_must_match_the_key_and_issuer_tenant(auth: JwtAuthenticator, acme: Tenant) -> None:
    """acme's key, acme's issuer, but tid says beta: the issuer check alone would pass."""
    assert await refused(auth, acme.token(tid="beta")) == "the token was not issued by its tenant"


async def test_expired_token_is_refused_beyond_the_leeway(auth: JwtAuthenticator, acme: Tenant) -> None:
    now = int(time.time())
    assert (
        await refused(auth, acme.token(exp=now - 60, iat=now - 400, nbf=now - 400)) == "the token has expired"
    )
    # within the 30 s leeway a just-expired token still passes (clock skew between machines)
    assert (await auth.authenticate(bearer(acme.token(exp=now - 5, iat=now - 300)))).tenant_id == "acme"


async def test_token_not_valid_yet_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    later = int(time.time()) + 600
    assert (
        await refused(auth, acme.token(nbf=later, iat=later, exp=later + 300)) == "the token is not valid yet"
    )


async def test_alg_none_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    assert await refused(auth, tokens.alg_none(acme.claims(), acme.kid)) == "only RS256 tokens are accepted"


async def test_hs256_signed_with_the_public_key_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    forged = tokens.hs256_with_public_key(acme.claims(), acme.key.public_key(), acme.kid)
    assert await refused(auth, forged) == "only RS256 tokens are accepted"


async def test_hs256_refused_even_when_the_header_claims_rs256(auth: JwtAuthenticator, acme: Tenant) -> None:
    """An HMAC signature under an ``RS256`` header is just a bad RSA signature."""
    forged = tokens.hs256_with_public_key(acme.claims(), acme.key.public_key(), acme.kid)
    header = tokens.b64url_json({"alg": "RS256", "typ": "at+jwt", "kid": acme.kid})
    assert await refused(auth, ".".join([header, *forged.split(".")[1:]])) == "invalid bearer token"


async def test_wrong_audience_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    assert await refused(auth, acme.token(aud=["console"])) == "the token is not meant for this platform"
    assert await refused(auth, acme.token(aud="other")) == "the token is not meant for this platform"


async def test_tampered_payload_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    token = acme.token(roles=["VIEWER"])
    assert await refused(auth, tokens.tampered(token, roles=["OWNER"])) == "invalid bearer token"
    assert await refused(auth, tokens.tampered(token, sub="someone-else")) == "invalid bearer token"


async def test_unknown_kid_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    stranger = tokens.new_key()
    forged = tokens.sign(acme.claims(), stranger, tokens.new_kid("acme"))
    assert await refused(auth, forged) == "the token's signing key is unknown"


async def test_issuer_of_another_origin_or_tenant_is_refused(auth: JwtAuthenticator, acme: Tenant) -> None:
    assert await refused(auth, acme.token(iss="https://evil.example/auth/tenants/acme")) == (
        "the token was not issued by its tenant"
    )
    assert await refused(auth, acme.token(iss=f"{PUBLIC_URL}/auth/tenants/beta")) == (
        "the token was not issued by its tenant"
    )


@pytest.mark.parametrize(
    "header",
    [{"typ": "JWT"}, {"typ": None}, {"kid": None}, {"kid": "acme"}, {"kid": "ACME.1"}, {"kid": ".abc"}],
)
async def test_header_must_be_an_access_token_with_a_tenant_kid(
    auth: JwtAuthenticator, acme: Tenant, header: dict[str, Any]
) -> None:
    """An ID token (typ JWT) is not an access token; a kid must be ``<tenant>.<id>``."""
    token = tokens.sign(acme.claims(), acme.key, acme.kid, header=header)
    await refused(auth, token)


@pytest.mark.parametrize("missing", ["iss", "sub", "aud", "exp", "iat", "tid"])
async def test_required_claims(auth: JwtAuthenticator, acme: Tenant, missing: str) -> None:
    claims = acme.claims()
    del claims[missing]
    await refused(auth, tokens.sign(claims, acme.key, acme.kid))


@pytest.mark.parametrize("bad", [{"roles": "ADMIN"}, {"roles": [1]}, {"scope": ["a"]}, {"sub": ""}])
async def test_malformed_claims(auth: JwtAuthenticator, acme: Tenant, bad: dict[str, Any]) -> None:
    await refused(auth, acme.token(**bad))


async def test_garbage_is_refused(auth: JwtAuthenticator) -> None:
    for token in ("x", "a.b.c", "...."):
        assert await refused(auth, token) == "malformed bearer token"
    assert await refused(auth, "eyJhbGciOiJSUzI1NiJ9..") == "not an access token"  # {"alg": "RS256"}


# -- the verified-token cache --------------------------------------------------------------------


async def test_a_remembered_token_never_outlives_its_exp(acme: Tenant) -> None:
    now = [time.time()]
    auth = JwtAuthenticator(
        JwksCache(jwks={"keys": [acme.jwk()]}), public_url=PUBLIC_URL, clock=lambda: now[0]
    )
    short, long = acme.token(exp=int(now[0]) + 20), acme.token(subject="u2", exp=int(now[0]) + 3000)
    for token in (short, long):
        await auth.authenticate(bearer(token))

    def until(token: str) -> float | None:
        return auth._verified.fresh_until(hashlib.sha256(token.encode()).digest())

    assert until(short) == int(now[0]) + 20, "until exp"
    assert until(long) == now[0] + 30, "and never more than 30 s"
    long_until = until(long)
    now[0] += 25  # past the short token's exp: its entry is dropped (and not stored again)
    await auth.authenticate(bearer(short))  # (verified again: pyjwt's clock is the real one)
    assert (until(short), until(long), len(auth._verified)) == (None, long_until, 1)


async def test_cache_is_bounded(acme: Tenant) -> None:
    auth = JwtAuthenticator(
        JwksCache(jwks={"keys": [acme.jwk()]}), public_url=PUBLIC_URL, verified_cache_size=3
    )
    for i in range(5):
        await auth.authenticate(bearer(acme.token(subject=f"u{i}")))
    assert len(auth._verified) == 3


# -- the key set: parsing, fetching, refreshing ------------------------------------------------


def test_parse_jwks_keeps_only_rs256_signing_keys_of_2048_bits(acme: Tenant) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point of the test
    document = {
        "keys": [
            acme.jwk(),
            {**acme.jwk(), "kid": "acme.enc", "use": "enc"},
            {**acme.jwk(), "kid": "acme.hs", "alg": "HS256"},
            {"kty": "oct", "kid": "acme.oct", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "acme.broken", "n": "!!", "e": "AQAB"},
            tokens.public_jwk(small, "acme.small"),
            "not a key",
        ]
    }
    assert set(parse_jwks(document)) == {acme.kid}


class Fetcher:
    """A fetch function over a mutable document, counting calls (no network: pure logic)."""

    def __init__(self, *tenants: Tenant, delay: float = 0.0) -> None:
        self.keys = [t.jwk() for t in tenants]
        self.calls = 0
        self.fail = False
        self.delay = delay

    async def __call__(self) -> Mapping[str, Any]:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise OSError("auth service down")
        return {"keys": list(self.keys)}


async def test_unknown_kid_fetches_at_once_but_at_most_once_per_period(acme: Tenant, beta: Tenant) -> None:
    now = [1000.0]
    fetch = Fetcher(acme)
    cache = JwksCache(fetch, refresh_seconds=60, min_refetch_seconds=2, clock=lambda: now[0])
    assert await cache.key(acme.kid) is not None
    assert fetch.calls == 1
    fetch.keys.append(beta.jwk())  # a tenant registers now
    now[0] += 0.5
    assert await cache.key(beta.kid) is None, "fetched less than 2 s ago: no new fetch yet"
    assert fetch.calls == 1
    now[0] += 2
    assert await cache.key(beta.kid) is not None
    assert fetch.calls == 2
    for _ in range(5):  # made-up kids cost at most one fetch per period
        assert await cache.key("acme.0000000000000000") is None
    assert fetch.calls == 2


async def test_concurrent_misses_share_one_fetch(acme: Tenant) -> None:
    fetch = Fetcher(acme, delay=0.05)
    cache = JwksCache(fetch, min_refetch_seconds=0)
    found = await asyncio.gather(*(cache.key(acme.kid) for _ in range(20)))
    assert all(k is not None for k in found)
    assert fetch.calls == 1


async def test_stale_keys_refresh_in_the_background_and_survive_a_failed_fetch(acme: Tenant) -> None:
    now = [1000.0]
    fetch = Fetcher(acme)
    cache = JwksCache(fetch, refresh_seconds=60, min_refetch_seconds=2, clock=lambda: now[0])
    await cache.key(acme.kid)
    now[0] += 61
    fetch.fail = True
    assert await cache.key(acme.kid) is not None  # answered at once from what it holds
    await asyncio.sleep(0)  # the background refresh runs (and fails)
    await asyncio.sleep(0)
    assert fetch.calls == 2
    assert await cache.key(acme.kid) is not None, "the auth service being down logs nobody out"
    fetch.fail = False
    fetch.keys = []  # the key was retired
    now[0] += 3
    await cache.key(acme.kid)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await cache.key(acme.kid) is None


def test_a_cache_takes_a_fetch_function_or_a_document() -> None:
    with pytest.raises(ValueError, match="either"):
        JwksCache()
    with pytest.raises(ValueError, match="either"):
        JwksCache(Fetcher(), jwks={"keys": []})


# -- settings and the authenticator they choose ----------------------------------------------------


def test_auth_mode_defaults_to_jwt_and_builds_a_jwt_authenticator() -> None:
    settings = Settings(environment="test")
    assert (settings.auth_mode, settings.dev_tenant_header) == ("jwt", False)
    chosen = authenticator_for(settings)
    assert isinstance(chosen, JwtAuthenticator)
    assert chosen.issuer("acme") == f"{settings.public_url}/auth/tenants/acme"
    assert isinstance(authenticator_for(Settings(auth_mode="reject")), RejectAll)


def test_dev_tenant_header_is_the_old_spelling_of_dev_header(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(dev_tenant_header=True).auth_mode == "dev_header"
    monkeypatch.setenv("OPENFRAME_DEV_TENANT_HEADER", "true")
    settings = Settings()
    assert settings.auth_mode == "dev_header"
    assert isinstance(authenticator_for(settings), DevHeaderAuthenticator)
    with pytest.raises(ValidationError, match="contradicts"):
        Settings(auth_mode="jwt")
    monkeypatch.delenv("OPENFRAME_DEV_TENANT_HEADER")
    assert Settings(auth_mode="dev_header").dev_tenant_header is True


def test_production_refuses_the_dev_header_and_local_token_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ENVIRONMENT": "production",
        "MASTER_KEY": "k" * 32,
        "INTERNAL_TOKEN_KEY": "i" * 32,
        "MONGO_URL": "mongodb://mongo:27017/",
        "REDIS_URL": "redis://redis:6379/0",
        "KAFKA_BOOTSTRAP": "kafka:9092",
        "NATS_URL": "nats://nats:4222",
    }.items():
        monkeypatch.setenv(f"OPENFRAME_{name}", value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert "OPENFRAME_PUBLIC_URL" in str(err.value) and "OPENFRAME_JWKS_URL" in str(err.value)
    monkeypatch.setenv("OPENFRAME_PUBLIC_URL", "https://openframe.example")
    monkeypatch.setenv("OPENFRAME_JWKS_URL", "http://auth:27311/auth/jwks")
    assert Settings().auth_mode == "jwt"
    with pytest.raises(ValidationError, match="refused in production"):
        Settings(auth_mode="dev_header")


async def test_sync_and_async_authenticators_are_both_awaited(auth: JwtAuthenticator, acme: Tenant) -> None:
    assert (await authenticate(DevHeaderAuthenticator(), {"x-openframe-tenant": "acme"})).tenant_id == "acme"
    assert (await authenticate(auth, bearer(acme.token()))).tenant_id == "acme"
