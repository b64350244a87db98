"""The replica suite: tests that need every service running as several replicas
(``OPENFRAME_REPLICAS=2``). ``python -m tests.integration.replicas.run`` (``make replicas``, part
of ``make test``) brings up a private stack that way and runs them; on a stack of single
replicas (the shared one) they are skipped, saying so."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from infra.layout import Layout
from infra.servers.envoy import Envoy
from tests.support.identity import Tenants

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    replicas = Layout.from_env().replicas
    if replicas >= 2:
        return
    skip = pytest.mark.skip(reason=f"needs OPENFRAME_REPLICAS>=2 (this stack runs {replicas}): make replicas")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def edge(infra_up: Layout) -> Envoy:
    return Envoy(infra_up)


@pytest.fixture(scope="session")
def edge_url(infra_up: Layout) -> str:
    return f"http://127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="session")
def tenants(edge_url: str, infra_up: Layout) -> Tenants:
    return Tenants(edge_url, infra_up)


def hosts(edge: Envoy, cluster: str) -> dict[str, dict[str, str]]:
    """What the edge knows of each host of ``cluster`` (admin ``/clusters``): address -> stat -> value
    (``rq_success``, ``rq_error``, ``health_flags``, ...)."""
    status, body = edge.admin("/clusters")
    assert status == 200
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for line in body.decode().splitlines():
        parts = line.split("::")
        if len(parts) == 4 and parts[0] == cluster and ":" in parts[1]:  # host lines, not the cluster's
            found[parts[1]][parts[2]] = parts[3]
    return dict(found)
