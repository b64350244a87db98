"""Wiring of the stream service: Cassandra (schema at start), MongoDB (enrichment), the Kafka
ingestor, and the gRPC servicers (log queries, ingestion status)."""

from __future__ import annotations

import asyncio

from cassandra.cluster import Cluster, Session

from openframe.external.v1 import public_api_pb2, public_api_pb2_grpc
from openframe.stream.v1 import ingestion_pb2, ingestion_pb2_grpc, logs_pb2, logs_pb2_grpc
from services.kit import mongo
from services.kit.lifecycle import Lifecycle
from services.kit.logging import get_logger
from services.kit.server import ServiceBinding, start_server
from services.stream.enrich import Enricher
from services.stream.ingest import Ingestor
from services.stream.public import PublicLogServicer
from services.stream.queries import LogQueries
from services.stream.servicer import IngestionServicer, LogServicer
from services.stream.settings import StreamSettings
from services.stream.storage.cassandra import connect_blocking
from services.stream.storage.reader import LogReader
from services.stream.storage.writer import LogWriter

log = get_logger(__name__)


async def connect_cassandra(settings: StreamSettings, lifecycle: Lifecycle) -> tuple[Cluster, Session]:
    """Connect and create the schema, retrying while Cassandra is not reachable yet."""
    delay = 0.5
    while True:
        try:
            cluster, session = await asyncio.to_thread(connect_blocking, settings)
            break
        except Exception as exc:  # NoHostAvailable while Cassandra starts
            if lifecycle.stopping:
                raise
            log.warning("cassandra not reachable yet", error=type(exc).__name__, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    lifecycle.on_shutdown("cassandra", lambda: asyncio.to_thread(cluster.shutdown))
    return cluster, session


async def build(settings: StreamSettings, lifecycle: Lifecycle, *, ingest: bool = True) -> int:
    """Start the stream service; returns the bound gRPC port."""
    _, session = await connect_cassandra(settings, lifecycle)
    db = mongo.connect(settings, lifecycle)
    writer = LogWriter(
        session,
        ttl_seconds=settings.retention_days * 86_400,
        rows_per_batch=settings.rows_per_batch,
        concurrency=settings.write_concurrency,
        timeout_seconds=settings.write_timeout_seconds,
    )
    ingestor = Ingestor(settings, writer, Enricher(db, settings.enrichment_ttl_seconds))
    logs = LogServicer(LogQueries(LogReader(session)))
    status = IngestionServicer(ingestor)
    bindings = [
        ServiceBinding(
            logs_pb2.DESCRIPTOR.services_by_name["LogService"].full_name,
            lambda server: logs_pb2_grpc.add_LogServiceServicer_to_server(logs, server),
        ),
        ServiceBinding(  # the public API's log entries (services/stream/public.py)
            public_api_pb2.DESCRIPTOR.services_by_name["PublicLogService"].full_name,
            lambda server: public_api_pb2_grpc.add_PublicLogServiceServicer_to_server(
                PublicLogServicer(logs), server
            ),
        ),
        ServiceBinding(
            ingestion_pb2.DESCRIPTOR.services_by_name["IngestionService"].full_name,
            lambda server: ingestion_pb2_grpc.add_IngestionServiceServicer_to_server(status, server),
        ),
    ]
    if ingest:
        await ingestor.start()
        lifecycle.on_shutdown("ingestion", ingestor.stop)
    _, port = await start_server(settings, bindings, lifecycle)
    return port
