"""Cassandra through cassandra-driver: keyspace, table, prepared insert, select."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cassandra.cluster import Cluster, Session

from services.kit.config import Settings


@pytest.fixture
def session(settings: Settings, unique: str) -> Iterator[Session]:
    cluster = Cluster(list(settings.cassandra_hosts), port=settings.cassandra_port)
    s = cluster.connect()
    s.execute(
        f"CREATE KEYSPACE {unique} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    s.set_keyspace(unique)
    yield s
    s.execute(f"DROP KEYSPACE {unique}")
    cluster.shutdown()


def test_prepared_insert_and_time_ordered_select(session: Session) -> None:
    session.execute(
        """CREATE TABLE logs (
             tenant_id text, bucket text, ts timestamp, id uuid, summary text,
             PRIMARY KEY ((tenant_id, bucket), ts, id)
           ) WITH CLUSTERING ORDER BY (ts DESC, id ASC)"""
    )
    insert = session.prepare("INSERT INTO logs (tenant_id, bucket, ts, id, summary) VALUES (?, ?, ?, ?, ?)")
    for i in range(5):
        ts = datetime(2026, 11, 25, 12, 0, i, tzinfo=UTC)
        session.execute(insert, ("tenant-a", "2026-11-25", ts, uuid.uuid4(), f"event {i}"))
    session.execute(insert, ("tenant-b", "2026-11-25", datetime.now(UTC), uuid.uuid4(), "other tenant"))

    select = session.prepare("SELECT summary FROM logs WHERE tenant_id = ? AND bucket = ? LIMIT 3")
    rows = session.execute(select, ("tenant-a", "2026-11-25"))
    assert [r.summary for r in rows] == ["event 4", "event 3", "event 2"]  # newest first
