"""Periodic jobs once per period across processes (services/kit/periodic.py), on the real Redis:
several schedulers of one job, each on a connection of its own as separate replicas would be."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from services.kit.config import Settings
from services.kit.periodic import Periodic

PERIOD = 0.4


@pytest.fixture
async def clients(settings: Settings) -> AsyncIterator[list[aioredis.Redis]]:
    made = [aioredis.from_url(settings.redis_url) for _ in range(3)]
    yield made
    for client in made:
        await client.aclose()


async def test_each_slot_runs_once_across_replicas(clients: list[aioredis.Redis], unique: str) -> None:
    ran: list[tuple[int, int]] = []  # (replica, fence)

    def job_of(replica: int) -> Callable[[int], Awaitable[None]]:
        async def job(fence: int) -> None:
            ran.append((replica, fence))

        return job

    jobs = [Periodic(c, unique, job_of(i), period_seconds=PERIOD) for i, c in enumerate(clients)]
    for job in jobs:
        job.start()
    await asyncio.sleep(PERIOD * 8)
    for job in jobs:
        await job.stop()
    runs = {int(k): int(v) for k, v in (await clients[0].hgetall(jobs[0].runs_key)).items()}
    assert runs and set(runs.values()) == {1}, runs  # every slot that ran, ran once
    assert 6 <= len(runs) <= 9, runs  # and about every slot of the time waited ran
    slots = sorted(runs)
    assert slots == list(range(slots[0], slots[0] + len(slots)))  # none was lost
    fences = [f for _, f in ran]
    assert fences == sorted(fences) and len(set(fences)) == len(fences) == len(runs)


async def test_a_slot_claimed_elsewhere_is_not_run_here(clients: list[aioredis.Redis], unique: str) -> None:
    calls: list[int] = []

    async def job(fence: int) -> None:
        calls.append(fence)

    first = Periodic(clients[0], unique, job, period_seconds=60)
    second = Periodic(clients[1], unique, job, period_seconds=60)
    slot = first.slot()
    assert (await first.run_slot(slot)).ran
    assert not (await second.run_slot(slot)).ran
    assert (await second.run_slot(slot + 1)).ran
    assert len(calls) == 2 and calls[1] > calls[0]


async def test_a_run_that_outlasts_its_period_is_not_overlapped(
    clients: list[aioredis.Redis], unique: str
) -> None:
    release = asyncio.Event()
    running = 0
    most = 0

    async def slow(fence: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1

    first = Periodic(clients[0], unique, slow, period_seconds=1, max_run_seconds=30)
    second = Periodic(clients[1], unique, slow, period_seconds=1, max_run_seconds=30)
    slot = first.slot()
    long_run = asyncio.create_task(first.run_slot(slot))
    await asyncio.sleep(0.1)
    skipped = await second.run_slot(slot + 1)
    assert not skipped.ran and skipped.error == "previous run still going"
    release.set()
    assert (await long_run).ran
    assert (await second.run_slot(slot + 2)).ran  # the lock was released with the run
    assert most == 1


async def test_a_failing_job_is_recorded_and_the_next_slot_runs(
    clients: list[aioredis.Redis], unique: str
) -> None:
    async def failing(fence: int) -> None:
        raise RuntimeError("store down")

    job = Periodic(clients[0], unique, failing, period_seconds=60)
    slot = job.slot()
    outcome = await job.run_slot(slot)
    assert outcome.ran and outcome.error == "RuntimeError"
    assert (await job.run_slot(slot + 1)).ran
