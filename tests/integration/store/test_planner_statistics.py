"""The planner knows what a filter on indexed fields matches, so a page is read in index order.

The store checks each compared field's type next to the comparison; without statistics of that
check PostgreSQL took every such filter for 0.5 % of the rows, and for a broad prefix search
sorted by another field it sorted every match instead of reading the sort's index until the page
was full (infra/go/ferretdb/patches/0006-type-statistics.patch)."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.store.conftest import Document
from tests.integration.store.test_index_use import plan_nodes

TOP = "\U0010ffff"  # above every character: the end of a prefix's range


async def test_a_broad_prefix_sorted_by_another_field_reads_the_sorts_index(
    db: AsyncDatabase[Document],
) -> None:
    devices = db["devices"]
    # 3 tenants of 6,000 devices; two in five hostnames start with "kiosk"
    await devices.insert_many(
        [
            {
                "_id": f"d-{i:06d}",
                "tenant_id": f"t-{i % 3}",
                "create_time": i,
                "k_host": f"kiosk-{i:06d}" if i % 5 < 2 else f"srv-{i:06d}",
            }
            for i in range(18_000)
        ]
    )
    # indexes on a collection that holds data already (autovacuum keeps the statistics of a
    # growing one): their statistics are there at once
    key = [("tenant_id", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)]
    await devices.create_indexes([IndexModel(key, name="time")])
    key = [("tenant_id", ASCENDING), ("k_host", ASCENDING), ("_id", ASCENDING)]
    await devices.create_indexes([IndexModel(key, name="host")])
    where = {"tenant_id": "t-1", "k_host": {"$gte": "kiosk", "$lt": "kiosk" + TOP}}
    explained = await db.command(
        {"explain": {"find": "devices", "filter": where, "sort": {"create_time": 1, "_id": 1}, "limit": 51}}
    )
    nodes = plan_nodes(explained["queryPlanner"])
    assert not [n for n in nodes if n.startswith(("Sort", "Bitmap"))], nodes
    assert any(n.startswith("Index Scan") and "time" in n for n in nodes), nodes
    page = await devices.find(where).sort([("create_time", 1), ("_id", 1)]).limit(51).to_list()
    assert [d["create_time"] for d in page] == sorted(d["create_time"] for d in page)
    assert len(page) == 51 and all(d["k_host"].startswith("kiosk") and d["tenant_id"] == "t-1" for d in page)
