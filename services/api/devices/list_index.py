"""An in-process read model for device lists, for stores whose queries cannot use indexes.

Why: FerretDB 1.24 (SQLite) answers every query by scanning the collection — even ``{_id}``
(its SQLite index is on ``sjson->"_id"`` while its queries say ``sjson->'$._id'``, so SQLite
never uses it) — and filters and sorts everything else in Go: a filtered, sorted page of 50 over
100,000 devices takes ~17 s (measured, docs/api.md). On MongoDB the tenant-first compound indexes
serve the same query directly and this module is not used.

How: per tenant, on the first list, one snapshot of the tenant's devices (one scan); then
kept current by this process's own writes (``apply``, synchronously) and by the devices topic
(``follow``: every writer in any process publishes each change with the device, so other
processes' writes arrive within the relay's latency). Updates are idempotent by the device's
``version`` (the event sequence): a stale or repeated event never overwrites a newer state.
Pages are cut from a list kept sorted by (create_time, id) — the cursor is that key — so a
page of 50 touches only the entries it returns plus the ones its filters skip.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo.asynchronous.collection import AsyncCollection

from openframe.events.v1 import device_events_pb2 as ev
from openframe.events.v1 import envelope_pb2
from services.api.devices.convert import os_from_pb, status_from_pb, type_from_pb
from services.api.devices.model import Device, Tag, search_text, tag_index
from services.api.devices.repository import DeviceQuery, from_doc
from services.kit.logging import get_logger
from services.kit.mongo import Document

log = get_logger(__name__)

Key = tuple[datetime, str]


@dataclass
class _Entry:
    device: Device
    text: str
    tags: frozenset[str]


@dataclass
class _Tenant:
    entries: dict[str, _Entry] = field(default_factory=dict)
    order: list[Key] = field(default_factory=list)  # sorted (create_time, id)
    sorted_views: dict[str, list[str]] = field(default_factory=dict)  # order_by -> ids
    #: every entry's search text in create order, one per line, and where each line starts:
    #: a search runs str.find over it (C speed) instead of testing 100,000 entries in Python
    text_blob: str | None = None
    text_starts: list[int] = field(default_factory=list)

    def changed(self, *, text: bool) -> None:
        self.sorted_views.clear()
        if text:
            self.text_blob = None

    def search_positions(self, needle: str) -> set[int]:
        """Positions (in ``order``) of the entries whose text contains ``needle``."""
        if self.text_blob is None:
            lines = [self.entries[i].text.replace("\n", " ") for _, i in self.order]
            self.text_starts = list(itertools.accumulate((len(x) + 1 for x in lines[:-1]), initial=0))
            self.text_blob = "\n".join(lines)
        found: set[int] = set()
        at = self.text_blob.find(needle)
        while at != -1:
            line = bisect.bisect_right(self.text_starts, at) - 1
            found.add(line)
            next_line = line + 1
            at = (
                self.text_blob.find(needle, self.text_starts[next_line])
                if next_line < len(self.text_starts)
                else -1
            )
        return found


class DeviceListIndex:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection
        self._tenants: dict[str, _Tenant] = {}
        self._loading: dict[str, asyncio.Future[_Tenant]] = {}
        #: changes that arrive while a tenant's snapshot is being read, applied after it
        self._pending: dict[str, list[Device]] = {}
        self._follower: asyncio.Task[None] | None = None

    # reads

    async def page(
        self, tenant_id: str, query: DeviceQuery, after: tuple[Any, str] | None, limit: int
    ) -> list[Device]:
        tenant = await self._tenant(tenant_id)
        if query.search and query.order_by == "create_time" and len(query.search) >= 3:
            # a text search visits only the entries whose text contains it
            positions = sorted(tenant.search_positions(query.search.lower()), reverse=query.descending)
            keys = tenant.order
            if after is not None:
                positions = [
                    p for p in positions if (keys[p] < after if query.descending else keys[p] > after)
                ]
            candidates: Any = (keys[p][1] for p in positions)
        else:
            candidates = self._ids_in_order(tenant, query, after)
        match = _predicate(query)
        out: list[Device] = []
        for device_id in candidates:
            entry = tenant.entries[device_id]
            if match(entry):
                out.append(entry.device)
                if len(out) == limit:
                    break
        return out

    async def devices(self, tenant_id: str) -> list[Device]:
        return [entry.device for entry in (await self._tenant(tenant_id)).entries.values()]

    # writes

    def apply(self, device: Device) -> None:
        """A device as written (by this process, or as an event describes it)."""
        tenant = self._tenants.get(device.tenant_id)
        if tenant is None:
            if device.tenant_id in self._pending:  # the snapshot may have read it before this
                self._pending[device.tenant_id].append(device)
            return  # not loaded: its snapshot will include this
        current = tenant.entries.get(device.id)
        if current is not None and current.device.version >= device.version:
            return
        if current is None and device.create_time is not None:
            bisect.insort(tenant.order, (device.create_time, device.id))
        text = search_text(device)
        tenant.entries[device.id] = _Entry(device, text, frozenset(tag_index(device.tags)))
        tenant.changed(text=current is None or current.text != text)

    # the devices topic

    def follow(self, bootstrap: str, topic: str = "openframe.api.devices.v1") -> None:
        self._follower = asyncio.create_task(self._follow(bootstrap, topic))

    async def stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    async def _follow(self, bootstrap: str, topic: str) -> None:
        while True:
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
            try:
                await consumer.start()
                partitions = await _partitions(consumer, topic)
                consumer.assign(partitions)
                await consumer.seek_to_end(*partitions)
                while True:
                    for batch in (await consumer.getmany(timeout_ms=1000)).values():
                        for record in batch:
                            self._apply_event(record.value or b"")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker away: retry; meanwhile own writes still apply
                log.warning("device list follower restarting", error=type(exc).__name__)
                # what was missed while away: reload tenants on their next list
                self._tenants.clear()
                await asyncio.sleep(2)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()

    def _apply_event(self, raw: bytes) -> None:
        envelope = envelope_pb2.EventEnvelope.FromString(raw)
        tenant = self._tenants.get(envelope.tenant_id)
        if tenant is None:
            return
        name = envelope.type.rsplit(".", 1)[-1]
        message = getattr(ev, name, None)
        if message is None:
            return
        payload = message()
        envelope.payload.Unpack(payload)
        if name == "DeviceTagsChanged":
            entry = tenant.entries.get(payload.device.removeprefix("devices/"))
            if entry is not None:
                tags = [Tag(t.key, t.value) for t in payload.tags]
                self.apply(replace(entry.device, tags=tags, version=envelope.sequence))
            return
        self.apply(_from_pb(payload.device, envelope.tenant_id, envelope.sequence))

    # loading

    async def _tenant(self, tenant_id: str) -> _Tenant:
        tenant = self._tenants.get(tenant_id)
        if tenant is not None:
            return tenant
        loading = self._loading.get(tenant_id)
        if loading is None:  # one snapshot per tenant however many lists wait for it
            loading = asyncio.get_running_loop().create_future()
            self._loading[tenant_id] = loading
            self._pending[tenant_id] = []
            try:
                tenant = await self._snapshot(tenant_id)
                self._tenants[tenant_id] = tenant
                for device in self._pending.pop(tenant_id):
                    self.apply(device)
                loading.set_result(tenant)
            except Exception as exc:
                self._pending.pop(tenant_id, None)
                loading.set_exception(exc)
                raise
            finally:
                del self._loading[tenant_id]
            return tenant
        return await asyncio.shield(loading)

    async def _snapshot(self, tenant_id: str) -> _Tenant:
        tenant = _Tenant()
        projection = {"outbox_queue": 0, "lease_until": 0}
        async for doc in self.collection.find({"tenant_id": tenant_id}, projection):
            device = from_doc(doc)
            tenant.entries[device.id] = _Entry(
                device, doc.get("search_text", ""), frozenset(doc.get("tag_index") or [])
            )
        tenant.order = sorted(
            (e.device.create_time, i) for i, e in tenant.entries.items() if e.device.create_time
        )
        # Long-lived and many: keep them out of the cyclic GC's full passes, which otherwise
        # walk every one of them now and then (tens of ms at 100,000 devices, in request paths).
        gc.collect()
        gc.freeze()
        return tenant

    def _ids_in_order(self, tenant: _Tenant, query: DeviceQuery, after: tuple[Any, str] | None) -> Any:
        if query.order_by == "create_time":
            keys = tenant.order
            if query.descending:
                end = bisect.bisect_left(keys, after) if after else len(keys)
                return (keys[i][1] for i in range(end - 1, -1, -1))
            start = bisect.bisect_right(keys, after) if after else 0
            return (keys[i][1] for i in range(start, len(keys)))
        view = tenant.sorted_views.get(query.order_by)
        if view is None:
            view = sorted(
                tenant.entries, key=lambda i: (_sort_value(tenant.entries[i].device, query.order_by), i)
            )
            tenant.sorted_views[query.order_by] = view
        ids = list(reversed(view)) if query.descending else view
        if after is None:
            return iter(ids)
        cursor = (after[0], after[1])

        def ahead(device_id: str) -> bool:
            key = (_sort_value(tenant.entries[device_id].device, query.order_by), device_id)
            return bool(key < cursor) if query.descending else bool(key > cursor)

        return (i for i in ids if ahead(i))


def _sort_value(device: Device, order_by: str) -> Any:
    value = getattr(device, order_by)
    return value if value is not None else datetime.min.replace(tzinfo=UTC)


def _predicate(q: DeviceQuery) -> Callable[[_Entry], bool]:
    statuses = set(q.statuses)
    types = set(q.device_types)
    oses = set(q.os_types)
    orgs = set(q.organizations)
    tag_sets = [frozenset(f"{k}={v}" for v in values) if values else frozenset([k]) for k, values in q.tags]
    text = q.search.lower()

    def match(entry: _Entry) -> bool:
        d = entry.device
        return (
            (not statuses or d.status in statuses)
            and (not types or d.device_type in types)
            and (not oses or d.os_type in oses)
            and (not orgs or d.organization in orgs)
            and all(entry.tags & wanted for wanted in tag_sets)
            and (not text or text in entry.text)
        )

    return match


def _from_pb(message: Any, tenant_id: str, version: int) -> Device:
    def dt(ts: Any) -> datetime | None:
        return ts.ToDatetime(tzinfo=UTC) if ts.seconds or ts.nanos else None

    return Device(
        id=message.name.removeprefix("devices/"),
        tenant_id=tenant_id,
        hostname=message.hostname,
        display_name=message.display_name,
        nickname=message.nickname,
        os_type=os_from_pb(message.os_type),
        os_version=message.os_version,
        serial_number=message.serial_number,
        manufacturer=message.manufacturer,
        model=message.model,
        agent_version=message.agent_version,
        status=status_from_pb(message.status),
        device_type=type_from_pb(message.device_type),
        organization=message.organization,
        tags=[Tag(t.key, t.value) for t in message.tags],
        last_seen_time=dt(message.last_seen_time),
        ip_addresses=list(message.ip_addresses),
        public_ip_address=message.public_ip_address,
        mac_addresses=list(message.mac_addresses),
        architecture=message.architecture,
        notes=message.notes,
        status_reason=message.status_reason,
        status_change_time=dt(message.status_change_time),
        register_time=dt(message.register_time),
        create_time=dt(message.create_time),
        update_time=dt(message.update_time),
        etag=message.etag,
        version=version,
    )


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(30):
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await consumer._client.force_metadata_update()  # there is no public "refresh metadata"
        await asyncio.sleep(0.5)
    raise RuntimeError(f"topic {topic} has no partitions")
