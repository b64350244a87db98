"""Real API keys for tests that go through the edge: created on the external service itself
(an internal caller of the tenant, so creating them spends nothing of a budget under test)."""

from __future__ import annotations

import grpc

from infra.layout import Layout
from openframe.external.v1 import api_keys_pb2
from openframe.external.v1.api_keys_pb2_grpc import ApiKeyServiceStub
from tests.support.internal import as_caller


async def create_api_key(layout: Layout, tenant: str, name: str) -> str:
    """A key of ``tenant`` with scope ``organizations:read``; returns the key as sent in X-API-Key."""
    request = api_keys_pb2.CreateApiKeyRequest(
        api_key=api_keys_pb2.ApiKey(display_name=name, scopes=["organizations:read"])
    )
    async with grpc.aio.insecure_channel(f"127.0.0.1:{layout.port('external')}") as channel:
        reply = await ApiKeyServiceStub(channel).CreateApiKey(
            request, metadata=as_caller(layout, tenant), timeout=10
        )
    return str(reply.key)
