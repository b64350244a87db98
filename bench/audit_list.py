"""ListAuditEvents at a million entries: every filter of the API, first and cursor pages, with the
store's plan of each query shape.

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/audit_list.py \\
        [--clients 100000] [--events 1000000] [--samples 60] [--pages 4]

The store is seeded first (bench/auth_seed.py: 100 tenants, half of everything in
``bench-seed-000``; reused when there). Then, as the owner of that tenant (a bearer token from the
console client's sign-in), each query shape is called over gRPC straight at the auth service,
``--samples`` times sequentially: a first page of 50, then up to ``--pages`` - 1 pages after its
cursor, over and over; p50 and p99 in ms are printed per shape next to the plan the store chose
for its cursor page (the repository's own filter, sort and limit, explained against the store).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench.auth_seed import (
    Seed,
    address,
    client_id,
    client_index,
    ensure_seed,
    owner_email,
    owner_token,
    tenant_name,
    user_id,
)
from infra.layout import Layout
from openframe.auth.v1 import audit_pb2 as pb
from openframe.auth.v1 import audit_pb2_grpc
from services.auth.audit.repository import SORT, page_query
from services.auth.audit.servicer import filters_of
from services.kit.pagination import decode_token

PAGE = 50
T = pb


@dataclass(frozen=True)
class Shape:
    name: str
    request: pb.ListAuditEventsRequest


def shapes(seed: Seed) -> list[Shape]:
    """Every filter of ListAuditEvents, alone and combined, common and rare values."""
    busy = client_id(client_index(0, 0))  # the busiest client of the big tenant
    quiet = client_id(client_index(0, seed.clients_of(0) - 1))
    day = Timestamp()
    day.FromDatetime(seed.start + timedelta(days=30))
    next_day = Timestamp()
    next_day.FromDatetime(seed.start + timedelta(days=31))
    user = f"users/{user_id(0, 7)}"
    r = pb.ListAuditEventsRequest
    return [
        Shape("no filter", r()),
        Shape("type TOKEN_ISSUED (80%)", r(types=[T.AUDIT_EVENT_TYPE_TOKEN_ISSUED])),
        Shape("type SIGNING_KEY_ROTATED (0.1%)", r(types=[T.AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED])),
        Shape(
            "types LOGIN, ACCOUNT_LOCKED",
            r(types=[T.AUDIT_EVENT_TYPE_LOGIN, T.AUDIT_EVENT_TYPE_ACCOUNT_LOCKED]),
        ),
        Shape(
            "types USER_CREATED, SIGNING_KEY_ROTATED",
            r(types=[T.AUDIT_EVENT_TYPE_USER_CREATED, T.AUDIT_EVENT_TYPE_SIGNING_KEY_ROTATED]),
        ),
        Shape("outcome FAILURE", r(outcome=T.AUDIT_OUTCOME_FAILURE)),
        Shape(
            "type LOGIN + outcome FAILURE",
            r(types=[T.AUDIT_EVENT_TYPE_LOGIN], outcome=T.AUDIT_OUTCOME_FAILURE),
        ),
        Shape("actor: busiest client", r(actor_id=busy)),
        Shape("actor: quietest client", r(actor_id=quiet)),
        Shape("actor: a user", r(actor_id=user_id(0, 3))),
        Shape("target: a user", r(target=user)),
        Shape("ip address", r(ip_address=address(5))),
        Shape("time window (a day)", r(start_time=day, end_time=next_day)),
        Shape(
            "time window + type TOKEN_ISSUED",
            r(types=[T.AUDIT_EVENT_TYPE_TOKEN_ISSUED], start_time=day, end_time=next_day),
        ),
        Shape("time window + actor: busiest client", r(actor_id=busy, start_time=day, end_time=next_day)),
    ]


def summarize(explained: dict[str, Any]) -> str:
    """The store's plan, one line: node types (and index names) from the root down."""
    nodes: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Node Type" in node:
                nodes.append(node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(explained.get("queryPlanner"))
    pushed = ", ".join(k for k in ("filter", "sort", "limit") if explained.get(f"{k}Pushdown")) or "nothing"
    nodes_or_raw = " > ".join(nodes) or json.dumps(explained.get("queryPlanner"))[:160]
    return f"{nodes_or_raw} (pushed down: {pushed})"


async def plan(db: Any, tenant: str, shape: Shape, after: tuple[Any, str] | None) -> str:
    query = page_query(tenant, filters_of(shape.request), after)
    explained = await db.command(
        {
            "explain": {"find": "audit_events", "filter": query, "sort": dict(SORT), "limit": PAGE + 1},
            "verbosity": "queryPlanner",
        }
    )
    return summarize(explained)


async def measure(
    stub: audit_pb2_grpc.AuditServiceStub, metadata: Any, shape: Shape, samples: int, pages: int
) -> tuple[float, float, int, str]:
    """p50 and p99 (ms) over ``samples`` calls, the items of a first page, the last cursor seen."""
    times, token, served, last_cursor = [], "", 0, ""
    for i in range(samples):
        request = pb.ListAuditEventsRequest()
        request.CopyFrom(shape.request)
        request.page_size = PAGE
        request.page_token = token if i % pages else ""
        started = time.perf_counter()
        reply = await stub.ListAuditEvents(request, metadata=metadata)
        times.append((time.perf_counter() - started) * 1000)
        if not request.page_token:
            served = len(reply.audit_events)
        token = reply.next_page_token
        last_cursor = token or last_cursor
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))], served, last_cursor


async def run(layout: Layout, args: argparse.Namespace) -> None:
    seed = await ensure_seed(layout, clients=args.clients, events=args.events)
    tenant = tenant_name(0)
    token = await owner_token(layout, tenant, owner_email(0))
    metadata = (("authorization", f"Bearer {token}"),)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{layout.port('mongo')}/", tz_aware=True
    )
    db = mongo["openframe_audit"]
    # the seed's recorded size, not a count: the store counts by reading every entry (minutes at 1M+)
    mine = seed.events // 2
    print(
        f"audit log: {seed.events:,} seeded entries (and what tests added), ~{mine:,} of them in {tenant}; "
        f"{args.samples} sequential calls per shape (page of {PAGE}, then cursor pages, {args.pages} a chain)"
    )
    print(f"\n{'shape':<40} {'p50 ms':>7} {'p99 ms':>7} {'page 1':>7}  plan of a cursor page")
    worst = 0.0
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('auth')}") as channel:
        stub = audit_pb2_grpc.AuditServiceStub(channel)
        await stub.ListAuditEvents(pb.ListAuditEventsRequest(page_size=1), metadata=metadata)  # warm
        for shape in shapes(seed):
            p50, p99, served, cursor = await measure(stub, metadata, shape, args.samples, args.pages)
            worst = max(worst, p99)
            position = decode_token(cursor, keys={"t", "id"})  # the servicer's cursor
            after = (datetime.fromisoformat(position["t"]), str(position["id"])) if position else None
            shown = await plan(db, tenant, shape, after)
            print(f"{shape.name:<40} {p50:>7.1f} {p99:>7.1f} {served:>7}  {shown}")
    print(f"\nworst p99: {worst:.1f} ms")
    await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100_000, help="OAuth clients in the seed")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit entries in the seed")
    parser.add_argument("--samples", type=int, default=60, help="calls per query shape")
    parser.add_argument("--pages", type=int, default=4, help="pages per chain (first + cursor pages)")
    asyncio.run(run(Layout.from_env(), parser.parse_args()))


if __name__ == "__main__":
    main()
