"""FerretDB's CPU per returned document: several builds side by side on ``make run``'s PostgreSQL.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/store_decode.py \
        --binary before=/path/to/ferretdb --binary after=/path/to/ferretdb \
        [--docs 5000] [--rounds 6] [--pages 60]

Without ``--binary`` it measures the build ``make run`` uses. ``--docs`` devices in the api's
stored shape (bench/api_devices.py's fake inventory, with the empty outbox queue the service
leaves) are inserted once into their own database through the first binary; then every binary
runs on a free port (with the service's GOGC) and reads pages of 50 sorted by
``(create_time, _id)``, a first page and then pages after a cursor, as the device list does:
with the list's projection (fields excluded) and whole. Rounds alternate the binaries so that
other load on the machine falls on each alike. Printed per binary and mode: the page's latency
(p50, p90, one request in flight) and FerretDB's CPU per returned document (user + system time
of its process over the pages).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from pymongo import ASCENDING, MongoClient

from bench.api_devices import device
from bench.cpu import ticks
from infra.layout import Layout
from infra.servers.ferretdb import GOGC, FerretDB
from services.api.devices.repository import _PROJECTION, to_doc

DB = "openframe_store_decode"
TENANT = "bench-decode"
PAGE = 50
MODES: dict[str, dict[str, Any] | None] = {"list projection": _PROJECTION, "whole": None}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(binary: str, layout: Layout) -> tuple[subprocess.Popen[bytes], str]:
    """``binary`` serving on a free port against make run's PostgreSQL, as the service runs."""
    port = free_port()
    argv = FerretDB(layout).command()
    argv[0], argv[argv.index("--listen-addr") + 1] = binary, f"127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"bench-store-decode-{port}.log"
    env = {**os.environ, "GOGC": GOGC}
    proc = subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"mongodb://127.0.0.1:{port}/"
    client: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=20_000)
    client.admin.command("ping")
    client.close()
    return proc, url


def seed(url: str, count: int) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(url)
    coll = client[DB]["devices"]
    if coll.count_documents({"outbox_queue": {"$exists": True}}) < count:
        coll.drop()
        rng = random.Random(TENANT)  # noqa: S311 - reproducible fake inventory
        for first in range(0, count, 1000):
            # outbox_queue: as the service leaves a device once its events are published
            docs = [
                {**to_doc(device(TENANT, i, rng)), "outbox_queue": []}
                for i in range(first, min(first + 1000, count))
            ]
            coll.insert_many(docs)
        print(f"seeded {count:,} devices", flush=True)
    coll.create_index([("tenant_id", ASCENDING), ("create_time", ASCENDING), ("_id", ASCENDING)])
    client.close()


def read_pages(url: str, projection: dict[str, Any] | None, pages: int) -> tuple[list[float], int]:
    """``pages`` pages of 50 in list order, from the start again at the end: latencies, docs."""
    client: MongoClient[dict[str, Any]] = MongoClient(url)
    coll = client[DB]["devices"]
    sort = [("create_time", ASCENDING), ("_id", ASCENDING)]
    latencies, docs, after = [], 0, None
    for _ in range(pages):
        where: dict[str, Any] = {"tenant_id": TENANT}
        if after:
            t, i = after
            where["$or"] = [{"create_time": {"$gt": t}}, {"create_time": t, "_id": {"$gt": i}}]
        t0 = time.perf_counter()
        rows = list(coll.find(where, projection, sort=sort, limit=PAGE))
        latencies.append((time.perf_counter() - t0) * 1000)
        docs += len(rows)
        after = (rows[-1]["create_time"], rows[-1]["_id"]) if len(rows) == PAGE else None
    client.close()
    return latencies, docs


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--binary", action="append", default=[], help="NAME=PATH of a ferretdb build")
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--pages", type=int, default=60, help="pages per binary, mode and round")
    args = parser.parse_args()
    layout = Layout.from_env()
    builds = dict(b.split("=", 1) for b in args.binary) or {"current": str(FerretDB(layout).binary)}

    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for n, (name, binary) in enumerate(builds.items()):
            servers[name] = start(binary, layout)
            if n == 0:  # the others learn the collection and its index as they start
                seed(servers[name][1], args.docs)
        for _, url in servers.values():  # warm: connections, schemas, plans
            for projection in MODES.values():
                read_pages(url, projection, 20)

        latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
        cpu: dict[tuple[str, str], float] = defaultdict(float)
        docs: dict[tuple[str, str], int] = defaultdict(int)
        hz = os.sysconf("SC_CLK_TCK")
        print(time.strftime("%Y-%m-%d %H:%M:%S"), f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for r in range(args.rounds):
            order = list(servers.items())
            for name, (proc, url) in order if r % 2 == 0 else reversed(order):
                for mode, projection in MODES.items():
                    before = ticks(proc.pid)
                    lat, n = read_pages(url, projection, args.pages)
                    cpu[name, mode] += (ticks(proc.pid) - before) / hz
                    latencies[name, mode] += lat
                    docs[name, mode] += n
        print(f"load average {os.getloadavg()[0]:.1f}; {args.rounds} rounds x {args.pages} pages of {PAGE}")
        print(f"{'build':<12} {'mode':<16} {'p50 ms':>7} {'p90 ms':>7} {'CPU us/doc':>11}")
        for mode in MODES:
            for name in servers:
                lat = sorted(latencies[name, mode])
                p50, p90 = statistics.median(lat), lat[int(len(lat) * 0.9)]
                per_doc = cpu[name, mode] / docs[name, mode] * 1e6
                print(f"{name:<12} {mode:<16} {p50:>7.2f} {p90:>7.2f} {per_doc:>11.1f}")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
