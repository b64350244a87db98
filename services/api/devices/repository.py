"""Devices in MongoDB (collection ``devices``; storage facts in model.py's docstring).

Every filter names the tenant. A change is one ``find_one_and_update`` whose filter holds the
``version`` it was decided on (compare-and-set; decided again when another write won, ABORTED
when the caller's etag is stale), and it appends the change's domain event to the document's
outbox queue in that same update: an acknowledged change never loses its event. After the write
the derived rows (tag_rows.py) and counts (counts.py) follow.

Lists are served by indexes: each query shape is a range of one compound index that starts with
the tenant, has the filter as an equality prefix and the sort key (+ ``_id``) after it, the
cursor as a range of that sort key and the page as its limit (see :meth:`find_page`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

from services.api.devices import counts, events
from services.api.devices.counts import DeviceCounts
from services.api.devices.model import (
    HEARTBEAT_ONLINE_FROM,
    INVENTORY_FIELDS,
    SEARCH_KEYS,
    SORT_KEYS,
    TRANSITIONS,
    Device,
    DeviceStatus,
    DeviceType,
    OsType,
    StatusCause,
    Tag,
    normalise,
    query_keys,
    tag_value,
)
from services.api.devices.tag_rows import TagRows
from services.api.outbox import (
    OUTBOX_FIELDS,
    QueuedOutboxRelay,
    envelope_record,
    outbox_update,
    queued,
    without_outbox,
)
from services.kit.cache import Cache
from services.kit.errors import AlreadyExists, EtagMismatch, FailedPrecondition, NotFound, Unavailable
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

log = get_logger(__name__)

COLLECTION = "devices"

#: Filters that are equality prefixes of an index (each with every sort key after it).
FILTER_FIELDS = ("status", "organization", "os_type", "device_type")

INDEXES = [
    # a list without filters (and any filter the rows it walks mostly pass), per sort key
    *(
        IndexModel([("tenant_id", ASCENDING), (key, ASCENDING), ("_id", ASCENDING)], name=f"tenant_{key}")
        for key in SORT_KEYS.values()
    ),
    # one filter as an equality prefix, per sort key
    *(
        IndexModel(
            [("tenant_id", ASCENDING), (field, ASCENDING), (key, ASCENDING), ("_id", ASCENDING)],
            name=f"tenant_{field}_{key}",
        )
        for field in FILTER_FIELDS
        for key in SORT_KEYS.values()
    ),
    # prefix search on the keys that are not sort keys already
    *(
        IndexModel([("tenant_id", ASCENDING), (key, ASCENDING), ("_id", ASCENDING)], name=f"tenant_{key}")
        for key in SEARCH_KEYS
        if key not in SORT_KEYS.values()
    ),
]
#: Indexes of earlier versions, dropped at start.
OLD_INDEXES = ("tenant_created", "tenant_status_created", "tenant_org", "tenant_tags", "tenant_seen")

#: Fields of the document that are not part of the Device (derived or outbox bookkeeping).
_NOT_DEVICE = (*OUTBOX_FIELDS, "search_text", "tag_index", *query_keys(Device("", "")))
_PROJECTION = {k: 0 for k in (*OUTBOX_FIELDS, "search_text", "tag_index")}

#: Sortable fields (ListDevicesRequest.order_by).
SORTABLE = tuple(SORT_KEYS)

MAX_CAS_ATTEMPTS = 8
#: A filter with at most this many values is asked as one query per value (each an index range
#: in sort order), merged here; more values go as one ``$in`` query the store plans itself.
MAX_FAN_OUT = 10
#: Rounds of reading rows when filters beyond the first tag filter drop rows in the service.
MAX_TAG_ROUNDS = 20
#: Where a prefix range ends: above every string that starts with the prefix.
TOP = "\U0010ffff"


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
        counts: DeviceCounts | None = None,
    ) -> None:
        self.db = db
        self.devices = db[COLLECTION]
        self.counts = counts or DeviceCounts(db)
        self.tag_rows = TagRows(db)
        self.cache = cache
        self.relay = relay
        self.lease_seconds = lease_seconds
        if relay is not None:
            relay.on_claimed = self.tag_rows.sync

    async def init(self) -> None:
        for name in OLD_INDEXES:  # first: an index on the same keys under another name conflicts
            with contextlib.suppress(OperationFailure):  # not there (any more)
                await self.devices.drop_index(name)
        await ensure_indexes(self.devices, INDEXES)
        await self.counts.init()
        await self.tag_rows.init()
        from services.api.devices.migration import migrate

        await migrate(self)

    # reads

    async def get(self, *, tenant_id: str, device_id: str, use_cache: bool = True) -> Device | None:
        doc = await self.cache.get(tenant_id, device_id) if self.cache and use_cache else None
        if doc is None:
            doc = await self.devices.find_one({"_id": device_id, "tenant_id": tenant_id}, _PROJECTION)
            if doc is not None and self.cache and use_cache:
                await self.cache.put(tenant_id, device_id, _cacheable(doc))
        return from_doc(doc) if doc else None

    async def find_page(
        self, *, tenant_id: str, query: DeviceQuery, after: tuple[Any, str] | None, limit: int
    ) -> list[Device]:
        """Up to ``limit`` devices after the cursor ``(sort value, id)``, in the query's order.

        Without a tag filter: ``devices``, ranged on the index of the filter that is an equality
        (a filter with a few values is one range per value, merged here). With tag filters: the
        first one ranges over ``device_tags`` rows (the other filters apply to the rows' copies),
        the devices are read by ``_id``, and further tag filters apply here."""
        if query.tags:
            return await self._tagged_page(tenant_id, query, after, limit)
        rows = await self._ranges(
            self.devices, "_id", _filters(tenant_id, query), query, after, limit, _PROJECTION
        )
        return [from_doc(d) for d in rows]

    async def _tagged_page(
        self, tenant_id: str, query: DeviceQuery, after: tuple[Any, str] | None, limit: int
    ) -> list[Device]:
        (key, values), more_tags = query.tags[0], query.tags[1:]
        (base,) = _filters(tenant_id, query, fan_out=False)  # the tag's values fan out instead
        if not values:
            branches = [{**base, "key": key}]
        elif len(values) <= MAX_FAN_OUT:
            branches = [{**base, "tag": tag_value(key, v)} for v in values]
        else:
            branches = [{**base, "key": key, "tag": {"$in": [tag_value(key, v) for v in values]}}]
        sort_key = SORT_KEYS[query.order_by]
        out: list[Device] = []
        for _ in range(MAX_TAG_ROUNDS):
            rows = await self._ranges(
                self.tag_rows.collection,
                "device_id",
                branches,
                query,
                after,
                limit,
                {sort_key: 1, "device_id": 1},
            )
            if not rows:
                break
            ids = [r["device_id"] for r in rows]
            found = {
                d["_id"]: from_doc(d)
                async for d in self.devices.find({"_id": {"$in": ids}, "tenant_id": tenant_id}, _PROJECTION)
            }
            out += [found[i] for i in ids if i in found and _has_tags(found[i], more_tags)]
            if len(out) >= limit or len(rows) < limit:
                break
            after = (rows[-1][sort_key], rows[-1]["device_id"])
        return out[:limit]

    async def _ranges(
        self,
        collection: Any,
        id_field: str,
        branches: list[Document],
        query: DeviceQuery,
        after: tuple[Any, str] | None,
        limit: int,
        projection: Document,
    ) -> list[Document]:
        """Each branch read as one index range (cursor as its lower bound, the page as its
        limit), merged in sort order.

        After a cursor ``(v, id)`` a branch is two ranges: the rest of the tie block (``key = v``,
        ``id`` after the cursor's) and what follows it (``key`` after ``v``). As one
        ``(key > v) or (key = v and id > i)`` the index was entered at ``key >= v`` and the tied
        rows before the cursor read and dropped: a page deep in a large tie block (the devices
        never seen share one ``k_seen``) cost more the deeper it was."""
        key = SORT_KEYS[query.order_by]
        direction = DESCENDING if query.descending else ASCENDING
        if after is not None:
            value, last_id = after
            cmp = "$lt" if query.descending else "$gt"
            branches = [
                part
                for branch in branches
                for part in (
                    {**branch, "$and": [*branch.get("$and", []), {key: value, id_field: {cmp: last_id}}]},
                    {**branch, "$and": [*branch.get("$and", []), {key: {cmp: value}}]},
                )
            ]

        async def one(where: Document) -> list[Document]:
            found = (
                collection.find(where, projection)
                .sort([(key, direction), (id_field, direction)])
                .limit(limit)
            )
            return [d async for d in found]

        results = await asyncio.gather(*(one(b) for b in branches))
        if len(results) == 1:
            return results[0]
        merged = heapq.merge(*results, key=lambda d: (d[key], d[id_field]), reverse=query.descending)
        return [d for _, d in zip(range(limit), merged, strict=False)]

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
        doc.update(queued([entry], now=t, lease_seconds=self.lease_seconds))
        try:
            await self.devices.insert_one(doc)
        except DuplicateKeyError:
            pass  # registered before (here or in another tenant): refresh below
        else:
            await self._derived(None, doc)
            self._hand_off(doc)
            return Written(device, True)
        if await self.devices.find_one({"_id": device_id, "tenant_id": tenant_id}, {"_id": 1}) is None:
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
        """Set last_seen_time only (no event, no etag change): one update, never back in time."""
        seen = {"last_seen_time": when, "k_seen": when}
        doc = await self.devices.find_one_and_update(
            {"_id": device_id, "tenant_id": tenant_id, "k_seen": {"$lt": when}},
            {"$set": seen},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # missing, or already seen later
            doc = await self.devices.find_one({"_id": device_id, "tenant_id": tenant_id}, _PROJECTION)
            if doc is None:
                raise NotFound(f"devices/{device_id}")
        elif doc.get("tags"):
            await self.tag_rows.touch(tenant_id, device_id, {"k_seen": when})
        if self.cache:
            await self.cache.invalidate(tenant_id, device_id)
        return from_doc(doc)

    async def change(
        self,
        *,
        tenant_id: str,
        device_id: str,
        expected_etag: str | None,
        decide: Callable[[Device], Change | None],
    ) -> Written:
        """Read, decide, write over the version read (decided again when another write won)."""
        for _ in range(MAX_CAS_ATTEMPTS):
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
        before = await self.devices.find_one({"_id": device_id, "tenant_id": tenant_id}, _PROJECTION)
        if before is None:
            raise NotFound(f"devices/{device_id}")
        current = from_doc(before)
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
        ops["$set"].update(_field_values(after, set(change.fields) | {"update_time", "etag", "version"}))
        written = await self.devices.find_one_and_update(
            {"_id": device_id, "tenant_id": tenant_id, "version": current.version, "etag": current.etag},
            ops,
            return_document=ReturnDocument.AFTER,
        )
        if written is None:
            if expected_etag:
                raise EtagMismatch(f"devices/{device_id}")
            return None  # another write won the race: decide again on what it wrote
        if self.cache:
            await self.cache.invalidate(tenant_id, device_id)
        await self._derived(before, written)
        self._hand_off(written)
        return Written(from_doc(written), True)

    async def _derived(self, before: Document | None, after: Document) -> None:
        """The tag rows and counts that follow a write that won (see the module docstring)."""
        try:
            self.counts.add(after["tenant_id"], counts.delta(before, after))
            await self.tag_rows.sync(after, had_tags=bool(before and before.get("tags")))
        except Exception as exc:  # the write stands; the rows catch up through the outbox sweep
            log.warning("device derived data not written", error=type(exc).__name__)

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


def _filters(tenant_id: str, q: DeviceQuery, *, fan_out: bool = True) -> list[Document]:
    """The query as branches (one per value of the filter asked value by value), each served by
    an index range: ``(tenant_id, <filter>, <sort key>, _id)`` or ``(tenant_id, <sort key>, _id)``."""
    base: Document = {"tenant_id": tenant_id}
    values: dict[str, list[str]] = {
        "status": [s.value for s in q.statuses],
        "organization": list(q.organizations),
        "os_type": [o.value for o in q.os_types],
        "device_type": [t.value for t in q.device_types],
    }
    for field, wanted in values.items():
        if wanted:
            base[field] = wanted[0] if len(wanted) == 1 else {"$in": wanted}
    if not q.statuses:
        base["status"] = {"$ne": DeviceStatus.DELETED.value}
    if q.search:
        prefix = normalise(q.search)
        base["$and"] = [{"$or": [{key: {"$gte": prefix, "$lt": prefix + TOP}} for key in SEARCH_KEYS]}]
    several = [f for f, wanted in values.items() if 1 < len(wanted) <= MAX_FAN_OUT]
    if not several or not fan_out:
        return [base]
    field = min(several, key=lambda f: len(values[f]))
    return [{**base, field: value} for value in values[field]]


def _has_tags(device: Device, wanted: list[tuple[str, list[str]]]) -> bool:
    held = {t.key: t.value for t in device.tags}
    return all(key in held and (not values or held[key] in values) for key, values in wanted)


def _field_values(device: Device, names: set[str]) -> Document:
    doc = to_doc(device)
    out = {k: doc[k] for k in names}
    out.update(query_keys(device))
    return out


def to_doc(device: Device) -> Document:
    """The stored form of a device (outbox fields aside)."""
    doc = asdict(device)
    doc["_id"] = doc.pop("id")
    for key in ("status", "device_type", "os_type"):
        doc[key] = getattr(device, key).value
    doc.update(query_keys(device))
    return doc


def _cacheable(doc: Document) -> Document:
    return without_outbox(doc)


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
