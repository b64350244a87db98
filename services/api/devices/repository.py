"""Devices in MongoDB (collection ``devices``; storage facts in model.py's docstring).

Point reads and writes filter on ``{_id}`` alone and check the tenant in code: that is the only
filter FerretDB 1.24 (SQLite) pushes down. A change is one ``find_one_and_update`` guarded by
the etag the change was decided on (compare-and-set), and it appends the change's domain event
to the document's outbox queue in that same update: an acknowledged change never loses its
event. A guarded update scans the collection on FerretDB (measured in bench/api_devices.py).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.devices import events
from services.api.devices.model import (
    HEARTBEAT_ONLINE_FROM,
    INVENTORY_FIELDS,
    TRANSITIONS,
    Device,
    DeviceStatus,
    DeviceType,
    OsType,
    StatusCause,
    Tag,
    search_text,
    tag_index,
)
from services.api.outbox import LOCKS, QueuedOutboxRelay, envelope_record, guard_filter_for, outbox_update
from services.kit.cache import Cache
from services.kit.errors import AlreadyExists, EtagMismatch, FailedPrecondition, NotFound, Unavailable
from services.kit.mongo import Document, ensure_indexes

COLLECTION = "devices"

INDEXES = [
    # list: stable order by creation time then id, optionally within a status
    IndexModel(
        [("tenant_id", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)], name="tenant_created"
    ),
    IndexModel(
        [("tenant_id", ASCENDING), ("status", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)],
        name="tenant_status_created",
    ),
    # organization device counts (archive checks) and organization filters
    IndexModel(
        [("tenant_id", ASCENDING), ("organization", ASCENDING), ("status", ASCENDING)], name="tenant_org"
    ),
    IndexModel([("tenant_id", ASCENDING), ("tag_index", ASCENDING)], name="tenant_tags"),
    # the offline sweep: ONLINE devices by last heartbeat
    IndexModel(
        [("tenant_id", ASCENDING), ("status", ASCENDING), ("last_seen_time", ASCENDING)], name="tenant_seen"
    ),
]

#: Fields of the document that are not part of the Device (derived or outbox bookkeeping).
_NOT_DEVICE = ("search_text", "tag_index", "outbox_queue", "lease_until", "published_at")

#: Sortable fields (ListDevicesRequest.order_by).
SORTABLE = ("create_time", "hostname", "display_name", "last_seen_time")

MAX_CAS_ATTEMPTS = 8


def now() -> datetime:
    """UTC now at millisecond precision: what MongoDB stores, so values round-trip equal."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def new_etag() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Change:
    """What a write sets, and the event it records (built from the device after the change)."""

    fields: dict[str, Any]
    event: Callable[[Device], Message]


@dataclass(frozen=True)
class Written:
    device: Device
    changed: bool


@dataclass(frozen=True)
class DeviceQuery:
    statuses: list[DeviceStatus]
    device_types: list[DeviceType]
    os_types: list[OsType]
    organizations: list[str]
    #: (key, values): a device matches when it has the key with one of the values (any value if empty)
    tags: list[tuple[str, list[str]]]
    search: str
    order_by: str = "create_time"
    descending: bool = False


class DeviceRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        cache: Cache | None = None,
        relay: QueuedOutboxRelay | None = None,
        *,
        lease_seconds: float = 30.0,
    ) -> None:
        self.devices = db[COLLECTION]
        self.cache = cache
        self.relay = relay
        self.lease_seconds = lease_seconds
        self.guard_with_etag = True
        #: called with every device this repository writes (the list read model)
        self.on_write: Callable[[Device], None] | None = None

    async def init(self) -> None:
        await ensure_indexes(self.devices, INDEXES)
        self.guard_with_etag = await guard_filter_for(self.devices.database)

    # reads

    async def get(self, *, tenant_id: str, device_id: str, use_cache: bool = True) -> Device | None:
        doc = await self.cache.get(tenant_id, device_id) if self.cache and use_cache else None
        if doc is None:
            doc = await self._load(tenant_id, device_id)
            if doc is not None and self.cache and use_cache:
                await self.cache.put(tenant_id, device_id, _strip(doc))
        return from_doc(doc) if doc else None

    async def find_page(
        self, *, tenant_id: str, query: DeviceQuery, after: tuple[Any, str] | None, limit: int
    ) -> list[Device]:
        mongo_query = _filter(tenant_id, query)
        field, direction = query.order_by, DESCENDING if query.descending else ASCENDING
        if after is not None:
            value, last_id = after
            cmp = "$lt" if query.descending else "$gt"
            mongo_query = {
                "$and": [mongo_query, {"$or": [{field: {cmp: value}}, {field: value, "_id": {cmp: last_id}}]}]
            }
        projection = {k: 0 for k in ("outbox_queue", "lease_until", "search_text", "tag_index")}
        cursor = (
            self.devices.find(mongo_query, projection)
            .sort([(field, direction), ("_id", direction)])
            .limit(limit)
        )
        return [from_doc(d) async for d in cursor]

    async def count_by(self, *, tenant_id: str, organizations: list[str]) -> list[Document]:
        """The fields filter options count over (one pass; the caller aggregates)."""
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if organizations:
            query["organization"] = {"$in": organizations}
        fields = {"status": 1, "device_type": 1, "os_type": 1, "organization": 1, "tags": 1}
        return await self.devices.find(query, fields).to_list()

    # writes

    async def register(
        self,
        *,
        tenant_id: str,
        device_id: str,
        inventory: dict[str, Any],
        organization: str,
        client_id: str = "",
    ) -> Written:
        """Create the device as PENDING, or refresh the inventory of this tenant's existing one."""
        fields = {k: v for k, v in inventory.items() if k in INVENTORY_FIELDS}
        existing = await self.devices.find_one({"_id": device_id})
        if existing is None:
            t = now()
            device = Device(
                id=device_id,
                tenant_id=tenant_id,
                organization=organization,
                status=DeviceStatus.PENDING,
                register_time=t,
                status_change_time=t,
                create_time=t,
                update_time=t,
                etag=new_etag(),
                version=1,
                **fields,
            )
            doc = to_doc(device)
            entry = self._entry(device, events.registered(device, new_device=True, client_id=client_id), t)
            doc.update(outbox_queue=[entry], lease_until=t + timedelta(seconds=self.lease_seconds))
            try:
                await self.devices.insert_one(doc)
            except DuplicateKeyError:
                existing = await self.devices.find_one({"_id": device_id})
            else:
                self._hand_off(doc)
                self._written(device)
                return Written(device, True)
        if existing is None or existing["tenant_id"] != tenant_id:
            raise AlreadyExists(f"devices/{device_id} is registered elsewhere")
        refreshed = {**fields, "register_time": now()}
        return await self.change(
            tenant_id=tenant_id,
            device_id=device_id,
            expected_etag=None,
            decide=lambda _: Change(
                refreshed, lambda d: events.registered(d, new_device=False, client_id=client_id)
            ),
        )

    async def transition(
        self,
        *,
        tenant_id: str,
        device_id: str,
        to: DeviceStatus,
        cause: StatusCause,
        reason: str = "",
        expected_etag: str | None = None,
        last_seen_time: datetime | None = None,
        only_from: frozenset[DeviceStatus] | None = None,
    ) -> Written:
        """Move a device along the lifecycle (model.TRANSITIONS), recording DeviceStatusChanged.

        Same status: no change, no event. ``only_from``: do nothing (no error) unless the
        current status is one of these (a heartbeat brings PENDING/OFFLINE devices ONLINE but
        leaves MAINTENANCE alone; the sweep only takes ONLINE ones OFFLINE)."""

        def decide(current: Device) -> Change | None:
            if current.status == to or (only_from is not None and current.status not in only_from):
                return None
            if to not in TRANSITIONS[current.status]:
                raise FailedPrecondition(
                    f"devices/{device_id} cannot go from {current.status.value} to {to.value}"
                    f" (allowed: {', '.join(sorted(s.value for s in TRANSITIONS[current.status])) or 'none'})"
                )
            t = now()
            fields: dict[str, Any] = {"status": to, "status_reason": reason, "status_change_time": t}
            if last_seen_time is not None:
                fields["last_seen_time"] = last_seen_time
            previous = current.status
            return Change(
                fields, lambda d: events.status_changed(d, previous=previous, cause=cause, reason=reason)
            )

        return await self.change(
            tenant_id=tenant_id, device_id=device_id, expected_etag=expected_etag, decide=decide
        )

    async def heartbeat(self, *, tenant_id: str, device_id: str, when: datetime) -> Written:
        """Record a heartbeat: PENDING/OFFLINE -> ONLINE with an event, otherwise only last_seen."""
        device = await self.touch(tenant_id=tenant_id, device_id=device_id, when=when)
        if device.status in HEARTBEAT_ONLINE_FROM:
            return await self.transition(
                tenant_id=tenant_id,
                device_id=device_id,
                to=DeviceStatus.ONLINE,
                cause=StatusCause.HEARTBEAT,
                last_seen_time=when,
                only_from=HEARTBEAT_ONLINE_FROM,
            )
        return Written(device, False)

    async def touch(self, *, tenant_id: str, device_id: str, when: datetime) -> Device:
        """Set last_seen_time only (no event, no etag change): one pushed-down update by _id."""
        async with LOCKS.hold(COLLECTION, device_id):
            doc = await self._load(tenant_id, device_id)
            if doc is None:
                raise NotFound(f"devices/{device_id}")
            await self.devices.update_one({"_id": device_id}, {"$set": {"last_seen_time": when}})
        doc["last_seen_time"] = when
        return from_doc(doc)

    async def change(
        self,
        *,
        tenant_id: str,
        device_id: str,
        expected_etag: str | None,
        decide: Callable[[Device], Change | None],
    ) -> Written:
        """Read, decide, write guarded by the etag read (retried when another write won)."""
        for _ in range(MAX_CAS_ATTEMPTS):
            async with LOCKS.hold(COLLECTION, device_id):
                written = await self._change_once(tenant_id, device_id, expected_etag, decide)
            if written is not None:
                return written
        raise Unavailable(f"devices/{device_id} is changing concurrently; retry")

    async def _change_once(
        self,
        tenant_id: str,
        device_id: str,
        expected_etag: str | None,
        decide: Callable[[Device], Change | None],
    ) -> Written | None:
        doc = await self._load(tenant_id, device_id)
        if doc is None:
            raise NotFound(f"devices/{device_id}")
        current = from_doc(doc)
        if expected_etag and current.etag != expected_etag:
            raise EtagMismatch(f"devices/{device_id}")
        change = decide(current)
        if change is None:
            return Written(current, False)
        t = now()
        after = replace(current, **change.fields, update_time=t, etag=new_etag(), version=current.version + 1)
        ops = outbox_update(
            [self._entry(after, change.event(after), t)], now=t, lease_seconds=self.lease_seconds
        )
        ops["$set"].update(_field_values(after, set(change.fields) | {"update_time", "etag"}))
        ops["$inc"] = {"version": 1}
        guard = {"_id": device_id, "etag": current.etag} if self.guard_with_etag else {"_id": device_id}
        written = await self.devices.find_one_and_update(guard, ops, return_document=ReturnDocument.AFTER)
        if written is None:
            if expected_etag:
                raise EtagMismatch(f"devices/{device_id}")
            return None  # another process's write won the race: decide again on what it wrote
        if self.cache:
            await self.cache.invalidate(tenant_id, device_id)
        self._hand_off(written)
        device = from_doc(written)
        self._written(device)
        return Written(device, True)

    async def _load(self, tenant_id: str, device_id: str) -> Document | None:
        doc = await self.devices.find_one({"_id": device_id})
        return doc if doc is not None and doc.get("tenant_id") == tenant_id else None

    def _entry(self, device: Device, payload: Message, t: datetime) -> Document:
        return envelope_record(
            aggregate="device",
            tenant_id=device.tenant_id,
            aggregate_id=device.id,
            subject=device.name,
            sequence=device.version,
            payload=payload,
            time=t,
        )

    def _hand_off(self, doc: Document) -> None:
        if self.relay is not None:
            self.relay.submit([doc])

    def _written(self, device: Device) -> None:
        if self.on_write is not None:
            self.on_write(device)


def _filter(tenant_id: str, q: DeviceQuery) -> dict[str, Any]:
    query: dict[str, Any] = {"tenant_id": tenant_id}
    if q.statuses:
        query["status"] = {"$in": [s.value for s in q.statuses]}
    if q.device_types:
        query["device_type"] = {"$in": [t.value for t in q.device_types]}
    if q.os_types:
        query["os_type"] = {"$in": [o.value for o in q.os_types]}
    if q.organizations:
        query["organization"] = {"$in": q.organizations}
    tag_clauses = [
        {"tag_index": {"$in": [f"{key}={v}" for v in values] if values else [key]}} for key, values in q.tags
    ]
    if tag_clauses:
        query["$and"] = tag_clauses
    if q.search:
        query["search_text"] = {"$regex": re.escape(q.search.lower())}
    return query


def _field_values(device: Device, names: set[str]) -> Document:
    doc = to_doc(device)
    out = {k: doc[k] for k in names}
    if names & {"hostname", "display_name", "nickname", "serial_number"}:
        out["search_text"] = doc["search_text"]
    if "tags" in names:
        out["tag_index"] = doc["tag_index"]
    return out


def to_doc(device: Device) -> Document:
    doc = asdict(device)
    doc["_id"] = doc.pop("id")
    for key in ("status", "device_type", "os_type"):
        doc[key] = getattr(device, key).value
    doc["search_text"] = search_text(device)
    doc["tag_index"] = tag_index(device.tags)
    return doc


def _strip(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k not in ("outbox_queue", "lease_until", "published_at")}


def from_doc(doc: Document) -> Device:
    d = {k: v for k, v in doc.items() if k not in _NOT_DEVICE}
    known = Device.__dataclass_fields__
    return Device(
        id=d.pop("_id"),
        tenant_id=d.pop("tenant_id"),
        status=DeviceStatus(d.pop("status", "PENDING")),
        device_type=DeviceType(d.pop("device_type", "UNSPECIFIED") or "UNSPECIFIED"),
        os_type=OsType(d.pop("os_type", "UNSPECIFIED") or "UNSPECIFIED"),
        tags=[Tag(t["key"], t.get("value", "")) for t in d.pop("tags", None) or []],
        **{k: v for k, v in d.items() if k in known},
    )
