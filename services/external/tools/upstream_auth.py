"""How a tool's stored credentials become request headers (the proxy and the health probe).

* ``API_TOKEN``: ``Authorization: Bearer <token>``, except Tactical RMM, whose API reads the
  key from ``X-API-KEY``;
* ``BASIC``: ``Authorization: Basic base64(user:password)``;
* ``HEADER``: the configured header name and value;
* ``OAUTH_CLIENT``: a client-credentials grant at the tool's token endpoint, the access token
  sent as a bearer token and cached until shortly before it expires. The client is the tools'
  one: the destination policy applies and a redirect is not followed (a 3xx is a failure).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time

import httpx

from services.external.tools.model import CredentialKind, Credentials, ToolType
from services.kit.destinations import refused

#: A cached OAuth token is renewed this long before the tool says it expires.
OAUTH_RENEW_MARGIN_S = 30.0
OAUTH_DEFAULT_TTL_S = 300.0


class UpstreamAuthError(Exception):
    """The tool's token endpoint refused or failed (the message names no secret)."""


class OAuthTokens:
    """Client-credentials tokens per (tool, credentials): one fetch at a time per key."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._tokens: dict[str, tuple[float, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def token(self, credentials: Credentials) -> str:
        # the key hashes the credentials: rotated credentials never reuse the old token
        key = hashlib.sha256(credentials.to_bytes()).hexdigest()
        cached = self._tokens.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(key)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            token, ttl = await self._fetch(credentials)
            if len(self._tokens) > 10_000:  # bounded
                self._tokens.clear()
            self._tokens[key] = (time.monotonic() + max(ttl - OAUTH_RENEW_MARGIN_S, 1.0), token)
            return token

    def forget(self, credentials: Credentials) -> None:
        """Drop a token the tool refused (it is fetched again on the next request)."""
        self._tokens.pop(hashlib.sha256(credentials.to_bytes()).hexdigest(), None)

    async def _fetch(self, credentials: Credentials) -> tuple[str, float]:
        values = credentials.values
        form = {"grant_type": "client_credentials"}
        if values.get("scope"):
            form["scope"] = values["scope"]
        try:
            reply = await self._client.post(
                values["token_url"], data=form, auth=(values["client_id"], values["client_secret"])
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if refused(exc):
                raise UpstreamAuthError("token endpoint not an allowed destination") from None
            raise UpstreamAuthError(f"token endpoint unreachable ({type(exc).__name__})") from None
        if reply.status_code != 200:
            raise UpstreamAuthError(f"token endpoint answered {reply.status_code}")
        try:
            body = reply.json()
            token = str(body["access_token"])
            ttl = float(body.get("expires_in", OAUTH_DEFAULT_TTL_S))
        except (ValueError, KeyError, TypeError):
            raise UpstreamAuthError("token endpoint answered without an access_token") from None
        return token, ttl


async def credential_headers(
    tool_type: ToolType, credentials: Credentials | None, oauth: OAuthTokens
) -> dict[str, str]:
    """Headers that authenticate a request to the tool (empty without credentials)."""
    if credentials is None:
        return {}
    values = credentials.values
    if credentials.kind is CredentialKind.API_TOKEN:
        if tool_type is ToolType.TACTICAL_RMM:
            return {"x-api-key": values["api_token"]}
        return {"authorization": f"Bearer {values['api_token']}"}
    if credentials.kind is CredentialKind.BASIC:
        pair = f"{values['username']}:{values['password']}".encode()
        return {"authorization": f"Basic {base64.b64encode(pair).decode()}"}
    if credentials.kind is CredentialKind.HEADER:
        return {values["name"].lower(): values["value"]}
    return {"authorization": f"Bearer {await oauth.token(credentials)}"}
