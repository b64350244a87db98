"""gRPC AuditService: list and get the caller's tenant's audit entries (ADMIN or OWNER)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from openframe.auth.v1 import audit_pb2 as pb
from openframe.auth.v1 import audit_pb2_grpc as pb_grpc
from services.auth.audit.log import actor_of
from services.auth.audit.repository import AuditRepository
from services.auth.common import aware, ts
from services.auth.users.model import ADMINS
from services.kit.errors import NotFound
from services.kit.identity import current_identity
from services.kit.mongo import Document
from services.kit.pagination import decode_token, page_of, page_size

RESOURCE = "auditEvents"


class AuditServicer(pb_grpc.AuditServiceServicer):
    def __init__(self, repo: AuditRepository) -> None:
        self.repo = repo

    async def ListAuditEvents(
        self, request: pb.ListAuditEventsRequest, context: Any
    ) -> pb.ListAuditEventsResponse:
        tenant = _admin()
        position = decode_token(request.page_token, keys={"t", "id"})
        after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
        limit = page_size(request.page_size)
        rows = await self.repo.find_page(
            tenant_id=tenant, filters=filters_of(request), after=after, limit=limit + 1
        )
        page = page_of(rows, limit, _position)
        return pb.ListAuditEventsResponse(
            audit_events=[to_pb(d) for d in page.items], next_page_token=page.next_page_token
        )

    async def GetAuditEvent(self, request: pb.GetAuditEventRequest, context: Any) -> pb.GetAuditEventResponse:
        event_id = request.name.removeprefix(f"{RESOURCE}/")
        doc = await self.repo.get(tenant_id=_admin(), event_id=event_id)
        if doc is None:
            raise NotFound(request.name)
        return pb.GetAuditEventResponse(audit_event=to_pb(doc))


def _admin() -> str:
    identity = current_identity()
    identity.require_any_role(*ADMINS)
    return identity.tenant_id


def _position(doc: Document) -> dict[str, str]:
    """An entry's place in the list order (event_time, id): what the next page starts after."""
    return {"t": aware(doc["event_time"]).isoformat(), "id": doc["_id"]}


def filters_of(request: pb.ListAuditEventsRequest) -> dict[str, Any]:
    """The request's filters as field conditions (each served by an index, see the repository)."""
    query: dict[str, Any] = {}
    types = list(dict.fromkeys(pb.AuditEventType.Name(t) for t in request.types))
    if len(types) == 1:
        query["type"] = types[0]  # an equality: the type index serves it in list order
    elif types:
        query["type"] = {"$in": types}
    if request.outcome:
        query["outcome"] = pb.AuditOutcome.Name(request.outcome)
    if request.actor_id:
        query["actor_id"] = request.actor_id
    if request.target:
        query["target"] = request.target
    if request.ip_address:
        query["ip_address"] = request.ip_address
    window: dict[str, datetime] = {}
    if request.HasField("start_time"):
        window["$gte"] = request.start_time.ToDatetime(tzinfo=UTC)
    if request.HasField("end_time"):
        window["$lt"] = request.end_time.ToDatetime(tzinfo=UTC)
    if window:
        query["event_time"] = window
    return query


def to_pb(doc: Document) -> pb.AuditEvent:
    return pb.AuditEvent(
        name=f"{RESOURCE}/{doc['_id']}",
        type=doc["type"],  # enum fields accept their names
        outcome=doc["outcome"],
        actor=actor_of(doc),
        target=doc.get("target", ""),
        client_id=doc.get("client_id", ""),
        ip_address=doc.get("ip_address", ""),
        user_agent=doc.get("user_agent", ""),
        failure_reason=doc.get("failure_reason", ""),
        details=doc.get("details") or {},
        request_id=doc.get("request_id", ""),
        event_time=ts(aware(doc["event_time"])),
    )
