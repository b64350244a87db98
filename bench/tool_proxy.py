"""Tool proxy: a tool called directly vs through the proxy vs through Envoy + the proxy, side by side.

    make run && flock /tmp/openframe-bench.lock .venv/bin/python bench/tool_proxy.py [--requests 3000]

The "tool" is a minimal HTTP server (uvicorn, its own process, started by this script) answering a
small JSON body. A tenant is registered for the run and registers the tool with an API token
(REST through the edge); then h2load (HTTP/1.1 keep-alive, same connections in every mode) times:

* ``tool-direct``: the tool itself (the baseline);
* ``proxy-direct``: the external service's proxy port (``external_http``), bearer token checked
  by the service (tool lookup, credential injection, streaming both ways);
* ``proxy-envoy``: ``/tools/{id}/...`` through Envoy (jwt_authn + RBAC, rate limit) and the proxy.

Modes run interleaved for several rounds (noisy machines); each figure is the median round.
Every mode is first checked to return the tool's body, so errors are never timed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support (run as a script)

import httpx

from infra.layout import Layout
from infra.servers.service import stand_in_tool_ports
from tests.support.identity import Tenants

BODY = b'{"hosts": [{"id": 1, "hostname": "bench"}]}'


async def tool_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The stand-in tool: drains the request, answers BODY."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def serve_tool(port: int) -> None:
    import uvicorn

    uvicorn.run(tool_app, host="127.0.0.1", port=port, access_log=False, log_level="warning", lifespan="off")


def free_port(layout: Layout) -> int:
    """A free port the stack's destination policy lets a tool use (infra/servers/service.py)."""
    for port in stand_in_tool_ports(layout):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("every stand-in tool port is taken")


@dataclass
class Result:
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int


def h2load(url: str, headers: list[str], requests: int, clients: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        out = subprocess.run(
            ["h2load", "--h1", "-n", str(requests), "-c", str(clients), "-t", "1", f"--log-file={log}",
             *headers, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        latencies = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line)
    summary = next(line for line in out.stdout.splitlines() if line.startswith("finished in"))
    counts = next(line for line in out.stdout.splitlines() if line.startswith("requests:"))
    return Result(
        mode="",
        rps=float(summary.split(",")[1].split()[0]),
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] / 1000,
        failed=int(counts.split(",")[4].split()[0]) + int(counts.split(",")[5].split()[0]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8, help="HTTP/1.1 keep-alive connections")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-tool", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_tool:
        serve_tool(args.serve_tool)
        return
    layout = Layout.from_env()
    edge = f"http://127.0.0.1:{layout.port('envoy')}"
    port = free_port(layout)
    tool = subprocess.Popen([sys.executable, __file__, "--serve-tool", str(port)])
    try:
        tenants = Tenants(edge, layout)
        token = tenants.service_token(tenants.tenant(f"bench{os.getpid()}"))
        auth = {"authorization": f"Bearer {token}"}
        with httpx.Client(timeout=20) as http:
            for _ in range(100):  # the tool process starting
                try:
                    http.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            created = http.post(
                f"{edge}/external-api/v1/tools",
                headers=auth,
                json={"toolType": "TOOL_TYPE_FLEET", "displayName": f"bench {os.getpid()}",
                      "baseUrl": f"http://127.0.0.1:{port}", "credentials": {"apiToken": "bench-token"}},
            )  # fmt: skip
            created.raise_for_status()
            tool_id = created.json()["integratedTool"]["name"].removeprefix("tools/")
            urls = {
                "tool-direct": f"http://127.0.0.1:{port}/api/v1/fleet/hosts",
                "proxy-direct": f"http://127.0.0.1:{layout.port('external_http')}/tools/{tool_id}/api/v1/fleet/hosts",
                "proxy-envoy": f"{edge}/tools/{tool_id}/api/v1/fleet/hosts",
            }
            for mode, url in urls.items():
                reply = http.get(url, headers=auth)
                assert reply.status_code == 200 and reply.content == BODY, (
                    mode,
                    reply.status_code,
                    reply.text,
                )
        headers = ["-H", f"authorization: Bearer {token}"]
        version = subprocess.run(
            ["h2load", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"load tool: {version}; {args.requests} requests x {args.rounds} rounds per mode; "
              f"{args.clients} HTTP/1.1 keep-alive connections, one request in flight each")  # fmt: skip
        rounds: dict[str, list[Result]] = {m: [] for m in urls}
        for _ in range(args.rounds):
            for mode, url in urls.items():
                rounds[mode].append(h2load(url, headers, args.requests, args.clients))
        print(f"\n{'mode':<13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'vs direct':>10}")
        base_rps = statistics.median(r.rps for r in rounds["tool-direct"])
        base_p50 = statistics.median(r.p50_ms for r in rounds["tool-direct"])
        for mode, rs in rounds.items():
            rps, p50 = statistics.median(r.rps for r in rs), statistics.median(r.p50_ms for r in rs)
            print(
                f"{mode:<13} {rps:>8.0f} {p50:>8.2f} {statistics.median(r.p99_ms for r in rs):>8.2f} "
                f"{sum(r.failed for r in rs):>7} {rps / base_rps:>9.0%}"
                + ("" if mode == "tool-direct" else f"  (+{p50 - base_p50:.2f} ms p50)")
            )
    finally:
        tool.terminate()
        tool.wait(timeout=10)


if __name__ == "__main__":
    main()
