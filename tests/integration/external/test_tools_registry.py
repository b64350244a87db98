"""The integrated-tools registry over gRPC against the real store: CRUD, validation, roles,
tenant isolation, credentials write-only and sealed at rest, health checks against a real
HTTP server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import bson
import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.external.v1 import tools_pb2 as pb
from tests.integration.external.tools_harness import (
    FLEET_TOKEN,
    NOWHERE,
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
from tests.rpc_status import field_violations, reason

__all__ = ["fake_tool", "idle_port", "mongo_up", "tool_ports", "tools_app"]  # fixtures


async def _get(app: ToolsApp, tenant: str, name: str) -> pb.IntegratedTool:
    reply = await app.stub.GetIntegratedTool(
        pb.GetIntegratedToolRequest(name=name), metadata=app.caller(tenant)
    )
    tool: pb.IntegratedTool = reply.integrated_tool
    return tool


async def _update(
    app: ToolsApp, tenant: str, tool: pb.IntegratedTool, paths: list[str], roles: tuple[str, ...] = ("ADMIN",)
) -> pb.IntegratedTool:
    reply = await app.stub.UpdateIntegratedTool(
        pb.UpdateIntegratedToolRequest(integrated_tool=tool, update_mask=FieldMask(paths=paths)),
        metadata=app.caller(tenant, roles),
    )
    updated: pb.IntegratedTool = reply.integrated_tool
    return updated


async def test_create_then_get_never_returns_credentials(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    created = await register(tools_app, unique, fake_tool.url, name="Fleet (production)")
    assert created.name.startswith("tools/")
    assert created.tool_type == pb.TOOL_TYPE_FLEET
    assert created.credential_type == pb.TOOL_CREDENTIAL_TYPE_API_TOKEN
    assert created.enabled and created.etag and created.create_time.seconds > 0
    assert not created.HasField("credentials")
    got = await _get(tools_app, unique, created.name)
    assert not got.HasField("credentials")
    assert FLEET_TOKEN not in str(got)
    assert got.display_name == "Fleet (production)" and got.base_url == fake_tool.url


async def test_health_is_checked_in_the_background_after_create(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    created = await register(tools_app, unique, fake_tool.url)
    for _ in range(100):  # bounded: the background probe is one local request
        got = await _get(tools_app, unique, created.name)
        if got.health.status != pb.TOOL_HEALTH_STATUS_UNSPECIFIED:
            break
        await asyncio.sleep(0.05)
    assert got.health.status == pb.TOOL_HEALTH_STATUS_HEALTHY
    assert got.health.tool_version == "4.51.0"
    assert got.health.check_time.seconds > 0
    assert got.etag == created.etag  # a probe is not a change of the resource


async def test_the_monitor_probes_each_due_tool_once_per_interval(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    """A round (the kit's Periodic runs one per period across every process) probes the tools
    that are due and moves each one's next probe an interval ahead, so the next round, in this
    process or any other, leaves it alone until then."""
    created = await register(tools_app, unique, fake_tool.url)
    checks, key = tools_app.db["integrated_tool_checks"], tool_id(created)
    for _ in range(100):  # the probe right after create has run (bounded: one local request)
        if "health" in (await checks.find_one({"_id": key}) or {}):
            break
        await asyncio.sleep(0.05)
    due = datetime.now(UTC) - timedelta(seconds=1)
    await checks.update_one({"_id": key}, {"$set": {"next_check": due}, "$unset": {"health": ""}})
    service = tools_app.running.service
    assert await service.monitor_round() >= 1
    probed = await checks.find_one({"_id": key})
    assert probed is not None and probed["health"]["status"] == "HEALTHY"
    interval = tools_app.settings.tools_health_interval_seconds
    assert probed["next_check"] > datetime.now(UTC) + timedelta(seconds=interval / 2)
    await checks.update_one({"_id": key}, {"$unset": {"health": ""}})
    await service.monitor_round()
    assert "health" not in (await checks.find_one({"_id": key}) or {}), "not due: not probed again"


async def test_credentials_are_sealed_at_rest(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    secret = f"s3cret-{uuid.uuid4().hex}"
    basic = pb.ToolCredentials(basic=pb.BasicCredentials(username="svc-openframe", password=secret))
    created = await register(
        tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_GENERIC, credentials=basic
    )
    doc = await tools_app.db["integrated_tools"].find_one({"_id": tool_id(created), "tenant_id": unique})
    assert doc is not None
    assert doc["credential_kind"] == "BASIC"
    assert set(doc["credentials"]) == {"alg", "nonce", "ciphertext"}
    raw = bson.encode(doc)
    assert secret.encode() not in raw and b"svc-openframe" not in raw


async def test_sealed_credentials_do_not_open_on_another_tool(
    tools_app: ToolsApp, fake_tool: RunningTool, unique: str
) -> None:
    """The tool and tenant are the associated data: credentials copied in the database onto
    another record are refused, the probe then says the tool refuses us."""
    source = await register(tools_app, unique, fake_tool.url)
    target = await register(
        tools_app, unique, fake_tool.url, credentials=pb.ToolCredentials(api_token="wrong")
    )
    tools = tools_app.db["integrated_tools"]
    sealed = (await tools.find_one({"_id": tool_id(source)}) or {})["credentials"]
    await tools.update_one({"_id": tool_id(target)}, {"$set": {"credentials": sealed}})
    reply = await tools_app.stub.CheckIntegratedToolHealth(
        pb.CheckIntegratedToolHealthRequest(name=target.name), metadata=tools_app.caller(unique)
    )
    assert reply.health.status == pb.TOOL_HEALTH_STATUS_UNAUTHORIZED


async def test_invalid_input_names_the_field(tools_app: ToolsApp, unique: str) -> None:
    cases = [
        (pb.IntegratedTool(display_name="x", base_url="http://tool.example"), "integrated_tool.tool_type"),
        (
            pb.IntegratedTool(tool_type=pb.TOOL_TYPE_FLEET, display_name="x", base_url="ftp://tool.example"),
            "integrated_tool.base_url",
        ),
        (
            pb.IntegratedTool(tool_type=pb.TOOL_TYPE_FLEET, display_name="x", base_url="not a url"),
            "integrated_tool.base_url",
        ),
        (
            pb.IntegratedTool(
                tool_type=pb.TOOL_TYPE_GENERIC,
                display_name="x",
                base_url="http://tool.example",
                credentials=pb.ToolCredentials(header=pb.HeaderCredentials(name="Host", value="evil")),
            ),
            "integrated_tool.credentials.header.name",
        ),
        (
            pb.IntegratedTool(
                tool_type=pb.TOOL_TYPE_GENERIC,
                display_name="x",
                base_url="http://tool.example",
                health_path="healthz",
            ),
            "integrated_tool.health_path",
        ),
    ]
    for tool, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await tools_app.stub.CreateIntegratedTool(
                pb.CreateIntegratedToolRequest(integrated_tool=tool), metadata=tools_app.caller(unique)
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert field in field_violations(err.value), (field, field_violations(err.value))
        assert reason(err.value) == "ERROR_REASON_FIELD_INVALID"
    listed = await tools_app.stub.ListIntegratedTools(
        pb.ListIntegratedToolsRequest(), metadata=tools_app.caller(unique)
    )
    assert list(listed.integrated_tools) == []  # nothing half-written


async def test_display_names_are_unique_per_tenant(tools_app: ToolsApp, unique: str) -> None:
    await register(tools_app, unique, NOWHERE, name="MeshCentral")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await register(tools_app, unique, NOWHERE, name="meshcentral")
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    other = await register(tools_app, f"{unique}-b", NOWHERE, name="MeshCentral")
    assert other.display_name == "MeshCentral"


async def test_only_admins_and_owners_manage_tools(tools_app: ToolsApp, unique: str) -> None:
    created = await register(tools_app, unique, NOWHERE)
    technician = tools_app.caller(unique, ("TECHNICIAN",))
    got = await tools_app.stub.GetIntegratedTool(
        pb.GetIntegratedToolRequest(name=created.name), metadata=technician
    )
    assert got.integrated_tool.name == created.name  # reading needs any role
    calls = [
        tools_app.stub.CreateIntegratedTool(
            pb.CreateIntegratedToolRequest(
                integrated_tool=pb.IntegratedTool(
                    tool_type=pb.TOOL_TYPE_FLEET, display_name="y", base_url="http://a.example"
                )
            ),
            metadata=technician,
        ),
        tools_app.stub.UpdateIntegratedTool(
            pb.UpdateIntegratedToolRequest(
                integrated_tool=pb.IntegratedTool(name=created.name, enabled=False),
                update_mask=FieldMask(paths=["enabled"]),
            ),
            metadata=technician,
        ),
        tools_app.stub.DeleteIntegratedTool(
            pb.DeleteIntegratedToolRequest(name=created.name), metadata=technician
        ),
        tools_app.stub.CheckIntegratedToolHealth(
            pb.CheckIntegratedToolHealthRequest(name=created.name), metadata=technician
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    owner = await _update(
        tools_app, unique, pb.IntegratedTool(name=created.name, enabled=False), ["enabled"], ("OWNER",)
    )
    assert not owner.enabled


async def test_other_tenants_cannot_read_change_or_detect(tools_app: ToolsApp, unique: str) -> None:
    mine = await register(tools_app, unique, NOWHERE)
    missing = f"tools/{uuid.uuid4().hex}"
    intruder = tools_app.caller(f"{unique}-x", ("OWNER",))

    def calls(name: str) -> list[object]:
        return [
            tools_app.stub.GetIntegratedTool(pb.GetIntegratedToolRequest(name=name), metadata=intruder),
            tools_app.stub.UpdateIntegratedTool(
                pb.UpdateIntegratedToolRequest(
                    integrated_tool=pb.IntegratedTool(name=name, display_name="pwned"),
                    update_mask=FieldMask(paths=["display_name"]),
                ),
                metadata=intruder,
            ),
            tools_app.stub.DeleteIntegratedTool(pb.DeleteIntegratedToolRequest(name=name), metadata=intruder),
            tools_app.stub.CheckIntegratedToolHealth(
                pb.CheckIntegratedToolHealthRequest(name=name), metadata=intruder
            ),
        ]

    for name in (mine.name, missing):
        for call in calls(name):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call  # type: ignore[misc]
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            assert err.value.details() == f"{name} not found"
    listed = await tools_app.stub.ListIntegratedTools(pb.ListIntegratedToolsRequest(), metadata=intruder)
    assert mine.name not in [t.name for t in listed.integrated_tools]
    assert (await _get(tools_app, unique, mine.name)).display_name == mine.display_name  # untouched


async def test_update_rotates_and_removes_credentials_with_etags(tools_app: ToolsApp, unique: str) -> None:
    created = await register(tools_app, unique, NOWHERE)
    rotated = await _update(
        tools_app,
        unique,
        pb.IntegratedTool(
            name=created.name,
            etag=created.etag,
            display_name="Renamed",
            credentials=pb.ToolCredentials(header=pb.HeaderCredentials(name="X-Api-Key", value="k-123")),
        ),
        ["display_name", "credentials"],
    )
    assert rotated.display_name == "Renamed"
    assert rotated.credential_type == pb.TOOL_CREDENTIAL_TYPE_HEADER
    assert rotated.etag != created.etag
    with pytest.raises(grpc.aio.AioRpcError) as err:  # the old etag is stale now
        await _update(
            tools_app, unique, pb.IntegratedTool(name=created.name, etag=created.etag), ["credentials"]
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    removed = await _update(tools_app, unique, pb.IntegratedTool(name=created.name), ["credentials"])
    assert removed.credential_type == pb.TOOL_CREDENTIAL_TYPE_UNSPECIFIED
    doc = await tools_app.db["integrated_tools"].find_one({"_id": tool_id(created)})
    assert doc is not None and doc["credentials"] is None
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _update(
            tools_app,
            unique,
            pb.IntegratedTool(name=created.name, tool_type=pb.TOOL_TYPE_GENERIC),
            ["tool_type"],
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask.paths" in field_violations(err.value)


async def test_list_orders_by_name_filters_and_pages(tools_app: ToolsApp, unique: str) -> None:
    kinds = {"delta": pb.TOOL_TYPE_FLEET, "Alpha": pb.TOOL_TYPE_MESHCENTRAL, "charlie": pb.TOOL_TYPE_FLEET}
    for name, kind in [*kinds.items(), ("Bravo", pb.TOOL_TYPE_FLEET)]:
        await register(tools_app, unique, NOWHERE, name=name, tool_type=kind)
    bravo = next(
        t
        for t in (
            await tools_app.stub.ListIntegratedTools(
                pb.ListIntegratedToolsRequest(), metadata=tools_app.caller(unique)
            )
        ).integrated_tools
        if t.display_name == "Bravo"
    )
    await _update(tools_app, unique, pb.IntegratedTool(name=bravo.name, enabled=False), ["enabled"])
    seen, token = [], ""
    for _ in range(5):
        page = await tools_app.stub.ListIntegratedTools(
            pb.ListIntegratedToolsRequest(page_size=3, page_token=token), metadata=tools_app.caller(unique)
        )
        seen += [t.display_name for t in page.integrated_tools]
        token = page.next_page_token
        if not token:
            break
    assert seen == ["Alpha", "Bravo", "charlie", "delta"]
    fleets = await tools_app.stub.ListIntegratedTools(
        pb.ListIntegratedToolsRequest(tool_type=pb.TOOL_TYPE_FLEET, enabled_only=True),
        metadata=tools_app.caller(unique),
    )
    assert [t.display_name for t in fleets.integrated_tools] == ["charlie", "delta"]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tools_app.stub.ListIntegratedTools(
            pb.ListIntegratedToolsRequest(page_token="garbage"), metadata=tools_app.caller(unique)
        )
    assert "page_token" in field_violations(err.value)


async def test_health_check_outcomes(
    tools_app: ToolsApp, fake_tool: RunningTool, idle_port: int, unique: str
) -> None:
    async def check(tool: pb.IntegratedTool) -> pb.ToolHealth:
        reply = await tools_app.stub.CheckIntegratedToolHealth(
            pb.CheckIntegratedToolHealthRequest(name=tool.name), metadata=tools_app.caller(unique)
        )
        health: pb.ToolHealth = reply.health
        return health

    healthy = await check(await register(tools_app, unique, fake_tool.url))
    assert healthy.status == pb.TOOL_HEALTH_STATUS_HEALTHY and healthy.tool_version == "4.51.0"
    refused = await check(
        await register(tools_app, unique, fake_tool.url, credentials=pb.ToolCredentials(api_token="nope"))
    )
    assert refused.status == pb.TOOL_HEALTH_STATUS_UNAUTHORIZED
    assert "nope" not in refused.message
    down = await check(await register(tools_app, unique, f"http://127.0.0.1:{idle_port}"))
    assert down.status == pb.TOOL_HEALTH_STATUS_UNREACHABLE and down.message
    failing = await check(
        await register(
            tools_app, unique, fake_tool.url, tool_type=pb.TOOL_TYPE_GENERIC, health_path="/status/500"
        )
    )
    assert failing.status == pb.TOOL_HEALTH_STATUS_DEGRADED and "500" in failing.message
    stored = await _get(tools_app, unique, (await register(tools_app, unique, fake_tool.url)).name)
    assert stored.health.status in (pb.TOOL_HEALTH_STATUS_UNSPECIFIED, pb.TOOL_HEALTH_STATUS_HEALTHY)


async def test_delete_removes_the_tool_and_checks_the_etag(tools_app: ToolsApp, unique: str) -> None:
    created = await register(tools_app, unique, NOWHERE)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tools_app.stub.DeleteIntegratedTool(
            pb.DeleteIntegratedToolRequest(name=created.name, etag="stale"), metadata=tools_app.caller(unique)
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    await tools_app.stub.DeleteIntegratedTool(
        pb.DeleteIntegratedToolRequest(name=created.name, etag=created.etag),
        metadata=tools_app.caller(unique),
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _get(tools_app, unique, created.name)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert await tools_app.db["integrated_tools"].count_documents({"_id": tool_id(created)}) == 0
