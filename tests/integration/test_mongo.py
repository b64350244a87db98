"""FerretDB through PyMongo's native async client, the way the services will use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.kit.config import Settings


@pytest.fixture
async def db(settings: Settings, unique: str) -> AsyncIterator[object]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    yield client[f"test_{unique}"]
    await client.drop_database(f"test_{unique}")
    await client.close()


async def test_insert_find_and_unique_index(db) -> None:  # type: ignore[no-untyped-def]
    devices = db.devices
    await devices.create_index([("tenant_id", 1), ("serial", 1)], unique=True)
    await devices.insert_one({"tenant_id": "a", "serial": "S1", "hostname": "h1"})
    await devices.insert_one({"tenant_id": "b", "serial": "S1", "hostname": "h2"})  # other tenant: allowed

    with pytest.raises(DuplicateKeyError):
        await devices.insert_one({"tenant_id": "a", "serial": "S1", "hostname": "dup"})

    found = await devices.find({"tenant_id": "a"}, {"_id": 0}).to_list()
    assert found == [{"tenant_id": "a", "serial": "S1", "hostname": "h1"}]


async def test_find_one_and_update_is_atomic_and_returns_after(db) -> None:  # type: ignore[no-untyped-def]
    await db.counters.insert_one({"_id": "c", "tenant_id": "a", "n": 0})
    doc = await db.counters.find_one_and_update(
        {"_id": "c", "tenant_id": "a"}, {"$inc": {"n": 5}}, return_document=ReturnDocument.AFTER
    )
    assert doc["n"] == 5
    assert (await db.counters.find_one({"_id": "c"}))["n"] == 5
    missing = await db.counters.find_one_and_update({"_id": "c", "tenant_id": "b"}, {"$inc": {"n": 1}})
    assert missing is None  # another tenant's filter matches nothing


async def test_aggregation_group_and_sort(db) -> None:  # type: ignore[no-untyped-def]
    await db.events.insert_many([{"tenant_id": "a", "kind": k} for k in ("x", "y", "x", "x")])
    rows = await (
        await db.events.aggregate(
            [
                {"$match": {"tenant_id": "a"}},
                {"$group": {"_id": "$kind", "n": {"$sum": 1}}},
                {"$sort": {"n": -1}},
            ]
        )
    ).to_list()
    assert rows == [{"_id": "x", "n": 3}, {"_id": "y", "n": 1}]
