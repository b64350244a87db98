"""Unique indexes answer E11000 (DuplicateKeyError, code 11000) on insert, update, findAndModify
and upsert, and change nothing; documents missing an indexed field are duplicates of each other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tests.integration.store.conftest import Document

USERS = [
    {"_id": "u1", "tenant_id": "a", "email_key": "ann@example.com", "n": 1},
    {"_id": "u2", "tenant_id": "a", "email_key": "bob@example.com", "n": 2},
    {"_id": "u3", "tenant_id": "b", "email_key": "ann@example.com", "n": 3},  # other tenant: allowed
]


@pytest.fixture
async def users(db: AsyncDatabase[Document]) -> Any:
    await db.users.create_index([("tenant_id", 1), ("email_key", 1)], unique=True, name="tenant_email")
    await db.users.insert_many(USERS)
    return db.users


async def refused(write: Callable[[], Awaitable[object]]) -> None:
    with pytest.raises(DuplicateKeyError) as caught:
        await write()
    assert caught.value.code == 11000
    assert "E11000" in str(caught.value)


async def test_insert_of_a_duplicate(users: Any) -> None:
    await refused(lambda: users.insert_one({"_id": "u4", "tenant_id": "a", "email_key": "ann@example.com"}))
    assert await users.find().sort("_id", 1).to_list() == USERS


async def test_update_to_a_duplicate(users: Any) -> None:
    await refused(lambda: users.update_one({"_id": "u2"}, {"$set": {"email_key": "ann@example.com", "n": 9}}))
    await refused(
        lambda: users.find_one_and_update(
            {"_id": "u2"}, {"$set": {"email_key": "ann@example.com"}}, return_document=ReturnDocument.AFTER
        )
    )
    await refused(
        lambda: users.replace_one({"_id": "u2"}, {"tenant_id": "a", "email_key": "ann@example.com"})
    )
    assert await users.find().sort("_id", 1).to_list() == USERS


async def test_upsert_of_a_duplicate(users: Any) -> None:
    await refused(
        lambda: users.update_one(
            {"_id": "u9"}, {"$set": {"tenant_id": "a", "email_key": "bob@example.com"}}, upsert=True
        )
    )
    await refused(
        lambda: users.find_one_and_update(
            {"tenant_id": "a", "email_key": "bob@example.com", "n": 7}, {"$set": {"x": 1}}, upsert=True
        )
    )
    assert await users.find().sort("_id", 1).to_list() == USERS


async def test_documents_missing_the_field_are_duplicates(users: Any) -> None:
    await users.insert_one({"_id": "m1", "tenant_id": "a"})
    await refused(lambda: users.insert_one({"_id": "m2", "tenant_id": "a"}))
    await refused(lambda: users.update_one({"_id": "u2"}, {"$unset": {"email_key": ""}}))
    await users.insert_one({"_id": "m3", "tenant_id": "b"})  # another tenant's key
    assert [
        d["_id"] for d in await users.find({"email_key": {"$exists": False}}).sort("_id", 1).to_list()
    ] == [
        "m1",
        "m3",
    ]


async def test_a_duplicate_id_is_refused(db: AsyncDatabase[Document]) -> None:
    await db.things.insert_one({"_id": "x", "v": 1})
    await refused(lambda: db.things.insert_one({"_id": "x", "v": 2}))
    with pytest.raises(BulkWriteError) as caught:  # ordered: what precedes the duplicate is written
        await db.things.insert_many([{"_id": "y"}, {"_id": "x", "v": 3}, {"_id": "z"}])
    assert [e["code"] for e in caught.value.details["writeErrors"]] == [11000]
    assert await db.things.find().sort("_id", 1).to_list() == [{"_id": "x", "v": 1}, {"_id": "y"}]
