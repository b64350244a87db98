"""The heartbeat consumer: JetStream pull batches -> verified -> coalesced -> Redis -> ack.

Per batch: parse the subject, check the agent's token (agent_auth.py, cached), keep the latest
time per machine; every ``flush_seconds`` write all machines of a tenant in one Redis script
(presence.py), mark the machines that were not heartbeating ONLINE (one DeviceStatusChanged each,
through the device repository's transition), then acknowledge. Nothing is acknowledged before
it is stored: a crash or a Redis outage means redelivery, never a lost heartbeat. Messages that
fail the checks are terminated (never redelivered) and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from openframe.agents.v1 import agents_pb2 as pb
from services.api.agents import subjects
from services.api.agents.agent_auth import AgentAuthenticator
from services.api.agents.presence import Presence, as_datetime
from services.api.devices.model import HEARTBEAT_ONLINE_FROM, DeviceStatus, StatusCause
from services.api.devices.repository import DeviceRepository
from services.kit.errors import DomainError
from services.kit.logging import get_logger

log = get_logger(__name__)


@dataclass
class HeartbeatStats:
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    flushes: int = 0
    #: heartbeats whose last-seen time is stored and that are acknowledged
    stored: int = 0
    online_transitions: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class StatusWriter:
    """Device status changes caused by presence, with bounded concurrency."""

    def __init__(self, devices: DeviceRepository, concurrency: int = 8) -> None:
        self.devices = devices
        self.limit = asyncio.Semaphore(concurrency)

    async def online(self, tenant_id: str, machine_id: str, seen: float) -> bool:
        """PENDING/OFFLINE -> ONLINE; False only when the store failed (retry later)."""
        async with self.limit:
            try:
                await self.devices.transition(
                    tenant_id=tenant_id,
                    device_id=machine_id,
                    to=DeviceStatus.ONLINE,
                    cause=StatusCause.HEARTBEAT,
                    last_seen_time=as_datetime(seen),
                    only_from=HEARTBEAT_ONLINE_FROM,
                )
            except DomainError:  # no such device (deleted) or a status heartbeats do not change
                return True
            except PyMongoError as exc:
                log.warning("online transition failed", tenant_id=tenant_id, error=type(exc).__name__)
                return False
            return True

    async def offline(self, tenant_id: str, machine_id: str, seen: float) -> bool:
        async with self.limit:
            try:
                await self.devices.transition(
                    tenant_id=tenant_id,
                    device_id=machine_id,
                    to=DeviceStatus.OFFLINE,
                    cause=StatusCause.HEARTBEAT_TIMEOUT,
                    reason="no heartbeat within the offline window",
                    last_seen_time=as_datetime(seen),
                    only_from=frozenset({DeviceStatus.ONLINE}),
                )
            except DomainError:
                return True
            except PyMongoError as exc:
                log.warning("offline transition failed", tenant_id=tenant_id, error=type(exc).__name__)
                return False
            return True


class HeartbeatConsumer:
    def __init__(
        self,
        js: JetStreamContext,
        *,
        durable: str,
        auth: AgentAuthenticator,
        presence: Presence,
        status: StatusWriter,
        batch_size: int = 1000,
        flush_seconds: float = 0.5,
        inactive_seconds: float = 3600.0,
    ) -> None:
        self.js = js
        self.durable = durable
        self.auth = auth
        self.presence = presence
        self.status = status
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.inactive_seconds = inactive_seconds
        self.stats = HeartbeatStats()
        self._task: asyncio.Task[None] | None = None
        self._in_flight = asyncio.Semaphore(8)
        self._flushing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.NEW,
            ack_wait=60.0,
            max_ack_pending=100_000,
            inactive_threshold=self.inactive_seconds,
        )
        sub = await self.js.pull_subscribe(
            subjects.HEARTBEAT_SUBJECTS,
            durable=self.durable,
            stream=subjects.HEARTBEATS_STREAM,
            config=config,
        )
        self._task = asyncio.create_task(self._run(sub))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._flushing:  # let started flushes finish (what they hold is acked, or redelivered)
            await asyncio.wait(set(self._flushing), timeout=10)

    async def _run(self, sub: JetStreamContext.PullSubscription) -> None:
        seen: dict[str, dict[str, float]] = defaultdict(dict)
        held: list[Msg] = []
        last_flush = time.monotonic()
        while True:
            try:
                msgs = await sub.fetch(self.batch_size, timeout=self.flush_seconds)
            except (TimeoutError, NatsTimeout):  # nothing to fetch within the timeout
                msgs = []
            except Exception as exc:  # connection trouble: nats-py reconnects; try again shortly
                log.warning("heartbeat fetch failed", error=type(exc).__name__)
                await asyncio.sleep(1)
                continue
            now = time.time()
            for msg in msgs:
                if await self._accept(msg):
                    target = subjects.parse(msg.subject)
                    if target is not None:
                        seen[target.tenant_id][target.machine_id] = now
                        held.append(msg)
            if held and (
                time.monotonic() - last_flush >= self.flush_seconds or len(held) >= 20 * self.batch_size
            ):
                # Flushes run beside the fetch loop: a burst of ONLINE transitions (thousands of
                # agents starting at once) must not stop last-seen times from being refreshed,
                # or the sweep would see silence that is only our own backlog.
                await self._in_flight.acquire()
                task = asyncio.create_task(self._flush(seen, held))
                self._flushing.add(task)
                task.add_done_callback(self._flush_done)
                seen, held, last_flush = defaultdict(dict), [], time.monotonic()
            elif not held:
                last_flush = time.monotonic()

    def _flush_done(self, task: asyncio.Task[None]) -> None:
        self._flushing.discard(task)
        self._in_flight.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("heartbeat flush crashed", error=repr(task.exception()))

    async def _accept(self, msg: Msg) -> bool:
        self.stats.received += 1
        target = subjects.parse(msg.subject)
        reason = ""
        if target is None or target.verb != "heartbeat":
            reason = "subject"
        else:
            try:
                await self.auth.machine_identity(msg.headers, target.tenant_id, target.machine_id)
                beat = pb.HeartbeatRequest.FromString(msg.data)
                if beat.device and beat.device != f"devices/{target.machine_id}":
                    reason = "device"
            except DomainError as exc:
                reason = exc.code.name
            except Exception:  # undecodable body
                reason = "body"
        if not reason:
            self.stats.accepted += 1
            return True
        self.stats.rejected += 1
        self.stats.rejected_reasons[reason] += 1
        with contextlib.suppress(Exception):
            await msg.term()
        return False

    async def _flush(self, seen: dict[str, dict[str, float]], held: list[Msg]) -> None:
        try:
            for tenant_id, machines in seen.items():
                arrived = await self.presence.record(tenant_id, machines)
                if arrived:
                    results = await asyncio.gather(
                        *(self.status.online(tenant_id, m, machines[m]) for m in arrived)
                    )
                    failed = [m for m, ok in zip(arrived, results, strict=True) if not ok]
                    self.stats.online_transitions += len(arrived) - len(failed)
                    if failed:  # not ONLINE yet: forget them so the next heartbeat tries again
                        await self.presence.forget(tenant_id, failed)
        except RedisError as exc:
            log.warning("heartbeat flush failed; redelivery will retry", error=type(exc).__name__)
            for msg in held:
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1.0)
            return
        for msg in held:
            with contextlib.suppress(Exception):
                await msg.ack()
        self.stats.flushes += 1
        self.stats.stored += len(held)
