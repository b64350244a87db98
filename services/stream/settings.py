"""Settings of the stream service (the kit's, plus ingestion, storage and correlation knobs)."""

from __future__ import annotations

from pydantic import Field

from services.kit.config import Settings, local_port

#: Domain-event topics of our services and the tool-event topics; never our own output
#: (dead letters, alerts), never other test topics.
DEFAULT_TOPIC_PATTERN = r"^openframe\.(api|auth|external|management|config|tools)\.[a-z0-9_-]+\.v1$"


class StreamSettings(Settings):
    service_name: str = "stream"
    grpc_port: int = local_port("stream")

    # -- ingestion -----------------------------------------------------------------------------
    #: Regex of the topics consumed (aiokafka pattern subscription: new topics join by themselves).
    topic_pattern: str = DEFAULT_TOPIC_PATTERN
    #: Consumer group; instances of one group split the partitions between them.
    consumer_group: str = "openframe-stream"
    #: Where undecodable or rejected records go, with the reason in headers.
    dead_letter_topic: str = "openframe.stream.dead-letters.v1"
    #: Where correlation alerts go (an EventEnvelope of openframe.stream.v1.CorrelationAlertRaised).
    alert_topic: str = "openframe.stream.alerts.v1"
    #: Records taken from Kafka per batch; one batch is one durable unit before its offsets commit.
    batch_max_records: int = Field(default=2000, ge=1, le=100_000)
    #: Batches written concurrently (pipelining); offsets still commit strictly in order.
    batches_in_flight: int = Field(default=6, ge=1, le=16)
    #: While batches are in flight and no records are fetched: how long to wait for the oldest
    #: batch before polling again.
    batch_wait_ms: int = Field(default=50, ge=0, le=10_000)
    #: A fetch is answered once this many bytes are there (or after ``fetch_max_wait_ms``): at a
    #: low rate, a few fetches and batches a second instead of one per producer request (each
    #: costs about the same whatever its size, here and in Kafka); at 20k events/s, ~1,000 events.
    fetch_min_bytes: int = Field(default=512 * 1024, ge=1, le=64 * 1024 * 1024)
    #: ... and the longest the broker holds a fetch: the latency added at a low rate, and how
    #: often an idle consumer asks (each fetch lists every assigned partition).
    fetch_max_wait_ms: int = Field(default=500, ge=0, le=10_000)
    #: How often topics are listed for the pattern subscription (new matching topics join within).
    topic_refresh_seconds: float = Field(default=30.0, gt=0)
    #: How often consumer lag is measured (and logged).
    lag_interval_seconds: float = Field(default=5.0, gt=0)

    # -- storage --------------------------------------------------------------------------------
    cassandra_keyspace: str = "openframe_stream"
    #: Replication factor of the keyspace when it is created (1 locally; 3 on a real ring).
    cassandra_replication_factor: int = Field(default=1, ge=1)
    #: How long log entries live (Cassandra TTL).
    retention_days: int = Field(default=30, ge=1, le=3650)
    #: Rows per unlogged batch (all of one partition: one mutation on the server). Large: the
    #: server merges a mutation into the partition's memtable tree in one pass, so 1,000 rows
    #: cost it much less than five batches of 200 (bench/stream_ingest.py); ~600 KB, far under
    #: the mutation size limit, and single-partition batches have no batch size threshold.
    rows_per_batch: int = Field(default=1000, ge=1, le=5000)
    #: Batches (statements) in flight to Cassandra at once, per process.
    write_concurrency: int = Field(default=8, ge=1, le=512)
    #: Timeout of one write; a failed write pauses consumption and is retried (never skipped).
    write_timeout_seconds: float = Field(default=10.0, gt=0)

    # -- enrichment -----------------------------------------------------------------------------
    #: Lifetime of an enrichment lookup (device, organization, tool names) in the process cache.
    enrichment_ttl_seconds: float = Field(default=60.0, ge=0)

    # -- correlation ------------------------------------------------------------------------------
    #: Device flapping: this many OFFLINE/ONLINE changes of one device within the window raise an alert.
    flapping_threshold: int = Field(default=4, ge=2, le=1000)
    flapping_window_seconds: float = Field(default=600.0, gt=0)
