"""gRPC AuditService: list and get the caller's tenant's audit entries (ADMIN or OWNER)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from openframe.auth.v1 import audit_pb2 as pb
from openframe.auth.v1 import audit_pb2_grpc as pb_grpc
from openframe.common.v1 import common_pb2
from services.auth.audit.repository import AuditRepository
from services.auth.common import aware, ts
from services.auth.users.model import ADMINS
from services.kit.errors import NotFound
from services.kit.identity import current_identity
from services.kit.mongo import Document
from services.kit.pagination import decode_token, encode_token, page_size

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
            tenant_id=tenant, filters=_filters(request), after=after, limit=limit + 1
        )
        items, more = rows[:limit], len(rows) > limit
        token = (
            encode_token({"t": aware(items[-1]["event_time"]).isoformat(), "id": items[-1]["_id"]})
            if more
            else ""
        )
        return pb.ListAuditEventsResponse(audit_events=[to_pb(d) for d in items], next_page_token=token)

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


def _filters(request: pb.ListAuditEventsRequest) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if request.types:
        query["type"] = {"$in": [pb.AuditEventType.Name(t) for t in request.types]}
    if request.outcome:
        query["outcome"] = pb.AuditOutcome.Name(request.outcome)
    if request.actor_id:
        query["actor.id"] = request.actor_id
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
    actor = doc.get("actor") or {}
    return pb.AuditEvent(
        name=f"{RESOURCE}/{doc['_id']}",
        type=doc["type"],  # enum fields accept their names
        outcome=doc["outcome"],
        actor=common_pb2.Actor(
            type=actor.get("type", "ACTOR_TYPE_UNSPECIFIED"),
            id=actor.get("id", ""),
            display_name=actor.get("display_name", ""),
        ),
        target=doc.get("target", ""),
        client_id=doc.get("client_id", ""),
        ip_address=doc.get("ip_address", ""),
        user_agent=doc.get("user_agent", ""),
        failure_reason=doc.get("failure_reason", ""),
        details=doc.get("details") or {},
        request_id=doc.get("request_id", ""),
        event_time=ts(aware(doc["event_time"])),
    )
