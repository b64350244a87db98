"""The public API's log entries, served by the stream service itself (services/stream/public.py):
the caller's tenant scopes the answer (the internal LogService's isolation is test_isolation.py's),
bad input names the field, and an API key's scope is checked by the service even for a call that
does not pass the edge."""

from __future__ import annotations

import grpc
import pytest

from infra.layout import Layout
from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from tests.rpc_status import field_violations
from tests.support.internal import as_caller


def caller(layout: Layout, tenant: str, *scopes: str) -> tuple[tuple[str, str], ...]:
    """An API key of ``tenant`` holding ``scopes``, as the edge's key check hands it on."""
    return as_caller(layout, tenant, roles=("VIEWER",), subject="ak_test", kind="api_key", scopes=scopes)


async def test_public_log_reads_check_scope_tenant_and_input(stream_up: Layout, unique: str) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stream_up.port('stream')}") as channel:
        logs = pub_grpc.PublicLogServiceStub(channel)
        reader = caller(stream_up, unique, "logs:read")
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await logs.ListLogEntries(
                pub.ListLogEntriesRequest(), metadata=caller(stream_up, unique, "events:read")
            )
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert err.value.details() == "the API key lacks the scope logs:read"
        listed = await logs.ListLogEntries(pub.ListLogEntriesRequest(page_size=5), metadata=reader)
        assert list(listed.log_entries) == [] and listed.next_page_token == ""  # a new tenant has none
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await logs.ListLogEntries(pub.ListLogEntriesRequest(page_size=100_000), metadata=reader)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert list(field_violations(err.value)) == ["page_size"]
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await logs.GetLogEntry(pub.GetLogEntryRequest(name="logEntries/nothing-here"), metadata=reader)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
