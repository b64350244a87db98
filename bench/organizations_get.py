"""Organizations Get: direct gRPC vs gRPC through Envoy vs REST through Envoy, side by side.

    make run && .venv/bin/python bench/organizations_get.py [--requests 20000] [--rounds 3]

Load tool: h2load (nghttp2), one per mode, same concurrency, against the servers `make run`
started (api service + Envoy on 127.0.0.1). Modes run interleaved for several rounds because
these machines are noisy; each figure is the median round. Latency percentiles come from
h2load's per-request log. CPU is charged to every process on the path, in ms per 1,000 requests
(= µs per request): the api service (supervisor and workers), Envoy, the rate-limit service (the
tenant budgets: decision 0019), the external service (API keys; idle here unless it does
background work) and Redis (the rate-limit counters; other users of the shared Redis show up
too), and their total. Every mode is first checked to return the same organization, so we never
time errors.

Every request carries a real access token of a tenant registered for the run (the auth service's
client-credentials token, tests/support/identity.py): the edge validates it (jwt_authn + the
tenant-binding RBAC check) and so does the api service (services/kit/jwt.py, verified tokens
cached), so the figures include authentication on both sides, and the tenant's rate limit: the
edge's quota filter puts every request in the tenant's bucket and the rate-limit service counts
them (decision 0019).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.*, tests.support (run as a script)

import grpc
import httpx

from bench.cpu import CpuMeter, server_pid, tree
from infra.layout import Layout
from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from tests.support.identity import Tenants

GRPC_PATH = "/openframe.api.v1.OrganizationService/GetOrganization"


#: Every process on an authenticated request's path, as the table names them.
COMPONENTS = ("api", "envoy", "ratelimit", "external", "redis")


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int
    #: component -> CPU ms per 1,000 requests
    cpu_per_1k: dict[str, float]


def meter(layout: Layout) -> CpuMeter:
    """The services with their worker processes; Envoy and Redis are one process each."""
    return CpuMeter({name: tree(server_pid(layout, name)) for name in COMPONENTS})


def access_token(layout: Layout) -> str:
    """A client-credentials token (role ADMIN) of a tenant registered for this run."""
    tenants = Tenants(f"http://127.0.0.1:{layout.port('envoy')}", layout)
    return tenants.service_token(tenants.tenant(f"bench{os.getpid()}"))


async def prepare(layout: Layout, headers: dict[str, str]) -> pb.Organization:
    """Create the organization to read, and check all three paths return it."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('api')}") as channel:
        stub = OrganizationServiceStub(channel)
        org = (
            await stub.CreateOrganization(
                pb.CreateOrganizationRequest(
                    organization=pb.Organization(display_name=f"Bench {os.getpid()}")
                ),
                metadata=tuple(headers.items()),
            )
        ).organization
    request = pb.GetOrganizationRequest(name=org.name)
    for port in (layout.port("api"), layout.port("envoy")):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            got = await OrganizationServiceStub(channel).GetOrganization(
                request, metadata=tuple(headers.items())
            )
            assert got.organization == org, f"gRPC on port {port} returned a different organization"
    async with httpx.AsyncClient() as http:
        resp = await http.get(f"http://127.0.0.1:{layout.port('envoy')}/api/v1/{org.name}", headers=headers)
        resp.raise_for_status()
        assert resp.json()["organization"]["name"] == org.name, resp.text
    return org


def h2load(url: str, extra: list[str], requests: int, clients: int, streams: int) -> tuple[str, list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            ["h2load", "-n", str(requests), "-c", str(clients), "-m", str(streams), "-t", "1",
             f"--log-file={log}", *extra, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        latencies = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line)
    return out.stdout, latencies


def run_mode(mode: str, layout: Layout, org: pb.Organization, args: argparse.Namespace, token: str) -> Result:
    auth = ["-H", f"authorization: Bearer {token}"]
    grpc_extra = ["-H", "content-type: application/grpc", "-H", "te: trailers", *auth]
    body = pb.GetOrganizationRequest(name=org.name).SerializeToString()
    with tempfile.NamedTemporaryFile(suffix=".bin") as data:
        data.write(struct.pack(">BI", 0, len(body)) + body)  # gRPC length-prefixed message
        data.flush()
        if mode == "grpc-direct":
            url, extra = f"http://127.0.0.1:{layout.port('api')}{GRPC_PATH}", [*grpc_extra, "-d", data.name]
        elif mode == "grpc-envoy":
            url, extra = f"http://127.0.0.1:{layout.port('envoy')}{GRPC_PATH}", [*grpc_extra, "-d", data.name]
        else:  # REST clients speak HTTP/1.1 with keep-alive
            url = f"http://127.0.0.1:{layout.port('envoy')}/api/v1/{org.name}"
            extra = ["--h1", *auth]
        cpu = meter(layout)
        cpu.start()
        stdout, latencies = h2load(url, extra, args.requests, args.clients, 1)
        _, spent = cpu.stop()
    summary = next(line for line in stdout.splitlines() if line.startswith("finished in"))
    counts = next(line for line in stdout.splitlines() if line.startswith("requests:"))
    codes = next(line for line in stdout.splitlines() if line.startswith("status codes:"))
    failed = args.requests - int(codes.split(",")[0].split()[2])  # anything but 2xx (a 429 too)
    if failed:  # say what failed: a figure of errors is no figure
        print(f"{mode}: {counts}; {codes}", file=sys.stderr)
    per_1k = 1000 / args.requests * 1000
    return Result(
        mode=mode,
        rps=float(summary.split(",")[1].split()[0]),
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] / 1000,
        failed=failed,
        cpu_per_1k={name: spent[name] * per_1k for name in COMPONENTS},
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16, help="connections, one request in flight each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    layout = Layout.from_env()
    token = access_token(layout)
    org = asyncio.run(prepare(layout, {"authorization": f"Bearer {token}"}))
    modes = ["grpc-direct", "grpc-envoy", "rest-envoy"]
    version = subprocess.run(
        ["h2load", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"load tool: {version}; {args.requests} requests x {args.rounds} rounds per mode; "
          f"{args.clients} connections with one request in flight each in every mode "
          "(HTTP/2 for gRPC, HTTP/1.1 keep-alive for REST)")  # fmt: skip
    rounds: dict[str, list[Result]] = {m: [] for m in modes}
    for _ in range(args.rounds):
        for mode in modes:
            rounds[mode].append(run_mode(mode, layout, org, args, token))
    cpu_columns = "".join(f" {name:>9}" for name in (*COMPONENTS, "total"))
    width = 10 * (len(COMPONENTS) + 1)
    print(f"\n{'':<48}{'CPU ms per 1,000 requests (= us per request)':>{width}}")
    print(
        f"{'mode':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}{cpu_columns} {'vs direct':>10}"
    )
    baseline = statistics.median(r.rps for r in rounds["grpc-direct"])
    base_p50 = statistics.median(r.p50_ms for r in rounds["grpc-direct"])
    for mode in modes:
        rs = rounds[mode]
        rps = statistics.median(r.rps for r in rs)
        p50 = statistics.median(r.p50_ms for r in rs)
        cpu = {name: statistics.median(r.cpu_per_1k[name] for r in rs) for name in COMPONENTS}
        cpu["total"] = statistics.median(sum(r.cpu_per_1k.values()) for r in rs)
        print(
            f"{mode:<12} {rps:>8.0f} {p50:>8.2f} {statistics.median(r.p99_ms for r in rs):>8.2f} "
            f"{sum(r.failed for r in rs):>7}" + "".join(f" {v:>9.0f}" for v in cpu.values())
            + f" {rps / baseline:>9.0%}"
            + ("" if mode == "grpc-direct" else f"  (+{p50 - base_p50:.2f} ms p50)")
        )  # fmt: skip


if __name__ == "__main__":
    main()
