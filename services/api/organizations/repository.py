"""Organizations in MongoDB. Every call takes the tenant; every index starts with tenant_id."""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.api.organizations.model import Organization, Status
from services.kit.cache import Cache
from services.kit.errors import AlreadyExists
from services.kit.mongo import Document, ensure_indexes

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


def now() -> datetime:
    """UTC now at millisecond precision: what MongoDB stores, so values round-trip equal."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def new_etag() -> str:
    return secrets.token_hex(8)


class OrganizationRepository:
    def __init__(self, db: AsyncDatabase[Document], cache: Cache | None = None) -> None:
        self.orgs = db["organizations"]
        self.devices = db["devices"]
        self.cache = cache

    async def init(self) -> None:
        await ensure_indexes(self.orgs, INDEXES)

    async def insert(self, org: Organization) -> Organization:
        stamped = replace(org, create_time=now(), etag=new_etag())
        stamped.update_time = stamped.create_time
        try:
            await self.orgs.insert_one(_to_doc(stamped))
        except DuplicateKeyError:
            raise _name_taken(org.display_name) from None
        return stamped

    async def get(self, *, tenant_id: str, org_id: str) -> Organization | None:
        doc = await self.cache.get(tenant_id, org_id) if self.cache else None
        if doc is None:
            doc = await self.orgs.find_one({"_id": org_id, "tenant_id": tenant_id})
            if doc and self.cache:
                await self.cache.put(tenant_id, org_id, doc)
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
        self, *, tenant_id: str, org_id: str, changes: dict[str, Any], expected_etag: str | None
    ) -> Organization | None:
        """Apply ``changes`` atomically if the etag still matches; None when no document did."""
        query: dict[str, Any] = {"_id": org_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        sets = {**changes, "update_time": now(), "etag": new_etag()}
        if "display_name" in changes:
            sets["display_name_key"] = changes["display_name"].lower()
        try:
            doc = await self.orgs.find_one_and_update(
                query, {"$set": sets}, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            raise _name_taken(changes["display_name"]) from None
        if doc and self.cache:
            await self.cache.invalidate(tenant_id, org_id)
        return _from_doc(doc) if doc else None

    async def count_active_devices(self, *, tenant_id: str, org_name: str) -> int:
        return await self.devices.count_documents(
            {"tenant_id": tenant_id, "organization": org_name, "status": {"$nin": INACTIVE_DEVICE_STATUSES}}
        )


def _name_taken(display_name: str) -> AlreadyExists:
    return AlreadyExists(f"an organization named {display_name!r} already exists")


def _to_doc(org: Organization) -> Document:
    doc = asdict(org)
    doc["_id"] = doc.pop("id")
    doc["status"] = org.status.value
    doc["display_name_key"] = org.display_name.lower()
    return doc


def _from_doc(doc: Document) -> Organization:
    doc = dict(doc)
    doc.pop("display_name_key", None)
    return Organization(id=doc.pop("_id"), status=Status(doc.pop("status")), **doc)
