"""The tool proxy and the tools registry through the real Envoy, with real tenants and tokens of
the real auth service and the running external service: the happy path (REST registration, then
``/tools/{id}/...`` and its public-API form), tenant isolation, the edge's own checks, API keys
with and without the ``tools:proxy`` scope, no secret in the service's log, and the destination
policy as `make run` configures it: the stand-in tools listen on the ports its allow-list names
(infra/servers/service.py), every other destination inside is refused at registration."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from infra.layout import Layout
from infra.servers import servers
from services.kit.config import local_port
from tests.integration.external.tools_harness import RunningTool, stand_in_tool
from tests.support.identity import Tenants, TenantSession

#: What these tests need running (not Kafka, Cassandra, NATS: the tools do not use them).
NEEDED = ("ferretdb", "redis", "smtp", "auth", "external", "ratelimit", "envoy")


@pytest.fixture(scope="module")
def edge(layout: Layout) -> Layout:
    for server in servers(layout):
        if server.name in NEEDED:
            server.start()
    return layout


@pytest.fixture(scope="module")
def edge_url(edge: Layout) -> str:
    return f"http://127.0.0.1:{edge.port('envoy')}"


@pytest.fixture(scope="module")
def tenants(edge_url: str, edge: Layout) -> Tenants:
    return Tenants(edge_url, edge, batch=2)


@pytest.fixture
async def tool(edge: Layout) -> AsyncIterator[RunningTool]:
    async with stand_in_tool(edge) as running:
        yield running


async def _register(
    client: httpx.AsyncClient, owner: TenantSession, base_url: str, token: str
) -> dict[str, object]:
    reply = await client.post(
        "/external-api/v1/tools",
        headers=owner.bearer,
        json={
            "toolType": "TOOL_TYPE_FLEET",
            "displayName": f"Fleet {uuid.uuid4().hex[:6]}",
            "baseUrl": base_url,
            "credentials": {"apiToken": token},
        },
    )
    assert reply.status_code == 200, reply.text
    assert token not in reply.text
    created: dict[str, object] = reply.json()["integratedTool"]
    return created


def _seen_headers(seen: dict[str, object]) -> dict[str, str]:
    return {k: v for k, v in seen["headers"]}  # type: ignore[attr-defined]


async def test_a_tenants_tool_is_reachable_through_the_edge_with_its_credentials(
    edge_url: str, tenants: Tenants, tool: RunningTool, edge: Layout
) -> None:
    owner = await asyncio.to_thread(tenants.fresh)
    secret = f"fleet-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        created = await _register(client, owner, tool.url, secret)
        assert "credentials" not in created and secret not in str(created)
        assert created["credentialType"] == "TOOL_CREDENTIAL_TYPE_API_TOKEN"
        tool_id = str(created["name"]).removeprefix("tools/")

        reply = await client.post(
            f"/tools/{tool_id}/api/v1/fleet/queries/run?dry=1",
            headers={
                **owner.bearer,
                "x-tenant-id": "someone-else",
                "x-forwarded-host": "admin.internal",
                "x-forwarded-for": "10.0.0.1",
                "x-real-ip": "10.0.0.1",
                "forwarded": "for=10.0.0.1",
                "cookie": "session=1",
            },
            json={"sql": "select 1"},
        )
        assert reply.status_code == 200, reply.text
        seen = reply.json()
        headers = _seen_headers(seen)
        assert headers["authorization"] == f"Bearer {secret}"  # the tool's credentials, not the caller's
        for name in (
            "x-tenant-id",
            "x-forwarded-host",
            "x-forwarded-for",
            "x-real-ip",
            "forwarded",
            "cookie",
        ):
            assert name not in headers, name  # neither the caller's nor the edge's
        assert not [name for name in headers if name.startswith(("x-envoy-", "x-openframe-"))]
        assert headers["x-request-id"]
        assert owner.access_token not in str(seen)
        assert (seen["method"], seen["raw_path"], seen["query"]) == (
            "POST",
            "/api/v1/fleet/queries/run",
            "dry=1",
        )
        assert seen["body_head"] == '{"sql":"select 1"}'

        public_form = await client.get(
            f"/external-api/v1/tools/{tool_id}/proxy/api/v1/fleet/hosts", headers=owner.bearer
        )
        assert public_form.status_code == 200, public_form.text
        assert public_form.json()["raw_path"] == "/api/v1/fleet/hosts"

        anonymous = await client.get(f"/tools/{tool_id}/api/v1/fleet/hosts")
        assert anonymous.status_code == 401  # the edge requires a token on /tools/

    log = edge.log("external").read_text(errors="replace")
    assert secret not in log and owner.access_token not in log


async def test_another_tenants_tool_is_not_found_through_the_edge(
    edge_url: str, tenants: Tenants, tool: RunningTool
) -> None:
    owner, intruder = await asyncio.to_thread(tenants.fresh), await asyncio.to_thread(tenants.fresh)
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        created = await _register(client, owner, tool.url, "t0ken")
        tool_id = str(created["name"]).removeprefix("tools/")
        missing = uuid.uuid4().hex
        for theirs, absent in [
            (f"/tools/{tool_id}/api/v1/fleet/hosts", f"/tools/{missing}/api/v1/fleet/hosts"),
            (f"/external-api/v1/tools/{tool_id}/proxy/x", f"/external-api/v1/tools/{missing}/proxy/x"),
        ]:
            a = await client.get(theirs, headers=intruder.bearer)
            b = await client.get(absent, headers=intruder.bearer)
            assert a.status_code == b.status_code == 404, (a.text, b.text)
            assert a.json()["message"] == f"tools/{tool_id} not found"
            assert b.json()["message"] == f"tools/{missing} not found"
        for method, suffix, body in [
            ("GET", "", None),
            ("PATCH", "?updateMask=displayName", {"displayName": "pwned"}),
            ("DELETE", "", None),
            ("POST", ":checkHealth", {}),
        ]:
            rest = await client.request(
                method, f"/external-api/v1/tools/{tool_id}{suffix}", headers=intruder.bearer, json=body
            )
            assert rest.status_code == 404, (method, rest.text)
            assert rest.json()["message"] == f"tools/{tool_id} not found"
        listed = await client.get("/external-api/v1/tools", headers=intruder.bearer)
        assert listed.status_code == 200 and tool_id not in listed.text
        mine = await client.get(f"/external-api/v1/tools/{tool_id}", headers=owner.bearer)
        assert mine.json()["integratedTool"]["displayName"] == created["displayName"]  # untouched
    assert tool.tool.log.requests == []  # nothing reached the tool


async def test_api_keys_need_the_proxy_scope_and_never_reach_the_tool(
    edge_url: str, tenants: Tenants, tool: RunningTool
) -> None:
    owner = await asyncio.to_thread(tenants.fresh)
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        created = await _register(client, owner, tool.url, "t0ken")
        tool_id = str(created["name"]).removeprefix("tools/")

        async def key(scopes: list[str]) -> str:
            reply = await client.post(
                "/external-api/v1/apiKeys",
                headers=owner.bearer,
                json={"displayName": f"k {uuid.uuid4().hex[:6]}", "scopes": scopes},
            )
            assert reply.status_code == 200, reply.text
            return str(reply.json()["key"])

        scoped, unscoped = await key(["tools:proxy"]), await key(["tools:read"])
        url = f"/external-api/v1/tools/{tool_id}/proxy/api/v1/fleet/hosts"
        ok = await client.get(url, headers={"x-api-key": scoped})
        assert ok.status_code == 200, ok.text
        headers = _seen_headers(ok.json())
        assert headers["authorization"] == "Bearer t0ken"
        assert "x-api-key" not in headers and scoped not in str(ok.json())
        denied = await client.get(url, headers={"x-api-key": unscoped})
        assert denied.status_code == 403


async def test_destinations_inside_are_refused_through_the_edge(
    edge_url: str, tenants: Tenants, tool: RunningTool
) -> None:
    owner = await asyncio.to_thread(tenants.fresh)
    edge_port, auth_port = local_port("envoy"), local_port("auth_http")
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        for base_url, words in [
            (f"http://127.0.0.1:{edge_port}/", "platform itself"),
            ("http://127.0.0.1:27901/", "loopback"),
            (f"http://127.1:{auth_port}/", "canonical"),
            (f"http://0177.0.0.1:{tool.port}/", "canonical"),
            (f"http://2130706433:{tool.port}/", "canonical"),
            (f"http://[::ffff:127.0.0.1]:{tool.port}/", "IPv4-mapped"),
            (f"http://0.0.0.0:{tool.port}/", "unspecified"),
            (f"http://localhost:{tool.port}/", "local machine"),
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://10.0.0.1/", "private"),
        ]:
            reply = await client.post(
                "/external-api/v1/tools",
                headers=owner.bearer,
                json={
                    "toolType": "TOOL_TYPE_GENERIC",
                    "displayName": f"probe {uuid.uuid4().hex[:6]}",
                    "baseUrl": base_url,
                    "healthPath": "/ready",
                    "credentials": {"apiToken": "x"},
                },
            )
            assert reply.status_code == 400, (base_url, reply.text)
            assert "base_url" in reply.text and words in reply.text, (base_url, reply.text)

        created = await _register(client, owner, tool.url, "t0ken")
        tool_id = str(created["name"]).removeprefix("tools/")
        patched = await client.patch(
            f"/external-api/v1/tools/{tool_id}",
            params={"updateMask": "baseUrl"},
            headers=owner.bearer,
            json={"baseUrl": f"http://127.0.0.1:{edge_port}/"},
        )
        assert patched.status_code == 400 and "base_url" in patched.text, patched.text
        after = await client.get(f"/external-api/v1/tools/{tool_id}", headers=owner.bearer)
        assert after.json()["integratedTool"]["baseUrl"] == tool.url
        assert after.json()["integratedTool"]["etag"] == created["etag"]
        traversal = await client.get(f"/tools/{tool_id}/..%2f..%2fsecret", headers=owner.bearer)
        assert traversal.status_code in (400, 404), traversal.text  # the edge or the proxy refuses
    assert [r["raw_path"] for r in tool.tool.log.requests if "secret" in str(r["raw_path"])] == []
