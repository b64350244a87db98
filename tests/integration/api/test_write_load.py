"""A heavy load of concurrent device writes and lists (run beside the fleet test: `make pytest`
runs the tests marked ``heavy`` together, one per xdist worker).

200 devices; in each of 5 rounds every device is read, then 6 writers per device set its
nickname with the etag read, 128 calls at a time (6,000 writes), while readers page through
filtered lists. Every
round has exactly one winner per device (the others ABORTED: compare-and-set in the store, no
process-local lock), the final nicknames are the last winners', each device's events carry its
versions in order, and the maintained counts agree with the devices."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import grpc
import pytest

from openframe.api.v1 import devices_pb2 as pb
from openframe.api.v1.devices_pb2_grpc import DeviceServiceStub
from services.api.app import Domain
from services.api.devices.model import DeviceStatus, OsType, StatusCause
from tests.integration.api.conftest import as_tenant, register

DEVICES = 200
ROUNDS = 5
WRITERS = 6


@pytest.mark.heavy
@pytest.mark.xdist_group("api-write-load")
@pytest.mark.timeout(900)
async def test_concurrent_writers_have_one_winner_per_round_while_lists_page(
    devices: DeviceServiceStub, api_domain: Domain, unique: str
) -> None:
    meta = as_tenant(unique)
    rng = random.Random(5)  # noqa: S311 (test data)
    oses = [OsType.WINDOWS, OsType.LINUX, OsType.MACOS]
    ids = [f"{unique}-{i:03d}" for i in range(DEVICES)]
    for chunk in range(0, DEVICES, 50):
        await asyncio.gather(
            *(register(api_domain, unique, d, os_type=rng.choice(oses)) for d in ids[chunk : chunk + 50])
        )
    for d in ids[::3]:  # a third ONLINE
        await api_domain.devices.transition(unique, d, DeviceStatus.ONLINE, cause=StatusCause.HEARTBEAT)
    winners: dict[str, str] = {}
    stop = asyncio.Event()
    in_flight = asyncio.Semaphore(128)  # calls at once (a client's connection pool)

    async def etag(device_id: str) -> str:
        request = pb.GetDeviceRequest(name=f"devices/{device_id}")
        async with in_flight:
            reply = await devices.GetDevice(request, metadata=(*meta, ("cache-control", "no-cache")))
        return str(reply.device.etag)

    async def write(device_id: str, n: int, w: int, read: str) -> bool:
        try:
            async with in_flight:
                await devices.SetDeviceNickname(
                    pb.SetDeviceNicknameRequest(name=f"devices/{device_id}", nickname=f"r{n}w{w}", etag=read),
                    metadata=meta,
                )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.ABORTED:  # a loser is told so; nothing else may fail
                raise
            return False
        winners[device_id] = f"r{n}w{w}"
        return True

    async def page_through(request: pb.ListDevicesRequest) -> int:
        seen, token = [], ""
        while True:
            request.page_token = token
            reply = await devices.ListDevices(request, metadata=meta)
            seen += [d.name for d in reply.devices]
            token = reply.next_page_token
            if not token:
                break
        assert len(seen) == len(set(seen)), "a device listed twice"
        return len(seen)

    async def readers() -> None:
        while not stop.is_set():
            assert await page_through(pb.ListDevicesRequest(page_size=40)) == DEVICES
            online = await page_through(
                pb.ListDevicesRequest(page_size=25, statuses=[pb.DEVICE_STATUS_ONLINE])
            )
            assert online == len(ids[::3])
            await page_through(pb.ListDevicesRequest(page_size=30, order_by="hostname desc"))

    reading = asyncio.create_task(readers())
    for n in range(ROUNDS):
        read = dict(zip(ids, await asyncio.gather(*(etag(d) for d in ids)), strict=True))
        attempts = [(d, w) for d in ids for w in range(WRITERS)]
        results = await asyncio.gather(*(write(d, n, w, read[d]) for d, w in attempts))
        won = Counter(d for (d, _), ok in zip(attempts, results, strict=True) if ok)
        assert all(won[d] == 1 for d in ids), f"round {n}: {[d for d in ids if won[d] != 1][:5]}"
    stop.set()
    await reading

    for d in ids:
        device = await api_domain.devices.get(unique, d, use_cache=False)
        assert device.nickname == winners[d]
        assert device.version == 1 + (1 if d in ids[::3] else 0) + ROUNDS
    options = await api_domain.devices.filter_options(unique, [])
    assert options.statuses == Counter({"ONLINE": len(ids[::3]), "PENDING": DEVICES - len(ids[::3])})
    listed: Counter[str] = Counter()
    async for doc in api_domain.db["devices"].find({"tenant_id": unique}, {"os_type": 1}):
        listed[doc["os_type"]] += 1
    assert options.os_types == listed
