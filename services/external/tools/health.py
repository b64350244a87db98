"""Health probes of integrated tools: one GET of the tool's health path with its credentials.

* 2xx, answered within ``degraded_after_s``: HEALTHY (``version`` from a JSON body, if any);
* 401/403: UNAUTHORIZED (reachable, the credentials are refused);
* any other answer, or a slow 2xx: DEGRADED;
* no answer (connection refused, DNS, timeout), or a destination the policy refuses
  (services/kit/destinations.py; no redirect is followed): UNREACHABLE.

The message says what happened in words (status code, error class), never a header or a body.
"""

from __future__ import annotations

import time

import httpx

from services.external.tools.model import Credentials, Health, HealthStatus, IntegratedTool
from services.external.tools.upstream_auth import OAuthTokens, UpstreamAuthError, credential_headers
from services.kit.destinations import refused
from services.kit.mongo import now

MAX_VERSION_LEN = 100


async def probe(
    client: httpx.AsyncClient,
    oauth: OAuthTokens,
    tool: IntegratedTool,
    credentials: Credentials | None,
    *,
    timeout_s: float,
    degraded_after_s: float,
) -> Health:
    url = tool.base_url.rstrip("/") + tool.probe_path
    started = time.perf_counter()
    try:
        headers = await credential_headers(tool.tool_type, credentials, oauth)
        reply = await client.get(url, headers=headers, timeout=timeout_s, follow_redirects=False)
    except UpstreamAuthError as exc:
        return _result(HealthStatus.UNAUTHORIZED, started, f"credentials refused: {exc}")
    except httpx.TimeoutException:
        return _result(HealthStatus.UNREACHABLE, started, f"no answer within {timeout_s:g} s")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        # a refused destination says no more than that: nothing about what the name resolved to
        why = "destination not allowed" if refused(exc) else type(exc).__name__
        return _result(HealthStatus.UNREACHABLE, started, f"not reachable ({why})")
    elapsed = time.perf_counter() - started
    code = reply.status_code
    if code in (401, 403):
        return _result(HealthStatus.UNAUTHORIZED, started, f"the tool answered {code}: credentials refused")
    if not 200 <= code < 300:
        return _result(HealthStatus.DEGRADED, started, f"the tool answered {code} on {tool.probe_path}")
    version = _version(reply)
    if elapsed > degraded_after_s:
        return _result(HealthStatus.DEGRADED, started, f"slow: answered in {elapsed:.1f} s", version)
    return _result(HealthStatus.HEALTHY, started, "", version)


def _version(reply: httpx.Response) -> str:
    if "json" not in reply.headers.get("content-type", ""):
        return ""
    try:
        body = reply.json()
    except ValueError:
        return ""
    version = body.get("version") if isinstance(body, dict) else None
    return str(version)[:MAX_VERSION_LEN] if isinstance(version, str | int | float) else ""


def _result(status: HealthStatus, started: float, message: str, version: str = "") -> Health:
    return Health(
        status=status,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        message=message,
        tool_version=version,
        check_time=now(),
    )
