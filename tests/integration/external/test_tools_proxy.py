"""The tool proxy against a real HTTP server standing in for the tool: credentials injected,
the caller's own credentials never forwarded, every method, query and body relayed (streamed),
a tool that is down or slow answered with a clear JSON error (502/503/504), the circuit
breaker opening and half-opening, tenant isolation and the caller checks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.external.v1 import tools_pb2 as pb
from tests.integration.external.tools_harness import (
    BREAKER_FAILURES,
    BREAKER_OPEN_SECONDS,
    CHUNK,
    FLEET_TOKEN,
    OAUTH_CLIENT,
    OAUTH_TOKEN,
    FakeTool,
    RunningTool,
    ToolsApp,
    fake_tool,
    idle_port,
    mongo_up,
    register,
    tool_id,
    tool_ports,
    tools_app,
)

__all__ = ["fake_tool", "idle_port", "mongo_up", "tool_ports", "tools_app"]  # fixtures


def _headers(seen: dict[str, object]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:  # type: ignore[attr-defined]
        out.setdefault(name, []).append(value)
    return out


#: What a caller may send that a tool must never see: its credentials, its tenant and identity,
#: forwarding headers that would let it pose as another client, the edge's own, and anything
#: else not on the proxy's allow-list.
STRIPPED = {
    "cookie": "openframe_session=abc",
    "x-api-key": "ak_caller.sk_secret",
    "x-tenant-id": "another-tenant",
    "x-openframe-tenant": "another-tenant",
    "x-openframe-subject": "root",
    "x-forwarded-for": "10.0.0.1",
    "x-forwarded-host": "admin.internal",
    "x-forwarded-proto": "https",
    "forwarded": "for=10.0.0.1;host=admin.internal",
    "x-real-ip": "10.0.0.1",
    "x-envoy-original-path": "/admin",
    "origin": "https://evil.example",
    "referer": "https://console.example/secret-page",
    "x-custom": "not on the allow-list",
    "proxy-authorization": "Basic eDp5",
    "x-hop": "named by connection",
}
#: What passes, as sent.
PASSED = {
    "accept": "application/json",
    "accept-language": "fr",
    "if-none-match": '"v1"',
    "range": "bytes=0-9",
    "user-agent": "integration-test/1",
    "x-request-id": "req-42.abc",
}


async def test_credentials_are_injected_and_the_callers_headers_are_stripped(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    caller = tools_app.bearer(unique)
    reply = await tools_app.http.get(
        f"/tools/{tool_id(tool)}/api/v1/fleet/hosts?per_page=10&q=a%20b&q=c",
        headers={**caller, **STRIPPED, **PASSED, "connection": "x-hop"},
    )
    assert reply.status_code == 200, reply.text
    seen = reply.json()
    headers = _headers(seen)
    assert headers["authorization"] == [f"Bearer {FLEET_TOKEN}"]
    assert caller["authorization"].split()[1] not in json.dumps(seen)
    for name in STRIPPED:
        assert name not in headers, name
    for value in STRIPPED.values():
        assert value not in json.dumps(headers), value
    assert {name: headers[name] for name in PASSED} == {k: [v] for k, v in PASSED.items()}
    assert seen["raw_path"] == "/api/v1/fleet/hosts"
    assert seen["query"] == "per_page=10&q=a%20b&q=c"
    assert reply.headers["x-tool"] == "fake" and reply.headers["set-cookie"] == "tool_session=1"

    bare = await tools_app.http.get(
        f"/tools/{tool_id(tool)}/x", headers={**caller, "user-agent": "", "x-request-id": "bad id; drop"}
    )
    ours = _headers(bare.json())
    assert ours["user-agent"] == ["OpenFrame-ToolProxy/1"]  # ours when the caller sends none
    assert len(ours["x-request-id"]) == 1 and ours["x-request-id"][0] != "bad id; drop"


async def test_each_credential_kind_is_injected_its_way(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    async def seen_by_tool(tool: pb.IntegratedTool) -> dict[str, list[str]]:
        reply = await tools_app.http.get(f"/tools/{tool_id(tool)}/echo", headers=tools_app.bearer(unique))
        assert reply.status_code == 200, reply.text
        return _headers(reply.json())

    trmm = await register(
        tools_app,
        unique,
        fake_tool.url,
        tool_type=pb.TOOL_TYPE_TACTICAL_RMM,
        credentials=pb.ToolCredentials(api_token="trmm-key"),
    )
    headers = await seen_by_tool(trmm)
    assert headers["x-api-key"] == ["trmm-key"] and "authorization" not in headers

    basic = pb.ToolCredentials(basic=pb.BasicCredentials(username="mesh", password="p@ss"))
    mesh = await register(
        tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_MESHCENTRAL, credentials=basic
    )
    assert (await seen_by_tool(mesh))["authorization"] == ["Basic " + base64.b64encode(b"mesh:p@ss").decode()]

    header = pb.ToolCredentials(header=pb.HeaderCredentials(name="X-Auth-Token", value="hdr-value"))
    generic = await register(
        tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_GENERIC, credentials=header
    )
    assert (await seen_by_tool(generic))["x-auth-token"] == ["hdr-value"]

    oauth = pb.ToolCredentials(
        oauth_client=pb.OAuthClientCredentials(
            token_url=f"{fake_tool.url}/oauth/token", client_id=OAUTH_CLIENT[0], client_secret=OAUTH_CLIENT[1]
        )
    )
    authentik = await register(
        tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_AUTHENTIK, credentials=oauth
    )
    assert (await seen_by_tool(authentik))["authorization"] == [f"Bearer {OAUTH_TOKEN}"]
    assert (await seen_by_tool(authentik))["authorization"] == [f"Bearer {OAUTH_TOKEN}"]
    assert fake_tool.tool.log.token_grants == 1  # the token is cached


async def test_every_method_query_and_body_is_forwarded(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    caller = tools_app.bearer(unique)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        body = json.dumps({"method": method, "n": 1}).encode() if method not in ("GET", "OPTIONS") else b""
        reply = await tools_app.http.request(
            method,
            f"/tools/{tool_id(tool)}/api/v1/items/42?x=1",
            content=body,
            headers={**caller, "content-type": "application/json"},
        )
        assert reply.status_code == 200, (method, reply.text)
        seen = reply.json()
        assert (seen["method"], seen["raw_path"], seen["query"]) == (method, "/api/v1/items/42", "x=1")
        assert seen["body_size"] == len(body)
        assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    head = await tools_app.http.head(f"/tools/{tool_id(tool)}/api/v1/items/42", headers=caller)
    assert head.status_code == 200 and head.content == b""
    public_form = await tools_app.http.post(
        f"/external-api/v1/tools/{tool_id(tool)}/proxy/api/v1/run%20script", content=b"ok", headers=caller
    )
    assert public_form.status_code == 200, public_form.text
    assert public_form.json()["raw_path"] == "/api/v1/run%20script"  # encoding kept as sent
    assert public_form.json()["body_head"] == "ok"


async def test_large_bodies_stream_both_ways(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    caller = tools_app.bearer(unique)
    chunks = 512  # 32 MiB, sent chunked: the proxy never holds it whole

    async def upload() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield CHUNK

    expected = hashlib.sha256(CHUNK * chunks).hexdigest()
    reply = await tools_app.http.put(f"/tools/{tool_id(tool)}/upload", content=upload(), headers=caller)
    assert reply.status_code == 200, reply.text
    assert reply.json()["body_size"] == len(CHUNK) * chunks
    assert reply.json()["body_sha256"] == expected

    digest, size = hashlib.sha256(), 0
    async with tools_app.http.stream(
        "GET", f"/tools/{tool_id(tool)}/big?chunks={chunks}", headers=caller
    ) as down:
        assert down.status_code == 200
        async for piece in down.aiter_bytes():
            digest.update(piece)
            size += len(piece)
        assert down.headers["x-body-sha256"] == expected
    assert size == len(CHUNK) * chunks and digest.hexdigest() == expected


async def test_a_tool_that_is_down_answers_502_then_the_breaker_opens_and_half_opens(
    tools_app: ToolsApp, idle_port: int, unique: str
) -> None:
    port = idle_port
    tool = await register(tools_app, unique, f"http://127.0.0.1:{port}")
    url, caller = f"/tools/{tool_id(tool)}/api/v1/hosts", tools_app.bearer(unique)
    for _ in range(BREAKER_FAILURES):
        down = await tools_app.http.get(url, headers=caller)
        assert down.status_code == 502
        assert down.json()["error"] == "tool_unavailable"
        assert down.json()["tool"] == tool.name and "connection failed" in down.json()["reason"]
    opened = await tools_app.http.get(url, headers=caller)
    assert opened.status_code == 503
    assert opened.json()["error"] == "tool_unavailable" and "circuit open" in opened.json()["reason"]
    assert int(opened.headers["retry-after"]) >= 1

    await asyncio.sleep(BREAKER_OPEN_SECONDS + 0.1)  # the open period ends: one trial may pass
    trial = await tools_app.http.get(url, headers=caller)
    assert trial.status_code == 502  # the trial failed: open again at once
    assert (await tools_app.http.get(url, headers=caller)).status_code == 503

    back = await RunningTool(FakeTool(expected_token=FLEET_TOKEN), port=port).start()
    try:
        await asyncio.sleep(BREAKER_OPEN_SECONDS + 0.1)
        recovered = await tools_app.http.get(url, headers=caller)
        assert recovered.status_code == 200, recovered.text  # the trial succeeded: closed
        assert (await tools_app.http.get(url, headers=caller)).status_code == 200
    finally:
        await back.stop()


async def test_a_slow_tool_answers_504(tools_app: ToolsApp, fake_tool: RunningTool, unique: str) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    reply = await tools_app.http.get(
        f"/tools/{tool_id(tool)}/slow?seconds=3", headers=tools_app.bearer(unique)
    )
    assert reply.status_code == 504
    assert reply.json() == {
        "error": "tool_timeout",
        "message": f"{tool.name} did not answer in time",
        "tool": tool.name,
        "reason": "no answer within 1 s",
    }


async def test_the_tools_own_errors_pass_through(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    for code in (404, 500):
        reply = await tools_app.http.get(
            f"/tools/{tool_id(tool)}/status/{code}", headers=tools_app.bearer(unique)
        )
        assert reply.status_code == code
        assert reply.json() == {"status": f"/status/{code}"}  # the tool's body, not ours


async def test_another_tenants_tool_is_not_found_like_a_missing_one(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    intruder = tools_app.bearer(f"{unique}-b", ("OWNER",))
    theirs = await tools_app.http.get(f"/tools/{tool_id(tool)}/api/v1/hosts", headers=intruder)
    missing_id = uuid.uuid4().hex
    missing = await tools_app.http.get(f"/tools/{missing_id}/api/v1/hosts", headers=intruder)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == {"error": "not_found", "message": f"{tool.name} not found"}
    assert missing.json() == {"error": "not_found", "message": f"tools/{missing_id} not found"}
    assert fake_tool.tool.log.requests == []  # nothing reached the tool


async def test_cookies_a_tool_sets_go_to_the_caller_only(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    """The proxy keeps no cookie jar: a session cookie one tenant's tool set must never ride
    along on another tenant's call to a tool at the same address (nor on the next call)."""
    ours = await register(tools_app, unique, fake_tool.url)
    theirs = await register(tools_app, f"{unique}-b", fake_tool.url)
    first = await tools_app.http.get(f"/tools/{tool_id(ours)}/api/v1/hosts", headers=tools_app.bearer(unique))
    assert first.headers["set-cookie"] == "tool_session=1", "the caller gets the tool's cookie"
    again = await tools_app.http.get(f"/tools/{tool_id(ours)}/api/v1/hosts", headers=tools_app.bearer(unique))
    other = await tools_app.http.get(
        f"/tools/{tool_id(theirs)}/api/v1/hosts", headers=tools_app.bearer(f"{unique}-b")
    )
    assert again.status_code == other.status_code == 200
    assert "cookie" not in _headers(again.json())
    assert "cookie" not in _headers(other.json()), "another tenant's call carried the tool's cookie"


async def test_a_disabled_tool_answers_409(tools_app: ToolsApp, fake_tool: RunningTool, unique: str) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    await tools_app.stub.UpdateIntegratedTool(
        pb.UpdateIntegratedToolRequest(
            integrated_tool=pb.IntegratedTool(name=tool.name, enabled=False),
            update_mask=FieldMask(paths=["enabled"]),
        ),
        metadata=tools_app.caller(unique),
    )
    reply = await tools_app.http.get(f"/tools/{tool_id(tool)}/api", headers=tools_app.bearer(unique))
    assert reply.status_code == 409
    assert reply.json()["error"] == "tool_disabled"
    assert fake_tool.tool.log.requests == []


async def test_the_caller_must_be_authenticated_and_api_keys_scoped(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    url = f"/tools/{tool_id(tool)}/api"
    anonymous = await tools_app.http.get(url)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthenticated"
    forged = await tools_app.http.get(url, headers={"authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401
    unscoped = tools_app.bearer(unique, ("ADMIN",), kind="api_key", scopes=("tools:read",))
    denied = await tools_app.http.get(url, headers=unscoped)
    assert denied.status_code == 403 and "tools:proxy" in denied.json()["message"]
    scoped = tools_app.bearer(unique, ("ADMIN",), kind="api_key", scopes=("tools:proxy",))
    assert (await tools_app.http.get(url, headers=scoped)).status_code == 200
    technician = tools_app.bearer(unique, ("TECHNICIAN",))
    assert (await tools_app.http.get(url, headers=technician)).status_code == 200
    assert len(fake_tool.tool.log.requests) == 2


async def raw_get(app: ToolsApp, path: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    """GET with the path exactly as written (httpx would resolve ``..`` segments itself)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", app.running.http_port)
    lines = [
        f"GET {path} HTTP/1.1",
        "host: proxy",
        "connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def test_paths_cannot_climb_out_of_the_tools_base(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, f"{fake_tool.url}/api/v1")
    caller = tools_app.bearer(unique)
    for path in (
        "/../admin",
        "/%2e%2e/admin",
        "/%2E%2E/admin",
        "/a/./b",
        "/..%2f..%2fsecret",
        "/..%2F..%2Fsecret",
        "/%2E%2E%5csecret",
        "/..%5c..%5csecret",
        "/%252e%252e/secret",
        "/%25252e%25252e/secret",
        "/..%252fsecret",
        "/a/%2e%2e%2f%2e%2e%2fsecret",
        "/..;/secret",
        "/%2e%2e;jsessionid=1/secret",
        "/hosts%00.json",
        "/hosts%2500",
        "/a%0d%0ab",
        "/.%2e/secret",
    ):
        status, body = await raw_get(tools_app, f"/tools/{tool_id(tool)}{path}", caller)
        assert status == 400, path
        assert body["error"] == "invalid_path"
        public, _ = await raw_get(tools_app, f"/external-api/v1/tools/{tool_id(tool)}/proxy{path}", caller)
        assert public == 400, path
    ok = await tools_app.http.get(f"/tools/{tool_id(tool)}/hosts", headers=caller)
    assert ok.json()["raw_path"] == "/api/v1/hosts"
    assert len(fake_tool.tool.log.requests) == 1
