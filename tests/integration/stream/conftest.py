"""Fixtures of the stream tests: the Cassandra session to check stored rows, a log folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from infra.layout import Layout
from infra.servers import servers
from services.kit.config import Settings
from tests.integration.stream.harness import cassandra_session
from tests.support.identity import Tenants


@pytest.fixture(scope="session")
def stores_up(layout: Layout) -> Layout:
    """Only the stores the stream service needs (most tests run the service themselves)."""
    for server in servers(layout, only=["ferretdb", "kafka", "cassandra"]):
        server.start()
    return layout


@pytest.fixture(scope="session")
def settings(stores_up: Layout) -> Settings:
    return Settings(environment="test")


@pytest.fixture(scope="session")
def cql(settings: Settings) -> Iterator[Session]:
    cluster, session = cassandra_session(settings.cassandra_hosts, settings.cassandra_port)
    yield session
    cluster.shutdown()


@pytest.fixture(scope="session")
def stream_logs(stores_up: Layout) -> Path:
    path = stores_up.state / "logs" / "stream-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def stream_up(stores_up: Layout) -> Layout:
    """The stream service as ``infra up`` runs it (group ``openframe-stream``, the real topics)."""
    for server in servers(stores_up, only=["stream"]):
        server.start()
    return stores_up


class PatientTenants(Tenants):
    """Tenants registered through the edge, waiting longer than the default 20 s per call (a
    registration can take that long on this shared machine, e.g. while it sends its email)."""

    def client(self) -> httpx.Client:
        client = super().client()
        client.timeout = httpx.Timeout(90)
        return client


@pytest.fixture(scope="session")
def tenants(infra_up: Layout) -> Tenants:
    """Tenants registered through the edge (needs every server: auth, Envoy, ...)."""
    return PatientTenants(f"http://127.0.0.1:{infra_up.port('envoy')}", infra_up, batch=2)
