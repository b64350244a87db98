"""One row per (device, tag) in ``device_tags``, so that tag filters are index range scans.

Why: the store serves a field that ever holds an array (the device's ``tags``) only through the
index prefix before it, so a tag filter on ``devices`` would read every device of the tenant.
A row is scalar: ``tenant_id``, ``device_id``, ``key``, ``tag`` (``key=value``) and a copy of
what the other filters and the sort orders need (:data:`COPIED`: status, type, OS, organization,
sort and search keys), so a tag-filtered page is one range of ``(tenant_id, tag|key, <sort
key>, device_id)`` with the other filters applied on the rows, limited to the page; the devices
are then read by ``_id``.

Rows are derived from the device document: written right after each device write that won its
compare-and-set, each with the device's ``version``, and only over an older row (an upsert whose
filter asks for an older version), so writers finishing out of order never put an older state
back. A writer that dies between the two leaves the rows one change behind until the outbox
sweep, which claims that device's queued event, writes them again (``QueuedOutboxRelay`` calls
:meth:`TagRows.sync` for every document it claims).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DeleteMany, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.api.devices.model import SORT_KEYS
from services.kit.mongo import Document, ensure_indexes

COLLECTION = "device_tags"
COPIED = (
    "status",
    "device_type",
    "os_type",
    "organization",
    "create_time",
    "k_host",
    "k_name",
    "k_nick",
    "k_serial",
    "k_seen",
)
INDEXES = [
    IndexModel([("tenant_id", ASCENDING), ("device_id", ASCENDING)], name="tenant_device"),
    *(
        IndexModel(
            [("tenant_id", ASCENDING), (prefix, ASCENDING), (key, ASCENDING), ("device_id", ASCENDING)],
            name=f"tenant_{prefix}_{key}",
        )
        for prefix in ("tag", "key")
        for key in SORT_KEYS.values()
    ),
]


def rows(doc: Mapping[str, Any]) -> list[Document]:
    """The rows of one stored device."""
    base = {k: doc.get(k) for k in COPIED}
    return [
        {
            "_id": f"{doc['_id']}/{tag['key']}",
            "tenant_id": doc["tenant_id"],
            "device_id": doc["_id"],
            "key": tag["key"],
            "tag": f"{tag['key']}={tag.get('value', '')}",
            "version": int(doc.get("version", 0)),
            **base,
        }
        for tag in doc.get("tags") or []
        if doc.get("status") != "DELETED"
    ]


class TagRows:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[COLLECTION]

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def sync(self, doc: Mapping[str, Any], *, had_tags: bool = True) -> None:
        """Make the rows of ``doc`` (a device as stored) say what it says, unless newer rows do."""
        current = rows(doc)
        if not current and not had_tags:
            return
        version = int(doc.get("version", 0))
        ops: list[Any] = [
            UpdateOne({"_id": row["_id"], "version": {"$lt": version}}, {"$set": row}, upsert=True)
            for row in current
        ]
        ops.append(
            DeleteMany(
                {
                    "tenant_id": doc["tenant_id"],
                    "device_id": doc["_id"],
                    "key": {"$nin": [row["key"] for row in current]},
                    "version": {"$lt": version},
                }
            )
        )
        try:
            await self.collection.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:  # 11000: a newer row is there already (its writer won)
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise

    async def touch(self, tenant_id: str, device_id: str, fields: Mapping[str, Any]) -> None:
        """Copy fields changed without a new version (the last-seen key) onto the rows."""
        await self.collection.update_many(
            {"tenant_id": tenant_id, "device_id": device_id}, {"$set": dict(fields)}
        )

    async def device_ids(self, tenant_id: str, key: str) -> list[str]:
        """Devices carrying ``key`` (a tag key's forced deletion)."""
        cursor = self.collection.find({"tenant_id": tenant_id, "key": key}, {"device_id": 1})
        return [row["device_id"] async for row in cursor]
