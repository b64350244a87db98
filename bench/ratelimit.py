"""What rate limiting costs at the edge: the same gRPC call through an Envoy without rate limits
and through one with them (the quota filter, decision 0019), side by side, plus the per-request
check alone (what the API-key check's counting costs its service).

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/ratelimit.py [--requests 5000]

Two private Envoys are rendered from the local edge's own options (``local_options``: jwt_authn,
RBAC, transcoder...), differing only in ``rate_limits`` (None vs the default), on their own
ports. Both validate real RS256 tokens (a stand-in JWKS of this run's tenant) and forward to the
same trivial gRPC upstream in this process (an empty GetOrganization answer), so the difference
between them is the rate limit filter and its call to the running rate-limit service
(``make run``'s, with the shared Redis). Modes:

* ``envoy``            GetOrganization through the Envoy without the filter (the baseline);
* ``envoy+ratelimit``  the same call through the Envoy with the quota filter: the tenant's bucket,
                       decided in Envoy; its usage streamed to the running rate-limit service every
                       5 s (Redis counts it there);
* ``rls-direct``       ShouldRateLimit alone, straight at the rate-limit service (what a
                       per-request check costs its service).

Load tool: h2load (nghttp2), same connections and requests per mode, modes interleaved over
several rounds because the machine is noisy; each figure is the median round. The tenant is
new for the run (the default tenant limit, 120,000/min, is above what a run sends); failures
(anything but HTTP 200) are counted and shown.
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
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support (run as a script)

import grpc
from envoy.extensions.common.ratelimit.v3 import ratelimit_pb2
from envoy.service.ratelimit.v3 import rls_pb2
from google.protobuf.message import Message

from infra.layout import Layout
from infra.servers.envoy import Envoy, admin_socket, local_options
from infra.servers.envoy.options import Endpoint, JwtAuth
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1 import organizations_pb2_grpc as org_grpc
from tests.support import tokens

GET_ORG = "/openframe.api.v1.OrganizationService/GetOrganization"
SHOULD_RATE_LIMIT = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit"


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int


class Organizations(org_grpc.OrganizationServiceServicer):  # type: ignore[misc]
    """The upstream: answers every Get at once, so the edge's own cost is what shows."""

    def GetOrganization(self, request: Any, context: Any) -> org_pb.GetOrganizationResponse:
        return org_pb.GetOrganizationResponse(organization=org_pb.Organization(name=request.name))


def free_base(start: int) -> int:
    from infra.servers.base import port_in_use

    for base in range(start, start + 10_000, 500):
        if not any(port_in_use("127.0.0.1", base + off) for off in (80, 901, 300, 311)):
            return base
    raise SystemExit("no free port block")


def private_envoy(shared: Layout, private: Layout, listen_offset: int, *, rate_limited: bool) -> Envoy:
    """An edge on ``private``'s ports (+ ``listen_offset``), its upstreams those of ``private``
    (the stand-in JWKS, the trivial upstream) except the rate-limit service: the running one."""
    base = local_options(private)
    url = f"http://127.0.0.1:{private.port('envoy')}"  # both edges accept the same issuer
    state = Layout(private.state / f"edge{listen_offset}", private.cache, private.port_base + listen_offset)
    options = replace(
        base,
        listen=Endpoint("127.0.0.1", private.port("envoy") + listen_offset),
        admin=admin_socket(state),
        admin_log=str(private.log(f"envoy-admin-{listen_offset}")),
        upstreams={**base.upstreams, "ratelimit": Endpoint("127.0.0.1", shared.port("ratelimit"))},
        jwt=JwtAuth(public_url=url),
        rate_limits=base.rate_limits if rate_limited else None,
    )
    return Envoy(state, options)


async def check_once(port: int, token: str, *, expect_headers: bool) -> None:
    deadline = time.monotonic() + 15  # the edge reads the JWKS every 2 s
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = org_grpc.OrganizationServiceStub(channel)
        while True:
            call = stub.GetOrganization(
                org_pb.GetOrganizationRequest(name="organizations/bench"),
                metadata=(("authorization", f"Bearer {token}"),),
            )
            try:
                assert (await call).organization.name == "organizations/bench"
                break
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAUTHENTICATED or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        limited = "x-ratelimit-limit" in dict(await call.initial_metadata())
        assert limited == expect_headers, (
            f"port {port}: rate-limit headers {'missing' if expect_headers else 'present'}"
        )


def body_file(message: Message) -> Any:
    data = message.SerializeToString()
    handle = tempfile.NamedTemporaryFile(suffix=".bin")  # noqa: SIM115 - closed by the caller
    handle.write(struct.pack(">BI", 0, len(data)) + data)  # gRPC length-prefixed message
    handle.flush()
    return handle


def h2load(url: str, extra: list[str], args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            ["h2load", "-n", str(args.requests), "-c", str(args.clients), "-m", "1", "-t", "1",
             f"--log-file={log}", "-H", "content-type: application/grpc", "-H", "te: trailers", *extra, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        latencies = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line)
    summary = next(line for line in out.stdout.splitlines() if line.startswith("finished in"))
    counts = next(line for line in out.stdout.splitlines() if line.startswith("requests:"))
    codes = next(line for line in out.stdout.splitlines() if line.startswith("status codes:"))
    failed = int(counts.split(",")[4].split()[0]) + int(counts.split(",")[5].split()[0])
    failed += args.requests - int(codes.split(",")[0].split()[2])  # anything but 2xx
    return Result(
        "",
        float(summary.split(",")[1].split()[0]),
        latencies[len(latencies) // 2] / 1000,
        latencies[int(len(latencies) * 0.99)] / 1000,
        failed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8, help="connections, one request in flight each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shared = Layout.from_env()
    tenant = f"rlbench-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        private = Layout(Path(tmp), shared.cache, free_base(39000))
        upstream = grpc.server(ThreadPoolExecutor(max_workers=4))
        org_grpc.add_OrganizationServiceServicer_to_server(Organizations(), upstream)
        upstream.add_insecure_port(f"127.0.0.1:{private.port('api')}")
        upstream.start()
        with tokens.JwksServer("127.0.0.1", private.port("auth_http")) as jwks:
            key, kid = jwks.add(tenant)
            claims = tokens.claims_for(tenant, f"http://127.0.0.1:{private.port('envoy')}", ttl=3600)
            token = tokens.sign(claims, key, kid)
            plain = private_envoy(shared, private, 0, rate_limited=False)
            limited = private_envoy(shared, private, 5, rate_limited=True)
            for envoy in (plain, limited):
                envoy.start()
            try:
                asyncio.run(check_once(plain.options.listen.port, token, expect_headers=False))
                # the quota filter adds no headers to a request it lets through
                asyncio.run(check_once(limited.options.listen.port, token, expect_headers=False))
                edges = {"envoy": plain.options.listen.port, "envoy+ratelimit": limited.options.listen.port}
                run(args, shared, token, tenant, edges)
            finally:
                for envoy in (plain, limited):
                    envoy.stop()
                upstream.stop(0)


def run(args: argparse.Namespace, shared: Layout, token: str, tenant: str, edges: dict[str, int]) -> None:
    auth = ["-H", f"authorization: Bearer {token}"]
    get = body_file(org_pb.GetOrganizationRequest(name="organizations/bench"))
    entries = [("tenant_id", tenant), ("destination_cluster", "api")]
    check = body_file(
        rls_pb2.RateLimitRequest(
            domain="openframe",
            descriptors=[
                ratelimit_pb2.RateLimitDescriptor(
                    entries=[ratelimit_pb2.RateLimitDescriptor.Entry(key=k, value=v) for k, v in entries]
                )
            ],
        )
    )
    targets = {
        **{
            mode: (f"http://127.0.0.1:{port}{GET_ORG}", [*auth, "-d", get.name])
            for mode, port in edges.items()
        },
        "rls-direct": (f"http://127.0.0.1:{shared.port('ratelimit')}{SHOULD_RATE_LIMIT}", ["-d", check.name]),
    }
    version = subprocess.run(
        ["h2load", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"load tool: {version}; {args.requests} requests x {args.rounds} rounds per mode, {args.clients} "
        "HTTP/2 connections with one request in flight each; gRPC GetOrganization with an RS256 token"
    )
    rounds: dict[str, list[Result]] = {mode: [] for mode in targets}
    for _ in range(args.rounds):
        for mode, (url, extra) in targets.items():
            rounds[mode].append(replace(h2load(url, extra, args), mode=mode))
    print(f"\n{'mode':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    base_p50 = statistics.median(r.p50_ms for r in rounds["envoy"])
    base_p99 = statistics.median(r.p99_ms for r in rounds["envoy"])
    for mode, results in rounds.items():
        p50 = statistics.median(r.p50_ms for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        delta = (
            f"  (+{p50 - base_p50:.2f} ms p50, +{p99 - base_p99:.2f} ms p99)"
            if mode == "envoy+ratelimit"
            else ""
        )
        rps = statistics.median(r.rps for r in results)
        print(f"{mode:<16} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f} {sum(r.failed for r in results):>7}{delta}")
    get.close()
    check.close()


if __name__ == "__main__":
    main()
