"""``python -m tests.integration.replicas.run [PYTEST ARGS]``: the replica suite on a private stack.

Brings up a stack of its own (a temporary state folder, a free port block, the shared cache of
binaries) with ``OPENFRAME_REPLICAS=2`` and short periods for the periodic jobs, runs the tests
that must hold with two replicas of every service (``SUITE``, or the tests named on the command
line) against it with the same environment, and brings it down again: only what it started, and
the whole stack also when a test fails. The shared stack (``make run``) is never touched.

``make test`` runs it after the main suite; ``make replicas`` runs it alone. It prints how long
the stack took to start, its memory (RSS of every server) and how long the tests took.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.layout import PORT_OFFSETS, REPO, Layout
from infra.servers.base import port_in_use
from infra.servers.service import SERVICES, service_addresses

REPLICAS = 2
#: The tests that must pass with two replicas (docs/replicas.md).
SUITE = [
    "tests/contract/test_api_isolation.py",
    "tests/contract/test_auth_isolation.py",
    "tests/integration/api/test_outbox_kafka_down.py",
    "tests/integration/agents/test_fleet.py",
    "tests/integration/replicas",
]
#: Short periods for the services' periodic singletons, so a test sees several periods.
SHORT_PERIODS: dict[str, str] = {
    "OPENFRAME_AGENT_SWEEP_INTERVAL_SECONDS": "2",
    "OPENFRAME_RETENTION_INTERVAL_SECONDS": "2",
    "OPENFRAME_TOKEN_CLEANUP_INTERVAL_SECONDS": "2",
    "OPENFRAME_TOOLS_HEALTH_INTERVAL_SECONDS": "2",
}
#: Port blocks tried for the private stack: the shared one is 27000 and test_lifecycle's 28000; none
#: reaches 32768, where the kernel's ephemeral ports begin (a client's outgoing connection may hold
#: any port above, and a server could not bind it).
FIRST_BLOCK, LAST_BLOCK = 29000, 32000


def free_block() -> int:
    """The first port block none of whose ports (replicas' included) is taken."""
    chosen = os.environ.get("OPENFRAME_REPLICA_PORT_BASE")
    for base in [int(chosen)] if chosen else range(FIRST_BLOCK, LAST_BLOCK, 1000):
        if not any(port_in_use("127.0.0.1", base + offset) for offset in PORT_OFFSETS.values()):
            return base
    raise SystemExit("no free port block for the private replica stack")


def infra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra", *args], cwd=REPO, env=env, text=True, capture_output=True, check=False
    )


def running(env: dict[str, str]) -> dict[str, int]:
    """Server name -> pid of what the stack runs."""
    rows = json.loads(infra(env, "status", "--json").stdout or "[]")
    return {row["name"]: row["pid"] for row in rows if row["pid"]}


def group_rss_mib(leader: int) -> float:
    """RSS of every process in ``leader``'s process group (a service's workers too)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:  # pgrp
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")  # rss in pages
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def memory(env: dict[str, str]) -> str:
    rss = {name: group_rss_mib(pid) for name, pid in running(env).items()}
    services = sum(v for name, v in rss.items() if name.split(".")[0] in SERVICES)
    return f"{sum(rss.values()):.0f} MiB RSS in all, {services:.0f} MiB of it our services' processes"


def show_service_logs(state: Path, lines: int = 25) -> None:
    """The end of each service replica's log: what a failed run's reader needs first."""
    for log in sorted((state / "logs").glob("*.log")):
        if log.stem.split(".")[0] in SERVICES:
            print(f"--- {log.name} (last {lines} lines)")
            print("\n".join(log.read_text(errors="replace").splitlines()[-lines:]), flush=True)


def main(argv: list[str]) -> int:
    state = Path(tempfile.mkdtemp(prefix="of-replicas-"))  # short: Envoy's admin socket lives there
    base = free_block()
    env = {
        **os.environ,
        "OPENFRAME_STATE_DIR": str(state),
        "OPENFRAME_PORT_BASE": str(base),
        "OPENFRAME_REPLICAS": str(REPLICAS),
        **SHORT_PERIODS,
    }
    print(f"replicas: private stack in {state}, port block {base}, {REPLICAS} replicas", flush=True)
    started = time.monotonic()
    code = 1
    try:
        up = infra(env, "up")
        print(up.stdout, up.stderr, sep="", flush=True)
        if up.returncode != 0:
            return up.returncode  # after the finally below brought down what did start
        up_seconds = time.monotonic() - started
        print(infra(env, "status").stdout, flush=True)
        print(f"replicas: stack up in {up_seconds:.0f}s; {memory(env)}", flush=True)
        tests_started = time.monotonic()
        # -rP: the passed tests' prints (the figures: kill under load, runs per slot, the fleet's times)
        report = ["-rP", "--show-capture=stdout"]
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *report, *(argv or SUITE)]
        # the tests' in-process services call the running ones as those call each other
        private = Layout(state=state, cache=Layout.from_env().cache, port_base=base, replicas=REPLICAS)
        calls = {"OPENFRAME_SERVICE_ADDRESSES": json.dumps(service_addresses(private))}
        code = subprocess.run(pytest, cwd=REPO, env={**env, **calls}, check=False).returncode
        print(f"replicas: tests took {time.monotonic() - tests_started:.0f}s; {memory(env)}", flush=True)
    finally:
        # without OPENFRAME_REPLICAS, as a plain `make stop`: it must find every replica all the same
        down = infra({k: v for k, v in env.items() if k != "OPENFRAME_REPLICAS"}, "down")
        print(down.stdout, down.stderr, sep="", flush=True)
        if left := running(env):
            print(
                f"replicas: still running after down: {sorted(left)}; state kept in {state}", file=sys.stderr
            )
            code = code or 1
        elif code:
            show_service_logs(state)
            shutil.rmtree(state / "data", ignore_errors=True)
            print(f"replicas: failed; the logs are kept in {state / 'logs'}", flush=True)
        else:
            shutil.rmtree(state, ignore_errors=True)
        print(f"replicas: {time.monotonic() - started:.0f}s in all", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
