"""gRPC CommandService: proto <-> domain. Dispatch/cancel need ADMIN or OWNER (TECHNICIAN for
scripts); reads any role of the tenant; results only from the device's own agent."""

from __future__ import annotations

from typing import Any

from openframe.agents.v1 import commands_pb2 as pb
from openframe.agents.v1 import commands_pb2_grpc as pb_grpc
from services.api.agents.agent_auth import check_agent
from services.api.agents.commands_service import STATUS_NAMES, CommandService, to_pb
from services.kit.identity import current_identity

ADMINS = ("OWNER", "ADMIN")


def _parts(name: str) -> tuple[str, str]:
    """'devices/d/commands/c' -> ('d', 'c') (format validated by the contract)."""
    parts = name.split("/")
    return parts[1], parts[3]


class CommandServicer(pb_grpc.CommandServiceServicer):
    def __init__(self, service: CommandService) -> None:
        self.service = service

    async def DispatchCommand(
        self, request: pb.DispatchCommandRequest, context: Any
    ) -> pb.DispatchCommandResponse:
        who = current_identity()
        if request.command.type == pb.COMMAND_TYPE_SCRIPT:
            who.require_any_role(*ADMINS, "TECHNICIAN")
        else:
            who.require_any_role(*ADMINS)
        actor = {"type": "ACTOR_TYPE_USER" if who.kind == "user" else "ACTOR_TYPE_CLIENT", "id": who.subject}
        device_id = request.parent.removeprefix("devices/")
        stored = await self.service.dispatch(
            who.tenant_id, device_id, request.command, request.request_id, actor
        )
        return pb.DispatchCommandResponse(command=to_pb(stored))

    async def GetCommand(self, request: pb.GetCommandRequest, context: Any) -> pb.GetCommandResponse:
        device_id, cid = _parts(request.name)
        stored = await self.service.get(current_identity().tenant_id, device_id, cid)
        return pb.GetCommandResponse(command=to_pb(stored))

    async def ListCommands(self, request: pb.ListCommandsRequest, context: Any) -> pb.ListCommandsResponse:
        device = request.parent.removeprefix("devices/")
        items, token = await self.service.find_page(
            current_identity().tenant_id,
            None if device == "-" else device,
            [STATUS_NAMES[s] for s in request.statuses],
            request.page_size,
            request.page_token,
        )
        return pb.ListCommandsResponse(commands=[to_pb(c) for c in items], next_page_token=token)

    async def CancelCommand(self, request: pb.CancelCommandRequest, context: Any) -> pb.CancelCommandResponse:
        who = current_identity()
        who.require_any_role(*ADMINS, "TECHNICIAN")
        device_id, cid = _parts(request.name)
        stored = await self.service.cancel(who.tenant_id, device_id, cid)
        return pb.CancelCommandResponse(command=to_pb(stored))

    async def ReportCommandResult(
        self, request: pb.ReportCommandResultRequest, context: Any
    ) -> pb.ReportCommandResultResponse:
        who = current_identity()
        device_id, _ = _parts(request.name)
        check_agent(who, who.tenant_id, device_id)
        accepted = await self.service.report(who.tenant_id, device_id, request)
        return pb.ReportCommandResultResponse(accepted=accepted)
