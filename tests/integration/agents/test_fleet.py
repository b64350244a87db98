"""Must show: 1,000 simulated agents registered (real RPC, concurrently) and heartbeating: all
ONLINE; 100 stop: exactly those go OFFLINE within the (test's 30 s) window, the rest stay
ONLINE, and every transition produced exactly one event on Kafka."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from openframe.api.v1 import devices_pb2
from openframe.events.v1 import device_events_pb2
from services.api.agents.simulator import fetch_tokens, register_agents
from services.kit.config import Settings
from tests.integration.agents.agents_support import fleet_of
from tests.integration.agents.conftest import OFFLINE_AFTER, AgentsApp, eventually
from tests.integration.api.kafka_tail import envelope, mark_end, read_after

AGENTS = 1000
STOPPED = 100
TOPIC = "openframe.api.devices.v1"
STATUS_CHANGED = device_events_pb2.DeviceStatusChanged.DESCRIPTOR.full_name


async def statuses(app: AgentsApp, tenant: str) -> Counter[str]:
    docs = app.domain.db["devices"].find({"tenant_id": tenant}, {"status": 1})
    return Counter([d["status"] async for d in docs])


@pytest.mark.heavy  # runs beside the other heavy tests (make pytest), loaded by them
@pytest.mark.xdist_group("fleet")
@pytest.mark.timeout(900)  # 1,000 real registrations, tokens and transitions (see docs/agents.md)
async def test_thousand_agents_online_and_hundred_offline_with_one_event_each(
    agents_app: AgentsApp, settings: Settings
) -> None:
    tenant = agents_app.tenants[2]
    mark = await mark_end(settings.kafka_bootstrap, TOPIC)
    started = time.monotonic()
    _, secret = await agents_app.new_secret(tenant)
    agents = await register_agents(agents_app.target, secret, AGENTS, concurrency=48)
    assert len({a.machine_id for a in agents}) == AGENTS
    registered = time.monotonic() - started
    await fetch_tokens(agents, concurrency=48)
    tokens = time.monotonic() - started - registered
    print(f"registered {AGENTS} agents in {registered:.0f}s, their tokens in {tokens:.0f}s")

    async with fleet_of(settings, agents) as fleet:
        fleet.start(interval_seconds=1.0)

        async def all_online() -> bool:
            return (await statuses(agents_app, tenant))["ONLINE"] == AGENTS

        started = time.monotonic()
        await eventually(all_online, within=300, every=1.0)
        print(f"all ONLINE {time.monotonic() - started:.0f}s after the first heartbeats")
        silent = [a.machine_id for a in agents[:STOPPED]]
        fleet.stop_agents(silent)

        async def stopped_offline() -> bool:
            return (await statuses(agents_app, tenant))["OFFLINE"] == STOPPED

        started = time.monotonic()
        await eventually(stopped_offline, within=OFFLINE_AFTER + 30, every=0.5)
        print(f"{STOPPED} OFFLINE {time.monotonic() - started:.1f}s after they stopped")
        await asyncio.sleep(OFFLINE_AFTER)  # a whole window more: the live ones must stay ONLINE
        assert await statuses(agents_app, tenant) == Counter({"ONLINE": AGENTS - STOPPED, "OFFLINE": STOPPED})
        offline = {
            d["_id"]
            async for d in agents_app.domain.db["devices"].find({"tenant_id": tenant, "status": "OFFLINE"})
        }
        assert offline == set(silent)

    expected = AGENTS + STOPPED
    seen: dict[str, tuple[str, str, str]] = {}
    wanted = {
        (f"devices/{a.machine_id}", "DEVICE_STATUS_PENDING", "DEVICE_STATUS_ONLINE") for a in agents
    } | {(f"devices/{m}", "DEVICE_STATUS_ONLINE", "DEVICE_STATUS_OFFLINE") for m in silent}

    def collected(records: list) -> bool:  # type: ignore[type-arg]
        for record in records:
            event = envelope(record)
            if event.tenant_id != tenant or event.type != STATUS_CHANGED:
                continue
            change = device_events_pb2.DeviceStatusChanged()
            event.payload.Unpack(change)
            name = devices_pb2.DeviceStatus.Name
            seen[event.id] = (event.subject, name(change.previous_status), name(change.status))
        return wanted <= set(
            seen.values()
        )  # every expected transition has arrived (extras are checked below)

    await read_after(settings.kafka_bootstrap, mark, collected, within=120)
    per_machine = Counter(seen.values())
    online = [f"devices/{a.machine_id}" for a in agents]
    for subject in online:
        assert per_machine[(subject, "DEVICE_STATUS_PENDING", "DEVICE_STATUS_ONLINE")] == 1, subject
    for machine in silent:
        assert per_machine[(f"devices/{machine}", "DEVICE_STATUS_ONLINE", "DEVICE_STATUS_OFFLINE")] == 1
    extra = sorted(t for t, n in per_machine.items() if t[2] != "DEVICE_STATUS_ONLINE" or n > 1)
    extra = [t for t in extra if t[0].removeprefix("devices/") not in silent or per_machine[t] > 1]
    assert not extra, f"unexpected transitions (flapping or duplicates): {extra[:20]}"
    assert len(seen) == expected  # and nothing else, after dedupe by event id
