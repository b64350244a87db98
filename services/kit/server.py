"""Start a service's ``grpc.aio`` server the same way everywhere.

Standard health (``grpc.health.v1``, SERVING per service once started, NOT_SERVING as soon as
shutdown begins so load balancers drain first) and reflection; the kit's interceptor; socket
reuse so several worker processes can share one port; graceful stop on SIGTERM.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from services.kit.config import Settings
from services.kit.identity import Authenticator, authenticator_for
from services.kit.interceptors import RequestInterceptor
from services.kit.lifecycle import Lifecycle
from services.kit.logging import configure_logging, get_logger

log = get_logger(__name__)

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServiceBinding:
    """One gRPC service to expose: its full proto name and how to add it to a server."""

    name: str
    register: Callable[[grpc.aio.Server], None]


def default_authenticator(settings: Settings) -> Authenticator:
    # ``settings.auth_mode``: the auth service's bearer tokens (default), the dev header (tests
    # in-process; refused in production) or nobody.
    return authenticator_for(settings)


async def start_server(
    settings: Settings,
    bindings: Sequence[ServiceBinding],
    lifecycle: Lifecycle,
    *,
    authenticator: Authenticator | None = None,
    confined_scopes: Mapping[str, Collection[str]] | None = None,
    edge_methods: Collection[str] = (),
) -> tuple[grpc.aio.Server, int]:
    """Start serving; returns the server and the bound port (useful when grpc_port is 0).

    RPCs whose proto declares them ``openframe.common.v1.public`` are callable without identity.
    ``confined_scopes``: scope -> the only full method names a token holding it may call.
    ``edge_methods``: what Envoy calls per request (ext_authz, rate limit): no per-call wrapper.
    """
    server = grpc.aio.server(
        interceptors=[
            RequestInterceptor(
                authenticator or default_authenticator(settings),
                access_log=settings.access_log,
                confined_scopes=confined_scopes,
                edge_methods=edge_methods,
            )
        ],
        options=[
            ("grpc.so_reuseport", 1),
            ("grpc.max_receive_message_length", 4 * MiB),
            ("grpc.max_send_message_length", 16 * MiB),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ],
    )
    for binding in bindings:
        binding.register(server)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = [b.name for b in bindings]
    reflection.enable_server_reflection([*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                                         reflection.SERVICE_NAME], server)  # fmt: skip
    port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    await server.start()
    for name in ["", *names]:
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def stop() -> None:
        for name in ["", *names]:
            await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await server.stop(settings.shutdown_grace_seconds)

    lifecycle.on_shutdown("grpc-server", stop)
    log.info("serving", service=settings.service_name, address=f"{settings.grpc_host}:{port}", services=names)
    return server, port


def run(settings: Settings, main: Callable[[Lifecycle], Awaitable[None]]) -> None:
    """Process entry point: logging, the event loop, ``main`` (which starts things and
    registers their cleanup), then wait for SIGTERM/SIGINT and shut down gracefully."""
    configure_logging(settings.service_name, settings.log_level)

    async def _run() -> None:
        lifecycle = Lifecycle(settings.shutdown_grace_seconds)
        try:
            await main(lifecycle)
            # Everything built so far (modules, descriptors, settings, clients) lives as long as
            # the process: out of the collector's reach, a full collection scans only what
            # requests made since, ~0.1 ms instead of ~50 ms of pause per collection at 100k
            # startup objects (a pause every few seconds under load, in every request's p99).
            gc.freeze()
            await lifecycle.run_until_stopped()
        finally:
            await lifecycle.shutdown()

    asyncio.run(_run())
