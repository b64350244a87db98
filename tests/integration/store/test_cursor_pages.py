"""Cursor pages (sort + range on the last item served + limit) stay correct while documents are
inserted: every document that existed before the first page is served exactly once, in order."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.store.conftest import Document

BASE = datetime(2025, 1, 1, tzinfo=UTC)
PAGE = 50


def item(i: int, at: datetime, tenant: str = "t") -> Document:
    return {"_id": f"id-{i:06d}", "tenant_id": tenant, "status": "ONLINE", "create_time": at}


async def test_pages_stay_stable_under_concurrent_inserts(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    rng = random.Random(3)  # noqa: S311 - reproducible times, not secrets
    await db.items.create_index([("tenant_id", 1), ("status", 1), ("create_time", 1), ("_id", 1)])
    # several items per timestamp: the _id breaks the ties
    seeded = [item(i, BASE + timedelta(seconds=i // 3)) for i in range(2000)]
    await db.items.insert_many([*seeded, *(item(10_000 + i, BASE, "other") for i in range(300))])
    stop = asyncio.Event()

    async def insert(w: AsyncDatabase[Document], k: int) -> int:
        n = 0
        while not stop.is_set():
            i = 100_000 * (k + 1) + n
            # before, amid and after the items already there, some at the very same times
            at = BASE + timedelta(seconds=rng.randrange(-60, 800), milliseconds=rng.choice((0, 0, 500)))
            await w.items.insert_one(item(i, at))
            n += 1
        return n

    inserters = [asyncio.create_task(insert(w, k)) for k, w in enumerate(writers[:4])]
    served: list[Document] = []
    query: Document = {"tenant_id": "t", "status": "ONLINE"}
    while page := await db.items.find(query).sort([("create_time", 1), ("_id", 1)]).limit(PAGE).to_list():
        served += page
        last = page[-1]
        query = {
            "tenant_id": "t",
            "status": "ONLINE",
            "$or": [
                {"create_time": {"$gt": last["create_time"]}},
                {"create_time": last["create_time"], "_id": {"$gt": last["_id"]}},
            ],
        }
        await asyncio.sleep(0)  # let the inserters in between pages
    stop.set()
    inserted = sum(await asyncio.gather(*inserters))

    keys = [(d["create_time"], d["_id"]) for d in served]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # in order, none twice
    ids = {d["_id"] for d in served}
    assert {d["_id"] for d in seeded} <= ids  # every item there before the first page
    assert inserted > 0 and all(d["tenant_id"] == "t" for d in served)
