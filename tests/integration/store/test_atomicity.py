"""Single-document writes are atomic: concurrent writers on separate connections never lose an
update, and a write guarded by its filter (a claim, a compare-and-set) has exactly one winner."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from infra.layout import Layout
from infra.servers.ferretdb import FerretDB
from tests.integration.store.conftest import WRITERS, Document

ROUNDS = 5


async def test_concurrent_inc_loses_no_update(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    await db.counters.insert_one({"_id": "c", "n": 0, "m": 0})

    async def bump(w: AsyncDatabase[Document]) -> None:
        for i in range(50):
            if i % 2:
                await w.counters.update_one({"_id": "c"}, {"$inc": {"n": 1}})
            else:
                await w.counters.find_one_and_update({"_id": "c"}, {"$inc": {"n": 1, "m": 1}})

    await asyncio.gather(*(bump(w) for w in writers))
    assert await db.counters.find_one({"_id": "c"}) == {"_id": "c", "n": WRITERS * 50, "m": WRITERS * 25}


async def test_a_claim_has_exactly_one_winner(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    for r in range(ROUNDS):
        await db.jobs.insert_one({"_id": f"job-{r}", "status": "pending"})

        async def claim(i: int, w: AsyncDatabase[Document], r: int = r) -> Document | None:
            return await w.jobs.find_one_and_update(
                {"_id": f"job-{r}", "status": "pending"},
                {"$set": {"status": "claimed", "by": i}},
                return_document=ReturnDocument.AFTER,
            )

        won = [doc for doc in await asyncio.gather(*(claim(i, w) for i, w in enumerate(writers))) if doc]
        assert len(won) == 1, f"round {r}: {len(won)} winners"
        assert await db.jobs.find_one({"_id": f"job-{r}"}) == won[0]


async def test_claims_from_a_queue_never_share_a_document(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    """Claims with a filter that many documents match (an outbox sweep, a monitor's due list)."""
    await db.queue.insert_many([{"_id": f"item-{i:02d}", "status": "pending"} for i in range(20)])

    async def drain(i: int, w: AsyncDatabase[Document]) -> list[str]:
        got = []
        while doc := await w.queue.find_one_and_update(
            {"status": "pending"}, {"$set": {"status": "claimed", "by": i}}, sort=[("_id", 1)]
        ):
            got.append(doc["_id"])
        return got

    claimed = [
        item for got in await asyncio.gather(*(drain(i, w) for i, w in enumerate(writers))) for item in got
    ]
    assert sorted(claimed) == [f"item-{i:02d}" for i in range(20)]  # each exactly once
    assert await db.queue.count_documents({"status": "pending"}) == 0


async def test_compare_and_set_on_the_etag_loses_no_update(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    await db.things.insert_one({"_id": "t", "etag": "0", "n": 0})

    async def change(i: int, w: AsyncDatabase[Document]) -> int:
        done = 0
        for k in range(10):
            while True:
                current = await w.things.find_one({"_id": "t"})
                assert current is not None
                written = await w.things.find_one_and_update(
                    {"_id": "t", "etag": current["etag"]},
                    {"$set": {"etag": f"{i}-{k}", "n": current["n"] + 1}},
                )
                if written is not None:
                    done += 1
                    break
        return done

    done = await asyncio.gather(*(change(i, w) for i, w in enumerate(writers)))
    assert sum(done) == WRITERS * 10
    assert (await db.things.find_one({"_id": "t"}) or {})["n"] == WRITERS * 10


async def test_a_single_use_document_is_used_once(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    for r in range(ROUNDS):
        await db.tokens.insert_many([{"_id": f"a-{r}", "etag": "e"}, {"_id": f"b-{r}", "etag": "e"}])
        taken = await asyncio.gather(*(w.tokens.find_one_and_delete({"_id": f"a-{r}"}) for w in writers))
        assert [doc for doc in taken if doc] == [{"_id": f"a-{r}", "etag": "e"}]
        deleted = await asyncio.gather(
            *(w.tokens.delete_one({"_id": f"b-{r}", "etag": "e"}) for w in writers)
        )
        assert sum(d.deleted_count for d in deleted) == 1
    assert await db.tokens.count_documents({}) == 0


async def test_a_guarded_delete_spares_a_document_changed_meanwhile(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]]
) -> None:
    """delete_many's filter is checked on each document as it is deleted, not as first read."""
    await db.leases.insert_many([{"_id": i, "owner": "a"} for i in range(200)])
    moved, deleted = await asyncio.gather(
        writers[0].leases.update_many({}, {"$set": {"owner": "b"}}),
        writers[1].leases.delete_many({"owner": "a"}),
    )
    left = await db.leases.find().to_list()
    assert moved.modified_count + deleted.deleted_count == 200  # each one moved or deleted, never both
    assert len(left) == 200 - deleted.deleted_count
    assert all(doc["owner"] == "b" for doc in left)


@contextmanager
def another_store_process(layout: Layout) -> Iterator[str]:
    """A second FerretDB process on the same PostgreSQL (a second replica's), on a free port;
    yields its URL. Started after the test's collections exist: FerretDB reads its catalog once."""
    argv = FerretDB(layout).command()
    argv[argv.index("--listen-addr") + 1] = f"{layout.host}:0"
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        served = re.search(r"mongodb://\S+", proc.stderr.readline())  # "ferretdb v…: serving <url> (…)"
        assert served, "the second FerretDB did not start"
        yield served.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_writers_through_two_store_processes_keep_the_guarantees(
    db: AsyncDatabase[Document], writers: list[AsyncDatabase[Document]], layout: Layout
) -> None:
    await db.counters.insert_one({"_id": "c", "n": 0})
    await db.jobs.insert_many([{"_id": f"job-{r}", "status": "pending"} for r in range(ROUNDS)])
    with another_store_process(layout) as url:
        client: AsyncMongoClient[Document] = AsyncMongoClient(url, tz_aware=True)
        half = WRITERS // 2
        both = [*writers[:half], *(AsyncMongoClient(url)[db.name] for _ in range(half))]
        try:
            await asyncio.gather(
                *(w.counters.update_one({"_id": "c"}, {"$inc": {"n": 1}}) for w in both for _ in range(50))
            )
            for r in range(ROUNDS):
                won = await asyncio.gather(
                    *(
                        w.jobs.find_one_and_update(
                            {"_id": f"job-{r}", "status": "pending"}, {"$set": {"status": i}}
                        )
                        for i, w in enumerate(both)
                    )
                )
                assert len([doc for doc in won if doc]) == 1, f"round {r}"
            assert await client[db.name].counters.find_one({"_id": "c"}) == {"_id": "c", "n": WRITERS * 50}
        finally:
            for w in both[half:]:
                await w.client.close()
            await client.close()
