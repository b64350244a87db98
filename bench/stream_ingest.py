"""Stream ingestion: Kafka → normalize → enrich → Cassandra, with the machine's baselines, in one run.

    flock /tmp/openframe-bench.lock .venv/bin/python bench/stream_ingest.py \
        [--events 100000] [--workers 2] [--rate 20000] [--seconds 60]

Figures, all measured in the same run on the same servers (`make run`'s Kafka, Cassandra, FerretDB):

1. raw aiokafka consume rate: one consumer, no processing, over the benchmark's backlog;
2. raw Cassandra write rate: one Python process writing rows of the same size with the same
   technique (prepared insert, unlogged batch per partition, bounded concurrency);
3. stream service drain rate: the service (``--workers`` processes, one consumer group) ingests the
   backlog, enrichment on (devices in MongoDB, cached), from the first to the last committed offset;
4. sustained ingestion at an offered load: ``--rate`` events/s for ``--seconds`` (built before the
   clock starts, sent as record batches) while probe events (10/s) are polled with GetLogEntry
   until they are queryable: end-to-end latency p50/p99 from produce to queryable; the rate the
   service committed while the load was offered (after its first fifth), what was left when
   producing stopped, and the CPU each component spent (cassandra, kafka, the service, this
   process), which shows where a 2-core machine's time goes.

Events: half our own domain events (``DeviceNicknameChanged`` envelopes, protobuf), half Fleet
activities (JSON), over 200 devices of one tenant; 4 partitions per topic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.* (run as a script)

import grpc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from cassandra.query import BatchStatement, BatchType
from pymongo import AsyncMongoClient

from bench.cpu import CpuMeter, server_pid, tree
from infra.layout import REPO, Layout
from openframe.stream.v1 import logs_pb2, logs_pb2_grpc
from services.kit.config import Settings
from services.stream.records import entry_hash, entry_id
from services.stream.settings import StreamSettings
from services.stream.storage.cassandra import aio
from tests.integration.stream.events import fleet_activity, nickname_changed
from tests.integration.stream.harness import StreamProcess, cassandra_session, create_topics

DB = "stream_bench"
DEVICES = 200
POLL_S = 0.05  # how often a probe looks for its entry
ROWS = StreamSettings.model_fields["rows_per_batch"].default  # per batch, as the service writes


def events(tenant: str, start: int, count: int, first_ms: int, per_ms: int) -> tuple[list, list]:  # type: ignore[type-arg]
    """``count`` events from ``first_ms`` on, ``per_ms`` a millisecond: event times increase as a
    real source's do (new rows go to the head of the partition). Identical times for all events
    would make Cassandra insert each row at a random point of one partition's huge clustering range.
    """
    half = count // 2

    def at(j: int) -> int:  # the j-th event of a half: the halves interleave in time
        return first_ms + 2 * j // per_ms

    domain = [
        nickname_changed(tenant, f"d{i % DEVICES}", i, at(i - start)) for i in range(start, start + half)
    ]
    fleet = [
        fleet_activity(tenant, "f1", i, at(i - start), device=f"d{i % DEVICES}")
        for i in range(start, start + count - half)
    ]
    return domain, fleet


async def produce_all(bootstrap: str, batches: list[tuple[str, list]]) -> float:  # type: ignore[type-arg]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    t0 = time.perf_counter()
    try:
        futures = [
            await producer.send(topic, key=k, value=v, headers=h)
            for topic, records in batches
            for k, v, h in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.perf_counter() - t0


async def raw_consume(bootstrap: str, topics: list[str], total: int) -> float:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=5000,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen, t0, counted = 0, 0.0, 0
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            n = sum(len(v) for v in batch.values())
            if n and not t0:
                t0 = time.perf_counter()  # from the first batch on: the group join is not consuming
            elif n:
                counted += n
            seen += n
        return counted / (time.perf_counter() - t0)
    finally:
        await consumer.stop()


async def raw_cassandra(settings: Settings, tenant: str, total: int) -> float:
    cluster, session = cassandra_session(settings.cassandra_hosts, settings.cassandra_port)
    try:
        session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {DB} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute(
            f"CREATE TABLE IF NOT EXISTS {DB}.raw_rows (tenant_id text, bucket int, event_time timestamp, "
            "id blob, entry blob, details_format text, details blob, "
            "PRIMARY KEY ((tenant_id, bucket), event_time, id)) "
            "WITH CLUSTERING ORDER BY (event_time DESC, id DESC)"
        )
        insert = session.prepare(
            f"INSERT INTO {DB}.raw_rows (tenant_id, bucket, event_time, id, entry, "  # noqa: S608
            "details_format, details) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL 86400"
        )
        now = int(time.time() * 1000)
        entry, details = b"e" * 180, b"d" * 330  # the sizes of the benchmark's stored entries
        rows = [(tenant, i % 4, now - i, uuid.uuid4().bytes, entry, "json", details) for i in range(total)]
        slots = asyncio.Semaphore(8)  # what the service uses; more only queues on the server

        async def one(chunk: list[tuple[object, ...]]) -> None:
            async with slots:
                batch = BatchStatement(batch_type=BatchType.UNLOGGED)
                for row in chunk:
                    batch.add(insert, row)
                await aio(session.execute_async(batch, timeout=30))

        by_partition: dict[int, list[tuple[object, ...]]] = defaultdict(list)
        for row in rows:
            by_partition[int(str(row[1]))].append(row)
        t0 = time.perf_counter()
        await asyncio.gather(
            *(one(part[i : i + ROWS]) for part in by_partition.values() for i in range(0, len(part), ROWS))
        )
        return total / (time.perf_counter() - t0)
    finally:
        session.execute(f"DROP TABLE IF EXISTS {DB}.raw_rows", timeout=60)
        cluster.shutdown()


def fresh_keyspace(settings: Settings) -> None:
    """Drop the benchmark's keyspace: every run starts from empty tables. Rows of earlier runs
    (30 days' TTL) would otherwise make each run compact more data than the last, and runs would
    stop being comparable; the run's own flushes and compactions still happen while it is measured.
    """
    cluster, session = cassandra_session(settings.cassandra_hosts, settings.cassandra_port)
    try:
        session.execute(f"DROP KEYSPACE IF EXISTS {DB}", timeout=120)
    finally:
        cluster.shutdown()


async def add_devices(settings: Settings, tenant: str) -> None:
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    try:
        devices = mongo[DB]["devices"]
        await devices.delete_many({})
        docs = [
            {"_id": f"d{i}", "tenant_id": tenant, "hostname": f"host-{i}", "display_name": f"Laptop {i}"}
            for i in range(DEVICES)
        ]
        await devices.insert_many(docs)
    finally:
        await mongo.close()


async def committed(admin: AIOKafkaAdminClient, group: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(m.offset for m in offsets.values() if m.offset > 0)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000, help="backlog for the drain and raw baselines")
    parser.add_argument("--workers", type=int, default=2, help="stream service worker processes")
    parser.add_argument(
        "--rate", type=int, default=20_000, help="offered load of the sustained phase, events/s"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the sustained phase")
    parser.add_argument(
        "--probes",
        type=float,
        default=10.0,
        help="latency probes per second; each polls GetLogEntry every 50 ms until found, and at low "
        "rates those reads cost the service and Cassandra more than ingesting (their count is printed)",
    )
    args = parser.parse_args()
    settings = Settings(environment="test")
    u = f"b{uuid.uuid4().hex[:8]}"
    tenant = f"bench-{u}"
    topics = [f"bench.{u}.api.devices.v1", f"bench.{u}.tools.fleet.v1"]
    await create_topics(settings.kafka_bootstrap, topics, partitions=4)
    fresh_keyspace(settings)
    print(f"run {u}: topics {', '.join(topics)}", flush=True)
    try:  # the devices enrichment finds (one tenant's 200 devices, looked up once, then cached)
        await asyncio.wait_for(add_devices(settings, tenant), timeout=15)
        print(f"enrichment: {DEVICES} devices of the tenant in MongoDB ({DB}.devices)")
    except TimeoutError:
        print("WARNING: MongoDB did not store the devices in 15 s; enrichment looks them up but finds none")

    now = int(time.time() * 1000)
    domain, fleet = events(tenant, 0, args.events, now - args.events // 40, 40)
    took = await produce_all(settings.kafka_bootstrap, [(topics[0], domain), (topics[1], fleet)])
    print(f"backlog: {args.events:,} events produced in {took:.1f} s ({args.events / took:,.0f}/s, acks=all)")

    consume_rate = await raw_consume(settings.kafka_bootstrap, topics, args.events)
    print(f"baseline: raw aiokafka consume {consume_rate:,.0f}/s", flush=True)
    write_rate = await raw_cassandra(settings, tenant, args.events)
    print(f"baseline: raw Cassandra write {write_rate:,.0f}/s", flush=True)

    stream = StreamProcess(
        u,
        REPO / ".state" / "logs",
        OPENFRAME_MONGO_DATABASE=DB,
        OPENFRAME_CASSANDRA_KEYSPACE=DB,
        OPENFRAME_WORKERS=str(args.workers),
        OPENFRAME_LOG_LEVEL="WARNING",
        OPENFRAME_TOPIC_PATTERN=rf"^bench\.{u}\..+\.v1$",
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    group = stream.env["OPENFRAME_CONSUMER_GROUP"]
    try:
        stream.start()
        started = time.perf_counter()
        first = last = 0.0
        done = 0
        while done < args.events:
            await asyncio.sleep(0.1)
            done = await committed(admin, group)
            if done and not first:
                first, first_done = time.perf_counter(), done
            last = time.perf_counter()
        drain_rate = (done - first_done) / (last - first) if last > first else float("nan")
        print(
            f"drain: {done:,} events stored and committed {last - started:.1f} s after the service was "
            f"serving (group join included); {drain_rate:,.0f}/s from the first to the last commit"
        )

        offered, sustained, latencies = await offered_load(
            settings, stream, admin, group, tenant, topics, args, done
        )
    finally:
        stream.stop()
        await admin.close()

    p = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else [float("nan")] * 99
    )
    print(f"\n{'figure':<58}{'events/s':>12}")
    print(f"{'raw aiokafka consume (1 consumer, no processing)':<58}{consume_rate:>12,.0f}")
    print(f"{'raw Cassandra write (1 process, batches per partition)':<58}{write_rate:>12,.0f}")
    print(f"{f'stream service drain, enrichment on ({args.workers} workers)':<58}{drain_rate:>12,.0f}")
    print(f"{f'load offered by the benchmark (target {args.rate:,}/s)':<58}{offered:>12,.0f}")
    print(f"{'stream service sustained (committed/s while the load was offered)':<58}{sustained:>12,.0f}")
    print(
        f"\nend-to-end produce → queryable (GetLogEntry), {len(latencies)} probes during the sustained phase:"
    )
    print(
        f"  p50 {statistics.median(latencies) * 1000:,.0f} ms   p99 {p[98] * 1000:,.0f} ms   "
        f"max {max(latencies) * 1000:,.0f} ms"
    )


def partition_of(key: bytes, partitions: list[int]) -> int:
    """Same key, same partition (per-device order), as Kafka's default partitioner keeps it."""
    return partitions[zlib.crc32(key) % len(partitions)]


async def send_batches(
    producer: AIOKafkaProducer,
    topic: str,
    records: list,
    partitions: list[int],  # type: ignore[type-arg]
) -> list[asyncio.Future[object]]:
    """``records`` as one record batch per partition (more when a batch fills up)."""
    builders: dict[int, Any] = {}
    futures = []
    for key, value, headers in records:
        p = partition_of(key, partitions)
        builder = builders.get(p) or builders.setdefault(p, producer.create_batch())
        if builder.append(timestamp=None, key=key, value=value, headers=headers) is None:  # full
            futures.append(await producer.send_batch(builder, topic, partition=p))
            builders[p] = builder = producer.create_batch()
            builder.append(timestamp=None, key=key, value=value, headers=headers)
    for p, builder in builders.items():
        futures.append(await producer.send_batch(builder, topic, partition=p))
    return futures


async def offered_load(
    settings: Settings,
    stream: StreamProcess,
    admin: AIOKafkaAdminClient,
    group: str,
    tenant: str,
    topics: list[str],
    args: argparse.Namespace,
    before: int,
) -> tuple[float, float, list[float]]:
    """Produce ``rate`` events/s for ``seconds`` in 20 ms ticks; probe latency; measure stored rate."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    latencies: list[float] = []
    timeline: list[tuple[float, float]] = []  # (seconds into the phase when produced, latency)
    lost: list[int] = []
    polls = 0
    probes: list[asyncio.Task[None]] = []
    channel = grpc.aio.insecure_channel(stream.address)
    logs = logs_pb2_grpc.LogServiceStub(channel)
    meta = (("x-openframe-tenant", tenant),)

    async def probe(n: int) -> None:
        nonlocal polls
        t_ms = int(time.time() * 1000)
        key, value, headers = fleet_activity(tenant, "f1", 10**9 + n, t_ms)
        name = "logEntries/" + entry_id(t_ms, entry_hash("tool", tenant, "fleet", f"f1/{10**9 + n}"))
        t0 = time.perf_counter()
        await producer.send(topics[1], key=key, value=value, headers=headers)
        deadline = t0 + 60
        lost.append(n)
        while time.perf_counter() < deadline:
            polls += 1
            try:
                await logs.GetLogEntry(logs_pb2.GetLogEntryRequest(name=name), metadata=meta, timeout=5)
                latencies.append(time.perf_counter() - t0)
                timeline.append((t0 - start, latencies[-1]))
                lost.remove(n)
                return
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise
            # Every 50 ms: finer polling measures no better against a 2 s target, and each poll is
            # a Cassandra read taken from the ingestion being measured (more of them the further
            # ingestion falls behind).
            await asyncio.sleep(POLL_S)

    async def prober() -> None:  # --probes a second whatever the producing loop manages
        while time.perf_counter() - start < args.seconds:
            probes.append(asyncio.create_task(probe(len(probes))))
            await asyncio.sleep(1 / args.probes)

    # The load is built before the clock starts and sent as ready record batches, one per
    # partition per tick: the producer's CPU goes to sending, not to this process building
    # events, which on 2 cores would be taken from the service being measured.
    tick = 0.02
    per_tick = max(2, int(args.rate * tick))
    ticks = int(args.seconds / tick)
    domain, fleet = events(
        tenant, args.events, per_tick * ticks, int(time.time() * 1000), max(1, args.rate // 1000)
    )
    a, b = len(domain) // ticks, len(fleet) // ticks
    load = [
        ((topics[0], domain[t * a : (t + 1) * a]), (topics[1], fleet[t * b : (t + 1) * b]))
        for t in range(ticks)
    ]
    partitions = {topic: sorted(await producer.partitions_for(topic)) for topic in topics}
    assert stream.process is not None
    meter = CpuMeter(
        {
            "cassandra": [server_pid(Layout.from_env(), "cassandra")],
            "kafka": [server_pid(Layout.from_env(), "kafka")],
            f"stream service ({args.workers} workers)": tree(stream.process.pid),
            "this benchmark (producer, probes)": [os.getpid()],
        }
    )
    sent = 0
    in_flight: list[asyncio.Future[object]] = []
    progress: list[tuple[float, int]] = []  # (seconds since start, events committed in the phase)

    async def sampler() -> None:  # committed offsets twice a second: the rate the service keeps up
        while True:
            progress.append((time.perf_counter() - start, await committed(admin, group) - before))
            await asyncio.sleep(0.5)

    meter.start()
    start = time.perf_counter()
    probing = asyncio.create_task(prober())
    sampling = asyncio.create_task(sampler())
    try:
        for t, chunk in enumerate(load):
            for topic, records in chunk:
                in_flight += await send_batches(producer, topic, records, partitions[topic])
                sent += len(records)
            await asyncio.sleep(max(0.0, start + (t + 1) * tick - time.perf_counter()))
        await asyncio.gather(*in_flight)
        await probing
        offered = sent / (time.perf_counter() - start)
        t_end_produce = time.perf_counter()
        produced_for = t_end_produce - start
        target = before + sent + len(probes)
        while await committed(admin, group) < target and time.perf_counter() - t_end_produce < 90:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        stored_in = time.perf_counter() - start
        wall, cpu = meter.stop()
        sampling.cancel()
        await asyncio.gather(*probes)
    finally:
        await producer.stop()
        await channel.close()
    # Stored while producing, after the first fifth (the group's first fetches): the rate the
    # service keeps up with. Below the offered rate, the backlog (and latency) grows with time.
    during = [(t, n) for t, n in progress if t <= produced_for]
    (t0, n0) = next((t, n) for t, n in during if t >= produced_for / 5)
    (t1, n1) = during[-1]
    kept_up = (n1 - n0) / (t1 - t0) if t1 > t0 else float("nan")
    backlog = sent - n1
    if lost:
        print(f"WARNING: {len(lost)} probes not queryable within 60 s")
    print(
        f"sustained phase: offered {offered:,.0f}/s for {args.seconds:.0f} s ({sent:,} events); stored "
        f"{kept_up:,.0f}/s while producing (from {t0:.1f} s to {t1:.1f} s); {max(backlog, 0):,} not yet "
        f"committed when producing stopped; all stored {stored_in:.1f} s after the start; "
        f"{len(probes)} probes polled GetLogEntry {polls:,} times"
    )
    print(f"\nCPU from the first event produced until all stored ({wall:.1f} s; 2 cores: {2 * wall:.1f} s):")
    for name, seconds in cpu.items():
        print(
            f"  {name:<36} {seconds:6.1f} s {seconds / wall:5.2f} cores {seconds / sent * 1e6:7.1f} µs/event"
        )
    # The worst probe of every 10 s, with its wall-clock time to find in the servers' logs
    # (flushes, compactions, GC pauses).
    worst: dict[int, tuple[float, float]] = {}
    for t, lat in timeline:
        worst[int(t // 10)] = max(worst.get(int(t // 10), (0.0, 0.0)), (lat, t))
    wall0 = time.time() - (time.perf_counter() - start)
    print("  worst probe of each 10 s of the phase:")
    for w, (lat, t) in sorted(worst.items()):
        at = time.strftime("%H:%M:%S", time.gmtime(wall0 + t))
        print(f"    {w * 10:>3}-{w * 10 + 10:<3} s  {lat * 1000:6,.0f} ms  (produced {at} UTC)")
    return offered, kept_up, latencies


if __name__ == "__main__":
    asyncio.run(main())
