"""A service process freezes what it built at start (services/kit/server.py ``run``): the
collector never scans those objects again, so a full collection under load pauses for what
requests made, not for every module and descriptor of the process."""

from __future__ import annotations

import asyncio
import gc

from services.kit.config import Environment, Settings
from services.kit.lifecycle import Lifecycle
from services.kit.server import run


def test_objects_built_at_start_are_frozen_before_serving() -> None:
    seen: dict[str, int] = {}
    built_at_start: list[object] = []

    async def main(lifecycle: Lifecycle) -> None:
        built_at_start.append(object.__new__(type("StartupThing", (), {})))  # a tracked object

        async def once_serving() -> None:
            await asyncio.sleep(0)
            seen["frozen"] = gc.get_freeze_count()
            seen["startup_object_frozen"] = int(not any(o is built_at_start[0] for o in gc.get_objects()))
            lifecycle.request_stop("test done")

        asyncio.get_running_loop().create_task(once_serving())

    gc.unfreeze()
    try:
        run(Settings(environment=Environment.TEST, service_name="gc-test"), main)
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
    assert seen["frozen"] > 0
    assert seen["startup_object_frozen"] == 1  # out of the generations the collector scans
