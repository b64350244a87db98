"""Organizations in MongoDB. Every call takes the tenant; every filter and index starts with it.

Each change is one compare-and-set (the etag it was decided on is in the filter) that also
appends its domain event (organization_events) to the document's outbox queue
(services/api/outbox.py). The number of active devices per organization comes from the
devices' maintained counters (services/api/devices/counts.py), not from a count of devices."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from openframe.events.v1 import organization_events_pb2 as ev
from services.api.devices.counts import DeviceCounts
from services.api.organizations.convert import to_pb
from services.api.organizations.model import Organization, Status
from services.api.outbox import QueuedOutboxRelay, envelope_record, outbox_update, queued, without_outbox
from services.kit.cache import Cache
from services.kit.errors import AlreadyExists, Unavailable
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

INDEXES = [
    # display names are unique per tenant, case-insensitively
    IndexModel([("tenant_id", ASCENDING), ("display_name_key", ASCENDING)], unique=True, name="tenant_name"),
    # list: filter by status, stable order by creation time then id
    IndexModel(
        [("tenant_id", ASCENDING), ("status", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)],
        name="tenant_status_created",
    ),
]

# Device statuses that no longer count against archiving an organization.
INACTIVE_DEVICE_STATUSES = ["DECOMMISSIONED", "DELETED"]

MAX_CAS_ATTEMPTS = 8

DEFAULT_DISPLAY_NAME = "Default organization"


def default_org_id(tenant_id: str) -> str:
    """Deterministic per tenant, so creating the default twice collides on _id (idempotent)."""
    return "default-" + hashlib.sha256(tenant_id.encode()).hexdigest()[:32]


class OrganizationRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        cache: Cache | None = None,
        relay: QueuedOutboxRelay | None = None,
        *,
        lease_seconds: float = 30.0,
        counts: DeviceCounts | None = None,
    ) -> None:
        self.orgs = db["organizations"]
        self.counts = counts or DeviceCounts(db)
        self.cache = cache
        self.relay = relay
        self.lease_seconds = lease_seconds

    async def init(self) -> None:
        await ensure_indexes(self.orgs, INDEXES)

    async def insert(self, org: Organization) -> Organization:
        t = now()
        stamped = replace(org, create_time=t, update_time=t, etag=new_etag())
        doc = _to_doc(stamped)
        doc["version"] = 1
        entry = self._entry(stamped, ev.OrganizationCreated(organization=to_pb(stamped)), 1, t)
        doc.update(queued([entry], now=t, lease_seconds=self.lease_seconds))
        try:
            await self.orgs.insert_one(doc)
        except DuplicateKeyError as exc:
            if "display_name_key" in str(exc) or "tenant_name" in str(exc):
                raise _name_taken(org.display_name) from None
            raise AlreadyExists(f"organizations/{org.id} already exists") from None
        self._hand_off(doc)
        return stamped

    async def ensure_default(self, tenant_id: str) -> Organization:
        """The tenant's default organization, created on first need (idempotent, one per tenant)."""
        org_id = default_org_id(tenant_id)
        existing = await self.get(tenant_id=tenant_id, org_id=org_id)
        if existing is not None:
            return existing
        for display_name in (DEFAULT_DISPLAY_NAME, f"{DEFAULT_DISPLAY_NAME} ({org_id[-6:]})"):
            org = Organization(id=org_id, tenant_id=tenant_id, display_name=display_name, is_default=True)
            try:
                return await self.insert(org)
            except AlreadyExists:  # created concurrently (same _id), or the name is taken
                existing = await self.get(tenant_id=tenant_id, org_id=org_id)
                if existing is not None:
                    return existing
        raise AlreadyExists(f"cannot create the default organization of tenant {tenant_id}")

    async def get(self, *, tenant_id: str, org_id: str) -> Organization | None:
        doc = await self.cache.get(tenant_id, org_id) if self.cache else None
        if doc is None:
            doc = await self.orgs.find_one({"_id": org_id, "tenant_id": tenant_id})
            if doc and self.cache:
                await self.cache.put(tenant_id, org_id, without_outbox(doc))
        return _from_doc(doc) if doc else None

    async def find_page(
        self,
        *,
        tenant_id: str,
        status: Status,
        search: str,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Organization]:
        query: dict[str, Any] = {"tenant_id": tenant_id, "status": status.value}
        if search:
            query["display_name_key"] = {"$regex": re.escape(search.lower())}
        if after:
            t, last_id = after
            query["$or"] = [{"create_time": {"$gt": t}}, {"create_time": t, "_id": {"$gt": last_id}}]
        cursor = self.orgs.find(query).sort([("create_time", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def update(
        self,
        *,
        tenant_id: str,
        org_id: str,
        changes: dict[str, Any],
        expected_etag: str | None,
        event: Callable[[Organization], Message] | None = None,
    ) -> Organization | None:
        """Apply ``changes`` with their event over the state read (compare-and-set on its etag,
        decided again when another write won); None when it does not exist here or
        ``expected_etag`` is stale."""
        for _ in range(MAX_CAS_ATTEMPTS):
            current = await self.orgs.find_one({"_id": org_id, "tenant_id": tenant_id})
            if current is None or (expected_etag and current["etag"] != expected_etag):
                return None
            written = await self._write(current, changes, event)
            if written is not None:
                return written
            if expected_etag:  # the etag the caller sent is gone
                return None
        raise Unavailable(f"organizations/{org_id} is changing concurrently; retry")

    async def _write(
        self,
        current: Document,
        changes: dict[str, Any],
        event: Callable[[Organization], Message] | None,
    ) -> Organization | None:
        t = now()
        after = replace(_from_doc(current), **changes, update_time=t, etag=new_etag())
        if "status" in changes:
            after.status = Status(changes["status"])
        payload = (event or _updated(sorted(changes)))(after)
        version = int(current.get("version", 0)) + 1
        ops = outbox_update(
            [self._entry(after, payload, version, t)], now=t, lease_seconds=self.lease_seconds
        )
        sets = {**changes, "update_time": t, "etag": after.etag}
        if "display_name" in changes:
            sets["display_name_key"] = changes["display_name"].lower()
        ops["$set"].update(sets)
        ops["$inc"] = {"version": 1}
        try:
            doc = await self.orgs.find_one_and_update(
                {"_id": current["_id"], "tenant_id": current["tenant_id"], "etag": current["etag"]},
                ops,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise _name_taken(changes["display_name"]) from None
        if doc is None:
            return None
        if self.cache:
            await self.cache.invalidate(current["tenant_id"], current["_id"])
        self._hand_off(doc)
        return _from_doc(doc)

    def _entry(self, org: Organization, payload: Message, version: int, t: datetime) -> Document:
        return envelope_record(
            aggregate="organization",
            tenant_id=org.tenant_id,
            aggregate_id=org.id,
            subject=org.name,
            sequence=version,
            payload=payload,
            time=t,
        )

    def _hand_off(self, doc: Document) -> None:
        if self.relay is not None:
            self.relay.submit([doc])

    async def count_active_devices(self, *, tenant_id: str, org_name: str) -> int:
        statuses = await self.counts.by_value(tenant_id, "status", organizations=[org_name])
        return sum(n for status, n in statuses.items() if status not in INACTIVE_DEVICE_STATUSES)


def _name_taken(display_name: str) -> AlreadyExists:
    return AlreadyExists(f"an organization named {display_name!r} already exists")


def _to_doc(org: Organization) -> Document:
    doc = asdict(org)
    doc["_id"] = doc.pop("id")
    doc["status"] = org.status.value
    doc["display_name_key"] = org.display_name.lower()
    return doc


def _updated(paths: list[str]) -> Callable[[Organization], Message]:
    return lambda org: ev.OrganizationUpdated(organization=to_pb(org), update_mask=FieldMask(paths=paths))


_STORED_ONLY = ("display_name_key", "version")


def _from_doc(doc: Document) -> Organization:
    doc = {k: v for k, v in without_outbox(doc).items() if k not in _STORED_ONLY}
    return Organization(id=doc.pop("_id"), status=Status(doc.pop("status")), **doc)
