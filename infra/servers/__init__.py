"""The local servers in start order: stores and brokers, then our services, then the edge."""

from __future__ import annotations

from infra.layout import Layout
from infra.servers.base import Server
from infra.servers.cassandra import Cassandra
from infra.servers.envoy import Envoy
from infra.servers.ferretdb import FerretDB
from infra.servers.kafka import Kafka
from infra.servers.nats import Nats
from infra.servers.postgres import Postgres
from infra.servers.redis import Redis
from infra.servers.service import SERVICES, PythonService
from infra.servers.smtp import Smtp

STORES: list[type[Server]] = [Postgres, FerretDB, Redis, Nats, Kafka, Cassandra, Smtp]


def servers(layout: Layout, only: list[str] | None = None) -> list[Server]:
    chosen = [
        *(cls(layout) for cls in STORES),
        *(PythonService(layout, name) for name in SERVICES),
        Envoy(layout),
    ]
    if only:
        unknown = set(only) - {s.name for s in chosen}
        if unknown:
            raise SystemExit(f"unknown server(s): {sorted(unknown)}; known: {[s.name for s in chosen]}")
        chosen = [s for s in chosen if s.name in only]
    return chosen
