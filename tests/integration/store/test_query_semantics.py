"""Queries the backend answers itself (filter, sort and limit in SQL, served by indexes) match
exactly the documents MongoDB would: BSON types are compared within their type (a date is not
the number of its milliseconds, an ObjectId not its hex string), null matches missing fields,
and a field that holds an array in any document is matched by its elements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.store.conftest import Document

OID = ObjectId("65a1b2c3d4e5f60718293a4b")
VALUES: dict[str, Any] = {
    "int": 5,
    "double": 5.0,
    "big": 7.5,
    "string": "5",
    "oid-hex": str(OID),
    "oid": OID,
    "date": datetime.fromtimestamp(0.005, UTC),  # 5 ms: the same JSON number as 5
    "true": True,
    "null": None,
}


@pytest.fixture
async def values(db: AsyncDatabase[Document]) -> Any:
    await db.values.create_index([("tenant_id", 1), ("v", 1)])
    await db.values.insert_many([{"_id": k, "tenant_id": "t", "v": v} for k, v in VALUES.items()])
    await db.values.insert_one({"_id": "missing", "tenant_id": "t"})
    return db.values


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (5, ["double", "int"]),
        ({"$gt": 1}, ["big", "double", "int"]),
        ({"$lte": 5}, ["double", "int"]),
        ({"$gte": datetime.fromtimestamp(0, UTC)}, ["date"]),
        ({"$gt": "4"}, ["oid-hex", "string"]),
        (OID, ["oid"]),
        (str(OID), ["oid-hex"]),
        (None, ["missing", "null"]),
        ({"$ne": 5}, ["big", "date", "missing", "null", "oid", "oid-hex", "string", "true"]),
        ({"$in": [5, "5", True]}, ["double", "int", "string", "true"]),
        ({"$in": [OID, "5"]}, ["oid", "string"]),  # not the string spelling OID's hex
        ({"$in": [7.5, VALUES["date"]]}, ["big", "date"]),  # the date, not the numbers 5
        ({"$nin": [5, None]}, ["big", "date", "oid", "oid-hex", "string", "true"]),
        ({"$exists": False}, ["missing"]),
        ({"$in": []}, []),
    ],
)
async def test_types_are_compared_within_their_type(values: Any, condition: Any, expected: list[str]) -> None:
    query = {"tenant_id": "t", "v": condition}
    found = await values.find(query).sort([("v", 1), ("_id", 1)]).limit(20).to_list()
    assert sorted(d["_id"] for d in found) == expected
    explained = await values.database.command(
        {"explain": {"find": "values", "filter": query, "sort": {"v": 1, "_id": 1}, "limit": 20}}
    )
    assert explained["limitPushdown"]  # the SQL alone chose these 20 at most


async def test_a_field_that_becomes_an_array_is_matched_by_its_elements(db: AsyncDatabase[Document]) -> None:
    await db.tags.create_index([("tenant_id", 1), ("tag", 1)])
    await db.tags.insert_many([{"_id": i, "tenant_id": "t", "tag": "a" if i % 2 else "b"} for i in range(10)])

    async def tagged(tag: str) -> list[int]:
        found = db.tags.find({"tenant_id": "t", "tag": tag}).sort("_id", 1).limit(3)
        return [d["_id"] async for d in found]

    assert await tagged("a") == [1, 3, 5]
    await db.tags.insert_one({"_id": -1, "tenant_id": "t", "tag": ["x", "a"]})
    await db.tags.update_one({"_id": 0}, {"$set": {"tag": ["a", "b"]}})
    assert await tagged("a") == [-1, 0, 1]
    assert await tagged("x") == [-1]


async def test_what_the_backend_cannot_apply_is_applied_by_the_handler(db: AsyncDatabase[Document]) -> None:
    await db.names.insert_many(
        [{"_id": i, "tenant_id": "t", "name": f"{c}{i}"} for i, c in enumerate("abcab" * 20)]
    )
    query = {"tenant_id": "t", "name": {"$regex": "^a"}}
    found = await db.names.find(query).sort("_id", -1).limit(5).to_list()
    assert [d["_id"] for d in found] == [98, 95, 93, 90, 88]
    explained = await db.command(
        {"explain": {"find": "names", "filter": query, "sort": {"_id": -1}, "limit": 5}}
    )
    assert explained["filterPushdown"] and not explained["limitPushdown"]
