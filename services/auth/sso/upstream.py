"""Talking to an upstream OpenID Provider: its discovery document, the code exchange (httpx) and
the verification of its ID token against its JWKS.

Every call goes through the destination policy (services/kit/destinations.py): the issuer when
it is registered, the discovery document's token endpoint and JWKS URI when it is read, and the
address of every connection; no redirect is followed.

The ID token is the only thing we trust, and only after: a signature by a key of the upstream's
JWKS with an asymmetric algorithm the discovery document announces (never ``none``, never HMAC —
an HMAC key would be the client secret, which we hold and so could forge with), ``iss`` equal to
the discovered issuer, our client id in ``aud`` (and as ``azp`` when there are several
audiences), ``exp``/``iat`` with a small leeway, and the ``nonce`` of this very sign-in.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from services.auth.sso.presets import GOOGLE_ISSUER, MICROSOFT_TENANT_PLACEHOLDER, discovery_url
from services.kit.caching import TtlCache
from services.kit.destinations import DestinationPolicy, Refused, refused

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LEEWAY_SECONDS = 60
MAX_DOCUMENT_BYTES = 512 * 1024
#: A kid we do not know makes us refetch the JWKS (the upstream rotated), at most this often.
JWKS_REFETCH_SECONDS = 30.0


class UpstreamError(Exception):
    """The upstream is unreachable or answered something unusable. ``reason`` goes to the audit
    log; ``str()`` is safe to log (never a token, code or secret)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: frozenset[str]
    basic_auth: bool  # client_secret_basic (the default) rather than client_secret_post


@dataclass(frozen=True)
class UpstreamIdentity:
    subject: str
    email: str
    email_verified: bool
    claims: dict[str, Any]


class Upstreams:
    """Discovery documents (cached ``cache_seconds``) and JWKS (cached until a new kid shows)."""

    def __init__(
        self, http: httpx.AsyncClient, destinations: DestinationPolicy, *, cache_seconds: float
    ) -> None:
        self.http = http
        self.destinations = destinations
        self._discovery: TtlCache[str, Discovery] = TtlCache(cache_seconds)
        self._jwks: dict[str, tuple[float, dict[str, Any]]] = {}

    async def discover(self, issuer: str) -> Discovery:
        return await self._discovery.get_or_load(issuer, lambda: self._fetch_discovery(issuer))

    async def _fetch_discovery(self, issuer: str) -> Discovery:
        doc = await self._get_json(discovery_url(issuer), "discovery_unavailable")
        try:
            found = Discovery(
                issuer=str(doc["issuer"]),
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                algorithms=frozenset(doc.get("id_token_signing_alg_values_supported") or ["RS256"]),
                basic_auth=_prefers_basic(doc.get("token_endpoint_auth_methods_supported")),
            )
        except (KeyError, TypeError):
            raise UpstreamError("discovery_invalid", "the discovery document lacks required fields") from None
        # OIDC Discovery §4.3: the document's issuer must be the one we asked for (a template
        # issuer, Microsoft's multi-tenant endpoints, is checked per token instead).
        if found.issuer != issuer and MICROSOFT_TENANT_PLACEHOLDER not in found.issuer:
            raise UpstreamError("discovery_invalid", f"the discovery document names issuer {found.issuer!r}")
        if not found.algorithms & ASYMMETRIC:
            raise UpstreamError(
                "discovery_invalid", "the provider signs ID tokens with no supported algorithm"
            )
        for name, url in (("token_endpoint", found.token_endpoint), ("jwks_uri", found.jwks_uri)):
            try:
                self.destinations.endpoint(url)  # the platform calls these: not inside, by any name
            except Refused as exc:
                raise UpstreamError(
                    "discovery_invalid", f"the discovery document's {name}: the host {exc}"
                ) from None
        return found

    async def exchange(
        self,
        found: Discovery,
        *,
        client_id: str,
        client_secret: str | None,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"accept": "application/json"}
        if client_secret and found.basic_auth:
            # RFC 6749 §2.3.1: form-urlencode id and secret, then base64 (httpx's auth does not).
            pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = client_id
            if client_secret:
                form["client_secret"] = client_secret
        try:
            response = await self.http.post(found.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise UpstreamError(
                "token_exchange_failed", f"token endpoint unreachable ({_why(exc)})"
            ) from None
        body = _json(response)
        if response.status_code != 200 or body is None:
            error = str(body.get("error", ""))[:64] if isinstance(body, dict) else ""
            raise UpstreamError(
                "token_exchange_failed", f"token endpoint answered {response.status_code} {error}"
            )
        if not isinstance(body.get("id_token"), str):
            raise UpstreamError("id_token_missing", "the token response has no id_token")
        return body

    async def verify_id_token(
        self, found: Discovery, token: str, *, client_id: str, nonce: str
    ) -> UpstreamIdentity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise UpstreamError("id_token_invalid", "the ID token is not a JWT") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in (found.algorithms & ASYMMETRIC):
            raise UpstreamError("id_token_invalid", f"ID token algorithm {alg!r} is not accepted")
        key = await self._key(found.jwks_uri, header.get("kid"), alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=client_id,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_iss": False},
            )
        except jwt.PyJWTError as exc:
            raise UpstreamError("id_token_invalid", f"ID token rejected ({type(exc).__name__})") from None
        if claims["iss"] not in _expected_issuers(found.issuer, claims):
            raise UpstreamError("id_token_invalid", "ID token issuer mismatch")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise UpstreamError("id_token_invalid", "ID token azp is not our client")
        if not nonce or claims.get("nonce") != nonce:
            raise UpstreamError("nonce_mismatch", "ID token nonce does not match this sign-in")
        email = claims.get("email")
        return UpstreamIdentity(
            subject=str(claims["sub"]),
            email=email.strip() if isinstance(email, str) else "",
            email_verified=_verified(claims),
            claims=claims,
        )

    async def _key(self, jwks_uri: str, kid: object, alg: str) -> jwt.PyJWK:
        cached = self._jwks.get(jwks_uri)
        keys = cached[1] if cached else None
        found = _pick(keys, kid, alg) if keys else None
        if found is None and (cached is None or time.monotonic() - cached[0] > JWKS_REFETCH_SECONDS):
            keys = await self._get_json(jwks_uri, "jwks_unavailable")
            self._jwks[jwks_uri] = (time.monotonic(), keys)
            found = _pick(keys, kid, alg)
        if found is None:
            raise UpstreamError("id_token_invalid", "no key of the provider's JWKS matches the ID token")
        return found

    async def _get_json(self, url: str, reason: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"accept": "application/json"})
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise UpstreamError(reason, f"{url} unreachable ({_why(exc)})") from None
        body = _json(response)
        if response.status_code != 200 or body is None:
            raise UpstreamError(reason, f"{url} answered {response.status_code}")
        return body


def _why(exc: Exception) -> str:
    """A failure in words: the error class, or that the policy refused the destination."""
    return "destination not allowed" if refused(exc) else type(exc).__name__


def _json(response: httpx.Response) -> dict[str, Any] | None:
    if len(response.content) > MAX_DOCUMENT_BYTES:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _prefers_basic(methods: object) -> bool:
    if not isinstance(methods, list) or not methods:
        return True  # the OIDC default
    return "client_secret_basic" in methods or "client_secret_post" not in methods


def _pick(jwks: dict[str, Any] | None, kid: object, alg: str) -> jwt.PyJWK | None:
    candidates = [
        k
        for k in (jwks or {}).get("keys", [])
        if isinstance(k, dict)
        and (kid is None or k.get("kid") == kid)
        and k.get("use", "sig") == "sig"
        and k.get("alg", alg) == alg
    ]
    if len(candidates) != 1:
        return None  # none, or ambiguous without a kid
    try:
        return jwt.PyJWK(candidates[0], algorithm=alg)
    except jwt.PyJWTError:
        return None


def _expected_issuers(issuer: str, claims: dict[str, Any]) -> set[str]:
    if MICROSOFT_TENANT_PLACEHOLDER in issuer:
        return {issuer.replace(MICROSOFT_TENANT_PLACEHOLDER, str(claims.get("tid", "")))}
    if issuer == GOOGLE_ISSUER:  # Google documents both forms of its iss
        return {issuer, issuer.removeprefix("https://")}
    return {issuer}


def _verified(claims: dict[str, Any]) -> bool:
    # Only a boolean true (or the string "true" some providers send) counts; Microsoft Entra ID
    # states verified-domain ownership with the optional claim xms_edov instead.
    value = claims.get("email_verified", claims.get("xms_edov"))
    return value is True or value == "true"
