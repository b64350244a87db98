"""Which RPCs a service runs without credentials: exactly those its proto declares
``openframe.common.v1.public`` (the declaration the edge reads too, tests/contract/test_edge.py).

Every RPC of every running service is called directly (not through the edge) with an empty
request and no token: a public one gets past authentication (to its validation or its answer),
every other one is UNAUTHENTICATED before any handler runs.
"""

from __future__ import annotations

import importlib
from typing import cast

import grpc
import pytest
from google.protobuf import descriptor_pb2

from infra.layout import REPO, Layout
from infra.servers import servers
from infra.servers.envoy import DESCRIPTOR
from infra.servers.envoy.services import SERVICES, declared_public_rpcs
from services.kit.interceptors import is_public

RUNNING = ("api", "auth", "external", "ratelimit", "stream")

# The services import their contracts' modules; so does this test, to read the same descriptors.
for module in sorted((REPO / "gen" / "python").glob("openframe/**/*_pb2.py")):
    importlib.import_module(".".join(module.relative_to(REPO / "gen" / "python").with_suffix("").parts))


def _methods() -> list[tuple[str, str, bool]]:
    """(serving service, /pkg.Service/Method, server-streaming) for every RPC of our contracts:
    the package's owner, or the service the edge routes that gRPC service to (``served_by``)."""
    found = []
    served_by = {name: cluster for s in SERVICES for name, cluster in s.served_by}
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes()).file
    for f in files:
        owner = next((s.name for s in SERVICES if f.package in s.grpc_packages), None)
        for svc in f.service:
            server = served_by.get(f"{f.package}.{svc.name}", owner)
            if server not in RUNNING:
                continue
            for m in svc.method:
                found.append((server, f"/{f.package}.{svc.name}/{m.name}", m.server_streaming))
    return found


@pytest.fixture(scope="module")
def running(layout: Layout) -> Layout:
    for server in servers(layout, only=["ferretdb", "redis", *RUNNING]):
        if server.status().state != "running":
            server.start()
    return layout


def _call(layout: Layout, service: str, method: str, streaming: bool) -> grpc.StatusCode:
    with grpc.insecure_channel(f"127.0.0.1:{layout.port(service)}") as channel:
        try:
            if streaming:
                stream = channel.unary_stream(method)(b"", timeout=10)
                next(iter(stream), None)
            else:
                channel.unary_unary(method)(b"", timeout=10)
        except grpc.RpcError as failure:
            return cast(grpc.Call, failure).code()
    return grpc.StatusCode.OK


def test_the_interceptor_reads_the_declaration_the_edge_reads() -> None:
    methods = _methods()
    declared = {rpc.grpc_path for rpc in declared_public_rpcs()}
    assert declared and len(methods) > 50
    assert {m for _, m, _ in methods if is_public(m)} == declared


def test_public_rpcs_run_without_a_token_and_nothing_else_does(running: Layout) -> None:
    outcomes = {
        method: _call(running, service, method, streaming) for service, method, streaming in _methods()
    }
    refused = {m for m, code in outcomes.items() if code == grpc.StatusCode.UNAUTHENTICATED}
    public = {m for m in outcomes if is_public(m)}
    assert not (refused & public), f"public RPCs refused without a token: {sorted(refused & public)}"
    let_through = {m: outcomes[m].name for m in set(outcomes) - public - refused}
    assert not let_through, f"RPCs that ran without a token: {let_through}"
