"""Device lists and point reads at 100,000 and 1,000,000 devices of one tenant, served by the
store's indexes (no in-memory list model), each query printed next to its ``explain`` plan.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/api_devices.py [--tenants 100k,1m]

Data: in their own database (``openframe_bench``) on the shared store, tenants ``bench-100k``
(100,000 devices) and ``bench-1m`` (1,000,000), with ten small tenants (5,000 each) around them,
inserted with ``insert_many`` in batches in the repository's document shape (devices, their tag
rows, their counts), indexes built after the first load. Seeding takes minutes; it is done once
and resumed where it stopped (``bench_seed`` records progress per tenant).

Distributions (so that every filter kind has a common and a rare value): status ONLINE 60%,
OFFLINE 25%, PENDING 10%, MAINTENANCE 4%, DECOMMISSIONED 1%; OS WINDOWS 70%, MACOS 15%, LINUX
~15%, CHROMEOS 0.1%; type DESKTOP/LAPTOP 40% each, SERVER 15%, VIRTUAL_MACHINE ~5%, IOT 0.1%;
200 organizations; tags env=prod|dev|test on every device, site=site-NN on half, vip=yes on
0.05%; hostnames ``<ws|lt|srv|vm|kiosk>-<7 random digits>`` (unrelated to creation order);
last seen within 30 days, 10% never.

List: an api process this script starts on that database (gRPC, one request in flight), every
filter kind x every sort order, the first page and a deep page (a cursor in the middle of the
order; for a search, where its own pages lead after ten pages); p50/p99 per mode, next to the
raw store query the repository issues (its first branch, straight to the store: the baseline)
and that query's plan (the PostgreSQL plan the patched store's ``explain`` returns). Then the
api process is restarted and its first lists are timed (no warm-up), and uncached point reads
(``Cache-Control: no-cache``) of random devices.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

import grpc
from pymongo import AsyncMongoClient
from pymongo.errors import BulkWriteError

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import tags_pb2
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from services.api.devices import counts, tag_rows
from services.api.devices.model import SORT_KEYS, Device, DeviceStatus, DeviceType, OsType, Tag
from services.api.devices.repository import _PROJECTION, DeviceRepository, _filters, to_doc
from services.api.devices.servicer import DeviceServicer
from services.kit.config import Settings
from services.kit.pagination import encode_token

BENCH_DB = "openframe_bench"
REPO = Path(__file__).resolve().parent.parent
TENANTS = {"100k": ("bench-100k", 100_000), "1m": ("bench-1m", 1_000_000)}
OTHERS = [(f"bench-other-{k}", 5_000) for k in range(10)]
START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
BATCH = 2_000
FLUSH = 100_000  # devices per counts update and progress mark


def weighted(rng: random.Random, table: list[tuple[Any, float]]) -> Any:
    x = rng.random() * sum(w for _, w in table)
    for value, w in table:
        x -= w
        if x <= 0:
            return value
    return table[-1][0]


STATUSES = [
    (DeviceStatus.ONLINE, 60),
    (DeviceStatus.OFFLINE, 25),
    (DeviceStatus.PENDING, 10),
    (DeviceStatus.MAINTENANCE, 4),
    (DeviceStatus.DECOMMISSIONED, 1),
]
OSES = [(OsType.WINDOWS, 70), (OsType.MACOS, 15), (OsType.LINUX, 14.9), (OsType.CHROMEOS, 0.1)]
TYPES = [
    (DeviceType.DESKTOP, 40),
    (DeviceType.LAPTOP, 40),
    (DeviceType.SERVER, 15),
    (DeviceType.VIRTUAL_MACHINE, 4.9),
    (DeviceType.IOT, 0.1),
]


def device(tenant: str, i: int, rng: random.Random) -> Device:
    tags = [Tag("env", rng.choice(["prod", "dev", "test"]))]
    if rng.random() < 0.5:
        tags.append(Tag("site", f"site-{rng.randrange(50):02d}"))
    if rng.random() < 0.0005:
        tags.append(Tag("vip", "yes"))
    host = f"{rng.choice(['ws', 'lt', 'srv', 'vm', 'kiosk'])}-{rng.randrange(10**7):07d}"
    seen = None if rng.random() < 0.1 else NOW - timedelta(seconds=rng.randrange(30 * 86400))
    return Device(
        id=f"{tenant}-{i:07d}",
        tenant_id=tenant,
        hostname=host,
        display_name=f"Desk {rng.randrange(10**6)}" if rng.random() < 0.2 else "",
        serial_number=f"{rng.getrandbits(40):010x}",
        status=weighted(rng, STATUSES),
        device_type=weighted(rng, TYPES),
        os_type=weighted(rng, OSES),
        organization=f"organizations/{tenant}-org-{rng.randrange(200):03d}",
        tags=tags,
        last_seen_time=seen,
        create_time=START + timedelta(milliseconds=i * 7),
        update_time=START,
        register_time=START,
        etag="seed",
        version=1,
    )


async def seed(db: Any, tenant: str, count: int) -> float:
    """Insert the tenant's devices (with their tag rows and counts) from where it stopped: the
    progress mark moves with the counts, every ``FLUSH`` devices (a resumed run inserts the
    devices after the mark again, and skips those already there)."""
    marks = db["bench_seed"]
    mark = await marks.find_one({"_id": tenant}) or {"seeded": 0}
    have = int(mark["seeded"])
    if have >= count:
        return 0.0
    started = time.perf_counter()
    counter = counts.DeviceCounts(db)
    total: Counter[counts.Key] = Counter()
    for start in range(have, count, BATCH):
        rng = random.Random(f"{tenant}/{start}")  # noqa: S311 - reproducible fake inventory
        docs = [to_doc(device(tenant, i, rng)) for i in range(start, min(start + BATCH, count))]
        await insert(db["devices"], docs)
        await insert(db[tag_rows.COLLECTION], [row for doc in docs for row in tag_rows.rows(doc)])
        for doc in docs:
            total.update(counts.contributions(doc))
        done = start + len(docs)
        if done % FLUSH == 0 or done == count:
            await counter.apply(tenant, total)
            total.clear()
            await marks.update_one({"_id": tenant}, {"$set": {"seeded": done}}, upsert=True)
            rate = (done - have) / (time.perf_counter() - started)
            print(f"  {tenant}: {done:,} seeded ({rate:,.0f} devices/s)", flush=True)
    return time.perf_counter() - started


async def insert(collection: Any, docs: list[dict[str, Any]]) -> None:
    if not docs:
        return
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:  # a resumed run: those are there already
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


async def seed_all(url: str, wanted: list[tuple[str, int]]) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    db = client[BENCH_DB]
    for tenant, count in [*OTHERS, *wanted]:
        seconds = await seed(db, tenant, count)
        if seconds:
            print(f"{tenant}: {count:,} devices seeded in {seconds:.0f} s", flush=True)
    started = time.perf_counter()
    await DeviceRepository(db).init()  # the indexes (built once, after the first load)
    print(f"indexes ready in {time.perf_counter() - started:.0f} s", flush=True)
    await client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENFRAME_MONGO_DATABASE": BENCH_DB,
        "OPENFRAME_GRPC_PORT": str(port),
        "OPENFRAME_AGENTS": "false",
        "OPENFRAME_DEV_TENANT_HEADER": "true",
        "OPENFRAME_ACCESS_LOG": "false",
        "OPENFRAME_LOG_LEVEL": "WARNING",
    }
    env.pop("OPENFRAME_WORKERS", None)
    log = Path(tempfile.gettempdir()) / f"bench-api-devices-{port}.log"
    return subprocess.Popen(
        [sys.executable, "-m", "services.api"],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def modes() -> dict[str, pb.ListDevicesRequest]:
    """Every filter kind of the contract, with a common and a rare value where it has them."""
    r = pb.ListDevicesRequest
    tag = tags_pb2.TagFilter
    return {
        "no filter": r(),
        "status ONLINE": r(statuses=[pb.DEVICE_STATUS_ONLINE]),
        "status MAINT|DECOM": r(statuses=[pb.DEVICE_STATUS_MAINTENANCE, pb.DEVICE_STATUS_DECOMMISSIONED]),
        "os CHROMEOS": r(os_types=[pb.OS_TYPE_CHROMEOS]),
        "type SERVER|IOT": r(device_types=[pb.DEVICE_TYPE_SERVER, pb.DEVICE_TYPE_IOT]),
        "org x1": r(organizations=["organizations/{t}-org-007"]),
        "org x3": r(organizations=[f"organizations/{{t}}-org-{n:03d}" for n in (1, 2, 3)]),
        "tag env=prod": r(tag_filters=[tag(key="env", values=["prod"])]),
        "tag vip (rare)": r(tag_filters=[tag(key="vip")]),
        "tag site x2+os": r(
            tag_filters=[tag(key="site", values=["site-01", "site-02"])], os_types=[pb.OS_TYPE_WINDOWS]
        ),
        "search srv-12": r(search="srv-12"),
        "search kiosk": r(search="KIOSK"),
        "ONLINE+WINDOWS": r(statuses=[pb.DEVICE_STATUS_ONLINE], os_types=[pb.OS_TYPE_WINDOWS]),
    }


def for_tenant(request: pb.ListDevicesRequest, tenant: str) -> pb.ListDevicesRequest:
    out = pb.ListDevicesRequest()
    out.CopyFrom(request)
    del out.organizations[:]
    out.organizations.extend(o.format(t=tenant) for o in request.organizations)
    out.page_size = 50
    return out


MIDDLE = {
    "create_time": lambda n: (START + timedelta(milliseconds=n * 7 // 2)).isoformat(),
    "hostname": lambda n: "lt-5",
    "display_name": lambda n: "lt-5",
    "last_seen_time": lambda n: (NOW - timedelta(days=15)).isoformat(),
}


def deep_token(order_by: str, count: int) -> str:
    """A cursor in the middle of the order (what a client holds many pages in)."""
    field = order_by.partition(" ")[0]
    return encode_token({"v": MIDDLE[field](count), "id": "", "o": order_by})


#: How many pages of its own a search's deep page is (see :func:`search_deep_token`).
SEARCH_DEEP_PAGES = 10


async def search_deep_token(stub: DeviceServiceStub, request: pb.ListDevicesRequest, meta: Any) -> str:
    """A search's deep cursor: where its own pages lead after ``SEARCH_DEEP_PAGES`` pages (or its
    last page). A cursor in the middle of the whole tenant's order (:func:`deep_token`) is one no
    client of a search can hold, and past the last match it made the store walk the rest of the
    tenant for nothing."""
    token = ""
    for _ in range(SEARCH_DEEP_PAGES):
        walk = pb.ListDevicesRequest()
        walk.CopyFrom(request)
        walk.page_token = token
        reply = await stub.ListDevices(walk, metadata=meta, timeout=120)
        if not reply.next_page_token:
            break
        token = reply.next_page_token
    return token


def store_query(tenant: str, request: pb.ListDevicesRequest) -> tuple[str, dict[str, Any], list[Any]]:
    """The repository's first query for ``request`` (first page): collection, filter, sort."""
    query = DeviceServicer.query_of(request)
    key = SORT_KEYS[query.order_by]
    direction = -1 if query.descending else 1
    branch = _filters(tenant, query, fan_out=not query.tags)[0]
    if not query.tags:
        return "devices", branch, [(key, direction), ("_id", direction)]
    first_key, values = query.tags[0]
    branch = {**branch, **({"tag": f"{first_key}={values[0]}"} if values else {"key": first_key})}
    return tag_rows.COLLECTION, branch, [(key, direction), ("device_id", direction)]


async def plan_of(db: Any, coll: str, where: dict[str, Any], sort: list[Any]) -> str:
    out = await db.command({"explain": {"find": coll, "filter": where, "sort": dict(sort), "limit": 51}})
    nodes: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Node Type" in node:
                nodes.append(
                    node["Node Type"].replace("Index Scan", "IxScan")
                    + (f" {node['Index Name']}" if "Index Name" in node else "")
                )
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(out.get("queryPlanner"))
    return " > ".join(nodes) or "?"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def list_bench(
    port: int, url: str, tenant: str, count: int, requests: int, orders: list[str]
) -> list[bool]:
    meta = (("x-openframe-tenant", tenant), ("x-openframe-roles", "VIEWER"))
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    db = client[BENCH_DB]
    ok: list[bool] = []
    print(f"\n{tenant}: {count:,} devices; page of 50, {requests} sequential gRPC requests per mode")
    print(f"{'filter':<19} {'order':<20} {'page':<5} {'rows':>4} {'p50':>6} {'p99':>6} {'raw':>6}  plan (ms)")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = DeviceServiceStub(channel)
        for name, base in modes().items():
            for order_by in orders:
                request = for_tenant(base, tenant)
                request.order_by = order_by
                coll, where, sort = store_query(tenant, request)
                plan = await plan_of(db, coll, where, sort)
                for page in ("first", "deep"):
                    if page == "deep":
                        request.page_token = (
                            await search_deep_token(stub, request, meta)
                            if request.search
                            else deep_token(order_by, count)
                        )
                    lat = []
                    for _ in range(requests):
                        t = time.perf_counter()
                        reply = await stub.ListDevices(request, metadata=meta, timeout=30)
                        lat.append((time.perf_counter() - t) * 1000)
                    raw = []
                    for _ in range(max(3, requests // 5)):
                        t = time.perf_counter()
                        await db[coll].find(where, _PROJECTION).sort(sort).limit(51).to_list()
                        raw.append((time.perf_counter() - t) * 1000)
                    p99 = pct(lat, 0.99)
                    ok.append(p99 < 50)
                    print(
                        f"{name:<19} {order_by:<20} {page:<5} {len(reply.devices):>4} {pct(lat, 0.5):>6.1f} "
                        f"{p99:>6.1f} {statistics.median(raw):>6.1f}  {'' if p99 < 50 else 'MISSED '}"
                        f"{plan if page == 'first' else ''}",
                        flush=True,
                    )
    await client.close()
    return ok


async def first_lists(port: int, tenant: str) -> list[float]:
    """The first requests after the api process started (no warm-up of any kind)."""
    meta = (("x-openframe-tenant", tenant), ("x-openframe-roles", "VIEWER"))
    out = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await asyncio.wait_for(channel.channel_ready(), 300)  # a first start builds the outbox index
        stub = DeviceServiceStub(channel)
        for request in (
            pb.ListDevicesRequest(),
            pb.ListDevicesRequest(order_by="hostname desc", search="lt-1"),
        ):
            t = time.perf_counter()
            await stub.ListDevices(request, metadata=meta, timeout=60)
            out.append((time.perf_counter() - t) * 1000)
    return out


async def point_reads(port: int, url: str, tenant: str, count: int, requests: int) -> None:
    meta = (("x-openframe-tenant", tenant), ("x-openframe-roles", "VIEWER"), ("cache-control", "no-cache"))
    rng = random.Random(7)  # noqa: S311
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    db = client[BENCH_DB]
    lat, raw = [], []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = DeviceServiceStub(channel)
        for _ in range(requests):
            device_id = f"{tenant}-{rng.randrange(count):07d}"
            t = time.perf_counter()
            await stub.GetDevice(pb.GetDeviceRequest(name=f"devices/{device_id}"), metadata=meta)
            lat.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await db["devices"].find_one({"_id": device_id, "tenant_id": tenant}, _PROJECTION)
            raw.append((time.perf_counter() - t) * 1000)
    plan = await plan_of(db, "devices", {"_id": "x", "tenant_id": tenant}, [])
    await client.close()
    print(
        f"uncached get, {requests} random devices: p50 {pct(lat, 0.5):.2f} ms p99 {pct(lat, 0.99):.2f} ms "
        f"{'ok' if pct(lat, 0.99) < 5 else 'MISSED'} (target p99 < 5 ms); raw store find_one p50 "
        f"{pct(raw, 0.5):.2f} p99 {pct(raw, 0.99):.2f} ms; plan {plan}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", default="100k,1m", help="which bench tenants: 100k, 1m or both")
    parser.add_argument("--requests", type=int, default=30, help="per mode")
    parser.add_argument("--gets", type=int, default=500)
    parser.add_argument("--orders", default="all", help="'all' or a comma-separated list of order_by values")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    wanted = [TENANTS[k] for k in args.tenants.split(",")]
    asyncio.run(seed_all(settings.mongo_url, wanted))
    if args.seed_only:
        return
    orders = (
        [f"{f}{d}" for f in SORT_KEYS for d in ("", " desc")]
        if args.orders == "all"
        else args.orders.split(",")
    )
    port = free_port()
    api = start_api(port)
    results: list[bool] = []
    try:
        asyncio.run(first_lists(port, wanted[0][0]))  # started, and its first lists answered
        for tenant, count in wanted:
            results += asyncio.run(list_bench(port, settings.mongo_url, tenant, count, args.requests, orders))
            asyncio.run(point_reads(port, settings.mongo_url, tenant, count, args.gets))
        api.terminate()
        api.wait(30)
        api = start_api(port)
        for tenant, _ in wanted:
            firsts = asyncio.run(first_lists(port, tenant))
            print(f"after a restart, {tenant}: first lists {', '.join(f'{x:.1f}' for x in firsts)} ms")
    finally:
        api.terminate()
        api.wait(30)
    print(f"\nlist modes within p99 < 50 ms: {sum(results)}/{len(results)}")


if __name__ == "__main__":
    main()
