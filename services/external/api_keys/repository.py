"""API keys in MongoDB. Management calls take the tenant; verification looks a key up by its id
(the id is global and random; the record then names the tenant)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.external.api_keys.model import ApiKey, Limits
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

COLLECTION = "api_keys"
INDEXES = [
    # list: newest first, stable order by creation time then id
    IndexModel(
        [("tenant_id", ASCENDING), ("create_time", DESCENDING), ("_id", DESCENDING)], name="tenant_created"
    ),
]


class ApiKeyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.keys = db[COLLECTION]

    async def init(self) -> None:
        await ensure_indexes(self.keys, INDEXES)

    async def insert(self, key: ApiKey) -> ApiKey:
        key.create_time = key.update_time = now()
        key.etag = new_etag()
        await self.keys.insert_one(_to_doc(key))
        return key

    async def get(self, *, tenant_id: str, key_id: str) -> ApiKey | None:
        doc = await self.keys.find_one({"_id": key_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def get_for_verification(self, key_id: str) -> ApiKey | None:
        """By id alone: the edge's check does not know the tenant before it finds the key."""
        doc = await self.keys.find_one({"_id": key_id})
        return _from_doc(doc) if doc else None

    async def find_page(
        self,
        *,
        tenant_id: str,
        status_query: dict[str, Any],
        search: str,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ApiKey]:
        query: dict[str, Any] = {"tenant_id": tenant_id, **status_query}
        if search:
            pattern = re.escape(search.lower())
            query["$and"] = [
                {"$or": [{"display_name_key": {"$regex": pattern}}, {"_id": {"$regex": pattern}}]}
            ]
        if after:
            t, last_id = after
            query["$or"] = [{"create_time": {"$lt": t}}, {"create_time": t, "_id": {"$lt": last_id}}]
        cursor = self.keys.find(query).sort([("create_time", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def update(
        self, *, tenant_id: str, key_id: str, changes: dict[str, Any], expected_etag: str | None
    ) -> ApiKey | None:
        """Apply ``changes`` atomically if the etag still matches; None when no document did."""
        query: dict[str, Any] = {"_id": key_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        sets = {**changes, "update_time": now(), "etag": new_etag()}
        if "display_name" in changes:
            sets["display_name_key"] = changes["display_name"].lower()
        if "rate_limits" in sets and isinstance(sets["rate_limits"], Limits):
            sets["rate_limits"] = asdict(sets["rate_limits"])
        doc = await self.keys.find_one_and_update(query, {"$set": sets}, return_document=ReturnDocument.AFTER)
        return _from_doc(doc) if doc else None

    async def delete(self, *, tenant_id: str, key_id: str) -> bool:
        result = await self.keys.delete_one({"_id": key_id, "tenant_id": tenant_id})
        return result.deleted_count == 1

    async def record_uses(self, uses: dict[str, tuple[datetime, str]]) -> None:
        """Last-use times of many keys in one round trip (never moves a time backwards)."""
        if not uses:
            return
        ops = [
            UpdateOne(
                {"_id": key_id, "$or": [{"last_use_time": None}, {"last_use_time": {"$lt": when}}]},
                {"$set": {"last_use_time": when, "last_use_ip": ip}},
            )
            for key_id, (when, ip) in uses.items()
        ]
        await self.keys.bulk_write(ops, ordered=False)


def _to_doc(key: ApiKey) -> Document:
    doc = asdict(key)
    doc["_id"] = doc.pop("id")
    doc["display_name_key"] = key.display_name.lower()
    return doc


def _from_doc(doc: Document) -> ApiKey:
    doc = dict(doc)
    doc.pop("display_name_key", None)
    limits = doc.pop("rate_limits", None) or {}
    return ApiKey(id=doc.pop("_id"), rate_limits=Limits(**limits), **doc)
