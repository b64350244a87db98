"""Every periodic singleton of the services runs once per period across all replicas and their
workers (services/kit/periodic.py): over several periods of the replica stack (whose periods
``run.py`` shortens), each period's slot of each job was run exactly once, none skipped, none
twice. The counts come from the jobs' own record in Redis (``runs_key``: slot -> runs)."""

from __future__ import annotations

import asyncio
import re
import time

import redis.asyncio as aioredis

from infra.layout import Layout
from services.api.settings import ApiSettings
from services.auth.settings import AuthSettings
from services.kit.periodic import PREFIX

#: Periods to watch each job for (the first and the last are partial: not counted).
PERIODS = 5


def expected_jobs() -> dict[str, float]:
    """Pattern of each singleton's name -> its period, as the running services configure them."""
    api, auth = ApiSettings(environment="test"), AuthSettings(environment="test")
    agents = rf"agents:{re.escape(api.mongo_database)}:{re.escape(api.agent_group)}"
    return {
        rf"{agents}:offline-sweep": api.agent_sweep_interval_seconds,
        rf"{agents}:command-expiry": api.agent_sweep_interval_seconds,
        r"auth-audit-retention:.+": auth.retention_interval_seconds,
        rf"auth-token-cleanup:{re.escape(auth.mongo_database)}": auth.token_cleanup_interval_seconds,
    }


async def runs(redis: aioredis.Redis, job: str) -> dict[int, int]:
    recorded = await redis.hgetall(f"{PREFIX}:{job}:runs")
    return {int(slot): int(count) for slot, count in recorded.items()}


async def test_each_singleton_ran_once_per_period(infra_up: Layout) -> None:
    expected = expected_jobs()
    assert max(expected.values()) <= 5, "run the replica stack with short periods (run.py)"
    redis = aioredis.Redis(host="127.0.0.1", port=infra_up.port("redis"), decode_responses=True)
    try:
        started = time.time()
        await asyncio.sleep(PERIODS * max(expected.values()) + 1.5)
        ended = time.time()
        names = [
            key.removeprefix(f"{PREFIX}:").removesuffix(":runs")
            async for key in redis.scan_iter(f"{PREFIX}:*:runs")
        ]
        report: dict[str, dict[int, int]] = {}
        for pattern, period in expected.items():
            matching = [name for name in names if re.fullmatch(pattern, name)]
            assert len(matching) == 1, f"no single job named like {pattern}: {names}"
            recorded = await runs(redis, matching[0])
            window = range(int(started // period) + 1, int(ended // period))  # whole periods only
            report[matching[0]] = {slot: recorded.get(slot, 0) for slot in window}
        print(f"\nruns per slot: {report}")
        for job, counts in report.items():
            assert len(counts) >= PERIODS - 1, job
            assert set(counts.values()) == {1}, f"{job}: {counts}"  # every slot ran, and once
        # no job of any service (the tests' in-process ones included) ever ran a slot twice
        for name in names:
            assert max((await runs(redis, name)).values(), default=1) == 1, name
    finally:
        await redis.aclose()
