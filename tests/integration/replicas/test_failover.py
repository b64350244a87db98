"""Must show: one api replica killed (SIGKILL to its process group, workers and all) under steady
load through the edge, and no read fails: Envoy retries what the dead replica lost on the other
one, and stops sending it anything once the health checks or the connection failures say so.

Writes are counted too. One that was in flight on the dying replica is not retried (it may have
been applied): it fails with UNAVAILABLE, and there can be at most as many as there were writers;
every later write reaches the surviving replica. The replica is started again at the end and the
edge sends to it again. The counts are printed (``-rP`` shows them)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator

import grpc
import httpx
import pytest

from infra.layout import Layout
from infra.servers.envoy import Envoy
from infra.servers.service import PythonService
from openframe.api.v1 import organizations_pb2 as pb
from openframe.api.v1.organizations_pb2_grpc import OrganizationServiceStub
from tests.integration.replicas.conftest import hosts
from tests.support.identity import Tenants

READERS = 6  # gRPC Get/List and REST GET, concurrently
WRITERS = 2  # CreateOrganization, concurrently
#: Envoy's worker threads (one per core): each holds its own connection to a replica, so a writer
#: can lose at most one write per connection it had to the dying replica
EDGE_WORKERS = os.cpu_count() or 1
BEFORE_KILL_S = 4.0  # load on both replicas first
AFTER_KILL_S = 8.0  # then on the survivor (the health checks take the dead one out within ~4 s)
MAX_REQUESTS = 50_000  # bounded whatever the machine's speed


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float, every: float = 0.25) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if result if isinstance(result, bool) else await result:
            return True
        await asyncio.sleep(every)
    return False


async def count_created(orgs: OrganizationServiceStub, metadata: tuple[tuple[str, str], ...]) -> int:
    """The tenant's organizations the writers created (named ``load <n>``)."""
    found, token = 0, ""
    while True:
        page = await orgs.ListOrganizations(
            pb.ListOrganizationsRequest(page_size=100, page_token=token), metadata=metadata
        )
        found += sum(o.display_name.startswith("load ") for o in page.organizations)
        if not (token := page.next_page_token):
            return found


def served(edge: Envoy) -> dict[str, int]:
    return {host: int(stats.get("rq_success", 0)) for host, stats in hosts(edge, "api").items()}


@pytest.fixture
def victim(infra_up: Layout) -> Iterator[PythonService]:
    """The replica the test kills; running again afterwards whatever happened (the next tests
    need both)."""
    replica = PythonService(infra_up, "api", 1)
    yield replica
    replica.start()


async def test_an_api_replica_killed_under_load_fails_no_read(
    infra_up: Layout, edge: Envoy, edge_url: str, tenants: Tenants, victim: PythonService
) -> None:
    owner = tenants.fresh()
    survivor_host = f"127.0.0.1:{infra_up.port('api')}"
    victim_host = f"127.0.0.1:{infra_up.port('api', 1)}"
    counts: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []  # what each failed request said, for the report
    sent = 0
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{infra_up.port('envoy')}") as channel,
        httpx.AsyncClient(base_url=edge_url, headers=owner.bearer, timeout=20) as rest,
    ):
        orgs = OrganizationServiceStub(channel)
        created = await orgs.CreateOrganization(
            pb.CreateOrganizationRequest(organization=pb.Organization(display_name="steady")),
            metadata=owner.metadata,
        )
        name = created.organization.name
        end = time.monotonic() + BEFORE_KILL_S + AFTER_KILL_S

        async def read(n: int) -> str:
            if n % 3 == 0:
                response = await rest.get(f"/api/v1/{name}")
                if response.status_code != 200:
                    failures.append(f"read HTTP {response.status_code} {response.text[:200]}")
                    return f"HTTP {response.status_code}"
                return "OK"
            if n % 3 == 1:
                got = await orgs.GetOrganization(
                    pb.GetOrganizationRequest(name=name), metadata=owner.metadata
                )
                assert got.organization.name == name
            else:
                await orgs.ListOrganizations(
                    pb.ListOrganizationsRequest(page_size=10), metadata=owner.metadata
                )
            return "OK"

        async def write(n: int) -> str:
            request = pb.CreateOrganizationRequest(organization=pb.Organization(display_name=f"load {n}"))
            await orgs.CreateOrganization(request, metadata=owner.metadata)
            return "OK"

        async def loop(kind: str, worker: int, call: Callable[[int], Awaitable[str]]) -> None:
            nonlocal sent
            n = worker
            while time.monotonic() < end and sent < MAX_REQUESTS:
                sent += 1
                try:
                    outcome = await call(n)
                except grpc.aio.AioRpcError as exc:
                    outcome = exc.code().name
                    failures.append(f"{kind} {outcome} {exc.details()}")
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                    failures.append(f"{kind} {outcome} {exc}")
                counts[kind, outcome] += 1
                n += READERS + WRITERS

        async def kill() -> dict[str, int]:
            await asyncio.sleep(BEFORE_KILL_S)
            before = served(edge)
            pid = victim.owned_pid()
            assert pid is not None, "api.1 is not running"
            os.killpg(pid, signal.SIGKILL)  # the replica's whole process group: no goodbye
            return before

        loads = [loop("read", i, read) for i in range(READERS)]
        loads += [loop("write", READERS + i, write) for i in range(WRITERS)]
        before_kill, *_ = await asyncio.gather(kill(), *loads)

        after = hosts(edge, "api")
        reads = {o: c for (kind, o), c in counts.items() if kind == "read"}
        writes = {o: c for (kind, o), c in counts.items() if kind == "write"}
        state = {host: (stats.get("rq_success"), stats.get("health_flags")) for host, stats in after.items()}
        print(
            f"\nkill of api.1 under load: reads {reads}, writes {writes}; requests each replica had "
            f"served before the kill {before_kill}; after the load (served, health) {state}; "
            f"failures: {failures[:10]}"
        )
        # both replicas had been serving, and the load went on past the kill
        assert before_kill[survivor_host] > 0 and before_kill[victim_host] > 0
        assert victim.owned_pid() is None
        # no read failed: what the dead replica lost was retried on the survivor
        assert set(reads) == {"OK"} and reads["OK"] > 0
        # a write in flight on the dying replica may fail (UNAVAILABLE); later ones reach the survivor
        assert writes.get("OK", 0) > 0
        assert set(writes) <= {"OK", "UNAVAILABLE"}
        assert writes.get("UNAVAILABLE", 0) <= WRITERS * EDGE_WORKERS
        # every acknowledged write is stored; an unacknowledged one may or may not be
        stored = await count_created(orgs, owner.metadata)
        assert writes["OK"] <= stored <= writes["OK"] + writes.get("UNAVAILABLE", 0)
        # the edge took the dead replica out of the balancing
        assert after[victim_host]["health_flags"] != "healthy"
        assert int(after[survivor_host]["rq_success"]) > before_kill[survivor_host]

        # started again, the replica is checked healthy and served again
        assert await asyncio.to_thread(victim.start)  # what `python -m infra up api.1` does
        assert await eventually(
            lambda: hosts(edge, "api")[victim_host]["health_flags"] == "healthy", within=30
        )
        again = served(edge)[victim_host]

        async def victim_serves() -> bool:
            await orgs.GetOrganization(pb.GetOrganizationRequest(name=name), metadata=owner.metadata)
            return served(edge)[victim_host] > again

        assert await eventually(victim_serves, within=30, every=0.05)
