"""gRPC transport and rules for event records (small enough for one module: create with
idempotent request ids, get, list with filters and cursor pages, update with a field mask and
etag). References to devices and organizations must exist in the caller's tenant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from openframe.api.v1 import events_pb2 as pb
from openframe.api.v1 import events_pb2_grpc as pb_grpc
from openframe.api.v1 import tags_pb2
from openframe.events.v1 import event_record_events_pb2 as ev
from services.api.devices.repository import DeviceRepository
from services.api.devices.servicer import writer_tenant
from services.api.events.repository import EventQuery, EventRepository, new_id
from services.api.organizations.repository import OrganizationRepository
from services.kit.errors import EtagMismatch, InvalidArgument, NotFound
from services.kit.identity import current_identity
from services.kit.mongo import Document
from services.kit.pagination import decode_token, page_of, page_size
from services.kit.resources import check_update_mask

MUTABLE_FIELDS = frozenset({"title", "description", "severity", "status", "tags", "data"})


def _sev(value: int) -> str:
    return pb.EventSeverity.Name(value).removeprefix("EVENT_SEVERITY_")


def _status(value: int) -> str:
    return pb.EventStatus.Name(value).removeprefix("EVENT_STATUS_")


def _ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_pb(doc: Document) -> pb.Event:
    data = struct_pb2.Struct()
    if doc.get("data"):
        data.update(doc["data"])
    return pb.Event(
        name=f"events/{doc['_id']}",
        type=doc["type"],
        title=doc["title"],
        description=doc.get("description", ""),
        severity=f"EVENT_SEVERITY_{doc['severity']}",
        status=f"EVENT_STATUS_{doc['status']}",
        source=doc.get("source", ""),
        device=doc.get("device", ""),
        organization=doc.get("organization", ""),
        tags=[tags_pb2.Tag(key=t["key"], value=t.get("value", "")) for t in doc.get("tags") or []],
        data=data if doc.get("data") else None,
        occur_time=_ts(doc.get("occur_time")),
        create_time=_ts(doc.get("create_time")),
        update_time=_ts(doc.get("update_time")),
        resolve_time=_ts(doc.get("resolve_time")),
        etag=doc["etag"],
    )


def _fields(message: pb.Event) -> Document:
    return {
        "title": message.title,
        "description": message.description,
        "severity": _sev(message.severity) if message.severity else "INFO",
        "status": _status(message.status) if message.status else "OPEN",
        "tags": [{"key": t.key, "value": t.value} for t in message.tags],
        "data": json_format.MessageToDict(message.data) if message.HasField("data") else {},
    }


class EventServicer(pb_grpc.EventServiceServicer):
    def __init__(
        self, repo: EventRepository, devices: DeviceRepository, organizations: OrganizationRepository
    ) -> None:
        self.repo = repo
        self.devices = devices
        self.organizations = organizations

    async def CreateEvent(self, request: pb.CreateEventRequest, context: Any) -> pb.CreateEventResponse:
        tenant = writer_tenant()
        e = request.event
        await self._check_refs(tenant, e.device, e.organization)
        doc: Document = {
            "_id": new_id(tenant, request.request_id),
            "tenant_id": tenant,
            "type": e.type,
            "source": e.source,
            "device": e.device,
            "organization": e.organization,
            **_fields(e),
        }
        if e.HasField("occur_time"):
            occurred = e.occur_time.ToDatetime(tzinfo=UTC)
            doc["occur_time"] = occurred.replace(microsecond=occurred.microsecond // 1000 * 1000)
        if doc["status"] == "RESOLVED":
            doc["resolve_time"] = datetime.now(UTC).replace(microsecond=0)
        stored, _ = await self.repo.insert(doc, lambda d: ev.EventRecordCreated(event=to_pb(d)))
        return pb.CreateEventResponse(event=to_pb(stored))

    async def GetEvent(self, request: pb.GetEventRequest, context: Any) -> pb.GetEventResponse:
        event_id = request.name.removeprefix("events/")
        doc = await self.repo.get(tenant_id=current_identity().tenant_id, event_id=event_id)
        if doc is None:
            raise NotFound(request.name)
        return pb.GetEventResponse(event=to_pb(doc))

    async def ListEvents(self, request: pb.ListEventsRequest, context: Any) -> pb.ListEventsResponse:
        position = decode_token(request.page_token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        query = EventQuery(
            types=list(request.types),
            severities=[_sev(s) for s in request.severities],
            statuses=[_status(s) for s in request.statuses],
            device=request.device,
            organization=request.organization,
            source=request.source,
            start_time=request.start_time.ToDatetime(tzinfo=UTC) if request.HasField("start_time") else None,
            end_time=request.end_time.ToDatetime(tzinfo=UTC) if request.HasField("end_time") else None,
            tags=[(f.key, list(f.values)) for f in request.tag_filters],
            search=request.search.strip(),
        )
        limit = page_size(request.page_size)
        rows = await self.repo.find_page(
            tenant_id=current_identity().tenant_id, query=query, after=after, limit=limit + 1
        )
        page = page_of(rows, limit, lambda d: {"t": d["occur_time"].isoformat(), "id": d["_id"]})
        return pb.ListEventsResponse(
            events=[to_pb(d) for d in page.items], next_page_token=page.next_page_token
        )

    async def UpdateEvent(self, request: pb.UpdateEventRequest, context: Any) -> pb.UpdateEventResponse:
        tenant = writer_tenant()
        mask = list(request.update_mask.paths)
        check_update_mask(mask, MUTABLE_FIELDS)
        if "title" in mask and not request.event.title:
            raise InvalidArgument.field("event.title", "must not be empty")
        values = _fields(request.event)
        changes = {path: values[path] for path in mask}
        event_id = request.event.name.removeprefix("events/")

        def decide(current: Document) -> Document:
            out = dict(changes)
            if out.get("status") == "RESOLVED" and current["status"] != "RESOLVED":
                out["resolve_time"] = datetime.now(UTC).replace(microsecond=0)
            elif "status" in out and out["status"] != "RESOLVED":
                out["resolve_time"] = None
            return out

        def event(before: Document, after: Document) -> ev.EventRecordUpdated:
            return ev.EventRecordUpdated(
                event=to_pb(after),
                update_mask=FieldMask(paths=sorted(mask)),
                previous_status=f"EVENT_STATUS_{before['status']}",
            )

        updated = await self.repo.update(
            tenant_id=tenant,
            event_id=event_id,
            decide=decide,
            expected_etag=request.event.etag or None,
            event=event,
        )
        if updated is None:
            raise EtagMismatch(f"events/{event_id}")
        return pb.UpdateEventResponse(event=to_pb(updated))

    async def _check_refs(self, tenant: str, device: str, organization: str) -> None:
        if (
            device
            and await self.devices.get(tenant_id=tenant, device_id=device.removeprefix("devices/")) is None
        ):
            raise InvalidArgument.field("event.device", f"{device} not found")
        if organization and (
            await self.organizations.get(tenant_id=tenant, org_id=organization.removeprefix("organizations/"))
            is None
        ):
            raise InvalidArgument.field("event.organization", f"{organization} not found")
