"""Bearer-token authentication: the auth service's access tokens, validated in every service.

The edge validates tokens too (infra/servers/envoy/auth.py), but callers inside the mesh do not
pass the edge, so each service checks again — the same rules, so a token refused at the edge is
refused here:

* ``Authorization: Bearer <jwt>`` (gRPC metadata ``authorization``);
* RS256 only (no ``none``, no HS256 keyed with a public key: the algorithm is never taken from
  the token), header ``typ`` ``at+jwt`` (an access token, not an ID token);
* the key is the one the header's ``kid`` names in the JWKS of all tenants, and that ``kid``
  must be the token's own tenant's (``<tid>.<suffix>``): a token signed with tenant A's key that
  claims tenant B is refused;
* ``iss == {public_url}/auth/tenants/{tid}``, ``aud`` contains ``openframe``, ``exp``/``nbf``/``iat``
  with a small leeway, a well-formed tenant id, ``roles`` a list of strings.

The key set (:class:`JwksCache`) is fetched over HTTP, refreshed after ``refresh_seconds``, and
fetched again at once, at most every ``min_refetch_seconds``, when a token names a key it does not
hold (a tenant created a moment ago, a rotated key). Concurrent misses share one fetch. Tokens
already verified are remembered (bounded, at most ``verified_cache_seconds`` and never past their
``exp``), so a busy caller pays the RSA check once, not on every call.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import jwt as pyjwt

from services.kit.audience import TOKEN_AUDIENCE
from services.kit.caching import TtlCache
from services.kit.config import Settings
from services.kit.errors import Unauthenticated
from services.kit.identity import TENANT_RE, Identity
from services.kit.internal import InternalTokens, is_internal
from services.kit.logging import get_logger

log = get_logger(__name__)
# httpx logs every request at INFO: one line per JWKS fetch says nothing a failure log does not.
logging.getLogger("httpx").setLevel(logging.WARNING)

ALGORITHM = "RS256"
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})  # RFC 9068
MIN_RSA_BITS = 2048
#: Claims every access token carries (``nbf`` is checked when present).
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "tid")

Jwks = Mapping[str, Any]
Fetch = Callable[[], Awaitable[Jwks]]


def bearer_token(metadata: Mapping[str, str]) -> str:
    """The token of ``authorization: Bearer <token>``, or Unauthenticated."""
    scheme, _, token = metadata.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a bearer token is required")
    return token.strip()


def parse_jwks(document: Jwks) -> dict[str, pyjwt.PyJWK]:
    """Signing keys by ``kid``: RSA keys of at least 2048 bits meant for RS256 signatures.
    Anything else in the document (other key types or uses, malformed entries) is skipped."""
    keys: dict[str, pyjwt.PyJWK] = {}
    for entry in document.get("keys", ()):
        if not isinstance(entry, Mapping):
            continue
        kid = entry.get("kid")
        if (
            not isinstance(kid, str)
            or entry.get("kty") != "RSA"
            or entry.get("use", "sig") != "sig"
            or entry.get("alg", ALGORITHM) != ALGORITHM
        ):
            continue
        try:
            key = pyjwt.PyJWK(dict(entry), algorithm=ALGORITHM)
        except (pyjwt.PyJWTError, ValueError, TypeError):
            log.warning("jwks: skipping a malformed key", kid=kid)
            continue
        if getattr(key.key, "key_size", 0) < MIN_RSA_BITS:
            log.warning("jwks: skipping a key shorter than 2048 bits", kid=kid)
            continue
        keys[kid] = key
    return keys


def http_fetch(url: str, *, timeout: float = 3.0) -> Fetch:
    """GET the JWKS document at ``url`` (one pooled client per cache)."""
    client: httpx.AsyncClient | None = None

    async def fetch() -> Jwks:
        nonlocal client
        if client is None:
            client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        response = await client.get(url, headers={"accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, Mapping):
            raise ValueError("the JWKS is not a JSON object")
        return document

    return fetch


class JwksCache:
    """Signing keys by ``kid``, from a fetch function (HTTP in services, a fixed document in tests).

    The key set is one entry of a stale-while-refresh :class:`~services.kit.caching.TtlCache`:
    fresh for ``refresh_seconds``, then answered while one background fetch refreshes it; a
    failed fetch keeps the keys held so far (the auth service being down must not log everybody
    out) and is tried again after ``min_refetch_seconds``.

    ``JwksCache(jwks={...})`` holds a fixed key set and never fetches (pure-logic tests).
    """

    def __init__(
        self,
        fetch: Fetch | None = None,
        *,
        jwks: Jwks | None = None,
        refresh_seconds: float = 60.0,
        min_refetch_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (fetch is None) == (jwks is None):
            raise ValueError("give either a fetch function or a fixed JWKS document")
        self._fetch = fetch
        self._fixed: dict[str, pyjwt.PyJWK] = parse_jwks(jwks) if jwks is not None else {}
        self.min_refetch_seconds = min_refetch_seconds
        self._clock = clock
        self._keys: TtlCache[str, dict[str, pyjwt.PyJWK]] = TtlCache(
            refresh_seconds,
            max_items=1,
            serve_stale=True,
            retry_seconds=min_refetch_seconds,
            clock=clock,
            what="jwks",
        )
        self._attempted_at: float | None = None  # last fetch, successful or not
        self.fetches = 0  # successful and failed, for tests and metrics

    @classmethod
    def from_url(
        cls, url: str, *, refresh_seconds: float = 60.0, min_refetch_seconds: float = 0.5
    ) -> JwksCache:
        return cls(http_fetch(url), refresh_seconds=refresh_seconds, min_refetch_seconds=min_refetch_seconds)

    async def key(self, kid: str) -> pyjwt.PyJWK | None:
        """The key ``kid`` names, or None when the auth service does not know it either.

        A known key is returned at once (a stale key set is refreshed in the background); an
        unknown one waits for a fetch: the one in flight, or a new one unless one was attempted
        less than ``min_refetch_seconds`` ago (a flood of made-up key ids costs one fetch per
        period).
        """
        if self._fetch is None:
            return self._fixed.get(kid)
        try:
            keys = await self._keys.get_or_load("", self._load)
        except Exception:  # the first fetch failed (logged): nothing held yet
            keys = {}
        # a fetch in flight (a stale set refreshing, another request's miss) is joined, not
        # skipped: it costs nothing more and may bring the key
        if kid not in keys and (self._may_fetch() or self._keys.loading("")):
            keys = await self.refresh()
        return keys.get(kid)

    async def refresh(self) -> dict[str, pyjwt.PyJWK]:
        """Fetch the key set now; concurrent callers share one fetch. On failure the keys held
        so far stay in use."""
        try:
            return await self._keys.reload("", self._load)
        except Exception:
            return self._keys.get("", {})

    def _may_fetch(self) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= self.min_refetch_seconds

    async def _load(self) -> dict[str, pyjwt.PyJWK]:
        assert self._fetch is not None
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            return parse_jwks(await self._fetch())
        except Exception as exc:  # network, HTTP status, JSON: keep the old keys, retry later
            log.warning(
                "jwks: fetch failed, keeping the keys held so far",
                error=repr(exc),
                keys=len(self._keys.get("", {})),
            )
            raise


class _Internal(Exception):
    """The token's header names the mesh's internal key (services/kit/internal.py)."""


class JwtAuthenticator:
    """``Authenticator`` for access tokens of the auth service (see the module docstring)."""

    def __init__(
        self,
        jwks: JwksCache,
        *,
        public_url: str,
        audience: str = TOKEN_AUDIENCE,
        leeway_seconds: float = 30.0,
        verified_cache_size: int = 4096,
        verified_cache_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        internal: InternalTokens | None = None,
    ) -> None:
        self.jwks = jwks
        #: internal tokens of the mesh (services/kit/internal.py), when this service accepts them
        self.internal = internal
        self.public_url = public_url.rstrip("/")
        self.audience = audience
        self.leeway = leeway_seconds
        self._clock = clock
        self._cache_seconds = verified_cache_seconds
        #: sha256(token) -> identity, each until min(exp, now + verified_cache_seconds)
        self._verified: TtlCache[bytes, Identity] = TtlCache(
            verified_cache_seconds, max_items=verified_cache_size, clock=clock, what="verified tokens"
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> JwtAuthenticator:
        jwks = JwksCache.from_url(
            settings.jwks_url,
            refresh_seconds=settings.jwks_refresh_seconds,
            min_refetch_seconds=settings.jwks_min_refetch_seconds,
        )
        return cls(
            jwks,
            public_url=settings.public_url,
            leeway_seconds=settings.jwt_leeway_seconds,
            internal=InternalTokens.from_settings(settings),
        )

    def issuer(self, tenant: str) -> str:
        return f"{self.public_url}/auth/tenants/{tenant}"

    async def authenticate(self, metadata: Mapping[str, str]) -> Identity:
        token = bearer_token(metadata)
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._verified.get(digest)
        if cached is not None:
            return cached
        try:
            tenant, kid = self._tenant_and_kid(token)
        except _Internal:
            if self.internal is None:
                raise Unauthenticated("the token's signing key is unknown") from None
            # Remembered too: an HMAC is cheap, but parsing and checking the token is ~70 µs,
            # and callers reuse one token for many calls (InternalTokens.mint caches it).
            identity, expiry = self.internal.verify_until(token)
        else:
            key = await self.jwks.key(kid)
            if key is None:
                raise Unauthenticated("the token's signing key is unknown")
            claims = self._verify(token, key, tenant)
            identity, expiry = identity_from_claims(claims, tenant), float(claims["exp"])
        # A token inside its expiry leeway is accepted, not remembered (a ttl <= 0 stores nothing).
        self._verified.put(digest, identity, ttl_seconds=min(expiry - self._clock(), self._cache_seconds))
        return identity

    def _tenant_and_kid(self, token: str) -> tuple[str, str]:
        """From the unverified header: the tenant the signing key belongs to, and the key id."""
        try:
            header = pyjwt.get_unverified_header(token)
        except pyjwt.PyJWTError:
            raise Unauthenticated("malformed bearer token") from None
        if is_internal(header):
            raise _Internal
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"only {ALGORITHM} tokens are accepted")
        if header.get("typ") not in ACCESS_TOKEN_TYPES:
            raise Unauthenticated("not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthenticated("the token names no signing key")
        tenant, dot, rest = kid.partition(".")
        if not dot or not rest or not TENANT_RE.fullmatch(tenant):
            raise Unauthenticated("the token's signing key is unknown")
        return tenant, kid

    def _verify(self, token: str, key: pyjwt.PyJWK, tenant: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],  # never the token's own choice
                audience=self.audience,
                issuer=self.issuer(tenant),  # the issuer of the tenant whose key signed it
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except pyjwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except pyjwt.ImmatureSignatureError:
            raise Unauthenticated("the token is not valid yet") from None
        except pyjwt.InvalidAudienceError:
            raise Unauthenticated("the token is not meant for this platform") from None
        except pyjwt.InvalidIssuerError:
            raise Unauthenticated("the token was not issued by its tenant") from None
        except pyjwt.PyJWTError:
            raise Unauthenticated("invalid bearer token") from None
        if claims.get("tid") != tenant:
            raise Unauthenticated("the token was not issued by its tenant")
        return claims


def identity_from_claims(claims: Mapping[str, Any], tenant: str) -> Identity:
    """The caller a verified access token describes (tenant, subject, roles, scopes, kind)."""
    subject, roles, scope = claims.get("sub"), claims.get("roles", []), claims.get("scope", "")
    client_id = claims.get("client_id")
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("the token names no subject")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthenticated("the token's roles are malformed")
    if not isinstance(scope, str) or (client_id is not None and not isinstance(client_id, str)):
        raise Unauthenticated("the token's scope or client is malformed")
    return Identity(
        tenant_id=tenant,
        subject=subject,
        roles=frozenset(r.upper() for r in roles),
        # client credentials: the client acts for itself (sub is the client id)
        kind="client" if client_id is not None and subject == client_id else "user",
        scopes=frozenset(scope.split()),
        client_id=client_id,
    )
