"""Tenants (``tenants``, _id = tenant id) and claimed email domains (``email_domains``,
_id = domain, so a domain can belong to one tenant only) in MongoDB."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.auth.tenants.model import Tenant, TenantStatus
from services.kit.errors import AlreadyExists
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

#: A registration that crashed half-way leaves a PROVISIONING tenant; after this long its id
#: may be registered again (the remnants are replaced).
STALE_PROVISIONING = timedelta(minutes=10)


class TenantRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.tenants = db["tenants"]
        self.domains = db["email_domains"]

    async def init(self) -> None:
        await ensure_indexes(self.tenants, [IndexModel([("tenant_id", ASCENDING)], name="tenant")])
        await ensure_indexes(self.domains, [IndexModel([("tenant_id", ASCENDING)], name="tenant")])

    async def claim_id(self, tenant: Tenant) -> Tenant:
        """Insert a PROVISIONING tenant; ALREADY_EXISTS when the id is taken."""
        tenant.create_time = tenant.update_time = now()
        tenant.etag = new_etag()
        try:
            await self.tenants.insert_one(_to_doc(tenant))
        except DuplicateKeyError:
            stale = now() - STALE_PROVISIONING
            old = await self.tenants.find_one_and_replace(
                {"_id": tenant.id, "status": TenantStatus.PROVISIONING.value, "create_time": {"$lt": stale}},
                _to_doc(tenant),
            )
            if old is None:
                raise AlreadyExists(f"tenant id {tenant.id!r} is taken") from None
        return tenant

    async def claim_domain(self, *, domain: str, tenant_id: str) -> None:
        try:
            await self.domains.insert_one({"_id": domain, "tenant_id": tenant_id, "create_time": now()})
        except DuplicateKeyError:
            owner = await self.domains.find_one({"_id": domain})
            if owner is None or owner["tenant_id"] != tenant_id:
                raise AlreadyExists(f"the email domain {domain!r} is already claimed") from None

    async def release_domain(self, *, domain: str, tenant_id: str) -> None:
        await self.domains.delete_one({"_id": domain, "tenant_id": tenant_id})

    async def find_page(
        self, *, status: TenantStatus | None, search: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[Tenant]:
        """All tenants (platform operators), oldest first; never PROVISIONING ones."""
        query: dict[str, Any] = {
            "status": status.value
            if status
            else {"$nin": [TenantStatus.PROVISIONING.value, TenantStatus.DELETED.value]}
        }
        if search:
            pattern = re.escape(search)
            query["$or"] = [
                {"_id": {"$regex": pattern, "$options": "i"}},
                {"display_name": {"$regex": pattern, "$options": "i"}},
            ]
        if after:
            at, last_id = after
            query["$and"] = [
                {"$or": [{"create_time": {"$gt": at}}, {"create_time": at, "_id": {"$gt": last_id}}]}
            ]
        cursor = self.tenants.find(query).sort([("create_time", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def release_domains(self, tenant_id: str) -> None:
        await self.domains.delete_many({"tenant_id": tenant_id})

    async def domain_owner(self, domain: str) -> str | None:
        doc = await self.domains.find_one({"_id": domain})
        return str(doc["tenant_id"]) if doc else None

    async def get(self, tenant_id: str) -> Tenant | None:
        doc = await self.tenants.find_one({"_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def get_many(self, tenant_ids: list[str]) -> list[Tenant]:
        return [_from_doc(d) async for d in self.tenants.find({"_id": {"$in": tenant_ids}})]

    async def statuses(self) -> dict[str, TenantStatus]:
        """Every tenant's status (for the all-tenants JWKS), id → status."""
        cursor = self.tenants.find({}, projection={"status": 1})
        return {d["_id"]: TenantStatus(d["status"]) async for d in cursor}

    async def update(
        self, tenant_id: str, changes: dict[str, Any], *, expect: dict[str, Any]
    ) -> Tenant | None:
        """Apply ``changes`` when the stored tenant matches ``expect``; None when it did not."""
        query = {"_id": tenant_id, **expect}
        doc = await self.tenants.find_one_and_update(
            query,
            {"$set": {**changes, "update_time": now(), "etag": new_etag()}},
            return_document=ReturnDocument.AFTER,
        )
        return _from_doc(doc) if doc else None

    async def delete_provisioning(self, tenant_id: str) -> None:
        await self.tenants.delete_one({"_id": tenant_id, "status": TenantStatus.PROVISIONING.value})


def _to_doc(tenant: Tenant) -> Document:
    doc = asdict(tenant)
    doc["_id"] = doc.pop("id")
    doc["tenant_id"] = tenant.id  # every document has tenant_id (and indexes start with it)
    doc["status"] = tenant.status.value
    return doc


def _from_doc(doc: Document) -> Tenant:
    doc = dict(doc)
    doc.pop("tenant_id", None)
    return Tenant(id=doc.pop("_id"), status=TenantStatus(doc.pop("status")), **doc)


def is_stale(create_time: datetime | None) -> bool:
    return create_time is not None and create_time < now() - STALE_PROVISIONING
