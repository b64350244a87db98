"""The devices read-through cache: tenant-scoped keys filled by reads, removed by every write
(including status transitions and tag changes), and reads that fall through to MongoDB when
Redis is unreachable (a real client pointed at a dead port)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import bson
import pytest
import redis.asyncio as aioredis
from pymongo import AsyncMongoClient

from services.api.devices.model import DeviceStatus, StatusCause
from services.api.devices.repository import DeviceRepository
from services.api.devices.service import DeviceService
from services.api.organizations.repository import OrganizationRepository
from services.kit.cache import Cache
from services.kit.config import Settings
from services.kit.errors import NotFound


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client["test_api_cache"]
    await client.close()


def service_with(db: Any, cache: Cache) -> DeviceService:
    return DeviceService(DeviceRepository(db, cache), OrganizationRepository(db))


async def test_reads_fill_tenant_scoped_keys_and_writes_invalidate(
    db: Any, settings: Settings, unique: str
) -> None:
    r = aioredis.from_url(settings.redis_url)
    service = service_with(db, Cache(r, namespace=f"devices-{unique}"))
    device_id = f"{unique}-1"
    await service.register(unique, device_id, {"hostname": "cached"})
    key = f"devices-{unique}:{unique}:{device_id}"
    assert await r.get(key) is None
    got = await service.get(unique, device_id)
    cached = bson.decode(await r.get(key))
    assert cached["etag"] == got.etag and "outbox_queue" not in cached  # filled by the read, events left out
    assert 0 < await r.ttl(key) <= 30

    renamed = await service.set_nickname(unique, device_id, "new", "")
    assert await r.get(key) is None  # the write removed the cached copy
    assert (await service.get(unique, device_id)).nickname == "new" == renamed.nickname
    await service.transition(unique, device_id, DeviceStatus.ONLINE, cause=StatusCause.HEARTBEAT)
    assert await r.get(key) is None
    assert (await service.get(unique, device_id)).status == DeviceStatus.ONLINE
    # another tenant asking for the same id neither hits nor fills this tenant's entry
    with pytest.raises(NotFound):
        await service.get(f"{unique}-b", device_id)
    assert await r.get(f"devices-{unique}:{unique}-b:{device_id}") is None
    await r.aclose()


async def test_unreachable_redis_degrades_to_the_database(db: Any, unique: str) -> None:
    dead = aioredis.from_url("redis://127.0.0.1:1/0", socket_timeout=0.1, socket_connect_timeout=0.1)
    cache = Cache(dead, namespace="devices")
    service = service_with(db, cache)
    device_id = f"{unique}-1"
    await service.register(unique, device_id, {"hostname": "no-cache"})
    assert (await service.get(unique, device_id)).hostname == "no-cache"
    assert not cache.available  # tripped: the next calls skip Redis for the cool-down
    await service.set_nickname(unique, device_id, "still works", "")
    await service.heartbeat(unique, device_id, datetime.now(UTC).replace(microsecond=0))
    device = await service.get(unique, device_id)
    assert (device.nickname, device.status) == ("still works", DeviceStatus.ONLINE)
    await dead.aclose()
