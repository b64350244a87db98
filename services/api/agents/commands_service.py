"""Command rules: dispatch to a device's agent over NATS, results from that agent only, final
states never change again, overdue commands time out (RUNNING) or expire (never started)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from nats.js import JetStreamContext

from openframe.agents.v1 import commands_pb2 as pb
from openframe.common.v1 import common_pb2
from openframe.events.v1 import agent_events_pb2 as ev
from services.api.agents import subjects
from services.api.agents.commands_store import (
    FINAL,
    CommandStore,
    StoredCommand,
    command_id,
    deadline_after,
)
from services.api.devices.model import DeviceStatus
from services.api.devices.repository import DeviceRepository
from services.kit.errors import FailedPrecondition, NotFound
from services.kit.logging import get_logger
from services.kit.mongo import now
from services.kit.pagination import decode_token, page_of, page_size

log = get_logger(__name__)

DEFAULT_TIMEOUT = 300.0
DEFAULT_EXPIRY = timedelta(hours=24)
EVENT_OUTPUT_LIMIT = 4096
REFUSED = frozenset({DeviceStatus.DECOMMISSIONED, DeviceStatus.PENDING_DELETION, DeviceStatus.DELETED})
STATUS_NAMES = {v: k.removeprefix("COMMAND_STATUS_") for k, v in pb.CommandStatus.items()}


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_pb(command: StoredCommand, *, for_event: bool = False) -> pb.Command:
    message = pb.Command.FromString(command.spec)
    message.name = command.name
    message.status = pb.CommandStatus.Value(f"COMMAND_STATUS_{command.status}")  # type: ignore[assignment]
    if command.result is not None:
        message.result.CopyFrom(pb.CommandResult.FromString(command.result))
    creator = command.creator or {}
    message.creator.CopyFrom(
        common_pb2.Actor(type=creator.get("type", "ACTOR_TYPE_UNSPECIFIED"), id=creator.get("id", ""))
    )
    for name in ("create_time", "dispatch_time", "start_time", "finish_time", "expire_time"):
        stamp = _ts(getattr(command, name))
        if stamp is not None:
            getattr(message, name).CopyFrom(stamp)
    if for_event:
        message.script_body = ""
        message.result.stdout = message.result.stdout[:EVENT_OUTPUT_LIMIT]
        message.result.stderr = message.result.stderr[:EVENT_OUTPUT_LIMIT]
    return message


class CommandService:
    def __init__(
        self,
        store: CommandStore,
        devices: DeviceRepository,
        js: JetStreamContext,
        *,
        grace_seconds: float,
    ) -> None:
        self.store = store
        self.devices = devices
        self.js = js
        self.grace = grace_seconds

    async def dispatch(
        self, tenant_id: str, device_id: str, command: pb.Command, request_id: str, actor: dict[str, str]
    ) -> StoredCommand:
        device = await self.devices.get(tenant_id=tenant_id, device_id=device_id)
        if device is None:
            raise NotFound(f"devices/{device_id}")
        if device.status in REFUSED:
            raise FailedPrecondition(f"devices/{device_id} is {device.status.value}: it takes no commands")
        t = now()
        spec = pb.Command()
        spec.CopyFrom(command)
        for output_only in (
            "name",
            "status",
            "result",
            "creator",
            "create_time",
            "dispatch_time",
            "start_time",
            "finish_time",
        ):
            spec.ClearField(output_only)
        timeout = (
            command.timeout.ToTimedelta().total_seconds() if command.HasField("timeout") else DEFAULT_TIMEOUT
        )
        expire = (
            command.expire_time.ToDatetime(tzinfo=t.tzinfo)
            if command.HasField("expire_time")
            else t + DEFAULT_EXPIRY
        )
        stored = StoredCommand(
            id=command_id(tenant_id, device_id, request_id),
            tenant_id=tenant_id,
            device_id=device_id,
            spec=spec.SerializeToString(),
            creator=actor,
            create_time=t,
            expire_time=expire,
            timeout_seconds=timeout,
            deadline=expire,
            version=1,
        )
        if await self.store.insert(stored) is None:  # a retry with the same request_id
            existing = await self.store.get(tenant_id, stored.id)
            if existing is None:
                raise NotFound(f"devices/{device_id}")
            return existing
        return await self._publish(stored)

    async def _publish(self, stored: StoredCommand) -> StoredCommand:
        message = to_pb(stored)
        message.status = pb.COMMAND_STATUS_DISPATCHED
        try:
            await self.js.publish(
                subjects.subject(stored.tenant_id, stored.device_id, "command"),
                message.SerializeToString(),
                headers={"Nats-Msg-Id": stored.id},  # JetStream drops a re-published duplicate
                timeout=5,
            )
        except Exception as exc:  # stays PENDING; expires at its deadline unless re-dispatched
            log.warning("command publish failed", tenant_id=stored.tenant_id, error=type(exc).__name__)
            return stored
        after, _ = await self.store.change(
            stored.tenant_id,
            stored.id,
            lambda c: {"status": "DISPATCHED", "dispatch_time": now()} if c.status == "PENDING" else None,
            lambda c: ev.CommandDispatched(command=to_pb(c, for_event=True)),
        )
        return after or stored

    async def get(self, tenant_id: str, device_id: str, cid: str) -> StoredCommand:
        command = await self.store.get(tenant_id, cid)
        if command is None or command.device_id != device_id:
            raise NotFound(f"devices/{device_id}/commands/{cid}")
        return command

    async def find_page(
        self, tenant_id: str, device_id: str | None, statuses: list[str], size: int, token: str
    ) -> tuple[list[StoredCommand], str]:
        # A missing parent (or another tenant's) is NOT_FOUND like any missing id, not an empty
        # list: "-" (every device) is the only parent that needs no device.
        if device_id is not None and await self.devices.get(tenant_id=tenant_id, device_id=device_id) is None:
            raise NotFound(f"devices/{device_id}")
        position = decode_token(token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit = page_size(size)
        rows = await self.store.find_page(
            tenant_id=tenant_id, device_id=device_id, statuses=statuses, after=after, limit=limit + 1
        )
        page = page_of(
            rows, limit, lambda c: {"t": c.create_time.isoformat() if c.create_time else "", "id": c.id}
        )
        return page.items, page.next_page_token

    async def cancel(self, tenant_id: str, device_id: str, cid: str) -> StoredCommand:
        await self.get(tenant_id, device_id, cid)

        def decide(current: StoredCommand) -> dict[str, Any]:
            if current.status in FINAL:
                raise FailedPrecondition(f"{current.name} is already {current.status}")
            return {"status": "CANCELLED", "finish_time": now()}

        after, _ = await self.store.change(
            tenant_id, cid, decide, lambda c: ev.CommandCompleted(command=to_pb(c, for_event=True))
        )
        if after is None:
            raise NotFound(f"devices/{device_id}/commands/{cid}")
        try:  # tell the agent to stop (best effort: the result it may still send is ignored)
            await self.js.publish(
                subjects.subject(tenant_id, device_id, "command"), to_pb(after).SerializeToString(), timeout=5
            )
        except Exception as exc:
            log.warning("cancel publish failed", tenant_id=tenant_id, error=type(exc).__name__)
        return after

    async def report(self, tenant_id: str, device_id: str, report: pb.ReportCommandResultRequest) -> bool:
        """Apply an agent's report; False for duplicates and reports on finished commands."""
        cid = report.name.rsplit("/", 1)[-1]
        await self.get(tenant_id, device_id, cid)
        status = STATUS_NAMES[report.status]
        t = now()

        def decide(current: StoredCommand) -> dict[str, Any] | None:
            if current.status in FINAL or current.status == status:
                return None
            start = report.start_time.ToDatetime(tzinfo=t.tzinfo) if report.HasField("start_time") else t
            if status == "RUNNING":
                return {
                    "status": status,
                    "start_time": start,
                    "deadline": deadline_after(t, current.timeout_seconds + self.grace),
                }
            return {
                "status": status,
                "start_time": current.start_time or start,
                "finish_time": report.finish_time.ToDatetime(tzinfo=t.tzinfo),
                "result": report.result.SerializeToString(),
            }

        def event(after: StoredCommand) -> ev.CommandCompleted | None:
            return (
                ev.CommandCompleted(command=to_pb(after, for_event=True)) if after.status in FINAL else None
            )

        _, changed = await self.store.change(tenant_id, cid, decide, event)
        return changed

    async def expire_overdue(self, limit: int = 500) -> int:
        """RUNNING past timeout + grace -> TIMED_OUT; never started by expire_time -> EXPIRED."""
        done = 0
        for command in await self.store.overdue(limit):

            def decide(current: StoredCommand) -> dict[str, Any] | None:
                if current.status in FINAL or current.deadline is None or current.deadline >= now():
                    return None
                final = "TIMED_OUT" if current.status == "RUNNING" else "EXPIRED"
                return {"status": final, "finish_time": now()}

            _, changed = await self.store.change(
                command.tenant_id,
                command.id,
                decide,
                lambda c: ev.CommandCompleted(command=to_pb(c, for_event=True)),
            )
            done += changed
        return done
