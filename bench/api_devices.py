"""Devices at scale: list (page of 50, with filters) over 100,000 devices of one tenant, and
device get with and without the Redis cache through Envoy (REST), side by side.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/api_devices.py [--devices 100000]

List: 100,000 devices of one tenant are bulk-inserted (once; later runs reuse them) into their
own database, ``openframe_bench``, served by a separate api process this script starts on a free
port. Why not the shared database: FerretDB 1.24 (SQLite) scans a whole collection for every
query, point reads included (docs/api.md), so 100,000 extra documents in ``openframe.devices``
would slow every device read of everyone using the shared servers. Each list mode runs
sequentially (one request in flight) over gRPC; modes are interleaved for several rounds and the
median round is reported. Baseline in the same run: the same filtered page asked of FerretDB
directly (what the api would do without its list read model), a few samples only (seconds each).

Get: one device of a tenant registered for the run, read through Envoy as REST (HTTP/1.1
keep-alive, h2load) with a real access token, once served from the cache and once with
``Cache-Control: no-cache`` (the api then reads FerretDB), interleaved rounds, median reported.
Heartbeat ingestion is measured by the agents' benchmark.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support (run as a script)

import grpc
import httpx
from pymongo import AsyncMongoClient

from infra.layout import Layout
from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1 import tags_pb2
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from services.api.devices.model import Device, DeviceStatus, DeviceType, OsType, Tag
from services.api.devices.repository import DeviceQuery, DeviceRepository, to_doc
from services.kit.config import Settings
from tests.support.identity import Tenants

BENCH_DB = "openframe_bench"
BENCH_TENANT = "bench-devices-100k"
REPO = Path(__file__).resolve().parent.parent

LIST_MODES: dict[str, pb.ListDevicesRequest] = {
    "no filter": pb.ListDevicesRequest(page_size=50),
    "status+os": pb.ListDevicesRequest(
        page_size=50, statuses=[pb.DEVICE_STATUS_ONLINE], os_types=[pb.OS_TYPE_WINDOWS]
    ),
    "tag+type": pb.ListDevicesRequest(
        page_size=50,
        tag_filters=[tags_pb2.TagFilter(key="env", values=["prod"])],
        device_types=[pb.DEVICE_TYPE_SERVER],
    ),
    "search": pb.ListDevicesRequest(page_size=50, search="host-0777"),
    "org, 2nd page": pb.ListDevicesRequest(page_size=50, organizations=["organizations/bench-org-7"]),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def seed(db_url: str, count: int) -> tuple[int, float]:
    """Bulk-insert the bench tenant's devices unless they are there; (count, seconds spent)."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(db_url, tz_aware=True)
    devices = client[BENCH_DB]["devices"]
    await DeviceRepository(client[BENCH_DB]).init()
    have = await devices.count_documents({"tenant_id": BENCH_TENANT})
    started = time.perf_counter()
    rng = random.Random(42)  # noqa: S311 - reproducible fake inventory, not secrets
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(have, count):
        device = Device(
            id=f"bench-{i:06d}",
            tenant_id=BENCH_TENANT,
            hostname=f"host-{i:06d}",
            serial_number=f"SN{i:08d}",
            status=rng.choice(
                [DeviceStatus.ONLINE, DeviceStatus.ONLINE, DeviceStatus.OFFLINE, DeviceStatus.PENDING]
            ),
            device_type=rng.choice(
                [DeviceType.DESKTOP, DeviceType.LAPTOP, DeviceType.SERVER, DeviceType.VIRTUAL_MACHINE]
            ),
            os_type=rng.choice([OsType.WINDOWS, OsType.MACOS, OsType.LINUX]),
            organization=f"organizations/bench-org-{i % 20}",
            tags=[Tag("env", rng.choice(["prod", "dev", "test"]))],
            create_time=start + timedelta(milliseconds=i),
            update_time=start,
            register_time=start,
            etag="seed",
            version=1,
        )
        batch.append({**to_doc(device), "outbox_queue": []})
        if len(batch) == 5_000:
            await devices.insert_many(batch, ordered=False)
            batch = []
    if batch:
        await devices.insert_many(batch, ordered=False)
    seconds = time.perf_counter() - started
    total = await devices.count_documents({"tenant_id": BENCH_TENANT})
    await client.close()
    return total, seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bench_api(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENFRAME_MONGO_DATABASE": BENCH_DB,
        "OPENFRAME_GRPC_PORT": str(port),
        "OPENFRAME_AGENTS": "false",
        "OPENFRAME_DEV_TENANT_HEADER": "true",
        "OPENFRAME_ACCESS_LOG": "false",
        "OPENFRAME_LOG_LEVEL": "WARNING",
        # the seeded devices owe no events: keep the relay's collection search (a 100,000-document
        # scan on FerretDB) out of the measured period
        "OPENFRAME_OUTBOX_FULL_SWEEP_SECONDS": "3600",
    }
    log = Path(tempfile.gettempdir()) / f"bench-api-devices-{port}.log"
    return subprocess.Popen(
        [sys.executable, "-m", "services.api"],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def list_bench(port: int, rounds: int, requests: int, db_url: str) -> None:
    meta = (("x-openframe-tenant", BENCH_TENANT), ("x-openframe-roles", "VIEWER"))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await asyncio.wait_for(channel.channel_ready(), 60)
        stub = DeviceServiceStub(channel)
        t = time.perf_counter()
        first = await stub.ListDevices(LIST_MODES["no filter"], metadata=meta, timeout=300)
        print(f"first list (the read model's one snapshot of the tenant): {time.perf_counter() - t:.1f} s")
        assert len(first.devices) == 50, "the bench api does not see the seeded devices"
        second_page_token = (
            await stub.ListDevices(LIST_MODES["org, 2nd page"], metadata=meta)
        ).next_page_token
        samples: dict[str, list[list[float]]] = {m: [] for m in LIST_MODES}
        sizes: dict[str, int] = {}
        for _ in range(rounds):
            for mode, request in LIST_MODES.items():
                if mode == "org, 2nd page":
                    request = pb.ListDevicesRequest(
                        page_size=50, organizations=list(request.organizations), page_token=second_page_token
                    )
                lat = []
                for _ in range(requests):
                    t = time.perf_counter()
                    reply = await stub.ListDevices(request, metadata=meta)
                    lat.append((time.perf_counter() - t) * 1000)
                sizes[mode] = len(reply.devices)
                samples[mode].append(lat)
        gets = await get_direct(stub, meta, requests)
    baseline = await ferretdb_baseline(db_url)
    print(
        f"\nList, page of 50, {BENCH_TENANT}: sequential gRPC, "
        f"{requests} requests x {rounds} rounds (median round)"
    )
    print(f"{'mode':<16} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  target p99 < 50 ms")
    for mode, rounds_lat in samples.items():
        p50 = statistics.median(percentile(r, 0.5) for r in rounds_lat)
        p99 = statistics.median(percentile(r, 0.99) for r in rounds_lat)
        top = statistics.median(max(r) for r in rounds_lat)
        print(
            f"{mode:<16} {sizes[mode]:>5} {p50:>8.2f} {p99:>8.2f} {top:>8.2f}  "
            f"{'ok' if p99 < 50 else 'MISSED'}"
        )
    print("\nGet over gRPC (direct), same api, 100,000 devices in the collection, sequential")
    for mode, lat in gets.items():
        print(
            f"{mode:<10} n={len(lat):<4} p50 {percentile(lat, 0.5):8.2f} ms   "
            f"p99 {percentile(lat, 0.99):8.2f} ms"
        )
    print(
        f"{'baseline: FerretDB query (status+os, no read model)':<52} "
        f"{', '.join(f'{b:.0f}' for b in baseline)} ms per query ({len(baseline)} samples)"
    )


async def get_direct(
    stub: DeviceServiceStub, meta: tuple[tuple[str, str], ...], requests: int
) -> dict[str, list[float]]:
    """GetDevice from the cache and with ``cache-control: no-cache`` (FerretDB scans the collection:
    about a second each at 100,000 documents, so only a few of those)."""
    request = pb.GetDeviceRequest(name="devices/bench-050000")
    out: dict[str, list[float]] = {"cached": [], "no-cache": []}
    await stub.GetDevice(request, metadata=meta)  # fills the cache
    for mode, extra, n in (("cached", (), requests), ("no-cache", (("cache-control", "no-cache"),), 5)):
        for _ in range(n):
            t = time.perf_counter()
            await stub.GetDevice(request, metadata=(*meta, *extra))
            out[mode].append((time.perf_counter() - t) * 1000)
    return out


async def ferretdb_baseline(db_url: str, samples: int = 1) -> list[float]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(db_url, tz_aware=True)
    repo = DeviceRepository(client[BENCH_DB])
    query = DeviceQuery([DeviceStatus.ONLINE], [], [OsType.WINDOWS], [], [], "")
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        await repo.find_page(tenant_id=BENCH_TENANT, query=query, after=None, limit=51)
        out.append((time.perf_counter() - t) * 1000)
    await client.close()
    return out


def h2load(url: str, extra: list[str], requests: int, clients: int) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            ["h2load", "-n", str(requests), "-c", str(clients), "-m", "1", "-t", "1", f"--log-file={log}",
             "--h1", *extra, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        lat = sorted(int(line.split("\t")[2]) / 1000 for line in log.read_text().splitlines() if line)
    rps = float(next(x for x in out.splitlines() if x.startswith("finished in")).split(",")[1].split()[0])
    counts = next(x for x in out.splitlines() if x.startswith("requests:")).split(",")
    failed = int(counts[4].split()[0]) + int(counts[5].split()[0])
    return rps, lat[len(lat) // 2], lat[int(len(lat) * 0.99)], failed


async def prepare_get(layout: Layout, settings: Settings) -> tuple[str, str]:
    """A tenant with an access token and one device (registered like an agent would)."""
    tenants = Tenants(f"http://127.0.0.1:{layout.port('envoy')}", layout)
    session = tenants.tenant(f"benchdev{os.getpid()}")
    token = tenants.service_token(session)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    repo = DeviceRepository(client[settings.mongo_database])
    device_id = f"bench-get-{os.getpid()}"
    await repo.register(
        tenant_id=session.id, device_id=device_id, inventory={"hostname": "bench"}, organization=""
    )
    size = await client[settings.mongo_database]["devices"].estimated_document_count()
    await client.close()
    async with httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{layout.port('envoy')}/api/v1/devices/{device_id}"
        for extra in ({}, {"cache-control": "no-cache"}):
            resp = await http.get(url, headers={"authorization": f"Bearer {token}", **extra})
            resp.raise_for_status()
            assert resp.json()["device"]["name"] == f"devices/{device_id}", resp.text
    print(
        f"\nGet through Envoy (REST), the running api service; its devices collection holds {size} documents"
    )
    return token, device_id


def get_bench(layout: Layout, token: str, device_id: str, requests: int, clients: int, rounds: int) -> None:
    url = f"http://127.0.0.1:{layout.port('envoy')}/api/v1/devices/{device_id}"
    auth = ["-H", f"authorization: Bearer {token}"]
    modes = {"cached": auth, "no-cache": [*auth, "-H", "cache-control: no-cache"]}
    results: dict[str, list[tuple[float, float, float, int]]] = {m: [] for m in modes}
    for _ in range(rounds):
        for mode, extra in modes.items():
            results[mode].append(h2load(url, extra, requests if mode == "cached" else requests // 5, clients))
    print(f"{'mode':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}   ({clients} connections)")
    for mode, rs in results.items():
        print(
            f"{mode:<10} {statistics.median(r[0] for r in rs):>8.0f} "
            f"{statistics.median(r[1] for r in rs):>8.2f} "
            f"{statistics.median(r[2] for r in rs):>8.2f} {sum(r[3] for r in rs):>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=100, help="per list mode and round")
    parser.add_argument("--get-requests", type=int, default=5_000, help="per round (no-cache: a fifth)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-get", action="store_true", help="list only (no shared servers needed)")
    parser.add_argument("--skip-list", action="store_true", help="get only")
    args = parser.parse_args()
    settings = Settings()
    if not args.skip_list:
        count, seconds = asyncio.run(seed(settings.mongo_url, args.devices))
        print(f"{BENCH_TENANT}: {count} devices in {BENCH_DB}.devices (seeded now: {seconds:.0f} s)")
        port = free_port()
        api = start_bench_api(port)
        try:
            asyncio.run(list_bench(port, args.rounds, args.list_requests, settings.mongo_url))
        finally:
            api.terminate()
            api.wait(30)
    if not args.skip_get:
        layout = Layout.from_env()
        token, device_id = asyncio.run(prepare_get(layout, settings))
        get_bench(layout, token, device_id, args.get_requests, args.clients, args.rounds)


if __name__ == "__main__":
    main()
