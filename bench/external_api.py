"""The public API through Envoy: API key (ext_authz + rate limit) vs bearer token, side by side.

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/external_api.py \
        [--requests 5000] [--rounds 3]

One call, ``GET /external-api/v1/organizations/{id}`` (REST, HTTP/1.1 keep-alive), in three modes:

* ``apikey``: ``X-API-Key``; the edge's ext_authz check verifies the key (in-process cache,
  one HMAC) and swaps in an internal token, then the rate limiter (when wired) counts it;
* ``jwt``: the same call with a bearer token only (jwt_authn + RBAC; ext_authz passes it after
  reading the verified tenant; the rate limiter counts the tenant);
* ``jwt-internal``: the same RPC on the internal API (``/api/v1/...``, bearer token): no ext_authz
  and no external-service hop — the floor, for context.

Load tool: h2load, same concurrency in every mode, modes interleaved for several rounds (the
machine is shared and noisy); each figure is the median round; latency percentiles come from
h2load's per-request log. Every mode is first checked to return the same organization. The key
gets the highest limits the contract allows so the run measures checks, not refusals; any
non-2xx answer is counted under "failed".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support (run as a script)

import grpc
import httpx

from infra.layout import Layout
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from openframe.external.v1 import api_keys_pb2 as key_pb
from openframe.external.v1.api_keys_pb2_grpc import ApiKeyServiceStub
from tests.support.identity import Tenants

MODES = ("apikey", "jwt", "jwt-internal")
MAX_LIMITS = key_pb.RateLimits(per_minute=1_000_000, per_hour=100_000_000, per_day=1_000_000_000)


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int


def access_token(layout: Layout) -> str:
    """A client-credentials token (role ADMIN) of a tenant registered for this run."""
    tenants = Tenants(f"http://127.0.0.1:{layout.port('envoy')}", layout)
    return tenants.service_token(tenants.tenant(f"benchx{os.getpid()}"))


async def prepare(layout: Layout, token: str) -> tuple[str, str]:
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
    edge = f"http://127.0.0.1:{layout.port('envoy')}"
    async with httpx.AsyncClient(base_url=edge) as http:
        for mode in MODES:
            path, headers = request_of(mode, org.name, token, created.key)
            resp = await http.get(path, headers=headers)
            assert resp.status_code == 200, f"{mode}: {resp.status_code} {resp.text}"
            assert resp.json()["organization"]["name"] == org.name, resp.text
    return org.name, created.key


def request_of(mode: str, org_name: str, token: str, key: str) -> tuple[str, dict[str, str]]:
    if mode == "apikey":
        return f"/external-api/v1/{org_name}", {"x-api-key": key}
    if mode == "jwt":
        return f"/external-api/v1/{org_name}", {"authorization": f"Bearer {token}"}
    return f"/api/v1/{org_name}", {"authorization": f"Bearer {token}"}


def h2load(url: str, headers: dict[str, str], requests: int, clients: int) -> tuple[str, list[int]]:
    extra = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
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


def run_mode(mode: str, layout: Layout, org: str, token: str, key: str, args: argparse.Namespace) -> Result:
    path, headers = request_of(mode, org, token, key)
    stdout, latencies = h2load(
        f"http://127.0.0.1:{layout.port('envoy')}{path}", headers, args.requests, args.clients
    )
    summary = next(line for line in stdout.splitlines() if line.startswith("finished in"))
    non2xx = int(stdout.rsplit("non2xx: ", 1)[1])
    return Result(
        mode=mode,
        rps=float(summary.split(",")[1].split()[0]),
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] / 1000,
        failed=non2xx,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8, help="connections, one request in flight each")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="only check every mode once, no load")
    args = parser.parse_args()
    layout = Layout.from_env()
    token = access_token(layout)
    org, key = asyncio.run(prepare(layout, token))
    if args.check:
        print(f"every mode returns {org}")
        return
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
            rounds[mode].append(run_mode(mode, layout, org, token, key, args))
    print(f"\n{'mode':<13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'p50 vs jwt':>11}")
    base_p50 = statistics.median(r.p50_ms for r in rounds["jwt"])
    for mode in MODES:
        rs = rounds[mode]
        p50 = statistics.median(r.p50_ms for r in rs)
        rps, p99 = statistics.median(r.rps for r in rs), statistics.median(r.p99_ms for r in rs)
        failed = sum(r.failed for r in rs)
        print(f"{mode:<13} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f} {failed:>8} {p50 - base_p50:>+10.2f}")


if __name__ == "__main__":
    main()
