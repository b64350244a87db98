"""Path hygiene at the shared edge (docs/edge.md "Paths"): every traversal encoding, on REST, on
gRPC and on both forms of the tool proxy, is either refused by Envoy itself (400 with the edge's
JSON error) or normalised so it cannot leave the tool's base path, and never reaches the tool raw.

A real tool (tests/integration/external/tools_harness.FakeTool, echoing the raw path it got) is
registered through the edge with a base path; each request is sent with its target verbatim
(httpx would otherwise remove dot segments itself).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from infra.layout import Layout
from tests.integration.external.tools_harness import RunningTool, stand_in_tool
from tests.support.identity import TenantSession

#: Refused by the connection manager (escaped slash or backslash, NUL) or by the guard route
#: (a double-encoded dot, slash, backslash or NUL), whatever the route.
REFUSED = [
    "..%2f..%2fsecret",
    "..%2F..%2Fsecret",
    "%2e%2e%2fsecret",
    "..%5csecret",
    "%2E%2E%5Csecret",
    "a%5Cb",
    "%00",
    "a%00b",
    "%252e%252e%252fsecret",
    "%252E%252E/secret",
    "..%255csecret",
    "%2500",
]
#: Normalised by Envoy before routing (RFC 3986 dot segments, %2E, backslash, merged slashes):
#: what the tool must see under its base path.
NORMALISED = {
    "a/%2e%2e/b": "/base/b",
    "a/%2E%2E/b": "/base/b",
    "a/../b": "/base/b",
    "a/./b": "/base/a/b",
    "a/%2e/b": "/base/a/b",
    "a//b": "/base/a/b",
    "a\\b": "/base/a/b",
    "a/b/..": "/base/a/",
}
#: Climbing out of /tools/{id}/ entirely: normalised to a path outside the proxy (never the tool).
ESCAPING = ["%2e%2e/%2e%2e/secret", "../../secret", "..\\..\\secret", "%2e%2e/%2e%2e/%2e%2e/etc/passwd"]


@pytest.fixture
async def tool(infra_up: Layout) -> AsyncIterator[RunningTool]:
    async with stand_in_tool(infra_up) as running:  # a port the stack's destination policy allows
        yield running


@pytest.fixture
async def tool_id(rest: httpx.AsyncClient, tool: RunningTool) -> str:
    reply = await rest.post(
        "/external-api/v1/tools",
        json={
            "toolType": "TOOL_TYPE_FLEET",
            "displayName": f"Paths {uuid.uuid4().hex[:6]}",
            "baseUrl": f"{tool.url}/base",
            "credentials": {"apiToken": "t0ken"},
        },
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["integratedTool"]["name"]).removeprefix("tools/")


async def _get(client: httpx.AsyncClient, target: str) -> httpx.Response:
    """GET with ``target`` sent as is (no client-side normalisation or re-encoding)."""
    return await client.get("/", extensions={"target": target.encode()})


def _assert_refused_by_the_edge(resp: httpx.Response, target: str) -> None:
    assert resp.status_code == 400, (target, resp.status_code, resp.text)
    body = resp.json()
    assert body["code"] == 3 and body["message"].startswith("invalid request path"), (target, body)
    assert "details" not in body, "the edge's own reply, not a service's"


async def test_traversal_encodings_are_refused_on_rest_and_both_proxy_forms(
    rest: httpx.AsyncClient, tool: RunningTool, tool_id: str
) -> None:
    prefixes = [
        "/api/v1/organizations/",
        f"/tools/{tool_id}/",
        f"/external-api/v1/tools/{tool_id}/proxy/",
    ]
    for prefix in prefixes:
        for suffix in REFUSED:
            _assert_refused_by_the_edge(await _get(rest, prefix + suffix), prefix + suffix)
    assert tool.tool.log.requests == [], "nothing reached the tool"


async def test_refused_before_authentication(edge_url: str) -> None:
    async with httpx.AsyncClient(base_url=edge_url, timeout=10) as anonymous:
        _assert_refused_by_the_edge(await _get(anonymous, "/tools/x/..%2fsecret"), "anonymous")
        assert (await _get(anonymous, "/tools/x/secret")).status_code == 401


async def test_normalised_paths_stay_under_the_tools_base_path(
    rest: httpx.AsyncClient, tool: RunningTool, tool_id: str
) -> None:
    for prefix in (f"/tools/{tool_id}/", f"/external-api/v1/tools/{tool_id}/proxy/"):
        for suffix, expected in NORMALISED.items():
            resp = await _get(rest, prefix + suffix)
            assert resp.status_code == 200, (prefix + suffix, resp.text)
            assert resp.json()["raw_path"] == expected, prefix + suffix
    seen = [str(r["raw_path"]) for r in tool.tool.log.requests]
    assert len(seen) == 2 * len(NORMALISED)
    for path in seen:
        lowered = path.lower()
        assert path.startswith("/base/"), path
        assert not any(raw in lowered for raw in ("..", "%2e", "%2f", "%5c", "%00", "%25", "\\", "//")), path


async def test_climbing_out_of_the_proxy_never_reaches_the_tool(
    rest: httpx.AsyncClient, tool: RunningTool, tool_id: str
) -> None:
    for suffix in ESCAPING:
        resp = await _get(rest, f"/tools/{tool_id}/{suffix}")
        assert resp.status_code == 404, (suffix, resp.status_code, resp.text)
    assert tool.tool.log.requests == []


async def test_grpc_paths_with_escaped_separators_are_refused(
    edge_grpc_target: str, tenant: TenantSession
) -> None:
    """Envoy answers a gRPC caller's refused path itself; gRPC maps its HTTP 400 to INTERNAL."""
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        for path in (
            "/openframe.api.v1.OrganizationService%2FGetOrganization",
            "/openframe.api.v1.OrganizationService/..%2fGetOrganization",
            "/openframe.api.v1.OrganizationService/Get%00",
            "/openframe.api.v1.OrganizationService/%252e%252e",
        ):
            call = channel.unary_unary(path)
            with pytest.raises(grpc.aio.AioRpcError) as failure:
                await call(b"", metadata=tenant.metadata, timeout=5)
            assert failure.value.code() == grpc.StatusCode.INTERNAL, path
            assert (failure.value.details() or "").startswith("invalid request path"), path
