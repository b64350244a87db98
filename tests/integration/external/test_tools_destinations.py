"""Where the tools registry and proxy may connect (services/kit/destinations.py), in-process:
refused spellings at registration (create and update, base URL and OAuth token URL) before any
connection is tried, DNS rebinding caught at connect time (a name the test resolver maps to
127.0.0.1 after registration), redirects not followed, a URL stored before the policy refused
with 502 rather than 500, and the platform's own ports refused even under an allow-list of all
of loopback. Every tool server here is on loopback; the refused ones are listening, and their
logs show that nothing reached them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
import redis.asyncio as aioredis
from google.protobuf.field_mask_pb2 import FieldMask
from pydantic import SecretStr

from infra.layout import PORT_OFFSETS
from openframe.external.v1 import tools_pb2 as pb
from services.external.tools.model import ToolType
from services.external.tools.settings import ToolSettings
from services.external.tools.wiring import start_tools
from services.kit import mongo
from services.kit.config import Environment, local_port
from services.kit.errors import InvalidArgument
from services.kit.lifecycle import Lifecycle
from tests.integration.external.tools_harness import (
    DATABASE,
    OAUTH_CLIENT,
    FakeTool,
    RunningTool,
    ToolsApp,
    fake_tool,
    mongo_up,
    register,
    tool_id,
    tool_ports,
    tools_app,
)
from tests.rpc_status import field_violations

__all__ = ["fake_tool", "mongo_up", "tool_ports", "tools_app"]  # fixtures

BASE_URL = "integrated_tool.base_url"
TOKEN_URL = "integrated_tool.credentials.oauth_client.token_url"


@pytest.fixture
async def outside() -> AsyncIterator[RunningTool]:
    """A listening tool server on a loopback port the allow-list does not name: nothing may
    reach it, whatever spelling or name points there."""
    running = await RunningTool(FakeTool()).start()
    yield running
    await running.stop()


def refused_spellings(port: int) -> list[tuple[str, str]]:
    """(URL, words of the reason) that must be refused; the loopback ones name ``port``."""
    return [
        (f"http://127.0.0.1:{port}/", "loopback"),
        (f"http://127.1:{port}/", "canonical"),
        (f"http://2130706433:{port}/", "canonical"),
        (f"http://0x7f.0.0.1:{port}/", "canonical"),
        (f"http://0x7f000001:{port}/", "canonical"),
        (f"http://0177.0.0.1:{port}/", "canonical"),
        (f"http://127.000.000.001:{port}/", "canonical"),
        (f"http://127.0.0.2:{port}/", "loopback"),
        (f"http://0.0.0.0:{port}/", "unspecified"),
        (f"http://[::1]:{port}/", "loopback"),
        (f"http://[::]:{port}/", "unspecified"),
        (f"http://[::ffff:127.0.0.1]:{port}/", "IPv4-mapped"),
        (f"http://[::ffff:7f00:1]:{port}/", "IPv4-mapped"),
        (f"http://[::127.0.0.1]:{port}/", "IPv4-compatible"),
        (f"http://[64:ff9b::127.0.0.1]:{port}/", "loopback"),
        (f"http://[2002:7f00:0001::]:{port}/", "loopback"),
        (f"http://localhost:{port}/", "local machine"),
        (f"http://LocalHost.:{port}/", "local machine"),
        (f"http://tool.localhost:{port}/", "local machine"),
        (f"http://loopback.test:{port}/", "resolves to a loopback"),
        (f"http://loopback6.test:{port}/", "resolves to a loopback"),
        (f"http://mixed.test:{port}/", "resolves to a loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://metadata.test/computeMetadata/v1/", "resolves to a link-local"),
        ("http://[fe80::a9fe:a9fe]/", "link-local"),
        ("http://10.0.0.5/", "private"),
        ("http://172.20.1.1/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://private.test/", "resolves to a private"),
        ("http://100.64.1.1/", "carrier-grade"),
        ("http://[fd00::1]/", "private"),
        ("http://[ff02::1]/", "multicast"),
        ("http://224.0.0.251/", "multicast"),
        (f"http://127.0.0.1:{local_port('envoy')}/", "platform itself"),
        (f"http://public.test:{local_port('auth_http')}/", "platform itself"),
        (f"http://93.184.215.14:{local_port('external_http')}/", "platform itself"),
    ]


def resolve_test_names(app: ToolsApp) -> None:
    app.names.table.update(
        {
            "loopback.test": ["127.0.0.1"],
            "loopback6.test": ["::1"],
            "mixed.test": ["93.184.215.14", "127.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "private.test": ["10.1.2.3"],
        }
    )


async def _create(app: ToolsApp, tenant: str, tool: pb.IntegratedTool) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await app.stub.CreateIntegratedTool(
            pb.CreateIntegratedToolRequest(integrated_tool=tool), metadata=app.caller(tenant)
        )
    return err.value


async def test_refused_destinations_at_registration_before_any_connection(
    tools_app: ToolsApp, outside: RunningTool, unique: str
) -> None:
    resolve_test_names(tools_app)
    spellings = refused_spellings(outside.port)
    assert len(spellings) >= 30
    for url, words in spellings:
        err = await _create(
            tools_app,
            unique,
            pb.IntegratedTool(
                tool_type=pb.TOOL_TYPE_GENERIC,
                display_name=f"t {uuid.uuid4().hex[:6]}",
                base_url=url,
                credentials=pb.ToolCredentials(api_token="x"),
            ),
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, url
        violations = field_violations(err)
        assert list(violations) == [BASE_URL], (url, violations)
        assert words.lower() in violations[BASE_URL].lower(), (url, violations)
        assert "not an allowed destination" in violations[BASE_URL]
    listed = await tools_app.stub.ListIntegratedTools(
        pb.ListIntegratedToolsRequest(), metadata=tools_app.caller(unique)
    )
    assert list(listed.integrated_tools) == []  # nothing stored
    assert outside.tool.log.requests == []  # and nothing reached the server they all point at


async def test_an_oauth_token_url_inside_is_refused(
    tools_app: ToolsApp, fake_tool: RunningTool, outside: RunningTool, unique: str
) -> None:
    for token_url in (
        f"http://127.0.0.1:{outside.port}/oauth/token",
        f"http://0x7f.1:{outside.port}/oauth/token",
        f"http://[::1]:{outside.port}/oauth/token",
        f"http://127.0.0.1:{local_port('auth_http')}/auth/tenants/x/oauth2/token",
    ):
        err = await _create(
            tools_app,
            unique,
            pb.IntegratedTool(
                tool_type=pb.TOOL_TYPE_AUTHENTIK,
                display_name="Authentik",
                base_url=fake_tool.url,
                credentials=pb.ToolCredentials(
                    oauth_client=pb.OAuthClientCredentials(
                        token_url=token_url, client_id=OAUTH_CLIENT[0], client_secret=OAUTH_CLIENT[1]
                    )
                ),
            ),
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, token_url
        assert list(field_violations(err)) == [TOKEN_URL]
    assert outside.tool.log.requests == [] and outside.tool.log.token_grants == 0


async def test_an_update_to_a_refused_destination_changes_nothing(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    tool = await register(tools_app, unique, fake_tool.url)
    caller = tools_app.caller(unique)
    updates = [
        (
            pb.IntegratedTool(name=tool.name, base_url=f"http://127.0.0.1:{local_port('envoy')}/"),
            ["base_url"],
        ),
        (pb.IntegratedTool(name=tool.name, base_url="http://0177.0.0.1/"), ["base_url"]),
        (pb.IntegratedTool(name=tool.name, base_url="http://[::ffff:169.254.169.254]/"), ["base_url"]),
        (
            pb.IntegratedTool(
                name=tool.name,
                display_name="renamed",
                credentials=pb.ToolCredentials(
                    oauth_client=pb.OAuthClientCredentials(
                        token_url="http://localhost/token", client_id="c", client_secret="s"
                    )
                ),
            ),
            ["display_name", "credentials"],
        ),
        (pb.IntegratedTool(name=tool.name, health_path="/%2e%2e/admin"), ["health_path"]),
    ]
    for message, paths in updates:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await tools_app.stub.UpdateIntegratedTool(
                pb.UpdateIntegratedToolRequest(integrated_tool=message, update_mask=FieldMask(paths=paths)),
                metadata=caller,
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, paths
    got = (
        await tools_app.stub.GetIntegratedTool(pb.GetIntegratedToolRequest(name=tool.name), metadata=caller)
    ).integrated_tool
    assert (got.base_url, got.display_name, got.etag, got.health_path) == (
        tool.base_url,
        tool.display_name,
        tool.etag,
        tool.health_path,
    )
    assert got.credential_type == pb.TOOL_CREDENTIAL_TYPE_API_TOKEN
    reply = await tools_app.http.get(f"/tools/{tool_id(tool)}/still", headers=tools_app.bearer(unique))
    assert reply.status_code == 200 and reply.json()["raw_path"] == "/still"


async def test_a_name_rebound_to_loopback_after_registration_is_refused_at_connect_time(
    tools_app: ToolsApp, outside: RunningTool, fake_tool: RunningTool, unique: str
) -> None:
    name = f"rebind-{uuid.uuid4().hex[:8]}.test"
    tool = await register(tools_app, unique, f"http://{name}:{outside.port}/api")  # no address yet
    tools_app.names.table[name] = ["127.0.0.1"]  # now it points inside
    caller = tools_app.bearer(unique)
    reply = await tools_app.http.get(f"/tools/{tool_id(tool)}/hosts", headers=caller)
    assert reply.status_code == 502
    assert reply.json() == {
        "error": "tool_unavailable",
        "message": f"{tool.name} is not reachable",
        "tool": tool.name,
        "reason": "destination not allowed",
    }
    health = await tools_app.stub.CheckIntegratedToolHealth(
        pb.CheckIntegratedToolHealthRequest(name=tool.name), metadata=tools_app.caller(unique)
    )
    assert health.health.status == pb.TOOL_HEALTH_STATUS_UNREACHABLE
    assert health.health.message == "not reachable (destination not allowed)"
    for _ in range(5):  # refusals are the policy's, not the tool's: the breaker stays closed
        again = await tools_app.http.get(f"/tools/{tool_id(tool)}/hosts", headers=caller)
        assert again.status_code == 502
    assert outside.tool.log.requests == []

    # the same name on an allowed address and port is fine, and the tool sees its name as Host
    tools_app.names.table[name] = ["127.0.0.1"]
    allowed = await register(tools_app, unique, f"http://{name}:{fake_tool.port}")
    ok = await tools_app.http.get(f"/tools/{tool_id(allowed)}/hosts", headers=caller)
    assert ok.status_code == 200, ok.text
    assert dict(ok.json()["headers"])["host"] == f"{name}:{fake_tool.port}"


async def test_redirects_inside_are_not_followed(
    tools_app: ToolsApp, fake_tool: RunningTool, outside: RunningTool, unique: str
) -> None:
    inside = f"http://127.0.0.1:{outside.port}/oauth/token"
    oauth = pb.ToolCredentials(
        oauth_client=pb.OAuthClientCredentials(
            token_url=f"{fake_tool.url}/redirect?to={inside}",
            client_id=OAUTH_CLIENT[0],
            client_secret=OAUTH_CLIENT[1],
        )
    )
    tool = await register(
        tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_AUTHENTIK, credentials=oauth
    )
    caller = tools_app.bearer(unique)
    reply = await tools_app.http.get(f"/tools/{tool_id(tool)}/api/v3/core/users", headers=caller)
    assert reply.status_code == 502
    assert reply.json()["error"] == "tool_auth_failed"
    assert reply.json()["reason"] == "token endpoint answered 302"

    plain = await register(tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_GENERIC)
    relayed = await tools_app.http.get(
        f"/tools/{tool_id(plain)}/redirect",
        params={"to": f"http://127.0.0.1:{outside.port}/x"},
        headers=caller,
    )
    assert relayed.status_code == 302  # the caller gets the redirect; the proxy does not follow it
    assert relayed.headers["location"] == f"http://127.0.0.1:{outside.port}/x"
    assert outside.tool.log.requests == [] and outside.tool.log.token_grants == 0


async def test_a_url_stored_before_the_policy_answers_502_not_500(tools_app: ToolsApp, unique: str) -> None:
    tool = await register(tools_app, unique, "http://tool.nowhere.test")
    for stored in ("http://0177.0.0.1:1/", "http://127.0.0.1:1/", f"http://127.0.0.1:{local_port('envoy')}/"):
        await tools_app.db["integrated_tools"].update_one(
            {"_id": tool_id(tool)}, {"$set": {"base_url": stored}}
        )
        reply = await tools_app.http.get(
            f"/tools/{tool_id(tool)}/quitquitquit", headers=tools_app.bearer(unique)
        )
        assert reply.status_code == 502, (stored, reply.text)
        assert reply.json()["reason"] == "destination not allowed"
        health = await tools_app.stub.CheckIntegratedToolHealth(
            pb.CheckIntegratedToolHealthRequest(name=tool.name), metadata=tools_app.caller(unique)
        )
        assert health.health.status == pb.TOOL_HEALTH_STATUS_UNREACHABLE, stored


async def test_the_platforms_own_ports_are_refused_even_when_all_of_loopback_is_allowed(
    mongo_up: object, outside: RunningTool, unique: str
) -> None:
    settings = ToolSettings(
        environment=Environment.TEST,
        grpc_port=0,
        tools_http_port=0,
        mongo_database=DATABASE,
        access_log=False,
        master_key=SecretStr(secrets.token_urlsafe(32)),
        tools_health_monitor=False,
        outbound_allow=("127.0.0.0/8",),
    )
    lifecycle = Lifecycle(grace_seconds=1)
    redis = aioredis.from_url(settings.redis_url)
    lifecycle.on_shutdown("redis", redis.aclose)
    running = await start_tools(settings, lifecycle, mongo.connect(settings, lifecycle), redis)
    try:
        service = running.service
        for name in PORT_OFFSETS:
            for host in ("127.0.0.1", "127.9.9.9"):
                with pytest.raises(InvalidArgument) as err:
                    await service.create(
                        unique,
                        ToolType.GENERIC,
                        {"display_name": f"{name} {host}", "base_url": f"http://{host}:{local_port(name)}/"},
                        None,
                    )
                assert err.value.violations[0].field == BASE_URL
                assert "platform itself" in err.value.violations[0].description, (name, host)
        allowed = await service.create(
            unique, ToolType.GENERIC, {"display_name": "allowed", "base_url": outside.url}, None
        )
        assert allowed.base_url == outside.url  # loopback outside the port block is allowed here
    finally:
        await lifecycle.shutdown()
