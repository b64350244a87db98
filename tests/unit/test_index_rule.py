"""The kit's index rule: a tenant's queries are served by indexes that start with tenant_id, and
an index that does not must be declared cross-tenant (a platform job's range)."""

from __future__ import annotations

import pytest
from pymongo import ASCENDING, AsyncMongoClient, IndexModel

from services.kit.mongo import ensure_indexes


async def test_an_index_not_starting_with_tenant_id_is_refused_before_the_store_is_asked() -> None:
    # nothing listens on port 9: the refusal comes before any round trip
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/", serverSelectionTimeoutMS=200
    )
    due = IndexModel([("next_check", ASCENDING)], name="due")
    try:
        with pytest.raises(ValueError, match="index due on things must start with tenant_id"):
            await ensure_indexes(client["db"]["things"], [due])
    finally:
        await client.close()
