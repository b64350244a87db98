"""Every collection read of the running services answers the same over REST and over gRPC.

The edge transcodes REST to the same gRPC methods a gRPC caller reaches through the same port,
so one tenant's owner asking both ways must get the same payload, or the same error: 400 with
INVALID_ARGUMENT, 403 with PERMISSION_DENIED, and so on. Covered: every RPC of the running
services with an HTTP ``get`` rule and no path variable (lists, filter options, suggestions, the
tenant's policy and usage), found in the descriptor set, so a new one is checked without being
listed here. test_rest_grpc_parity.py covers writes and errors of one service in depth.
"""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.json_format import MessageToDict

from tests.support.descriptors import RUNNING, message_classes, routes
from tests.support.identity import Tenants, TenantSession

#: HTTP status of a transcoded error -> the gRPC code a gRPC caller gets for it.
HTTP_OF = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}


def reads() -> list[tuple[str, str]]:
    """(full method name, REST path) of every GET without path variables of a running service."""
    return sorted({(r.method, r.path) for r in routes() if r.verb == "get" and "{" not in r.path})


@pytest.fixture(scope="module")
def reader(tenants: Tenants) -> TenantSession:
    """One fresh tenant's owner for every read here (reads change nothing)."""
    return tenants.fresh()


@pytest.mark.parametrize(("method", "path"), reads(), ids=[m for m, _ in reads()])
async def test_the_same_answer_over_rest_and_grpc(
    method: str, path: str, edge_url: str, edge_channel: grpc.aio.Channel, reader: TenantSession
) -> None:
    request_class, response_class = message_classes(method)
    call = edge_channel.unary_unary(
        method,
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    async with httpx.AsyncClient(base_url=edge_url, headers=reader.bearer, timeout=10) as rest:
        over_rest = await rest.get(path)
    answer: Any
    try:
        answer = await call(request_class(), metadata=reader.metadata, timeout=10)
    except grpc.aio.AioRpcError as err:
        answer = err
    if isinstance(answer, grpc.aio.AioRpcError):
        assert over_rest.status_code == HTTP_OF.get(answer.code()), (answer.code(), over_rest.text)
        assert over_rest.json()["code"] == answer.code().value[0]
        assert over_rest.json()["message"] == answer.details()
        return
    assert over_rest.status_code == 200, over_rest.text
    assert over_rest.json() == MessageToDict(answer, always_print_fields_with_no_presence=True)


def test_the_reads_are_found() -> None:
    """The descriptor set still maps reads of every running package (a broken lookup would
    parametrize nothing, and nothing would be checked)."""
    packages = {method.split(".v1.")[0] + ".v1." for method, _ in reads()}
    assert {p.lstrip("/") for p in packages} == set(RUNNING)
