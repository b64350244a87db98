"""The organizations read-through cache: tenant-scoped keys, invalidation on write, and reads
that fall through to MongoDB when Redis is unreachable."""

from __future__ import annotations

import bson
import pytest
import redis.asyncio as aioredis
from pymongo import AsyncMongoClient

from services.api.organizations.repository import OrganizationRepository
from services.api.organizations.service import OrganizationService
from services.kit.cache import Cache
from services.kit.config import Settings


@pytest.fixture
async def db(settings: Settings):  # type: ignore[no-untyped-def]
    # tenants are unique per test; no dropDatabase (see conftest.py)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client["test_api_cache"]
    await client.close()


async def test_reads_fill_tenant_scoped_keys_and_writes_invalidate(
    db, settings: Settings, unique: str
) -> None:  # type: ignore[no-untyped-def]
    r = aioredis.from_url(settings.redis_url)
    service = OrganizationService(OrganizationRepository(db, Cache(r, namespace=f"orgs-{unique}")))
    org = await service.create(f"{unique}-a", {"display_name": "Cached"})
    key = f"orgs-{unique}:{unique}-a:{org.id}"
    assert await r.get(key) is None
    assert (await service.get(f"{unique}-a", org.id)).etag == org.etag
    assert bson.decode(await r.get(key))["etag"] == org.etag  # filled by the read
    assert 0 < await r.ttl(key) <= 30

    updated = await service.update(f"{unique}-a", org.id, {"notes": "new"}, ["notes"], org.etag)
    assert await r.get(key) is None  # the write removed the cached copy
    assert (await service.get(f"{unique}-a", org.id)).notes == "new"
    assert updated.etag != org.etag
    # Another tenant asking for the same id neither hits nor fills tenant-a's entry.
    with pytest.raises(Exception, match="not found"):
        await service.get(f"{unique}-b", org.id)
    assert await r.get(f"orgs-{unique}:{unique}-b:{org.id}") is None
    await r.aclose()


async def test_unreachable_redis_degrades_to_the_database(db, unique: str) -> None:  # type: ignore[no-untyped-def]
    # A real client to a port nothing listens on: every call fails with a connection error.
    dead = aioredis.from_url("redis://127.0.0.1:1/0", socket_timeout=0.1, socket_connect_timeout=0.1)
    cache = Cache(dead, namespace="orgs")
    service = OrganizationService(OrganizationRepository(db, cache))
    org = await service.create(f"{unique}-a", {"display_name": "No Cache"})
    assert (await service.get(f"{unique}-a", org.id)).display_name == "No Cache"
    assert not cache.available  # tripped: the next calls skip Redis for the cool-down
    updated = await service.update(f"{unique}-a", org.id, {"notes": "still works"}, ["notes"], "")
    assert (await service.get(f"{unique}-a", org.id)).notes == updated.notes == "still works"
    await dead.aclose()
