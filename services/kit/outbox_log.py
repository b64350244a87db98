"""An append-only event log whose documents are their own outbox records (high-volume events).

Each process is a *writer*: it numbers its documents (``writer``, ``seq``) in the same insert that
stores them, hands them to its relay in memory, and the relay publishes them (idempotent producer,
acks=all) and then advances the writer's high-water mark in ``checkpoints``: every document of a
writer with ``seq <= published_seq`` is in Kafka. No per-document update is ever needed: an event
costs one insert.

* Batches: the relay publishes what is pending, up to ``batch_size`` documents per send; with
  ``linger_seconds`` it first waits that long for a batch that is not full (fewer, larger
  produce requests: the broker and every consumer pay per request, the writer per send), at
  the price of that much more delay before an event reaches Kafka.
* Kafka down: the relay keeps its batch and retries with backoff; writes go on (they only need
  MongoDB). Beyond ``keep_docs`` pending documents only their ids stay in memory; the relay
  reloads them by ``_id`` (an indexed lookup) when Kafka is back.
* Insert outcome unknown (an error): the documents are still handed over, marked "verify", and
  published only if a lookup by ``_id`` finds them.
* Writer crashed: its heartbeat in ``checkpoints`` goes stale; any other process claims it
  (compare-and-set on the heartbeat), publishes everything after its mark in ``seq`` order, then
  deletes the checkpoint. A writer that stops cleanly with nothing pending deletes its own.

At least once: a crash between publish and mark means a duplicate, never a loss; consumers
deduplicate by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger
from services.kit.mongo import Document, ensure_indexes
from services.kit.outbox import KafkaSender, OutboxRecord, utcnow

log = get_logger(__name__)

Render = Callable[[Document], OutboxRecord]


@dataclass
class _Pending:
    id: Any
    seq: int
    doc: Document | None  # None: reload by _id (memory bound, or insert outcome unknown)
    verify: bool = False


class OutboxLog:
    def __init__(
        self,
        log_collection: AsyncCollection[Document],
        checkpoints: AsyncCollection[Document],
        *,
        bootstrap: str,
        render: Render,
        stream: str,
        batch_size: int = 500,
        heartbeat_seconds: float = 5.0,
        dead_after_seconds: float = 30.0,
        keep_docs: int = 20_000,
        linger_seconds: float = 0.0,
    ) -> None:
        self.log = log_collection
        self.checkpoints = checkpoints
        self.render = render
        self.stream = stream
        self.writer = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.sender = KafkaSender(bootstrap, f"openframe-{stream}")
        self.batch_size = batch_size
        self.heartbeat_seconds = heartbeat_seconds
        self.dead_after = timedelta(seconds=dead_after_seconds)
        self.keep_docs = keep_docs
        self.linger = linger_seconds
        self.published_seq = 0
        self._seq = 0
        self._done: set[int] = set()
        self._pending: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def init(self) -> None:
        # recovery reads one writer's documents in order: cross-tenant by nature
        await ensure_indexes(
            self.log,
            [],
            cross_tenant=[IndexModel([("writer", ASCENDING), ("seq", ASCENDING)], name="outbox")],
        )
        # Registered before the first write, so a crash right after it is still recovered.
        await self.checkpoints.insert_one(
            {"_id": self.writer, "stream": self.stream, "published_seq": 0, "heartbeat_at": utcnow()}
        )

    def start(self, lifecycle: Lifecycle) -> None:
        self._tasks = [
            asyncio.create_task(t()) for t in (self._relay_loop, self._heartbeat_loop, self._recovery_loop)
        ]
        lifecycle.on_shutdown(f"outbox-{self.stream}", self.stop)

    async def append(self, docs: list[Document]) -> None:
        """Store ``docs`` (one insert) and queue them for Kafka; returns once they are stored."""
        for doc in docs:
            self._seq += 1
            doc["writer"], doc["seq"] = self.writer, self._seq
        try:
            await self.log.insert_many(docs, ordered=True)
        except BaseException:
            self._hand_over(docs, verify=True)
            raise
        self._hand_over(docs, verify=False)

    def _hand_over(self, docs: list[Document], *, verify: bool) -> None:
        for doc in docs:
            keep = not verify and len(self._pending) < self.keep_docs
            self._pending.append(_Pending(doc["_id"], doc["seq"], doc if keep else None, verify))
        self._wake.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):  # one last attempt; the rest is recovered elsewhere
            if self._pending:
                await self._publish_next()
            if not self._pending:
                await self.checkpoints.delete_one({"_id": self.writer})
            else:
                await self._beat()
        await self.sender.stop()

    async def _relay_loop(self) -> None:
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            if self.linger and len(self._pending) < self.batch_size:
                await asyncio.sleep(self.linger)  # more documents per send (see the module's doc)
            try:
                published = await self._publish_next()
            except PyMongoError as exc:
                log.warning("outbox relay store error", stream=self.stream, error=type(exc).__name__)
                published = False
            if not published:
                await asyncio.sleep(self.sender.backoff())

    async def _publish_next(self) -> bool:
        batch = [self._pending[i] for i in range(min(self.batch_size, len(self._pending)))]
        docs = []
        for item in batch:
            doc = item.doc if item.doc is not None else await self.log.find_one({"_id": item.id})
            if doc is not None:  # absent: an insert that did not happen (verify), nothing owed
                docs.append(doc)
        if docs and not await self.sender.send([self.render(d) for d in docs]):
            return False
        for _ in batch:
            self._done.add(self._pending.popleft().seq)
        while self.published_seq + 1 in self._done:  # the mark only moves over a gap-free prefix
            self.published_seq += 1
            self._done.discard(self.published_seq)
        return True

    async def _beat(self) -> None:
        """Persist the mark with the heartbeat. Not after every batch: each write costs the store
        about as much as a batch insert, and a lagging mark only means more duplicates after a
        crash, never a loss."""
        mark = {"stream": self.stream, "published_seq": self.published_seq, "heartbeat_at": utcnow()}
        result = await self.checkpoints.update_one({"_id": self.writer}, {"$set": mark})
        if result.matched_count == 0:  # a stall long enough to be recovered by another process
            await self.checkpoints.insert_one({"_id": self.writer, **mark})

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            with contextlib.suppress(PyMongoError):
                await self._beat()

    async def _recovery_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            with contextlib.suppress(PyMongoError):
                stale = utcnow() - self.dead_after
                async for mark in self.checkpoints.find(
                    {"stream": self.stream, "heartbeat_at": {"$lt": stale}}
                ):
                    claimed = await self.checkpoints.find_one_and_update(
                        {"_id": mark["_id"], "heartbeat_at": mark["heartbeat_at"]},
                        {"$set": {"heartbeat_at": utcnow(), "recovered_by": self.writer}},
                    )
                    if claimed is not None and mark["_id"] != self.writer:
                        await self._recover(mark["_id"], int(mark["published_seq"]))

    async def _recover(self, writer: str, seq: int) -> None:
        log.info("outbox recovering a stopped writer", stream=self.stream, writer=writer, after_seq=seq)
        while True:
            query = {"writer": writer, "seq": {"$gt": seq}}
            docs = [d async for d in self.log.find(query).sort("seq", ASCENDING).limit(self.batch_size)]
            if not docs:
                await self.checkpoints.delete_one({"_id": writer})
                return
            if not await self.sender.send([self.render(d) for d in docs]):
                return  # Kafka down: retried once the claim goes stale again
            seq = int(docs[-1]["seq"])
            await self.checkpoints.update_one(
                {"_id": writer}, {"$set": {"published_seq": seq, "heartbeat_at": utcnow()}}
            )
