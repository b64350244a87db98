"""Cassandra storage of the unified log: schema (created at start), writer, reader."""
