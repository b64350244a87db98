"""The stream service as a separate process, with its own consumer group, topics and keyspace.

Each test gets topics ``test.<unique>.<...>.v1`` (the service subscribes to ``^test\\.<unique>\\.``),
its own tenant(s), and a private consumer group, so nothing else consumes or disturbs them; the
Cassandra keyspace ``stream_tests`` is shared by these tests (rows are per tenant anyway).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from cassandra.cluster import Cluster, Session

from infra.layout import REPO
from services.kit.healthcheck import serving

KEYSPACE = "stream_tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StreamProcess:
    """``python -m services.stream`` with test settings; start, SIGKILL, restart."""

    def __init__(self, unique: str, log_dir: Path, **overrides: str) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"stream-{unique}.log"
        self.env = {
            **os.environ,
            "OPENFRAME_ENVIRONMENT": "test",
            "OPENFRAME_AUTH_MODE": "dev_header",
            "OPENFRAME_GRPC_PORT": str(self.port),
            "OPENFRAME_TOPIC_PATTERN": rf"^test\.{unique}\..+\.v1$",
            "OPENFRAME_CONSUMER_GROUP": f"stream-test-{unique}",
            "OPENFRAME_DEAD_LETTER_TOPIC": f"test.{unique}.dead-letters",
            "OPENFRAME_ALERT_TOPIC": f"test.{unique}.alerts",
            "OPENFRAME_CASSANDRA_KEYSPACE": KEYSPACE,
            "OPENFRAME_LAG_INTERVAL_SECONDS": "1",
            "OPENFRAME_ACCESS_LOG": "false",
            **overrides,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.stream"], cwd=REPO, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while not serving(self.address, timeout=1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"stream service did not start; see {self.log_path}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final commit — a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
        )
    finally:
        await admin.close()


async def produce(
    bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes, list[tuple[str, bytes]]]]
) -> None:
    """Send (key, value, headers) records, all acknowledged (acks=all) before returning."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, key=k, value=v, headers=h) for k, v, h in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def cassandra_session(hosts: Sequence[str], port: int) -> tuple[Cluster, Session]:
    cluster = Cluster(list(hosts), port=port)
    return cluster, cluster.connect()


def count_rows(session: Session, tenant: str, buckets: Iterable[int]) -> int:
    total = 0
    for bucket in buckets:
        row = session.execute(
            f"SELECT count(*) FROM {KEYSPACE}.log_entries WHERE tenant_id = %s AND bucket = %s",  # noqa: S608
            (tenant, bucket),
            timeout=60,
        ).one()
        total += int(row[0])
    return total


async def eventually(check: object, *, within: float = 60.0, interval: float = 0.5) -> object:
    """Poll ``check()`` (sync or async) until it returns a truthy value; that value, or the last."""
    assert callable(check)
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)
