"""The stream service: Kafka (domain and tool events) → normalize → enrich → Cassandra time series,
plus the log queries over it (openframe.stream.v1). See docs/stream.md."""
