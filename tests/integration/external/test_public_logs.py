"""The public log API (PublicLogServicer) when the stream service cannot answer: a platform that
does not run it says 501 "not deployed"; a stream service that is down for a moment is a 503
UNAVAILABLE with RetryInfo (retryable), never a 501, and never the channel's own message (it
names the address it tried)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from pydantic import SecretStr

from infra.layout import Layout
from infra.servers.service import local_internal_token_key
from openframe.external.v1 import public_api_pb2 as pub
from openframe.external.v1 import public_api_pb2_grpc as pub_grpc
from services.external.public.forward import Forwarder
from services.external.public.servicers import PublicLogServicer
from services.kit.config import Environment, Settings
from services.kit.internal import InternalTokens
from services.kit.lifecycle import Lifecycle
from services.kit.server import ServiceBinding, start_server
from tests.rpc_status import details
from tests.support.internal import as_caller

SERVICE = pub.DESCRIPTOR.services_by_name["PublicLogService"].full_name


@pytest.fixture
def idle_port() -> Iterator[int]:
    """A port bound by nobody but us and not listening: a stream service that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def serve(
    layout: Layout, stream: grpc.aio.Channel | None
) -> AsyncIterator[pub_grpc.PublicLogServiceStub]:
    key = local_internal_token_key(layout)
    settings = Settings(
        environment=Environment.TEST,
        service_name="public-logs-test",
        grpc_port=0,
        access_log=False,
        internal_token_key=SecretStr(key),
    )
    servicer = PublicLogServicer(stream, Forwarder(InternalTokens(key, service="external")))
    binding = ServiceBinding(
        SERVICE, lambda server: pub_grpc.add_PublicLogServiceServicer_to_server(servicer, server)
    )
    lifecycle = Lifecycle(grace_seconds=1)
    _, port = await start_server(settings, [binding], lifecycle)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pub_grpc.PublicLogServiceStub(channel)
    await lifecycle.shutdown()


@pytest.fixture
async def stream_down(layout: Layout, idle_port: int) -> AsyncIterator[pub_grpc.PublicLogServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{idle_port}") as stream:
        async for stub in serve(layout, stream):
            yield stub


@pytest.fixture
async def stream_not_deployed(layout: Layout) -> AsyncIterator[pub_grpc.PublicLogServiceStub]:
    async for stub in serve(layout, None):
        yield stub


async def test_a_stream_service_that_is_down_is_a_retryable_503(
    stream_down: pub_grpc.PublicLogServiceStub, layout: Layout, unique: str, idle_port: int
) -> None:
    caller = as_caller(layout, unique, roles=("TECHNICIAN",))
    for call in (
        stream_down.ListLogEntries(pub.ListLogEntriesRequest(), metadata=caller),
        stream_down.GetLogEntry(pub.GetLogEntryRequest(name="logEntries/x"), metadata=caller),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
        assert str(idle_port) not in (err.value.details() or ""), "the channel's message stays inside"
        retry = [d for d in details(err.value).details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
        assert retry, "a 503 the caller may retry, and when"


async def test_only_a_platform_without_the_stream_service_answers_not_deployed(
    stream_not_deployed: pub_grpc.PublicLogServiceStub, layout: Layout, unique: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stream_not_deployed.ListLogEntries(
            pub.ListLogEntriesRequest(), metadata=as_caller(layout, unique)
        )
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "not deployed" in (err.value.details() or "")
