"""Signing keys in MongoDB (``signing_keys``). The private key is stored only sealed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.keys.model import SigningKey
from services.kit.mongo import Document, ensure_indexes

INDEXES = [IndexModel([("tenant_id", ASCENDING), ("create_time", DESCENDING)], name="tenant_created")]


class SigningKeyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.keys = db["signing_keys"]

    async def init(self) -> None:
        await ensure_indexes(self.keys, INDEXES)

    async def insert(self, key: SigningKey) -> None:
        await self.keys.insert_one(_to_doc(key))

    async def delete(self, *, tenant_id: str, key_id: str) -> None:
        await self.keys.delete_one({"_id": key_id, "tenant_id": tenant_id})

    async def delete_tenant(self, tenant_id: str) -> None:
        await self.keys.delete_many({"tenant_id": tenant_id})

    async def get(self, *, tenant_id: str, key_id: str) -> SigningKey | None:
        doc = await self.keys.find_one({"_id": key_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def for_tenant(self, tenant_id: str) -> list[SigningKey]:
        """Every key of a tenant, newest first (a handful: one per rotation)."""
        cursor = self.keys.find({"tenant_id": tenant_id}).sort(
            [("create_time", DESCENDING), ("_id", DESCENDING)]
        )
        return [_from_doc(d) async for d in cursor]

    async def unretired(self, at: datetime) -> list[SigningKey]:
        """Keys of all tenants still in a JWKS at ``at`` (for the all-tenants JWKS)."""
        query: dict[str, Any] = {"$or": [{"retire_time": None}, {"retire_time": {"$gt": at}}]}
        return [_from_doc(d) async for d in self.keys.find(query)]

    async def deactivate(self, *, tenant_id: str, key_id: str, at: datetime, retire_at: datetime) -> None:
        await self.keys.update_one(
            {"_id": key_id, "tenant_id": tenant_id, "deactivate_time": None},
            {"$set": {"deactivate_time": at, "retire_time": retire_at}},
        )


def _to_doc(key: SigningKey) -> Document:
    doc = asdict(key)
    doc["_id"] = doc.pop("id")
    doc["kid"] = key.kid
    doc["algorithm"] = "RS256"
    return doc


def _from_doc(doc: Document) -> SigningKey:
    doc = dict(doc)
    doc.pop("kid", None)
    doc.pop("algorithm", None)
    return SigningKey(id=doc.pop("_id"), **doc)
