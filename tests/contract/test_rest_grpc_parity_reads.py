"""Every collection read of the running services answers the same over REST and over gRPC.

The edge transcodes REST to the same gRPC methods a gRPC caller reaches through the same port,
so one tenant's owner asking both ways must get the same payload, or the same error: 400 with
INVALID_ARGUMENT, 403 with PERMISSION_DENIED, and so on. Covered: every RPC of the running
services with an HTTP ``get`` rule and no path variable (lists, filter options, suggestions, the
tenant's policy and usage), found in the descriptor set, so a new one is checked without being
listed here. test_rest_grpc_parity.py covers writes and errors of one service in depth.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import grpc
import httpx
import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict

from infra.layout import REPO
from tests.support.identity import Tenants, TenantSession

#: The packages ``make run`` serves (the config and management services are contracts only).
RUNNING = ("openframe.api.v1.", "openframe.agents.v1.", "openframe.auth.v1.", "openframe.external.v1.",
           "openframe.ratelimit.v1.", "openframe.stream.v1.")  # fmt: skip
#: HTTP status of a transcoded error -> the gRPC code a gRPC caller gets for it.
HTTP_OF = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}


@functools.cache
def descriptors() -> descriptor_pb2.FileDescriptorSet:
    return descriptor_pb2.FileDescriptorSet.FromString((REPO / "gen/descriptor/openframe.binpb").read_bytes())


def reads() -> list[tuple[str, str]]:
    """(full method name, REST path) of every GET without path variables of a running service."""
    found = []
    for f in descriptors().file:
        for service in f.service:
            for method in service.method:
                rule = method.options.Extensions[annotations_pb2.http]
                name = f"{f.package}.{service.name}"
                if name.startswith(RUNNING) and rule.get and "{" not in rule.get:
                    found.append((f"/{name}/{method.name}", rule.get))
    return sorted(found)


def message_classes(method: str) -> tuple[Any, Any]:
    """The generated request and response classes of ``method``."""
    for f in descriptors().file:
        if f.name.startswith("openframe/"):  # its generated module registers it in the default pool
            importlib.import_module(f.name.removesuffix(".proto").replace("/", ".") + "_pb2")
    service_name, method_name = method.strip("/").split("/")
    pool = descriptor_pool.Default()
    rpc = pool.FindServiceByName(service_name).methods_by_name[method_name]
    return message_factory.GetMessageClass(rpc.input_type), message_factory.GetMessageClass(rpc.output_type)


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
