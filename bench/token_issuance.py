"""Client-credentials token issuance through Envoy with 100k OAuth clients and 1M audit entries
already stored, next to the same run's direct-to-auth figure and this machine's RSA-2048 rate.

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/token_issuance.py \
        [--requests 20000] [--rounds 3] [--clients 100000] [--events 1000000] [--creates 1000]

First the store is seeded (bench/auth_seed.py: 100 tenants, ``--clients`` OAuth clients and
``--events`` audit entries in the documents' real shape, half of them in ``bench-seed-000``;
reused when a seed that large is there). Then:

* **CreateOAuthClient at that size**: ``--creates`` agent clients (purpose AGENT, client
  credentials, what the api service makes for every agent) in ``bench-seed-000`` over gRPC as its
  owner, first 100 one at a time (p50/p99), then the rest 16 at a time (clients/s); removed
  again from the store afterwards so the seed keeps its size.
* **Tokens**: every token is an RS256 JWT signed with the tenant's key, and every issuance is
  audited (a MongoDB write through group commit, relayed to Kafka), exactly as in production;
  the service runs the workers ``make run`` gives it (2). Load: h2load with ``--h1`` (OAuth
  clients speak HTTP/1.1 with keep-alive), ``client_secret_basic``, POST
  ``{public_url}/auth/tenants/T/oauth2/token`` for a client of a fresh tenant.

Printed side by side, measured in the same run (these machines are noisy):
* the physical ceiling: ``openssl speed -seconds 3 rsa2048`` sign/s (one core) and the same
  for Python ``cryptography`` (what the service calls), times the cores;
* tokens/s, p50 and p99 through Envoy and, as a baseline, straight to the service's HTTP port;
* CPU per 1,000 tokens of the service workers, of Envoy, of the stores (PostgreSQL, FerretDB,
  Kafka, Redis) and of the audit trail's downstream consumers (the stream service and Cassandra,
  which log every security event).
Every mode is first checked to return a token that verifies, so we never time errors.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from google.protobuf.duration_pb2 import Duration
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.* (run as a script)

from bench.auth_seed import PASSWORD, ensure_seed, owner_email, owner_token, tenant_name
from bench.cpu import CpuMeter, server_pid, tree
from infra.layout import Layout
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import oauth_clients_pb2_grpc, tenants_pb2, tenants_pb2_grpc


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int
    service_cpu_ms_per_1k: float
    envoy_cpu_ms_per_1k: float
    stores_cpu_ms_per_1k: float  # PostgreSQL + FerretDB + Kafka + Redis (the audit trail)
    downstream_cpu_ms_per_1k: float  # stream service + Cassandra (they log every security event)


def openssl_sign_per_s() -> float:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "rsa2048"], capture_output=True, text=True, check=True
    ).stdout
    line = next(
        row for row in out.splitlines() if row.startswith("rsa 2048 bits") or row.startswith("rsa  2048")
    )
    return float(line.split()[-2])


def python_sign_per_s(seconds: float = 2.0) -> float:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    payload, n, started = b"x" * 400, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        n += 1
    return n / (time.perf_counter() - started)


async def prepare(layout: Layout) -> tuple[str, str, str]:
    """A fresh tenant; its owner signs in through the console client (code + PKCE) and creates a
    client-credentials client with that token. Returns (issuer via the edge, client id, secret)."""
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    email = f"owner@{tenant}.test"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('auth')}") as channel:
        register = tenants_pb2.RegisterTenantRequest(
            tenant_id=tenant,
            display_name="Bench MSP",
            owner_email=email,
            owner_password=PASSWORD,
            owner_display_name="Bench Owner",
        )
        await tenants_pb2_grpc.TenantServiceStub(channel).RegisterTenant(register)
        token = await owner_token(layout, tenant, email)
        client = cpb.OAuthClient(
            display_name="bench",
            client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
            grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
        )
        reply = await oauth_clients_pb2_grpc.OAuthClientServiceStub(channel).CreateOAuthClient(
            cpb.CreateOAuthClientRequest(oauth_client=client),
            metadata=(("authorization", f"Bearer {token}"),),
        )
    edge = f"http://127.0.0.1:{layout.port('envoy')}"
    return f"{edge}/auth/tenants/{tenant}", reply.oauth_client.client_id, reply.client_secret


async def create_clients(layout: Layout, count: int) -> str:
    """CreateOAuthClient in the seed's big tenant (agent clients, as the api service makes them):
    100 one at a time, then the rest 16 at a time; the clients are removed again afterwards."""
    tenant = tenant_name(0)
    metadata = (("authorization", f"Bearer {await owner_token(layout, tenant, owner_email(0))}"),)
    agent = cpb.OAuthClient(
        display_name="agent bench",
        client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
        purpose=cpb.CLIENT_PURPOSE_AGENT,
        grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
        scopes=["agent"],
        access_token_ttl=Duration(seconds=3600),
    )
    created: list[str] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('auth')}") as channel:
        stub = oauth_clients_pb2_grpc.OAuthClientServiceStub(channel)

        async def create() -> float:
            started = time.perf_counter()
            reply = await stub.CreateOAuthClient(
                cpb.CreateOAuthClientRequest(oauth_client=agent), metadata=metadata
            )
            created.append(reply.oauth_client.client_id)
            return (time.perf_counter() - started) * 1000

        sequential = sorted([await create() for _ in range(min(100, count))])
        rest, started = count - len(sequential), time.perf_counter()
        gate = asyncio.Semaphore(16)

        async def gated() -> float:
            async with gate:
                return await create()

        await asyncio.gather(*(gated() for _ in range(rest)))
        rate = rest / (time.perf_counter() - started) if rest else 0.0
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(f"mongodb://127.0.0.1:{layout.port('mongo')}/")
    await mongo["openframe"]["oauth_clients"].delete_many({"_id": {"$in": created}, "tenant_id": tenant})
    await mongo.close()
    p50 = statistics.median(sequential)
    p99 = sequential[min(len(sequential) - 1, int(len(sequential) * 0.99))]
    return (
        f"CreateOAuthClient (agent client, {tenant}): one at a time p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"{rest} more 16 at a time: {rate:,.0f} clients/s"
    )


async def check(url: str, issuer: str, client_id: str, secret: str) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.post(url, data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        resp.raise_for_status()
        jwks = (await http.get(f"{issuer}/jwks")).json()
    token = resp.json()["access_token"]
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    jwt.decode(token, key, algorithms=["RS256"], audience="openframe", issuer=issuer)


def h2load(url: str, extra: list[str], requests: int, clients: int) -> tuple[str, list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            [
                "h2load",
                "--h1",
                "-n",
                str(requests),
                "-c",
                str(clients),
                "-m",
                "1",
                "-t",
                "1",
                f"--log-file={log}",
                *extra,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        latencies = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line)
    return out.stdout, latencies


def run_mode(mode: str, url: str, creds: str, layout: Layout, args: argparse.Namespace) -> Result:
    with tempfile.NamedTemporaryFile(suffix=".form") as body:
        body.write(b"grant_type=client_credentials")
        body.flush()
        extra = [
            "-d",
            body.name,
            "-H",
            "content-type: application/x-www-form-urlencoded",
            "-H",
            f"authorization: Basic {creds}",
        ]
        meter = CpuMeter(
            {
                "service": tree(server_pid(layout, "auth")),  # the supervisor and its workers
                "envoy": [server_pid(layout, "envoy")],
                "stores": [
                    *tree(server_pid(layout, "postgres")),  # the postmaster and its backends
                    *(server_pid(layout, name) for name in ("ferretdb", "kafka", "redis")),
                ],
                "downstream": [*tree(server_pid(layout, "stream")), server_pid(layout, "cassandra")],
            }
        )
        meter.start()
        stdout, latencies = h2load(url, extra, args.requests, args.clients)
        _, spent = meter.stop()
    summary = next(line for line in stdout.splitlines() if line.startswith("finished in"))
    counts = next(line for line in stdout.splitlines() if line.startswith("requests:"))
    codes = next(line for line in stdout.splitlines() if line.startswith("status codes:"))
    non_2xx = sum(int(part.split()[0]) for part in codes.split(":", 1)[1].split(",")[1:])
    failed = int(counts.split(",")[4].split()[0]) + int(counts.split(",")[5].split()[0]) + non_2xx
    per_1k = 1000 / args.requests * 1000
    return Result(
        mode=mode,
        rps=float(summary.split(",")[1].split()[0]),
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] / 1000,
        failed=failed,
        service_cpu_ms_per_1k=spent["service"] * per_1k,
        envoy_cpu_ms_per_1k=spent["envoy"] * per_1k,
        stores_cpu_ms_per_1k=spent["stores"] * per_1k,
        downstream_cpu_ms_per_1k=spent["downstream"] * per_1k,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument(
        "--clients", type=int, default=16, help="HTTP/1.1 connections, one request in flight each"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed-clients", type=int, default=100_000, help="OAuth clients in the store")
    parser.add_argument("--seed-events", type=int, default=1_000_000, help="audit entries in the store")
    parser.add_argument("--creates", type=int, default=1000, help="CreateOAuthClient calls (0: none)")
    args = parser.parse_args()
    layout = Layout.from_env()
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; auth service workers: {len(tree(server_pid(layout, 'auth'))) - 1}")
    openssl, python = openssl_sign_per_s(), python_sign_per_s()
    print(
        f"RSA-2048 sign/s per core: openssl {openssl:,.0f}, python cryptography {python:,.0f}  "
        f"-> ceiling for RS256 tokens on {cores} cores with nothing else running: "
        f"{openssl * cores:,.0f} (openssl) / {python * cores:,.0f} (python)"
    )
    asyncio.run(ensure_seed(layout, clients=args.seed_clients, events=args.seed_events))
    if args.creates:
        print(asyncio.run(create_clients(layout, args.creates)))
    issuer, client_id, secret = asyncio.run(prepare(layout))
    creds = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    direct_issuer = issuer.replace(f":{layout.port('envoy')}/", f":{layout.port('auth_http')}/")
    urls = {"envoy": f"{issuer}/oauth2/token", "direct": f"{direct_issuer}/oauth2/token"}
    for url in urls.values():
        asyncio.run(check(url, issuer, client_id, secret))
    version = subprocess.run(
        ["h2load", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"load tool: {version}; {args.requests} requests x {args.rounds} rounds per mode; "
        f"{args.clients} HTTP/1.1 keep-alive connections, one request in flight each"
    )
    rounds: dict[str, list[Result]] = {m: [] for m in urls}
    for _ in range(args.rounds):
        for mode, url in urls.items():
            rounds[mode].append(run_mode(mode, url, creds, layout, args))
    print(
        f"\n{'mode':<8} {'tokens/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'svc cpu ms/1k':>14} "
        f"{'envoy cpu ms/1k':>16} {'stores cpu ms/1k':>17} {'downstream ms/1k':>17} "
        f"{'of openssl ceiling':>19}"
    )
    for mode, rs in rounds.items():
        rps = statistics.median(r.rps for r in rs)
        print(
            f"{mode:<8} {rps:>9,.0f} {statistics.median(r.p50_ms for r in rs):>8.2f} "
            f"{statistics.median(r.p99_ms for r in rs):>8.2f} {sum(r.failed for r in rs):>7} "
            f"{statistics.median(r.service_cpu_ms_per_1k for r in rs):>14.0f} "
            f"{statistics.median(r.envoy_cpu_ms_per_1k for r in rs):>16.0f} "
            f"{statistics.median(r.stores_cpu_ms_per_1k for r in rs):>17.0f} "
            f"{statistics.median(r.downstream_cpu_ms_per_1k for r in rs):>17.0f} "
            f"{rps / (openssl * cores):>18.0%}"
        )


if __name__ == "__main__":
    main()
