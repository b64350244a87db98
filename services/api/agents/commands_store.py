"""Commands in MongoDB (collection ``commands``): the command as sent (``spec``, serialized
``Command``), its execution state beside it, and the events it owes in ``outbox_queue``.

Every filter names the tenant; every change is a compare-and-set on the ``version`` it was
decided on (decided again when another write won), like the devices. The timeout sweep's query
(status + deadline) is cross-tenant by nature, like an outbox sweep.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.outbox import OUTBOX_FIELDS, QueuedOutboxRelay, envelope_record, outbox_update
from services.kit.errors import Unavailable
from services.kit.mongo import Document, ensure_indexes, now

COLLECTION = "commands"
FINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "EXPIRED"})
OPEN = ("PENDING", "DISPATCHED", "RUNNING")
INDEXES = [
    IndexModel(
        [
            ("tenant_id", ASCENDING),
            ("device_id", ASCENDING),
            ("create_time", DESCENDING),
            ("_id", DESCENDING),
        ],
        name="tenant_device_created",
    ),
]
#: The timeout sweep is cross-tenant by nature: the one index here not starting with tenant_id.
SWEEP_INDEX = IndexModel([("status", ASCENDING), ("deadline", ASCENDING)], name="open_deadline")
_NOT_FIELDS = OUTBOX_FIELDS
MAX_CAS_ATTEMPTS = 8


@dataclass
class StoredCommand:
    id: str
    tenant_id: str
    device_id: str
    spec: bytes
    status: str = "PENDING"
    result: bytes | None = None
    creator: dict[str, str] = field(default_factory=dict)
    create_time: datetime | None = None
    dispatch_time: datetime | None = None
    start_time: datetime | None = None
    finish_time: datetime | None = None
    expire_time: datetime | None = None
    timeout_seconds: float = 300.0
    deadline: datetime | None = None
    version: int = 0

    @property
    def name(self) -> str:
        return f"devices/{self.device_id}/commands/{self.id}"


def command_id(tenant_id: str, device_id: str, request_id: str) -> str:
    """Random, or derived from the idempotency key (a retry collides on ``_id``)."""
    if not request_id:
        return secrets.token_hex(12)
    return hashlib.sha256(f"{tenant_id}\n{device_id}\n{request_id}".encode()).hexdigest()[:32]


class CommandStore:
    def __init__(
        self, db: AsyncDatabase[Document], relay: QueuedOutboxRelay | None, *, lease_seconds: float
    ) -> None:
        self.collection = db[COLLECTION]
        self.relay = relay
        self.lease_seconds = lease_seconds

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES, cross_tenant=[SWEEP_INDEX])

    async def insert(self, command: StoredCommand) -> StoredCommand | None:
        """None when a command with this id exists already (an idempotent retry)."""
        try:
            await self.collection.insert_one(_to_doc(command))
        except DuplicateKeyError:
            return None
        return command

    async def get(self, tenant_id: str, command_id: str) -> StoredCommand | None:
        doc = await self.collection.find_one(
            {"_id": command_id, "tenant_id": tenant_id}, {k: 0 for k in _NOT_FIELDS}
        )
        return _from_doc(doc) if doc is not None else None

    async def find_page(
        self,
        *,
        tenant_id: str,
        device_id: str | None,
        statuses: list[str],
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[StoredCommand]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        if device_id is not None:
            query["device_id"] = device_id
        if statuses:
            query["status"] = {"$in": statuses}
        if after is not None:
            t, last_id = after
            query["$or"] = [{"create_time": {"$lt": t}}, {"create_time": t, "_id": {"$lt": last_id}}]
        cursor = (
            self.collection.find(query, {k: 0 for k in _NOT_FIELDS})
            .sort([("create_time", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_from_doc(d) async for d in cursor]

    async def overdue(self, limit: int) -> list[StoredCommand]:
        query = {"status": {"$in": list(OPEN)}, "deadline": {"$lt": now()}}
        return [
            _from_doc(d) async for d in self.collection.find(query, {k: 0 for k in _NOT_FIELDS}).limit(limit)
        ]

    async def change(
        self,
        tenant_id: str,
        command_id: str,
        decide: Callable[[StoredCommand], dict[str, Any] | None],
        event: Callable[[StoredCommand], Message | None],
    ) -> tuple[StoredCommand | None, bool]:
        """Read, decide, write with a compare-and-set on the version read (decided again when
        another write won): (command after, whether it changed)."""
        for _ in range(MAX_CAS_ATTEMPTS):
            current = await self.get(tenant_id, command_id)
            if current is None:
                return None, False
            fields = decide(current)
            if fields is None:
                return current, False
            t = now()
            after = replace(current, **fields, version=current.version + 1)
            payload = event(after)
            ops: Document = (
                outbox_update([self._entry(after, payload, t)], now=t, lease_seconds=self.lease_seconds)
                if payload is not None
                else {"$set": {}}
            )
            ops["$set"].update({**fields, "version": after.version})
            written = await self.collection.find_one_and_update(
                {"_id": command_id, "tenant_id": tenant_id, "version": current.version},
                ops,
                return_document=ReturnDocument.AFTER,
            )
            if written is not None:
                if payload is not None and self.relay is not None:
                    self.relay.submit([written])
                return _from_doc(written), True
        raise Unavailable(f"devices/-/commands/{command_id} is changing concurrently; retry")

    def _entry(self, command: StoredCommand, payload: Message, t: datetime) -> Document:
        return envelope_record(
            aggregate="command",
            tenant_id=command.tenant_id,
            aggregate_id=command.id,
            subject=command.name,
            sequence=command.version,
            payload=payload,
            time=t,
        )


def deadline_after(start: datetime, seconds: float) -> datetime:
    return start + timedelta(seconds=seconds)


def _to_doc(command: StoredCommand) -> Document:
    doc = dict(command.__dict__)
    doc["_id"] = doc.pop("id")
    return doc


def _from_doc(doc: Document) -> StoredCommand:
    d = {k: v for k, v in doc.items() if k not in _NOT_FIELDS}
    known = StoredCommand.__dataclass_fields__
    return StoredCommand(id=d.pop("_id"), **{k: v for k, v in d.items() if k in known})
