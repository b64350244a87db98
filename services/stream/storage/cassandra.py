"""Cassandra session, the idempotent schema, and awaiting driver futures from asyncio.

Schema (CQL below; every statement ``IF NOT EXISTS``, so every start may run it):

* ``log_entries``: partition ``(tenant_id, bucket)`` — the tenant and the hour of the event
  (``bucket = event_time_ms // 3_600_000``) — clustered by ``event_time DESC, id DESC``; one
  partition holds one tenant's hour, newest first, which is what lists read. An hour keeps the
  partitions of a tenant sending up to a few hundred events per second within Cassandra's
  comfortable size (~100 MB); a single tenant sustaining thousands per second would need finer
  buckets (``BUCKET_MS``, fixed per keyspace since ids locate rows by it). The entry
  id encodes ``event_time`` and ``id``, so details are found with no lookup table. TTL: per write
  (``USING TTL``, the retention policy); TimeWindowCompactionStrategy drops expired windows whole.
* ``log_filter_options``: partition ``(tenant_id, day)``, one row per distinct value of each
  filterable field seen that day (upserts, so replays change nothing).
"""

from __future__ import annotations

import asyncio
import functools
from collections import namedtuple
from typing import Any

from cassandra.cluster import Cluster, ResponseFuture, Session
from cassandra.policies import ConstantReconnectionPolicy, DCAwareRoundRobinPolicy, TokenAwarePolicy

from services.stream.settings import StreamSettings

try:  # libev is much lighter on the CPU than the default asyncore loop
    from cassandra.io.libevreactor import LibevConnection as _Connection
except ImportError:  # pragma: no cover - depends on the build of the driver
    _Connection = None

BUCKET_MS = 3_600_000  # one hour
DAY_MS = 86_400_000

#: The entry itself is one serialized ``openframe.stream.v1.LogEntry`` (without name, event time
#: and details): binding two dozen columns per row costs more CPU in the driver than everything
#: else per event, and lists need all of them anyway.
LOG_ENTRY_COLUMNS = ("tenant_id", "bucket", "event_time", "id", "entry", "details_format", "details")


def schema(keyspace: str, replication_factor: int) -> list[str]:
    return [
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
        f"{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}",
        f"""CREATE TABLE IF NOT EXISTS {keyspace}.log_entries (
              tenant_id text, bucket int, event_time timestamp, id blob,
              entry blob, details_format text, details blob,
              PRIMARY KEY ((tenant_id, bucket), event_time, id)
            ) WITH CLUSTERING ORDER BY (event_time DESC, id DESC)
              AND compaction = {{'class': 'TimeWindowCompactionStrategy',
                                 'compaction_window_unit': 'DAYS', 'compaction_window_size': 1}}""",
        f"""CREATE TABLE IF NOT EXISTS {keyspace}.log_filter_options (
              tenant_id text, day int, field text, value text, display_name text,
              last_seen timestamp,
              PRIMARY KEY ((tenant_id, day), field, value)
            )""",
    ]


def make_cluster(settings: StreamSettings) -> Cluster:
    kwargs: dict[str, Any] = {}
    if _Connection is not None:
        kwargs["connection_class"] = _Connection
    return Cluster(
        list(settings.cassandra_hosts),
        port=settings.cassandra_port,
        # Storage down → consumption pauses; reconnect attempts every second so it resumes soon
        # after Cassandra is back (the default policy backs off to minutes).
        reconnection_policy=ConstantReconnectionPolicy(1.0, max_attempts=None),
        # v4, not v5: v5 wraps every frame in checksummed segments, which this driver builds and
        # checks in Python (~4 % of the service's CPU at 20k events/s); nothing here needs v5.
        protocol_version=4,
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
        connect_timeout=5,
        control_connection_timeout=5,
        idle_heartbeat_interval=5,
        idle_heartbeat_timeout=5,
        **kwargs,
    )


def ensure_schema(session: Session, settings: StreamSettings) -> None:
    for statement in schema(settings.cassandra_keyspace, settings.cassandra_replication_factor):
        session.execute(statement, timeout=60)
    session.set_keyspace(settings.cassandra_keyspace)


def connect_blocking(settings: StreamSettings) -> tuple[Cluster, Session]:
    cluster = make_cluster(settings)
    session = cluster.connect()
    session.row_factory = named_rows
    ensure_schema(session, settings)
    return cluster, session


def named_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> list[Any]:
    """Rows as named tuples, like the driver's default, with one class per column list instead of
    a new class per result (the default builds one per query: ~0.1 ms, more than reading a row)."""
    row = _row_class(tuple(columns))
    return [row._make(r) for r in rows]


@functools.lru_cache(maxsize=256)
def _row_class(columns: tuple[str, ...]) -> Any:
    return namedtuple("Row", columns, rename=True)  # columns known only at run time


def aio(future: ResponseFuture) -> asyncio.Future[Any]:
    """An asyncio future resolved (on this loop) when the driver's future completes."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def done(rows: Any) -> None:
        loop.call_soon_threadsafe(_resolve, result, rows, None)

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(_resolve, result, None, exc)

    future.add_callbacks(done, failed)
    return result


def _resolve(target: asyncio.Future[Any], rows: Any, exc: BaseException | None) -> None:
    if target.done():
        return
    if exc is not None:
        target.set_exception(exc)
    else:
        target.set_result(rows)
