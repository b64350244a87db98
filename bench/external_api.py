"""The public API through Envoy: API key (ext_authz + rate limit) vs bearer token only, side by side.

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/external_api.py \
        [--requests 2000] [--rounds 9] [--clients 1]

The defaults measure what the checks add to one request (one request in flight); ``--clients 8
--requests 5000 --rounds 3`` saturates this 2-core machine, where every added CPU microsecond
queues at every hop and the figure is throughput more than latency.

One call, ``GET /external-api/v1/organizations/{id}`` (REST, HTTP/1.1 keep-alive), in three modes:

* ``jwt-only``: a bearer token through an edge rendered exactly like ``make run``'s
  (``local_options``) but without the rate limit filter, on ports of its own, in front of the
  same running services: token validation only. The baseline;
* ``jwt+ratelimit``: the same call through ``make run``'s edge: jwt_authn, then the rate limiter
  counts the token's tenant (one ShouldRateLimit; no ext_authz call: no ``X-API-Key``);
* ``apikey+ratelimit``: ``X-API-Key`` through ``make run``'s edge: one ext_authz call verifies
  the key (in-process cache, one HMAC), counts the key and its tenant (leased counters, Redis
  about once per hundred requests) and swaps in an internal token; the rate limit filter is off
  on these routes (docs/rate-limits.md).

The "p50 vs jwt-only" column is the median over rounds of each round's p50 minus the baseline's
p50 in the same round: what the checks add. Load tool: h2load, the same concurrency in every
mode, modes interleaved for several rounds (the machine is shared and noisy); the other figures
are the median round; latency percentiles come from h2load's per-request log. Every mode is
first checked to return the same organization. The key gets the highest limits the contract
allows (and the tenant the default 120,000/min) so the run measures checks, not refusals; any
non-2xx answer is counted under "non-2xx".

The CPU table charges each mode with the CPU its processes spent per request (the edge is the
mode's own Envoy; service workers included). With one request in flight the path is
sequential, so that CPU is time on the request's path, plus background work such as the usage
log stream; with more clients than cores, added CPU becomes added queueing at every hop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support (run as a script)

import grpc
import httpx

from bench.cpu import CpuMeter, server_pid, tree
from infra.layout import Layout
from infra.servers.base import port_in_use
from infra.servers.envoy import Envoy, admin_socket, local_options
from infra.servers.envoy.options import Endpoint
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.external.v1 import api_keys_pb2 as key_pb
from openframe.external.v1.api_keys_pb2_grpc import ApiKeyServiceStub
from tests.support.identity import Tenants

MODES = ("jwt-only", "jwt+ratelimit", "apikey+ratelimit")
BASELINE = "jwt-only"
MAX_LIMITS = key_pb.RateLimits(per_minute=1_000_000, per_hour=100_000_000, per_day=1_000_000_000)


#: Processes whose CPU each mode is charged with (the edge is the mode's own Envoy).
COMPONENTS = ("edge", "external", "ratelimit", "api", "redis")


class Edge(NamedTuple):
    port: int
    access_log: Path  # one JSON object per request (infra/servers/envoy/filters.py)


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int
    cpu_us: dict[str, float]  # CPU per request of each component
    #: medians from the edge's access log: in the edge's filters before the upstream (token
    #: check, API-key check, rate limit call), then the upstream until its last byte
    edge_us: float
    upstream_us: float


def access_token(layout: Layout) -> str:
    """A client-credentials token (role ADMIN) of a tenant registered for this run."""
    tenants = Tenants(f"http://127.0.0.1:{layout.port('envoy')}", layout)
    return tenants.service_token(tenants.tenant(f"benchx{os.getpid()}"))


def unlimited_edge(shared: Layout, state: Path) -> Envoy:
    """``make run``'s edge configuration without the rate limit filter, on free ports, in front of
    the same services (and accepting the same issuer: tokens name the shared edge's URL)."""
    base = next(b for b in range(39_500, 49_500, 500) if not port_in_use("127.0.0.1", b + 80))
    private = Layout(state, shared.cache, base)
    options = replace(
        local_options(shared),
        listen=Endpoint("127.0.0.1", private.port("envoy")),
        admin=admin_socket(private),
        admin_log=str(private.log("envoy-admin")),
        rate_limits=None,
    )
    return Envoy(private, options)


async def prepare(layout: Layout, token: str, edges: dict[str, int]) -> tuple[str, str]:
    """The organization to read and an API key allowed to read it; every mode checked once."""
    metadata = (("authorization", f"Bearer {token}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('api')}") as channel:
        org = (
            await OrganizationServiceStub(channel).CreateOrganization(
                org_pb.CreateOrganizationRequest(
                    organization=org_pb.Organization(display_name=f"Bench {os.getpid()}")
                ),
                metadata=metadata,
            )
        ).organization
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('external')}") as channel:
        created = await ApiKeyServiceStub(channel).CreateApiKey(
            key_pb.CreateApiKeyRequest(
                api_key=key_pb.ApiKey(
                    display_name="bench", scopes=["organizations:read"], rate_limits=MAX_LIMITS
                )
            ),
            metadata=metadata,
        )
    async with httpx.AsyncClient() as http:
        for mode in MODES:
            path, headers = request_of(mode, org.name, token, created.key)
            for _ in range(150):  # the new edge reads the JWKS at start
                resp = await http.get(f"http://127.0.0.1:{edges[mode]}{path}", headers=headers)
                if resp.status_code != 401:
                    break
                await asyncio.sleep(0.1)
            assert resp.status_code == 200, f"{mode}: {resp.status_code} {resp.text}"
            assert resp.json()["organization"]["name"] == org.name, resp.text
            # keys are checked per request (headers); tokens in the edge's quota filter (none: 0019)
            limited = "x-ratelimit-limit" in resp.headers
            assert limited == (mode == "apikey+ratelimit"), f"{mode}: rate-limit headers {resp.headers}"
    return org.name, created.key


def request_of(mode: str, org_name: str, token: str, key: str) -> tuple[str, dict[str, str]]:
    path = f"/external-api/v1/{org_name}"
    if mode == "apikey+ratelimit":
        return path, {"x-api-key": key}
    return path, {"authorization": f"Bearer {token}"}


def h2load(url: str, headers: dict[str, str], requests: int, clients: int, rps: int) -> tuple[str, list[int]]:
    extra = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    if rps:
        extra.append(f"--rps={rps}")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            ["h2load", "--h1", "-n", str(requests), "-c", str(clients), "-t", "1",
             f"--log-file={log}", *extra, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows = [line.split("\t") for line in log.read_text().splitlines() if line]
    latencies = sorted(int(r[2]) for r in rows)
    failed = sum(1 for r in rows if not r[1].startswith("2"))
    return out.stdout + f"\nnon2xx: {failed}", latencies


def timings(access_log: Path, offset: int, path: str) -> tuple[float, float]:
    """Median ``edge_us`` and ``upstream_us`` of the requests for ``path`` logged past ``offset``."""
    edge, upstream = [], []
    with access_log.open() as f:
        f.seek(offset)
        for line in f:
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("path") == path and entry.get("edge_us") is not None:
                edge.append(entry["edge_us"])
                upstream.append(entry["upstream_us"])
    return (statistics.median(edge), statistics.median(upstream)) if edge else (0.0, 0.0)


def run_mode(
    mode: str, edge: Edge, org: str, token: str, key: str, args: argparse.Namespace, pids: dict[str, int]
) -> Result:
    path, headers = request_of(mode, org, token, key)
    meter = CpuMeter({name: tree(pid) for name, pid in pids.items()})
    offset = edge.access_log.stat().st_size
    meter.start()
    stdout, latencies = h2load(
        f"http://127.0.0.1:{edge.port}{path}", headers, args.requests, args.clients, args.rps
    )
    _, spent = meter.stop()
    time.sleep(1.2)  # the edge writes its access log once a second (--file-flush-interval-msec)
    edge_us, upstream_us = timings(edge.access_log, offset, path)
    summary = next(line for line in stdout.splitlines() if line.startswith("finished in"))
    non2xx = int(stdout.rsplit("non2xx: ", 1)[1])
    return Result(
        mode=mode,
        rps=float(summary.split(",")[1].split()[0]),
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] / 1000,
        failed=non2xx,
        cpu_us={name: seconds * 1e6 / args.requests for name, seconds in spent.items()},
        edge_us=edge_us,
        upstream_us=upstream_us,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=1, help="connections, one request in flight each")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument(
        "--rps", type=int, default=0, help="requests/s per connection (0: as fast as answers come back)"
    )
    parser.add_argument("--check", action="store_true", help="only check every mode once, no load")
    args = parser.parse_args()
    layout = Layout.from_env()
    token = access_token(layout)
    with tempfile.TemporaryDirectory() as tmp:
        bare = unlimited_edge(layout, Path(tmp))
        bare.start()
        try:
            shared_edge = Edge(layout.port("envoy"), layout.log("envoy"))
            edges = {m: shared_edge for m in MODES} | {BASELINE: Edge(bare.port, bare.layout.log("envoy"))}
            org, key = asyncio.run(prepare(layout, token, {m: e.port for m, e in edges.items()}))
            if args.check:
                print(f"every mode returns {org}")
                return
            shared = {name: server_pid(layout, name) for name in COMPONENTS if name != "edge"}
            edge_pids = {m: server_pid(layout, "envoy") for m in MODES} | {BASELINE: bare.owned_pid() or 0}
            pids = {m: {"edge": edge_pids[m], **shared} for m in MODES}
            measure(args, edges, org, token, key, pids)
        finally:
            bare.stop()


def measure(
    args: argparse.Namespace,
    edges: dict[str, Edge],
    org: str,
    token: str,
    key: str,
    pids: dict[str, dict[str, int]],
) -> None:
    version = subprocess.run(
        ["h2load", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"load tool: {version}; {args.requests} requests x {args.rounds} rounds per mode; "
        f"{args.clients} HTTP/1.1 keep-alive connections, one request in flight each"
    )
    rounds: dict[str, list[Result]] = {m: [] for m in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            rounds[mode].append(run_mode(mode, edges[mode], org, token, key, args, pids[mode]))
    print(
        f"\n{'mode':<17} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'p50 vs jwt-only':>16}"
        f"{'(rounds: min .. max)':>22}"
    )
    for mode in MODES:
        rs = rounds[mode]
        p50 = statistics.median(r.p50_ms for r in rs)
        rps, p99 = statistics.median(r.rps for r in rs), statistics.median(r.p99_ms for r in rs)
        failed = sum(r.failed for r in rs)
        # Paired: each round's p50 minus the baseline's p50 of the same round (modes run
        # back to back), so a slow or fast stretch of the shared machine cancels out.
        diffs = sorted(r.p50_ms - b.p50_ms for r, b in zip(rs, rounds[BASELINE], strict=True))
        spread = "" if mode == BASELINE else f"{diffs[0]:>+13.2f} .. {diffs[-1]:+.2f}"
        print(
            f"{mode:<17} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f} {failed:>8} "
            f"{statistics.median(diffs):>+15.2f}{spread}"
        )
    # Where the time goes, as the edge saw it: the checks run in its filters before the upstream,
    # so their cost shows as edge time over the baseline's.
    header = f"{'edge µs':>10}{'upstream µs':>13}{'edge vs jwt-only':>18}"
    print(f"\n{'edge access log (median round)':<36}{header}")
    base_edge = statistics.median(r.edge_us for r in rounds[BASELINE])
    for mode in MODES:
        edge = statistics.median(r.edge_us for r in rounds[mode])
        upstream = statistics.median(r.upstream_us for r in rounds[mode])
        print(f"{mode:<36}{edge:>10.0f}{upstream:>13.0f}{edge - base_edge:>+18.0f}")
    # Where the time goes: at one request in flight the path is sequential, so a process's CPU
    # per request is time on the request's path (plus its background work, e.g. usage logs).
    print(
        f"\nCPU µs per request (median round){'':<3}"
        + "".join(f"{c:>10}" for c in COMPONENTS)
        + f"{'total':>10}"
    )
    base_total = 0.0
    for mode in MODES:
        cpu = {c: statistics.median(r.cpu_us[c] for r in rounds[mode]) for c in COMPONENTS}
        total = sum(cpu.values())
        base_total = total if mode == BASELINE else base_total
        extra = "" if mode == BASELINE else f"  ({total - base_total:+.0f})"
        print(f"{mode:<36}" + "".join(f"{cpu[c]:>10.0f}" for c in COMPONENTS) + f"{total:>10.0f}{extra}")


if __name__ == "__main__":
    main()
