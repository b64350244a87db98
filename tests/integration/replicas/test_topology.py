"""What ``OPENFRAME_REPLICAS=2 make run`` runs: every service twice, each replica its own process
group (with its own workers) on its own ports; ``make status`` shows each; the edge balances over
every replica and checks each one's health; the services' own calls to each other reach every
replica of the callee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from infra.layout import REPO, Layout
from infra.servers.envoy import Envoy
from infra.servers.envoy.services import clusters
from infra.servers.service import SERVICE_PORTS, WORKERS, PythonService
from tests.integration.replicas.conftest import hosts
from tests.support.api_keys import create_api_key
from tests.support.identity import Tenants


def group_of(leader: int) -> list[int]:
    """Pids of ``leader``'s process group."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_status_shows_every_replica_as_its_own_process_group(infra_up: Layout) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infra", "status", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    for service in SERVICE_PORTS:
        replicas = [PythonService(infra_up, service, k) for k in range(infra_up.replicas)]
        assert [r.name for r in replicas] == [
            service,
            *(f"{service}.{k}" for k in range(1, infra_up.replicas)),
        ]
        pids = set()
        for replica in replicas:
            row = rows[replica.name]
            assert row["state"] == "running" and row["address"] == replica.address, row
            members = group_of(row["pid"])
            workers = WORKERS.get(service, 1)
            assert len(members) == (1 if workers == 1 else 1 + workers), (replica.name, members)  # supervisor
            pids |= set(members)
        assert len(pids) == sum(len(group_of(rows[r.name]["pid"])) for r in replicas)  # nothing shared


def test_the_edge_balances_over_every_replica_and_checks_each(infra_up: Layout, edge: Envoy) -> None:
    running = set(SERVICE_PORTS)
    for cluster in clusters():
        found = hosts(edge, cluster.name)
        ports = {int(host.rsplit(":", 1)[1]) for host in found}
        assert ports == {infra_up.port(cluster.name, k) for k in range(infra_up.replicas)}, cluster.name
        service = cluster.service
        if service in running:  # (management and config have no process yet)
            assert {s["health_flags"] for s in found.values()} == {"healthy"}, (cluster.name, found)


async def test_calls_between_services_reach_every_replica(
    infra_up: Layout, edge_url: str, tenants: Tenants
) -> None:
    """The public API (external) calls the api service for each request: with round robin over
    the api replicas' addresses, both replicas see the tenant's calls."""
    tenant = tenants.fresh()
    key = await create_api_key(infra_up, tenant.id, "replicas")
    async with httpx.AsyncClient(base_url=edge_url, timeout=20) as client:
        for _ in range(24):
            response = await client.get("/external-api/v1/organizations", headers={"x-api-key": key})
            assert response.status_code == 200, response.text
    seen = {}
    for k in range(infra_up.replicas):
        name = PythonService(infra_up, "api", k).name
        lines = infra_up.log(name).read_text(errors="replace").splitlines()
        seen[name] = sum(1 for line in lines if tenant.id in line and "ListOrganizations" in line)
    print(f"\napi calls per replica for one tenant's 24 public API requests: {seen}")
    assert all(count > 0 for count in seen.values()), seen
    assert sum(seen.values()) >= 24
