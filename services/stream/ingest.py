"""The consumer: Kafka records → mappers → enrichment → Cassandra, at least once and idempotent.

A batch (what one ``getmany`` returns) is the unit of durability: its rows are written, its
rejected records sent to the dead-letter topic and its alerts produced — all acknowledged —
before its offsets are committed. Up to ``batches_in_flight`` batches are processed at once;
offsets still commit strictly in batch order. A crash at any point replays from the last commit,
and replayed records overwrite their own rows (deterministic ids), so nothing is lost or doubled.

Storage failures (Cassandra down, timeouts) are retried with backoff, never skipped; while a
batch waits, its partitions are paused, so consumption stops and the consumer keeps polling
(it stays in the group) and resumes where it was once writes succeed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from services.kit.logging import get_logger
from services.stream import fetched
from services.stream.correlation import FlappingRule
from services.stream.deadletters import send_dead_letters
from services.stream.enrich import Enricher
from services.stream.mappers import Record, Rejected, map_record
from services.stream.records import LogRecord
from services.stream.settings import StreamSettings
from services.stream.storage.writer import LogWriter

log = get_logger(__name__)

#: Longest wait for records while nothing is in flight (how often the loop checks for a stop).
IDLE_POLL_MS = 1000


@dataclass
class IngestStats:
    """What GetIngestionStatus reports (this process)."""

    stored: int = 0
    dead_lettered: int = 0
    alerts: int = 0
    paused: bool = False
    last_commit_time: float = 0.0
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    end_offsets: dict[TopicPartition, int] = field(default_factory=dict)

    def lag(self) -> dict[TopicPartition, int]:
        return {tp: max(end - self.committed.get(tp, end), 0) for tp, end in self.end_offsets.items()}


@dataclass
class _Batch:
    offsets: dict[TopicPartition, int]
    task: asyncio.Task[None]


class Ingestor:
    def __init__(self, settings: StreamSettings, writer: LogWriter, enricher: Enricher) -> None:
        self.settings = settings
        self.writer = writer
        self.enricher = enricher
        self.stats = IngestStats()
        self.flapping = FlappingRule(settings.flapping_threshold, settings.flapping_window_seconds)
        self.consumer = self._consumer()
        self.producer = self._producer()
        self._inflight: deque[_Batch] = deque()
        self._stopping = asyncio.Event()
        self._storage_failures = 0
        self._task: asyncio.Task[None] | None = None
        self._lag_task: asyncio.Task[None] | None = None

    def _consumer(self) -> AIOKafkaConsumer:
        fetched.install()  # records as Incoming tuples (services/stream/fetched.py)
        return AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=self.settings.consumer_group,
            client_id=f"{self.settings.service_name}-ingest",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.batch_max_records,
            # The broker answers a fetch once this much is there, or after fetch_max_wait_ms: a
            # few large fetches (and batches) a second at any rate instead of one per produce.
            fetch_min_bytes=self.settings.fetch_min_bytes,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            # A pattern subscription reads the metadata of every topic of the cluster each time.
            metadata_max_age_ms=int(self.settings.topic_refresh_seconds * 1000),
        )

    def _producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id=f"{self.settings.service_name}-out",
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
        )

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        delay = 0.5
        while True:  # Kafka may be starting (or restarting) too: wait for it, do not exit
            try:
                await self.producer.start()
                await self.consumer.start()
                break
            except KafkaError as exc:
                log.warning("kafka not reachable yet", error=type(exc).__name__, retry_in=delay)
                for client in (self.producer, self.consumer):
                    with contextlib.suppress(Exception):
                        await client.stop()
                self.producer, self.consumer = self._producer(), self._consumer()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.consumer.subscribe(pattern=self.settings.topic_pattern, listener=_Revoke(self))
        self._task = asyncio.create_task(self._run(), name="stream-ingest")
        self._lag_task = asyncio.create_task(self._measure_lag(), name="stream-lag")
        log.info("ingestion started", group=self.settings.consumer_group, pattern=self.settings.topic_pattern)

    async def stop(self) -> None:
        self._stopping.set()
        for task in (self._lag_task, self._task):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=self.settings.shutdown_grace_seconds)
        await self.consumer.stop()
        await self.producer.stop()

    # -- the loop -------------------------------------------------------------------------------------

    async def _run(self) -> None:
        paused: set[TopicPartition] = set()
        while not self._stopping.is_set():
            await self._commit_finished()
            if len(self._inflight) >= self.settings.batches_in_flight:
                # Full (storage slow or down): stop fetching, keep polling so the group keeps us.
                if not paused:
                    paused = set(self.consumer.assignment())
                    self.consumer.pause(*paused)
                await asyncio.wait({self._inflight[0].task}, timeout=1.0)
                await self.consumer.getmany(timeout_ms=0)
                continue
            if paused:
                self.consumer.resume(*(paused & self.consumer.assignment()))
                paused = set()
            # Idle: wait for records as long as the stop check allows (getmany returns as soon as
            # a fetch brings any). Busy: take what is there, else wait for the oldest batch.
            batch = await self.consumer.getmany(
                timeout_ms=IDLE_POLL_MS if not self._inflight else 0,
                max_records=self.settings.batch_max_records,
            )
            if not batch:
                if self._inflight:
                    await asyncio.wait({self._inflight[0].task}, timeout=self.settings.batch_wait_ms / 1000)
                continue
            offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
            records = [r for part in batch.values() for r in part]
            self._inflight.append(_Batch(offsets, asyncio.create_task(self._process(records))))
        await self.drain(self.settings.shutdown_grace_seconds)

    async def _commit_finished(self) -> None:
        """Commit the batches at the head of the queue that are done (strictly in order)."""
        offsets: dict[TopicPartition, int] = {}
        while self._inflight and self._inflight[0].task.done():
            head = self._inflight.popleft()
            if head.task.cancelled() or head.task.exception() is not None:
                # Only when stopping (_process retries otherwise): this batch and every later one
                # stay uncommitted and are replayed by whoever consumes next.
                for later in self._inflight:
                    later.task.cancel()
                self._inflight.clear()
                break
            offsets.update(head.offsets)
        if offsets:
            await self._commit(offsets)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partitions: their new owner replays from the last commit, and
            # replays overwrite (deterministic ids). Nothing is lost.
            log.warning("offset commit failed", error=type(exc).__name__)
            return
        self.stats.committed.update(offsets)
        self.stats.last_commit_time = time.time()

    async def drain(self, wait_seconds: float) -> None:
        """Finish and commit what is in flight (shutdown, partitions revoked)."""
        if self._inflight:
            await asyncio.wait([b.task for b in self._inflight], timeout=wait_seconds)
        await self._commit_finished()
        for batch in self._inflight:  # not finished in time: abandoned, replayed by the next owner
            batch.task.cancel()
        self._inflight.clear()

    # -- one batch ----------------------------------------------------------------------------------

    async def _process(self, records: list[Record]) -> None:
        mapped: list[LogRecord] = []
        rejected: list[tuple[Record, Rejected]] = []
        sources: list[Record] = []
        for record in records:
            try:
                mapped.append(map_record(record))
                sources.append(record)
            except Rejected as why:
                rejected.append((record, why))
        await self._durably(self._enrich_and_store, mapped, sources, rejected)

    async def _enrich_and_store(
        self, mapped: list[LogRecord], sources: list[Record], rejected: list[tuple[Record, Rejected]]
    ) -> None:
        verdicts = await self.enricher.enrich(mapped)
        keep = [r for r, why in zip(mapped, verdicts, strict=True) if why is None]
        refused = [(src, why) for src, why in zip(sources, verdicts, strict=True) if why is not None]
        alerts = self.flapping.observe(keep)
        await self.writer.write(keep + [a.record for a in alerts])
        dead = rejected + refused
        if dead:
            await send_dead_letters(self.producer, self.settings.dead_letter_topic, dead)
            for src, why in dead:
                log.info(
                    "dead-lettered",
                    topic=src.topic,
                    partition=src.partition,
                    offset=src.offset,
                    reason=why.reason,
                )
        if alerts:
            futures = [
                await self.producer.send(
                    self.settings.alert_topic,
                    key=a.key.encode(),
                    value=a.envelope.SerializeToString(),
                    headers=[
                        ("ce_id", a.envelope.id.encode()),
                        ("ce_type", a.envelope.type.encode()),
                        ("ce_tenant", a.envelope.tenant_id.encode()),
                    ],
                )
                for a in alerts
            ]
            await asyncio.gather(*futures)
        self.stats.stored += len(keep) + len(alerts)
        self.stats.dead_lettered += len(dead)
        self.stats.alerts += len(alerts)

    async def _durably(self, step: object, *args: object) -> None:
        """Run ``step`` until it succeeds (retrying with backoff) or the service stops."""
        assert callable(step)
        delay = 0.2
        while True:
            try:
                await step(*args)
            except Exception as exc:  # Cassandra/Kafka/MongoDB unavailable or timing out
                self._storage_failures += 1
                self.stats.paused = True
                log.warning(
                    "batch not stored; pausing and retrying",
                    error=type(exc).__name__,
                    detail=str(exc)[:200],
                    retry_in=delay,
                )
                if self._stopping.is_set():
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if self.stats.paused and self._storage_failures:
                log.info("storage writes succeed again; resuming")
            self.stats.paused = False
            self._storage_failures = 0
            return

    # -- lag ----------------------------------------------------------------------------------------

    async def _measure_lag(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.lag_interval_seconds)
            assigned = list(self.consumer.assignment())
            if not assigned:
                self.stats.end_offsets = {}
                continue
            try:
                ends = await self.consumer.end_offsets(assigned)
            except Exception as exc:  # broker unavailable: the next round tries again
                log.warning("lag measurement failed", error=type(exc).__name__)
                continue
            self.stats.end_offsets = dict(ends)
            for tp in assigned:
                if tp not in self.stats.committed:
                    committed = await self.consumer.committed(tp)
                    self.stats.committed[tp] = committed if committed is not None else 0
            lag = self.stats.lag()
            log.info("consumer lag", total=sum(lag.values()), partitions=len(lag), paused=self.stats.paused)


class _Revoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Before partitions move to another instance, finish and commit what we hold of them."""

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.ingestor.drain(10.0)
        for tp in revoked:
            self.ingestor.stats.committed.pop(tp, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info(
            "partitions assigned", count=len(assigned), topics=sorted({tp.topic for tp in assigned})[:20]
        )
