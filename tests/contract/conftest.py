"""Contract tests against the shared edge: the real Envoy of `make run` in front of the real
services (started, or reused, by the session's `infra_up`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from infra.layout import Layout

#: Local services trust this header as identity (dev only; refused in production settings).
TENANT_HEADER = "x-openframe-tenant"


@pytest.fixture(scope="session")
def edge_url(infra_up: Layout) -> str:
    return f"http://127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="session")
def edge_grpc_target(infra_up: Layout) -> str:
    return f"127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="session")
def api_grpc_target(infra_up: Layout) -> str:
    return f"127.0.0.1:{infra_up.port('api')}"


@pytest.fixture
async def rest(edge_url: str, unique: str) -> AsyncIterator[httpx.AsyncClient]:
    """REST client through Envoy, as tenant `unique`."""
    async with httpx.AsyncClient(base_url=edge_url, headers={TENANT_HEADER: unique}, timeout=10) as client:
        yield client


@pytest.fixture
async def edge_channel(edge_grpc_target: str) -> AsyncIterator[grpc.aio.Channel]:
    """gRPC channel through the same Envoy port REST uses."""
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        yield channel
