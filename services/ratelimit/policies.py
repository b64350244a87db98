"""Tenants' rate-limit policies in MongoDB ``rate_limits`` (one document per tenant). Checks read
them through the kit's ``PolicyCache`` (services/kit/ratelimit/policies.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from services.kit.errors import EtagMismatch
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes, now
from services.kit.ratelimit.limits import Limits
from services.kit.ratelimit.policies import Policy
from services.kit.resources import new_etag

log = get_logger(__name__)

RESOURCE_NAME = "rateLimitPolicy"
INDEXES = [IndexModel([("tenant_id", ASCENDING)], unique=True, name="tenant")]


def _limits(doc: Any) -> Limits:
    doc = doc or {}
    return Limits(int(doc.get("per_minute", 0)), int(doc.get("per_hour", 0)), int(doc.get("per_day", 0)))


def _from_doc(tenant_id: str, doc: Document | None) -> Policy:
    if doc is None:
        return Policy(tenant_id)
    return Policy(
        tenant_id=tenant_id,
        tenant=_limits(doc.get("tenant_limits")),
        api_key=_limits(doc.get("api_key_limits")),
        update_time=doc.get("update_time"),
        etag=str(doc.get("etag", "")),
    )


class PolicyRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db["rate_limits"]

    async def init(self) -> None:
        await ensure_indexes(self.collection, INDEXES)

    async def init_in_background(self, retry_s: float = 5.0) -> None:
        """``init`` until it succeeds: the limiter starts (and limits, with the defaults) even
        while MongoDB is unreachable."""
        while True:
            try:
                await asyncio.wait_for(self.init(), timeout=10)
                return
            except (PyMongoError, TimeoutError) as exc:
                log.warning("rate_limits indexes not created yet; retrying", error=repr(exc))
                await asyncio.sleep(retry_s)

    async def get(self, tenant_id: str) -> Policy:
        doc = await self.collection.find_one({"_id": tenant_id, "tenant_id": tenant_id})
        return _from_doc(tenant_id, doc)

    async def update(self, tenant_id: str, changes: dict[str, Limits], expected_etag: str) -> Policy:
        """Set the given fields (``tenant_limits``/``api_key_limits``) in one document write.
        A non-empty ``expected_etag`` must match the stored one (a tenant with no document has
        the empty etag), else EtagMismatch."""
        update = {
            "$set": {
                **{name: limits.as_dict() for name, limits in changes.items()},
                "tenant_id": tenant_id,
                "update_time": now(),
                "etag": new_etag(),
            }
        }
        query: Document = {"_id": tenant_id, "tenant_id": tenant_id}
        if expected_etag:
            query["etag"] = expected_etag
        doc = await self.collection.find_one_and_update(
            query, update, upsert=not expected_etag, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise EtagMismatch(RESOURCE_NAME)
        return _from_doc(tenant_id, doc)
