"""What one ext_authz hop costs before any check runs: Envoy calling a check that does nothing.

    make install && flock /tmp/openframe-bench.lock .venv/bin/python bench/check_hop.py \
        [--requests 4000] [--rounds 5]

A private Envoy on free loopback ports answers every request itself (a direct response), and
per route calls one of three do-nothing checks first; nothing else of the platform is involved:

* ``no check``         the direct response alone (the baseline);
* ``grpc.aio check``   ext_authz over gRPC (``envoy.service.auth.v3``, as the edge calls the
                       external service) to a grpc.aio server whose Check returns OK at once;
* ``http check``       ext_authz over HTTP/1.1 to a plain asyncio server answering 200 at once.

Load tool: h2load, one HTTP/1.1 connection with one request in flight, modes interleaved over
rounds (the machine is shared). Printed per mode (median round): p50 and what it adds to the
baseline, and the CPU per request of Envoy and of the check's process. The gap between the two
checks is what the gRPC layer of a Python server costs per call; the Envoy column is the edge's
side of the call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench.cpu import CpuMeter
from infra.layout import Layout
from infra.servers.base import port_in_use
from infra.servers.envoy import envoy_binary

MODES = {"no check": "/none", "grpc.aio check": "/grpc", "http check": "/http"}
BASELINE = "no check"
GRPC_FILTER, HTTP_FILTER = "envoy.filters.http.ext_authz", "ext_authz_http"


# -- the do-nothing checks (run as child processes: --serve grpc|http PORT) ----------------------


async def serve_grpc(port: int) -> None:
    import grpc
    from envoy.service.auth.v3 import external_auth_pb2 as pb
    from envoy.service.auth.v3 import external_auth_pb2_grpc as pb_grpc
    from google.rpc import code_pb2, status_pb2

    ok = pb.CheckResponse(status=status_pb2.Status(code=code_pb2.OK), ok_response=pb.OkHttpResponse())

    class Allow(pb_grpc.AuthorizationServicer):  # type: ignore[misc]
        async def Check(self, request: pb.CheckRequest, context: Any) -> pb.CheckResponse:
            return ok

    server = grpc.aio.server()
    pb_grpc.add_AuthorizationServicer_to_server(Allow(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def serve_http(port: int) -> None:
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"

    class Allow(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            self.pending = b""

        def data_received(self, data: bytes) -> None:
            self.pending += data  # Envoy's check requests carry no body
            while b"\r\n\r\n" in self.pending:
                _, self.pending = self.pending.split(b"\r\n\r\n", 1)
                self.transport.write(answer)

    server = await asyncio.get_running_loop().create_server(Allow, "127.0.0.1", port)
    await server.serve_forever()


# -- the private Envoy ---------------------------------------------------------------------------


def typed(type_name: str, **config: Any) -> dict[str, Any]:
    return {"@type": f"type.googleapis.com/{type_name}", **config}


def cluster(name: str, port: int, http2: bool) -> dict[str, Any]:
    protocol: dict[str, Any] = {"http2_protocol_options": {}} if http2 else {"http_protocol_options": {}}
    return {
        "name": name,
        "type": "STATIC",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typed(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config=protocol
            )
        },
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                "address": "127.0.0.1", "port_value": port}}}}]}],
        },
    }  # fmt: skip


def envoy_config(listen: int, admin: int, grpc_port: int, http_port: int) -> dict[str, Any]:
    per_route = "envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute"
    on = typed(per_route, check_settings={})

    def route(path: str, checks: dict[str, Any]) -> dict[str, Any]:
        return {
            "match": {"prefix": path},
            "direct_response": {"status": 200, "body": {"inline_string": "ok"}},
            "typed_per_filter_config": checks,
        }

    ext_authz = "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"
    filters = [
        {"name": GRPC_FILTER, "disabled": True, "typed_config": typed(
            ext_authz, transport_api_version="V3",
            grpc_service={"envoy_grpc": {"cluster_name": "check_grpc"}, "timeout": "0.5s"})},
        {"name": HTTP_FILTER, "disabled": True, "typed_config": typed(
            ext_authz, transport_api_version="V3",
            http_service={"server_uri": {"uri": f"http://127.0.0.1:{http_port}", "cluster": "check_http",
                                         "timeout": "0.5s"}})},
        {"name": "envoy.filters.http.router",
         "typed_config": typed("envoy.extensions.filters.http.router.v3.Router")},
    ]  # fmt: skip
    manager = typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="hop",
        route_config={"virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
            route(MODES["grpc.aio check"], {GRPC_FILTER: on}),
            route(MODES["http check"], {HTTP_FILTER: on}),
            route(MODES["no check"], {}),
        ]}]},
        http_filters=filters,
    )  # fmt: skip
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
        "static_resources": {
            "listeners": [{
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen}},
                "filter_chains": [{"filters": [
                    {"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}]}],
            }],
            "clusters": [cluster("check_grpc", grpc_port, True), cluster("check_http", http_port, False)],
        },
    }  # fmt: skip


def free_ports(count: int, start: int = 38_900) -> list[int]:
    ports = [p for p in range(start, start + 500) if not port_in_use("127.0.0.1", p)]
    return ports[:count]


def p50_us(url: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        subprocess.run(
            ["h2load", "--h1", "-n", str(requests), "-c", "1", "-t", "1", f"--log-file={log}", url],
            capture_output=True, check=True,
        )  # fmt: skip
        rows = [line.split("\t") for line in log.read_text().splitlines() if line]
    if not rows or any(r[1] != "200" for r in rows):
        raise RuntimeError(f"{url}: not answered, or not with 200")
    return sorted(int(r[2]) for r in rows)[len(rows) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=4_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port = args.serve
        asyncio.run(serve_grpc(int(port)) if kind == "grpc" else serve_http(int(port)))
        return
    binary = envoy_binary(Layout.from_env())
    if binary is None:
        sys.exit("no Envoy binary: run `make install` first")
    listen, admin, grpc_port, http_port = free_ports(4)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "envoy.json"
        config.write_text(json.dumps(envoy_config(listen, admin, grpc_port, http_port)))
        me = [sys.executable, __file__, "--serve"]
        procs = {
            "envoy": subprocess.Popen(
                [str(binary), "-c", str(config), "--disable-hot-restart", "--log-level", "error",
                 "--base-id", str(listen)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
            "grpc.aio check": subprocess.Popen([*me, "grpc", str(grpc_port)]),
            "http check": subprocess.Popen([*me, "http", str(http_port)]),
        }  # fmt: skip
        try:
            measure(args, listen, procs)
        finally:
            for proc in procs.values():
                proc.terminate()
                proc.wait(timeout=10)


def measure(args: argparse.Namespace, listen: int, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for _ in range(100):  # until Envoy and both checks answer
        try:
            for path in MODES.values():
                p50_us(f"http://127.0.0.1:{listen}{path}", 1)
            break
        except (subprocess.CalledProcessError, RuntimeError):
            time.sleep(0.1)
    rows: dict[str, list[tuple[float, float, float]]] = {m: [] for m in MODES}
    for _ in range(args.rounds):
        for mode, path in MODES.items():
            server = procs.get(mode)
            pids = {"envoy": [procs["envoy"].pid], "check": [server.pid] if server else []}
            meter = CpuMeter(pids)
            meter.start()
            p50 = p50_us(f"http://127.0.0.1:{listen}{path}", args.requests)
            _, spent = meter.stop()
            rows[mode].append(
                (p50, spent["envoy"] * 1e6 / args.requests, spent["check"] * 1e6 / args.requests)
            )
    print(f"one request in flight, {args.requests} requests x {args.rounds} rounds per mode (median round)\n")
    print(f"{'mode':<16}{'p50 µs':>8}{'vs no check':>13}{'envoy CPU µs':>14}{'check CPU µs':>14}")
    base = statistics.median(r[0] for r in rows[BASELINE])
    for mode, results in rows.items():
        latency = statistics.median(r[0] for r in results)
        envoy = statistics.median(r[1] for r in results)
        check = statistics.median(r[2] for r in results)
        print(f"{mode:<16}{latency:>8.0f}{latency - base:>+13.0f}{envoy:>14.0f}{check:>14.0f}")


if __name__ == "__main__":
    main()
