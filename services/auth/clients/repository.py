"""OAuth clients in MongoDB (``oauth_clients``, _id = client_id)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from services.auth.clients.model import ClientType, Grant, OAuthClient, Purpose
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.resources import new_etag

INDEXES = [
    IndexModel(
        [("tenant_id", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)], name="tenant_created"
    )
]


class ClientRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.clients = db["oauth_clients"]

    async def init(self) -> None:
        await ensure_indexes(self.clients, INDEXES)

    async def insert(self, client: OAuthClient) -> OAuthClient:
        client.create_time = client.update_time = now()
        client.etag = new_etag()
        await self.clients.insert_one(client_document(client))
        return client

    async def get(self, *, tenant_id: str, client_id: str) -> OAuthClient | None:
        doc = await self.clients.find_one({"_id": client_id, "tenant_id": tenant_id})
        return _from_doc(doc) if doc else None

    async def find_page(
        self,
        *,
        tenant_id: str,
        purpose: Purpose | None,
        search: str,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[OAuthClient]:
        query: dict[str, Any] = {"tenant_id": tenant_id}
        query["purpose"] = purpose.value if purpose else {"$ne": Purpose.AGENT.value}
        if search:
            pattern = re.escape(search)
            query["$or"] = [
                {"display_name": {"$regex": pattern, "$options": "i"}},
                {"_id": {"$regex": pattern}},
            ]
        if after:
            t, last_id = after
            query["$and"] = [
                {"$or": [{"create_time": {"$gt": t}}, {"create_time": t, "_id": {"$gt": last_id}}]}
            ]
        cursor = self.clients.find(query).sort([("create_time", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [_from_doc(d) async for d in cursor]

    async def update(
        self, *, tenant_id: str, client_id: str, changes: dict[str, Any], etag: str
    ) -> OAuthClient | None:
        query: dict[str, Any] = {"_id": client_id, "tenant_id": tenant_id}
        if etag:
            query["etag"] = etag
        doc = await self.clients.find_one_and_update(
            query,
            {"$set": {**changes, "update_time": now(), "etag": new_etag()}},
            return_document=ReturnDocument.AFTER,
        )
        return _from_doc(doc) if doc else None

    async def delete_tenant(self, tenant_id: str) -> None:
        await self.clients.delete_many({"tenant_id": tenant_id})

    async def delete(self, *, tenant_id: str, client_id: str, etag: str) -> OAuthClient | None:
        """Remove the client (only in the state ``etag`` names, when given); what was removed."""
        query: dict[str, Any] = {"_id": client_id, "tenant_id": tenant_id}
        if etag:
            query["etag"] = etag
        doc = await self.clients.find_one_and_delete(query)
        return _from_doc(doc) if doc else None


def to_storage(changes: dict[str, Any]) -> dict[str, Any]:
    """Domain values → document values (enums as their names)."""
    out = dict(changes)
    if "grant_types" in out:
        out["grant_types"] = [Grant(g).value for g in out["grant_types"]]
    return out


def client_document(client: OAuthClient) -> Document:
    """The stored form of a client."""
    doc = asdict(client)
    doc["_id"] = doc.pop("id")
    doc["client_type"] = client.client_type.value
    doc["purpose"] = client.purpose.value
    doc["grant_types"] = [g.value for g in client.grant_types]
    return doc


def _from_doc(doc: Document) -> OAuthClient:
    doc = dict(doc)
    return OAuthClient(
        id=doc.pop("_id"),
        client_type=ClientType(doc.pop("client_type")),
        purpose=Purpose(doc.pop("purpose")),
        grant_types=[Grant(g) for g in doc.pop("grant_types")],
        **doc,
    )
