"""Writing log records: prepared statements, one unlogged batch per partition chunk (a single
mutation on the server), bounded concurrency. ``write`` returns only when every row is durable
(acknowledged at the session's consistency) and raises if any write failed — the caller then
retries the whole batch, which is safe because every row has a deterministic key.

Log rows are bound by hand: the driver's ``bind`` checks and serializes each value through its
generic type machinery, which cost a fifth of the service's CPU per event; the row's eight
values have fixed CQL types (``ROW_TYPES``, checked against the prepared statement at start), and
their wire form is a few ``struct.pack`` calls."""

from __future__ import annotations

import asyncio
import struct
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from cassandra.cluster import Session
from cassandra.query import BatchStatement, BatchType, BoundStatement, PreparedStatement

from services.stream.records import LogRecord
from services.stream.storage.cassandra import BUCKET_MS, DAY_MS, LOG_ENTRY_COLUMNS, aio
from services.stream.storage.entries import EntryEncoder, ingest_time_field

#: Filterable fields whose distinct values are kept per day, and how to read them off a record.
FILTER_FIELDS = ("tool", "event_type", "severity", "device", "organization")
#: A value seen again within this long is not written again by this process.
FILTER_REWRITE_SECONDS = 600.0
#: CQL types of the log insert's bind markers (``LOG_ENTRY_COLUMNS``, then the TTL), in order.
ROW_TYPES = ("text", "int", "timestamp", "blob", "blob", "text", "blob", "int")
#: Bytes of rows per batch at most (estimated): Cassandra refuses a mutation over half its commit
#: log segment (16 MiB by default), and a smaller one still keeps a flush's slice of work small.
MAX_BATCH_BYTES = 4 * 1024 * 1024
#: A row's bytes besides its details: keys, the stored entry (summary up to 500 characters).
ROW_OVERHEAD_BYTES = 1024
_TEXT = {"varchar": "text"}
_INT = struct.Struct(">i")
_BIGINT = struct.Struct(">q")


def chunks(
    rows: list[LogRecord], max_rows: int, max_bytes: int = MAX_BATCH_BYTES
) -> Iterator[list[LogRecord]]:
    """At most ``max_rows`` rows and about ``max_bytes`` per batch: a mutation larger than
    Cassandra accepts would fail again at every retry and stall its partitions."""
    if len(rows) <= max_rows and sum(len(r.details) for r in rows) < max_bytes // 2:
        yield rows  # the usual case: no per-row sizes to add up
        return
    chunk: list[LogRecord] = []
    size = 0
    for r in rows:
        row_bytes = len(r.details) + ROW_OVERHEAD_BYTES
        if chunk and (len(chunk) >= max_rows or size + row_bytes > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(r)
        size += row_bytes
    if chunk:
        yield chunk


class LogWriter:
    def __init__(self, session: Session, *, ttl_seconds: int, rows_per_batch: int, concurrency: int,
                 timeout_seconds: float) -> None:  # fmt: skip
        self.session = session
        self.ttl = ttl_seconds
        self.rows_per_batch = rows_per_batch
        self.timeout = timeout_seconds
        self._slots = asyncio.Semaphore(concurrency)
        columns = ", ".join(LOG_ENTRY_COLUMNS)
        marks = ", ".join("?" for _ in LOG_ENTRY_COLUMNS)
        self.insert: PreparedStatement = session.prepare(
            f"INSERT INTO log_entries ({columns}) VALUES ({marks}) USING TTL ?"  # noqa: S608 (constant names)
        )
        self.insert_option: PreparedStatement = session.prepare(
            "INSERT INTO log_filter_options (tenant_id, day, field, value, display_name, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) USING TTL ?"
        )
        self._options_written: dict[tuple[str, int, str, str, str], float] = {}
        # (the server reports text columns as varchar: the same type, UTF-8 bytes on the wire)
        found = tuple(_TEXT.get(t, t) for t in (str(c.type.typename) for c in self.insert.column_metadata))
        if found != ROW_TYPES:  # the schema changed without this writer: bind by hand no more
            raise RuntimeError(f"log_entries insert binds {found}, the writer serializes {ROW_TYPES}")
        self._ttl = _INT.pack(ttl_seconds)
        self._entries = EntryEncoder()

    async def write(self, records: Sequence[LogRecord]) -> None:
        if not records:
            return
        now_ms = int(time.time() * 1000)
        partitions: dict[tuple[str, int], list[LogRecord]] = defaultdict(list)
        for r in records:
            partitions[(r.tenant_id, r.event_time_ms // BUCKET_MS)].append(r)
        batches = [
            self._log_batch(tenant, bucket, chunk, now_ms)
            for (tenant, bucket), rows in partitions.items()
            for chunk in chunks(rows, self.rows_per_batch)
        ]
        option_batches, option_keys = self._option_batches(records, now_ms)
        await self._execute_all(batches + option_batches)
        seen = time.monotonic()  # only now are these values durable: remember them
        for key in option_keys:
            self._options_written[key] = seen

    def _log_batch(
        self, tenant: str, bucket: int, records: Sequence[LogRecord], now_ms: int
    ) -> BatchStatement:
        """Rows of one partition, bound by hand (see the module's doc). The first row goes through
        the driver's ``add`` (which takes the batch's routing key and keyspace from it); the others
        are appended as ``add`` would append them, without a ``BoundStatement`` each."""
        batch = BatchStatement(batch_type=BatchType.UNLOGGED)
        tenant_b, bucket_b, ttl = tenant.encode(), _INT.pack(bucket), self._ttl
        ingest_time, entry = ingest_time_field(now_ms), self._entries.encode
        rows = [
            [
                tenant_b,
                bucket_b,
                _BIGINT.pack(r.event_time_ms),
                r.uid,
                entry(r, ingest_time),
                r.details_format.encode(),
                r.details,
                ttl,
            ]
            for r in records
        ]
        first = BoundStatement(self.insert)
        first.values = rows[0]
        batch.add(first)
        query_id = self.insert.query_id
        add = batch._add_statement_and_params  # what add() calls (see above)
        for values in rows[1:]:
            add(True, query_id, values)
        return batch

    def _batch(self, statement: PreparedStatement, rows: Iterable[tuple[object, ...]]) -> BatchStatement:
        batch = BatchStatement(batch_type=BatchType.UNLOGGED)
        for row in rows:
            batch.add(statement, row)
        return batch

    def _option_batches(
        self, records: Sequence[LogRecord], now_ms: int
    ) -> tuple[list[BatchStatement], list[tuple[str, int, str, str, str]]]:
        now = time.monotonic()
        # Records of a batch repeat the same few values: each distinct combination once.
        combos = {
            (
                r.tenant_id,
                r.event_time_ms // DAY_MS,
                r.tool,
                r.tool_display_name,
                r.event_type,
                r.severity,
                r.device_id,
                r.device_display_name,
                r.organization_id,
                r.organization_display_name,
            )
            for r in records
        }
        fresh: dict[tuple[str, int], dict[tuple[str, str], str]] = defaultdict(dict)
        for tenant, day, tool, tool_name, event_type, severity, device, device_name, org, org_name in combos:
            values: tuple[tuple[str, str, str], ...] = (
                ("tool", tool, tool_name or tool),
                ("event_type", event_type, event_type),
                ("severity", str(severity), str(severity)),
                ("device", device, device_name or device),
                ("organization", org, org_name or org),
            )
            for name, value, display in values:
                if not value:
                    continue
                key = (tenant, day, name, value, display)
                if now - self._options_written.get(key, -1e9) < FILTER_REWRITE_SECONDS:
                    continue
                fresh[(tenant, day)][(name, value)] = display
        if len(self._options_written) > 100_000:
            self._options_written.clear()
        batches = []
        for (tenant, day), seen in fresh.items():
            rows = [(tenant, day, n, v, d, now_ms, self.ttl) for (n, v), d in seen.items()]
            for i in range(0, len(rows), self.rows_per_batch):
                batches.append(self._batch(self.insert_option, rows[i : i + self.rows_per_batch]))
        keys = [(t, d, n, v, disp) for (t, d), values in fresh.items() for (n, v), disp in values.items()]
        return batches, keys

    async def _execute_all(self, batches: list[BatchStatement]) -> None:
        async def one(batch: BatchStatement) -> None:
            async with self._slots:
                await aio(self.session.execute_async(batch, timeout=self.timeout))

        results = await asyncio.gather(*(one(b) for b in batches), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
