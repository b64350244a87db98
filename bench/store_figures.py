"""The embedded store's guarantees and costs, measured against a running MongoDB-wire server.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/store_figures.py [--docs 100000]
        [--url mongodb://127.0.0.1:27017/] [--samples 500]

Atomicity: 8 threads (one client each) x 50 ``$inc`` on one document (400 when updates are
atomic), and rounds of 8 concurrent claims ``find_one_and_update({_id, status: "pending"},
{$set: {status: "claimed"}})`` (exactly one winner each when the filter is re-checked under a
lock). Then ``--docs`` device-like documents (90% in one tenant, the rest spread over 50) are
bulk-inserted once into their own database (later runs reuse them; the insert rate is printed
when they are written) with the devices' tenant-first indexes, and these are timed sequentially
(one request in flight): a point read by ``_id``, a tenant-first filtered page of 50 sorted by
(create_time, _id) (a first page, then 4 pages after a cursor, over and over), and
single-document inserts. Each query's ``explain`` plan is summarised next to its figures. Last,
the memory of the store's processes when they are ours (``make run``'s PostgreSQL and FerretDB,
or ``--pids``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo import ASCENDING, MongoClient
from pymongo.collection import Collection

from infra.layout import Layout
from infra.servers.ferretdb import FerretDB
from infra.servers.postgres import Postgres, pss_kib

BENCH_DB = "openframe_store_bench"
TENANT = "bench-tenant"
STATUSES = ("PENDING", "ONLINE", "OFFLINE", "MAINTENANCE")
INDEXES = [
    [("tenant_id", 1), ("create_time", 1), ("_id", 1)],
    [("tenant_id", 1), ("status", 1), ("create_time", 1), ("_id", 1)],
    [("tenant_id", 1), ("organization", 1), ("status", 1)],
    [("tenant_id", 1), ("tag_index", 1)],
]
THREADS = 8


def concurrently(work: Callable[[MongoClient[dict[str, Any]], int], Any], url: str) -> list[Any]:
    """Run ``work(client, i)`` in THREADS threads, each with its own client, started together."""
    clients: list[MongoClient[dict[str, Any]]] = [MongoClient(url) for _ in range(THREADS)]
    for c in clients:
        c.admin.command("ping")  # connected before the start line
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(clients[i], i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return results


def atomicity(url: str, rounds: int) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(url)
    coll = client[BENCH_DB]["atomicity"]
    coll.delete_many({})
    coll.insert_one({"_id": "counter", "n": 0})

    def inc(c: MongoClient[dict[str, Any]], _: int) -> None:
        for _ in range(50):
            c[BENCH_DB]["atomicity"].update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    concurrently(inc, url)
    total = (coll.find_one({"_id": "counter"}) or {}).get("n")
    print(f"$inc: {THREADS} threads x 50 on one document -> n = {total} (atomic: {THREADS * 50})")

    winners = []
    for r in range(rounds):
        coll.insert_one({"_id": f"claim-{r}", "status": "pending"})

        def claim(c: MongoClient[dict[str, Any]], i: int, r: int = r) -> bool:
            won = c[BENCH_DB]["atomicity"].find_one_and_update(
                {"_id": f"claim-{r}", "status": "pending"}, {"$set": {"status": "claimed", "by": i}}
            )
            return won is not None

        winners.append(sum(concurrently(claim, url)))
    print(f"claims: {rounds} rounds of {THREADS} concurrent -> winners per round {winners} (atomic: all 1)")
    coll.drop()
    client.close()


def device(i: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    tenant = TENANT if rng.random() < 0.9 else f"other-{rng.randrange(50)}"
    return {
        "_id": f"dev-{i:08d}",
        "tenant_id": tenant,
        "hostname": f"host-{i}",
        "status": rng.choice(STATUSES),
        "organization": f"org-{rng.randrange(20)}",
        "os_type": rng.choice(("WINDOWS", "LINUX", "MACOS")),
        "tag_index": [f"site={rng.randrange(10)}", "managed"],
        "create_time": at + timedelta(milliseconds=i * 7),
        "etag": f"{rng.getrandbits(64):016x}",
        "version": 1,
    }


def seed(coll: Collection[dict[str, Any]], docs: int) -> None:
    if coll.estimated_document_count() == docs:
        print(f"seed: {docs} documents already in {BENCH_DB}.{coll.name}")
        return
    coll.drop()
    for keys in INDEXES:
        coll.create_index(keys)
    rng = random.Random(7)  # noqa: S311 - reproducible fake documents, not secrets
    at, batch = datetime(2025, 1, 1, tzinfo=UTC), 1000
    started = time.perf_counter()
    for start in range(0, docs, batch):
        coll.insert_many([device(i, at, rng) for i in range(start, min(start + batch, docs))], ordered=False)
    took = time.perf_counter() - started
    print(f"seed: {docs} documents by insert_many({batch}) in {took:.1f} s = {docs / took:,.0f} docs/s")


def timed(samples: int, op: Callable[[int], Any]) -> tuple[float, float]:
    """p50 and p99 in ms of ``samples`` sequential calls."""
    times = []
    for i in range(samples):
        t0 = time.perf_counter()
        op(i)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def plan(db: Any, find: dict[str, Any]) -> str:
    """The backend's plan, one line: node types (and index names) from the root down."""
    out = db.command({"explain": {"find": find.pop("coll"), **find}, "verbosity": "queryPlanner"})
    planner = out.get("queryPlanner")
    nodes: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Node Type" in node:
                nodes.append(node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else ""))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(planner)
    pushed = {k: out[k] for k in ("filterPushdown", "sortPushdown", "limitPushdown") if k in out}
    return f"{' > '.join(nodes) or json.dumps(planner)[:200]} {pushed}"


def queries(url: str, docs: int, samples: int) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(url)
    db = client[BENCH_DB]
    coll = db[f"devices_{docs}"]
    seed(coll, docs)
    rng = random.Random(11)  # noqa: S311 - which documents to read, not secrets

    def point(_: int) -> None:
        assert coll.find_one({"_id": f"dev-{rng.randrange(docs):08d}"}) is not None

    p50, p99 = timed(samples, point)
    print(f"point read by _id ({docs} docs): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"  plan: {plan(db, {'coll': coll.name, 'filter': {'_id': 'dev-00000042'}, 'limit': 1})}")

    sort = [("create_time", ASCENDING), ("_id", ASCENDING)]
    base = {"tenant_id": TENANT, "status": "ONLINE"}
    after: list[dict[str, Any]] = []  # the last item of the previous page; a new chain every 5 pages

    def page(i: int) -> None:
        query: dict[str, Any] = dict(base)
        if i % 5 and after:
            last = after[-1]
            query["$or"] = [
                {"create_time": {"$gt": last["create_time"]}},
                {"create_time": last["create_time"], "_id": {"$gt": last["_id"]}},
            ]
        found = list(coll.find(query).sort(sort).limit(50))
        assert len(found) == 50
        after.append(found[-1])

    p50, p99 = timed(samples, page)
    print(f"tenant-first page of 50 sorted, cursor pages ({docs} docs): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    cursor_query = {**base, "$or": [{"create_time": {"$gt": after[0]["create_time"]}}]}
    cursor_query["$or"].append({"create_time": after[0]["create_time"], "_id": {"$gt": after[0]["_id"]}})
    print(f"  plan: {plan(db, {'coll': coll.name, 'filter': cursor_query, 'sort': dict(sort), 'limit': 50})}")

    scratch = db["inserts"]
    scratch.drop()
    scratch.create_index([("tenant_id", 1), ("create_time", 1), ("_id", 1)])
    at, n = datetime(2025, 1, 1, tzinfo=UTC), max(200, samples)
    started = time.perf_counter()
    for i in range(n):
        scratch.insert_one(device(i, at, rng))
    took = time.perf_counter() - started
    print(f"insert_one, one at a time: {n / took:,.0f} docs/s ({took / n * 1000:.2f} ms each)")
    scratch.drop()
    client.close()


def memory(pids: list[int]) -> None:
    layout = Layout.from_env()
    if not pids:
        rows = [s.status() for s in (Postgres(layout), FerretDB(layout))]
        for row in rows:
            if row.rss_mib is not None:
                print(f"memory: {row.name} {row.rss_mib:.0f} MiB")
        return
    for pid in pids:
        print(f"memory: pid {pid} {pss_kib(pid) / 1024:.0f} MiB (PSS)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    layout = Layout.from_env()
    parser.add_argument("--url", default=f"mongodb://{layout.host}:{layout.port('mongo')}/")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=500, help="sequential requests per timed query")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of concurrent claims")
    parser.add_argument("--pids", type=int, nargs="*", default=[], help="processes to report memory of")
    parser.add_argument("--skip-atomicity", action="store_true")
    args = parser.parse_args()
    info = MongoClient(args.url).admin.command("buildInfo")
    print(f"store: {args.url} version {info.get('ferretdbVersion', info.get('version'))}")
    if not args.skip_atomicity:
        atomicity(args.url, args.rounds)
    queries(args.url, args.docs, args.samples)
    memory(args.pids)


if __name__ == "__main__":
    main()
