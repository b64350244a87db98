"""Audit log of security events: stored tenant-scoped, and relayed to Kafka through the outbox."""
