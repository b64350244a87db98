"""Contract tests against the shared edge: the real Envoy of `make run` in front of the real
services (started, or reused, by the session's `infra_up`), with real access tokens of the real
auth service (tests/support/identity.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from infra.layout import Layout
from tests.support.identity import Tenants, TenantSession


@pytest.fixture(scope="session")
def edge_url(infra_up: Layout) -> str:
    return f"http://127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="session")
def edge_grpc_target(infra_up: Layout) -> str:
    return f"127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="session")
def api_grpc_target(infra_up: Layout) -> str:
    return f"127.0.0.1:{infra_up.port('api')}"


@pytest.fixture(scope="session")
def tenants(edge_url: str, infra_up: Layout) -> Tenants:
    """Registers tenants through the edge and signs their owners in (cached for the session)."""
    return Tenants(edge_url, infra_up)


@pytest.fixture
def tenant(tenants: Tenants) -> TenantSession:
    """A tenant no other test has touched, with its owner's access token (role OWNER)."""
    return tenants.fresh()


@pytest.fixture
async def rest(edge_url: str, tenant: TenantSession) -> AsyncIterator[httpx.AsyncClient]:
    """REST client through Envoy, as `tenant`'s owner."""
    async with httpx.AsyncClient(base_url=edge_url, headers=tenant.bearer, timeout=10) as client:
        yield client


@pytest.fixture
async def edge_channel(edge_grpc_target: str) -> AsyncIterator[grpc.aio.Channel]:
    """gRPC channel through the same Envoy port REST uses."""
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        yield channel
