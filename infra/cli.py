"""``python -m infra``: install, start, stop and inspect the local infrastructure.

python -m infra install          # every install step, each skipped when satisfied
python -m infra up [NAME ...]    # start what is not running, wait until ready
python -m infra down [NAME ...]  # stop what we started (by pid), nothing else
python -m infra status [--json]  # state, address, pid and RSS of each server
python -m infra render           # re-render committed configs derived from templates

A service's NAME selects all its replicas (``OPENFRAME_REPLICAS``; ``api`` and ``api.1``), a
replica's name only that one. ``up`` also stops replicas beyond ``OPENFRAME_REPLICAS`` that an
earlier run started; ``down`` and ``status`` include them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from infra.install import install
from infra.layout import Layout
from infra.servers import leftover_replicas, servers
from infra.servers.base import ServerError, Status
from infra.servers.envoy import render_compose


def _table(rows: list[Status]) -> str:
    lines = [f"{'server':<12} {'state':<8} {'address':<22} {'pid':>8} {'rss MiB':>8}"]
    for s in rows:
        pid = str(s.pid) if s.pid else "-"
        rss = f"{s.rss_mib:.0f}" if s.rss_mib is not None else "-"
        lines.append(f"{s.name:<12} {s.state:<8} {s.address:<22} {pid:>8} {rss:>8}")
    return "\n".join(lines)


def cmd_up(layout: Layout, names: list[str]) -> int:
    started_all = time.monotonic()
    for extra in leftover_replicas(layout, names):
        if extra.stop():
            print(f"{extra.name:<12} stopped (OPENFRAME_REPLICAS={layout.replicas})", flush=True)
    for server in servers(layout, names):
        t0 = time.monotonic()
        try:
            launched = server.start()
        except ServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        verb = f"started in {time.monotonic() - t0:.1f}s" if launched else "already running"
        print(f"{server.name:<12} {verb:<20} {server.address}", flush=True)
    print(f"\nall ready in {time.monotonic() - started_all:.1f}s; state in {layout.state}")
    print("status: make status    stop: make stop")
    return 0


def cmd_down(layout: Layout, names: list[str]) -> int:
    for server in reversed(servers(layout, names) + leftover_replicas(layout, names)):
        stopped = server.stop()
        print(f"{server.name:<12} {'stopped' if stopped else 'was not running'}", flush=True)
    return 0


def cmd_status(layout: Layout, names: list[str], as_json: bool) -> int:
    rows = [s.status() for s in servers(layout, names) + leftover_replicas(layout, names)]
    if as_json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        print(_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="install everything a fresh machine lacks")
    sub.add_parser("render", help="re-render committed configs (envoy/compose/envoy.yaml)")
    for name in ("up", "down", "status"):
        p = sub.add_parser(name)
        p.add_argument("names", nargs="*", help="only these servers (default: all)")
        if name == "status":
            p.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        layout = Layout.from_env()
    except ValueError as exc:  # OPENFRAME_PORT_BASE or OPENFRAME_REPLICAS out of range
        parser.error(str(exc))
    if args.command == "install":
        install(layout)
        return 0
    if args.command == "render":
        print(render_compose())
        return 0
    if args.command == "up":
        return cmd_up(layout, args.names)
    if args.command == "down":
        return cmd_down(layout, args.names)
    return cmd_status(layout, args.names, args.json)
