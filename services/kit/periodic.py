"""Periodic work that runs once per period across every replica and worker process (sweeps,
purges, health rounds, rollups).

Time is cut into slots of ``period_seconds`` (slot n covers ``[n * period, (n + 1) * period)``).
Every process wakes at the start of each slot (plus a small random offset, so they do not all
ask at the same instant) and tries to claim the slot in Redis with one ``SET NX``; the one that
claims it runs the job, the others skip the slot. No election and no renewals: a process that
dies costs at most its slot's run, and the next slot goes to whoever is alive.

A run that outlasts its period does not overlap the next one: the claim also takes the job's
run lock (``SET NX`` with an expiry of ``max_run_seconds``), released when the run ends, and a
slot whose run lock is still held is recorded as skipped. Each run is handed a fencing token (a
Redis counter, strictly increasing per job), for jobs that write somewhere a paused, outdated
run must not.

Runs are recorded in Redis (``runs_key``: slot -> runs, kept a day) so operators and tests can
see that each slot ran once; the last run's outcome and duration go to the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.kit.logging import get_logger

log = get_logger(__name__)

PREFIX = "openframe:periodic"
#: Kept this long: enough to look back over a day of runs of a job run every minute.
RECORD_SECONDS = 86_400

Job = Callable[[int], Awaitable[object]]  # what a job returns is not used
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass(frozen=True)
class Outcome:
    """What one process did with one slot."""

    slot: int
    ran: bool
    fence: int = 0
    error: str = ""


class Periodic:
    """``job(fence)`` once per slot of ``period_seconds`` across every process that runs one of
    these under the same ``name`` (and the same Redis)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        name: str,
        job: Job,
        *,
        period_seconds: float,
        max_run_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if period_seconds <= 0:
            raise ValueError("period_seconds must be positive")
        self.redis = redis
        self.name = name
        self.job = job
        self.period = period_seconds
        self.max_run = max(max_run_seconds or period_seconds, 1.0)
        self.clock = clock
        self.owner = uuid.uuid4().hex  # this process, in claims (for operators reading Redis)
        self._task: asyncio.Task[None] | None = None

    @property
    def runs_key(self) -> str:
        return f"{PREFIX}:{self.name}:runs"

    def slot(self) -> int:
        return int(self.clock() // self.period)

    async def run_slot(self, slot: int) -> Outcome:
        """Claim ``slot`` and run the job if this process got it."""
        base = f"{PREFIX}:{self.name}"
        slot_ttl = max(int(self.period * 2), 1)
        if not await self.redis.set(f"{base}:slot:{slot}", self.owner, nx=True, ex=slot_ttl):
            return Outcome(slot, ran=False)
        lock = f"{base}:running"
        if not await self.redis.set(lock, self.owner, nx=True, px=int(self.max_run * 1000)):
            log.warning("periodic job still running: slot skipped", job=self.name, slot=slot)
            return Outcome(slot, ran=False, error="previous run still going")
        fence = int(await self.redis.incr(f"{base}:fence"))
        started = time.perf_counter()
        error = ""
        try:
            await self.job(fence)
        except Exception as exc:  # recorded and logged; the next slot runs again
            error = type(exc).__name__
            log.exception("periodic job failed", job=self.name, slot=slot)
        finally:
            await self._release(lock)
            pipe = self.redis.pipeline(transaction=False)
            pipe.hincrby(self.runs_key, str(slot), 1)
            pipe.expire(self.runs_key, RECORD_SECONDS)
            await pipe.execute()
        log.info(
            "periodic job ran",
            job=self.name,
            slot=slot,
            fence=fence,
            ms=round((time.perf_counter() - started) * 1000, 1),
            error=error or None,
        )
        return Outcome(slot, ran=True, fence=fence, error=error)

    async def _release(self, lock: str) -> None:
        # Only our own claim (compare and delete in one step): a run that outlived max_run may
        # have lost the lock to the next one.
        with contextlib.suppress(RedisError):
            await self.redis.eval(RELEASE, 1, lock, self.owner)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"periodic:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        # Waits for the next slot first: a restart (or every test run) does not run the job at
        # once, and processes started together ask together only once per period.
        while True:
            now = self.clock()
            next_slot = int(now // self.period) + 1
            offset = random.uniform(0, min(1.0, self.period / 10))  # noqa: S311 (spreading, not secrecy)
            await asyncio.sleep(max(next_slot * self.period - now, 0) + offset)
            try:
                await self.run_slot(next_slot)
            except RedisError as exc:  # Redis down for a moment: this slot is lost, not the loop
                log.warning("periodic job could not claim its slot", job=self.name, error=type(exc).__name__)
