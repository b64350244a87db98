"""The tool proxy: ``<any method> /tools/{tool_id}/{path}?{query}`` → ``<base_url>/{path}?{query}``
(also ``/external-api/v1/tools/{tool_id}/proxy/{path}``, its form on the public API, where the
edge accepts API keys).

For every request:

1. the caller is authenticated from its own ``Authorization`` (a tenant's access token, or the
   internal token the edge's API-key check puts there) by the kit's authenticator; an API key
   needs the ``tools:proxy`` scope;
2. the tool is looked up *in the caller's tenant*: another tenant's tool id answers 404 exactly
   like a missing one; a disabled tool answers 409;
3. a path that could leave the tool's base path once decoded (dot segments, encoded slashes,
   backslashes, NUL, at any level of percent-encoding) answers 400;
4. the request is streamed to the tool (method, path, query, body) with an allow-list of the
   caller's headers (content negotiation, body description, caching validators, range, user
   agent): never its credentials, cookies, tenant, identity or forwarding headers. The proxy
   sets the tool's stored credentials, ``x-request-id`` and a user agent if the caller sent
   none. The answer is streamed back without hop-by-hop headers;
5. the connection goes only where the destination policy allows (services/kit/destinations.py,
   checked on the resolved address): a refused one answers 502 without saying more;
6. a tool that does not answer costs the caller at most the connect timeout (502) or the total
   timeout (504), and once its circuit breaker is open, nothing at all (503).

Errors of the proxy itself are JSON: ``{"error": <code>, "message": ..., ["tool", "reason"]}``.
Nothing secret is logged: one line per request with tenant, tool, method, status and duration.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from services.external.proxy.breaker import Breakers, CircuitBreaker
from services.external.tools.model import path_problem
from services.external.tools.service import Target, ToolService
from services.external.tools.upstream_auth import UpstreamAuthError, credential_headers
from services.kit.destinations import Refused, refused
from services.kit.errors import NotFound, PermissionDenied, Unauthenticated
from services.kit.identity import Authenticator, Identity, authenticate
from services.kit.logging import get_logger

log = get_logger("services.external.proxy")

#: ``/tools/{id}[/path]`` and ``/external-api/v1/tools/{id}/proxy[/path]``, on the raw path
#: (still percent-encoded, so the tool receives the path exactly as the caller wrote it).
ROUTE = re.compile(
    r"^(?:/tools/([A-Za-z0-9_-]{1,64})|/external-api/v1/tools/([A-Za-z0-9_-]{1,64})/proxy)(/.*)?$"
)
#: Scope an API key needs to use the proxy (user and client tokens of the tenant need none).
PROXY_SCOPE = "tools:proxy"
#: RFC 9110 §7.6.1 hop-by-hop headers, plus what the proxy sets itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
#: The caller's headers a tool receives; every other one (credentials, cookies, x-tenant-id,
#: x-openframe-*, x-forwarded-*, forwarded, x-real-ip, x-envoy-*, origin, referer, custom ones)
#: stays with the proxy.
FORWARDED = frozenset(
    {
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-type",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "pragma",
        "range",
        "user-agent",
    }
)
USER_AGENT = "OpenFrame-ToolProxy/1"
#: An ``x-request-id`` the proxy passes on as it is (Envoy's); anything else is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: The tool answered, but says it is down behind its own front end: counts against the breaker.
UPSTREAM_DOWN = frozenset({502, 503, 504})


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Bearer error="invalid_token"'
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def _drop(headers: list[tuple[bytes, bytes]], only: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """Headers minus hop-by-hop ones (also those the Connection header names); with ``only``,
    just those of its names."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    kept = []
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if name in HOP_BY_HOP or name in named or name.startswith("x-envoy-"):
            continue
        if only is None or name in only:
            kept.append((name, raw_value.decode("latin-1")))
    return kept


def to_tool(headers: list[tuple[bytes, bytes]], injected: dict[str, str]) -> list[tuple[str, str]]:
    """What the tool receives: the allow-listed caller headers, our own, the tool's credentials."""
    kept = [(k, v) for k, v in _drop(headers, FORWARDED) if k not in injected and v.strip()]
    names = {k for k, _ in kept}
    request_id = next((v.decode("latin-1") for k, v in headers if k.lower() == b"x-request-id"), "")
    ours = {"x-request-id": request_id if REQUEST_ID.fullmatch(request_id) else uuid.uuid4().hex}
    if "user-agent" not in names:
        ours["user-agent"] = USER_AGENT
    return kept + [(k, v) for k, v in ours.items() if k not in injected] + list(injected.items())


def route(scope: Scope) -> tuple[str, str] | None:
    """(tool id, raw path for the tool) of a proxy URL; None when it is not one."""
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    found = ROUTE.match(raw)
    if found is None:
        return None
    return found.group(1) or found.group(2), found.group(3) or "/"


class ToolProxy:
    """The ASGI app (mounted alone on the external service's HTTP port)."""

    def __init__(
        self,
        tools: ToolService,
        authenticator: Authenticator,
        client: httpx.AsyncClient,
        breakers: Breakers,
        *,
        timeout_s: float,
    ) -> None:
        self.tools = tools
        self.authenticator = authenticator
        self.client = client
        self.breakers = breakers
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request = Request(scope, receive)
        response, who = await self.handle(request)
        try:
            await response(scope, receive, send)
        finally:
            log.info(
                "tool proxy",
                tenant=who[0],
                tool=who[1],
                method=request.method,
                status=response.status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )

    async def handle(self, request: Request) -> tuple[Response, tuple[str, str]]:
        found = route(request.scope)
        if found is None:
            return error(404, "not_found", "no such route; use /tools/{tool_id}/{path}"), ("", "")
        tool_id, upstream_path = found
        try:
            identity = await self._caller(request)
        except Unauthenticated as exc:
            return error(401, "unauthenticated", exc.message), ("", tool_id)
        except PermissionDenied as exc:
            return error(403, "permission_denied", exc.message), ("", tool_id)
        who = (identity.tenant_id, tool_id)
        try:
            target = await self.tools.resolve(identity.tenant_id, tool_id)
        except NotFound as exc:
            return error(404, "not_found", exc.message), who
        if not target.tool.enabled:
            return error(409, "tool_disabled", f"{target.tool.name} is disabled", tool=target.tool.name), who
        if problem := path_problem(upstream_path):
            message = f"the path must stay under the tool's base path: {problem}"
            return error(400, "invalid_path", message), who
        return await self._forward(request, target, upstream_path), who

    async def _caller(self, request: Request) -> Identity:
        identity = await authenticate(
            self.authenticator, {"authorization": request.headers.get("authorization", "")}
        )
        if identity.kind == "api_key" and PROXY_SCOPE not in identity.scopes:
            raise PermissionDenied(f"this API key lacks the {PROXY_SCOPE} scope")
        return identity

    async def _forward(self, request: Request, target: Target, upstream_path: str) -> Response:
        tool = target.tool
        breaker = self.breakers.get(tool.tenant_id, tool.id)
        if not breaker.allow():
            return self._unavailable(tool.name, breaker)
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = tool.base_url.rstrip("/") + upstream_path + (f"?{query}" if query else "")
        try:
            self.tools.destinations.endpoint(url)  # a URL stored before the policy existed
        except Refused:
            breaker.released()
            return _refused(tool.name)
        try:
            injected = await credential_headers(tool.tool_type, target.credentials, self.tools.oauth)
        except UpstreamAuthError as exc:
            breaker.released()
            return error(
                502, "tool_auth_failed", "could not authenticate to the tool", tool=tool.name, reason=str(exc)
            )
        names = {name.lower() for name, _ in request.scope["headers"]}
        has_body = b"transfer-encoding" in names or (
            b"content-length" in names and request.headers.get("content-length") != "0"
        )
        try:
            upstream = self.client.build_request(
                request.method,
                url,
                headers=to_tool(request.scope["headers"], injected),
                content=_body(request) if has_body else None,
            )
        except httpx.InvalidURL:
            breaker.released()
            return _refused(tool.name)
        try:
            async with asyncio.timeout(self.timeout_s):  # until the tool's status line and headers
                reply = await self.client.send(upstream, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if refused(exc):  # the policy's doing, not the tool's: the breaker learns nothing
                breaker.released()
                return _refused(tool.name)
            breaker.failed(f"connection failed ({type(exc).__name__})")
            return error(
                502,
                "tool_unavailable",
                f"{tool.name} is not reachable",
                tool=tool.name,
                reason=breaker.last_error,
            )
        except (TimeoutError, httpx.TimeoutException):
            breaker.failed(f"no answer within {self.timeout_s:g} s")
            return error(
                504,
                "tool_timeout",
                f"{tool.name} did not answer in time",
                tool=tool.name,
                reason=breaker.last_error,
            )
        except ClientDisconnect:
            breaker.released()
            return Response(status_code=499)
        except httpx.HTTPError as exc:
            breaker.failed(f"exchange failed ({type(exc).__name__})")
            return error(
                502, "tool_unavailable", f"{tool.name} failed", tool=tool.name, reason=breaker.last_error
            )
        self._judge(breaker, reply, target)
        response = StreamingResponse(_relay(reply), status_code=reply.status_code)
        # raw headers: repeated ones (Set-Cookie, ...) stay repeated
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in _drop(reply.headers.raw)
        ]
        return response

    def _judge(self, breaker: CircuitBreaker, reply: httpx.Response, target: Target) -> None:
        if reply.status_code in UPSTREAM_DOWN:
            breaker.failed(f"the tool answered {reply.status_code}")
        else:
            breaker.succeeded()
        if reply.status_code == 401 and target.credentials is not None:
            self.tools.oauth.forget(target.credentials)  # an expired OAuth token: fetch anew

    def _unavailable(self, name: str, breaker: CircuitBreaker) -> Response:
        retry = max(1, round(breaker.retry_after()))
        response = error(
            503,
            "tool_unavailable",
            f"{name} is failing; calls are paused for {retry} s",
            tool=name,
            reason=f"circuit open after: {breaker.last_error}",
        )
        response.headers["retry-after"] = str(retry)
        return response


def _refused(name: str) -> Response:
    """A destination the policy refuses: no word on what it resolved to."""
    reason = "destination not allowed"
    return error(502, "tool_unavailable", f"{name} is not reachable", tool=name, reason=reason)


async def _relay(reply: httpx.Response) -> AsyncIterator[bytes]:
    """The tool's answer as it arrives (still compressed if it was); the upstream connection
    goes back to the pool however the stream ends (done, caller gone, tool gone)."""
    try:
        async for chunk in reply.aiter_raw():
            yield chunk
    finally:
        await reply.aclose()


async def _body(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk
