"""Commands over NATS: dispatched to the machine's agent, results back and queryable, timeouts,
and tenant isolation (another tenant's machines and commands are NOT_FOUND)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration

from openframe.agents.v1 import commands_pb2 as pb
from services.kit.config import Settings
from tests.integration.agents.agents_support import agents_of, fleet_of
from tests.integration.agents.conftest import AgentsApp, eventually


async def wait_status(app: AgentsApp, tenant: str, name: str, status: int) -> pb.Command:
    found: list[pb.Command] = []

    async def reached() -> bool:
        reply = await app.commands.GetCommand(pb.GetCommandRequest(name=name), metadata=app.admin(tenant))
        found[:] = [reply.command]
        return bool(reply.command.status == status)

    await eventually(reached, within=30)
    return found[0]


async def test_script_round_trip(agents_app: AgentsApp, settings: Settings) -> None:
    tenant = agents_app.tenants[0]
    (agent,) = await agents_of(agents_app, tenant, 1)
    async with fleet_of(settings, [agent]) as fleet:
        await fleet.answer_commands()
        await fleet.nc.flush()
        sent = await agents_app.commands.DispatchCommand(
            pb.DispatchCommandRequest(
                parent=agent.device,
                command=pb.Command(type=pb.COMMAND_TYPE_SCRIPT, script_body="echo", args=["hello"]),
            ),
            metadata=agents_app.admin(tenant),
        )
        assert sent.command.status == pb.COMMAND_STATUS_DISPATCHED
        assert sent.command.name.startswith(f"{agent.device}/commands/")
        done = await wait_status(agents_app, tenant, sent.command.name, pb.COMMAND_STATUS_SUCCEEDED)
    assert done.result.exit_code == 0 and done.result.stdout == "echo hello"
    assert done.HasField("start_time") and done.HasField("finish_time")
    assert [c.name for c in fleet.commands_seen] == [sent.command.name]
    listed = await agents_app.commands.ListCommands(
        pb.ListCommandsRequest(parent=agent.device), metadata=agents_app.admin(tenant)
    )
    assert [c.name for c in listed.commands] == [sent.command.name]
    everything = await agents_app.commands.ListCommands(
        pb.ListCommandsRequest(parent="devices/-", statuses=[pb.COMMAND_STATUS_SUCCEEDED]),
        metadata=agents_app.admin(tenant),
    )
    assert sent.command.name in [c.name for c in everything.commands]


async def test_unfinished_command_times_out(agents_app: AgentsApp, settings: Settings) -> None:
    tenant = agents_app.tenants[0]
    (agent,) = await agents_of(agents_app, tenant, 1)
    async with fleet_of(settings, [agent], hang_commands=True) as fleet:
        await fleet.answer_commands()
        await fleet.nc.flush()
        sent = await agents_app.commands.DispatchCommand(
            pb.DispatchCommandRequest(
                parent=agent.device,
                command=pb.Command(
                    type=pb.COMMAND_TYPE_SCRIPT, script_body="sleep 999", timeout=Duration(seconds=1)
                ),
            ),
            metadata=agents_app.admin(tenant),
        )
        await wait_status(agents_app, tenant, sent.command.name, pb.COMMAND_STATUS_RUNNING)
        timed_out = await wait_status(agents_app, tenant, sent.command.name, pb.COMMAND_STATUS_TIMED_OUT)
    assert timed_out.HasField("finish_time")


async def test_cancel_and_finished_commands(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    (agent,) = await agents_of(agents_app, tenant, 1)  # not listening: the command stays DISPATCHED
    sent = await agents_app.commands.DispatchCommand(
        pb.DispatchCommandRequest(parent=agent.device, command=pb.Command(type=pb.COMMAND_TYPE_REBOOT)),
        metadata=agents_app.admin(tenant),
    )
    cancelled = await agents_app.commands.CancelCommand(
        pb.CancelCommandRequest(name=sent.command.name), metadata=agents_app.admin(tenant)
    )
    assert cancelled.command.status == pb.COMMAND_STATUS_CANCELLED
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await agents_app.commands.CancelCommand(
            pb.CancelCommandRequest(name=sent.command.name), metadata=agents_app.admin(tenant)
        )
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_commands_stay_in_their_tenant(agents_app: AgentsApp) -> None:
    a, b = agents_app.tenants[0], agents_app.tenants[1]
    (theirs,) = await agents_of(agents_app, b, 1)
    command = pb.Command(type=pb.COMMAND_TYPE_SCRIPT, script_body="whoami")
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await agents_app.commands.DispatchCommand(
            pb.DispatchCommandRequest(parent=theirs.device, command=command), metadata=agents_app.admin(a)
        )
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await agents_app.commands.DispatchCommand(
            pb.DispatchCommandRequest(parent="devices/doesnotexist", command=command),
            metadata=agents_app.admin(a),
        )
    assert foreign.value.code() == missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert foreign.value.details() == f"{theirs.device} not found"
    sent = await agents_app.commands.DispatchCommand(
        pb.DispatchCommandRequest(parent=theirs.device, command=command), metadata=agents_app.admin(b)
    )
    for call in (
        agents_app.commands.GetCommand(
            pb.GetCommandRequest(name=sent.command.name), metadata=agents_app.admin(a)
        ),
        agents_app.commands.CancelCommand(
            pb.CancelCommandRequest(name=sent.command.name), metadata=agents_app.admin(a)
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await call
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await agents_app.commands.ListCommands(
        pb.ListCommandsRequest(parent="devices/-"), metadata=agents_app.admin(a)
    )
    assert sent.command.name not in [c.name for c in listed.commands]
    viewer = await agents_app.commands.GetCommand(
        pb.GetCommandRequest(name=sent.command.name), metadata=agents_app.admin(b, "VIEWER")
    )
    assert viewer.command.name == sent.command.name
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await agents_app.commands.DispatchCommand(
            pb.DispatchCommandRequest(parent=theirs.device, command=command),
            metadata=agents_app.admin(b, "VIEWER"),
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
