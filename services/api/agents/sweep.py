"""The offline sweep: machines silent for longer than the window go OFFLINE (one event each).

For each tenant with heartbeating machines: take the members of its last-seen set older than
the cutoff, mark each device OFFLINE (only from ONLINE, cause HEARTBEAT_TIMEOUT; the
repository's compare-and-set makes a repeat a no-op without an event), then remove the members
that are still stale. A member refreshed meanwhile (a heartbeat raced the sweep) is put back
ONLINE: the device really was silent for the whole window, so both events are true.
Runs under the kit's Periodic (once per period across replicas and workers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from services.api.agents.heartbeats import StatusWriter
from services.api.agents.presence import Presence


class OfflineSweep:
    def __init__(
        self,
        presence: Presence,
        status: StatusWriter,
        *,
        offline_after_seconds: float,
        batch_size: int = 500,
        tenants: Collection[str] = (),
    ) -> None:
        self.presence = presence
        self.status = status
        self.window = offline_after_seconds
        self.batch_size = batch_size
        #: only these tenants (empty: all); lets a test run its own sweep beside the service's
        self.only_tenants = frozenset(tenants)
        self.offline_transitions = 0

    async def run_once(self) -> int:
        """One pass over every tenant; returns how many machines went OFFLINE."""
        total = 0
        tenants = await self.presence.tenants()
        for tenant_id in tenants:
            if self.only_tenants and tenant_id not in self.only_tenants:
                continue
            total += await self._sweep_tenant(tenant_id)
        self.offline_transitions += total
        return total

    async def _sweep_tenant(self, tenant_id: str) -> int:
        done = 0
        while True:
            cutoff = time.time() - self.window
            stale = await self.presence.stale(tenant_id, cutoff, self.batch_size)
            if not stale:
                return done
            results = await asyncio.gather(*(self.status.offline(tenant_id, m, s) for m, s in stale))
            written = [m for (m, _), ok in zip(stale, results, strict=True) if ok]
            refreshed = set(await self.presence.remove_stale(tenant_id, cutoff, written))
            done += len(written) - len(refreshed)
            for machine in refreshed:
                await self.status.online(tenant_id, machine, time.time())
            if len(stale) < self.batch_size or not written:
                return done
