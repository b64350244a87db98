"""Heartbeats over NATS JetStream: ONLINE and last_seen; forged publishes change nothing."""

from __future__ import annotations

import time

from services.api.devices.model import DeviceStatus
from services.kit.config import Settings
from tests.integration.agents.agents_support import agents_of, fleet_of
from tests.integration.agents.conftest import AgentsApp, eventually


async def status_of(app: AgentsApp, tenant: str, machine: str) -> DeviceStatus | None:
    device = await app.domain.device_repository.get(tenant_id=tenant, device_id=machine)
    return device.status if device else None


async def test_heartbeat_marks_the_machine_online_with_last_seen(
    agents_app: AgentsApp, settings: Settings
) -> None:
    tenant = agents_app.tenants[0]
    (agent,) = await agents_of(agents_app, tenant, 1)
    assert await status_of(agents_app, tenant, agent.machine_id) is DeviceStatus.PENDING
    before = time.time()
    async with fleet_of(settings, [agent]) as fleet:
        await fleet.beat_once()

        async def online() -> bool:
            return await status_of(agents_app, tenant, agent.machine_id) is DeviceStatus.ONLINE

        await eventually(online, within=30)
    device = await agents_app.domain.device_repository.get(tenant_id=tenant, device_id=agent.machine_id)
    assert device is not None and device.last_seen_time is not None
    assert device.last_seen_time.timestamp() >= before - 1
    live = await agents_app.agents.presence.last_seen(tenant, [agent.machine_id])
    assert live[agent.machine_id].timestamp() >= before - 1


async def test_forged_heartbeats_are_rejected(agents_app: AgentsApp, settings: Settings) -> None:
    a, b = agents_app.tenants[0], agents_app.tenants[1]
    mine, victim = await agents_of(agents_app, a, 2)
    (other_tenant,) = await agents_of(agents_app, b, 1)
    heartbeats = agents_app.agents.heartbeats
    assert heartbeats is not None
    rejected = heartbeats.stats.rejected
    async with fleet_of(settings, [mine]) as fleet:
        # my token on another machine's subject, on another tenant's machine, and no token at all
        for subject, headers in (
            (victim.subject("heartbeat"), mine.headers),
            (other_tenant.subject("heartbeat"), mine.headers),
            (victim.subject("heartbeat"), {}),
        ):
            await fleet.nc.publish(subject, b"", headers=headers)
        await fleet.nc.flush()
        await eventually(lambda: heartbeats.stats.rejected >= rejected + 3, within=30)
    assert await status_of(agents_app, a, victim.machine_id) is DeviceStatus.PENDING
    assert await status_of(agents_app, b, other_tenant.machine_id) is DeviceStatus.PENDING
    assert await agents_app.agents.presence.last_seen(b, [other_tenant.machine_id]) == {}
