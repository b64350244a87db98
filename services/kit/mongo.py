"""MongoDB access shared by services: one async client per process, tenant-first indexes.

PyMongo's native async API (``AsyncMongoClient``), not Motor (deprecated). One code path for
MongoDB and the embedded store (decision 0017): single-document atomicity, no multi-document
transactions, and none of the few features the embedded store lacks (docs/services.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle

Document = dict[str, Any]


def now() -> datetime:
    """UTC now at millisecond precision: what MongoDB stores, so values round-trip equal."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def connect(settings: Settings, lifecycle: Lifecycle) -> AsyncDatabase[Document]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongo_url, tz_aware=True, serverSelectionTimeoutMS=5_000, appname=settings.service_name
    )
    lifecycle.on_shutdown("mongo", client.close)
    return client[settings.mongo_database]


async def ensure_indexes(
    collection: AsyncCollection[Document],
    indexes: Sequence[IndexModel],
    *,
    cross_tenant: Sequence[IndexModel] = (),
) -> None:
    """Create indexes idempotently. Every index must start with tenant_id (isolation and speed),
    but those named in ``cross_tenant``: the ranges the platform's own jobs read across every
    tenant (a sweep of what is due), never a query a tenant's request makes."""
    for index in indexes:
        first = next(iter(index.document["key"]))
        if first != "tenant_id":
            raise ValueError(f"index {index.document['name']} on {collection.name} must start with tenant_id")
    # One command per index (every restart names indexes that exist): the embedded store does
    # not take several existing ones in one createIndexes (docs/services.md).
    for index in [*indexes, *cross_tenant]:
        await collection.create_indexes([index])
