"""The local servers in start order: stores and brokers, then our services (each as
``layout.replicas`` replicas), then the edge."""

from __future__ import annotations

from infra.layout import MAX_REPLICAS, Layout, replica_name
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
    """The servers of this layout; ``only`` selects by name, a service's name selecting all its
    replicas (``api``: ``api`` and ``api.1``)."""
    chosen = [
        *(cls(layout) for cls in STORES),
        *(PythonService(layout, name, k) for name in SERVICES for k in range(layout.replicas)),
        Envoy(layout),
    ]
    if only:
        known = [s.name for s in chosen if not isinstance(s, PythonService)]
        known += [replica_name(name, k) for name in SERVICES for k in range(MAX_REPLICAS)]
        if unknown := set(only) - set(known):
            raise SystemExit(f"unknown server(s): {sorted(unknown)}; known: {known}")
    return _select(chosen, only)


def leftover_replicas(layout: Layout, only: list[str] | None = None) -> list[Server]:
    """Replicas beyond ``layout.replicas`` that a run with more left (their pid file is there):
    ``up`` stops them, ``down`` and ``status`` include them."""
    found: list[Server] = [
        replica
        for name in SERVICES
        for k in range(layout.replicas, MAX_REPLICAS)
        if (replica := PythonService(layout, name, k)).pidfile.exists()
    ]
    return _select(found, only)


def _select(chosen: list[Server], only: list[str] | None) -> list[Server]:
    return [s for s in chosen if s.name in only or s.group in only] if only else chosen
