"""Start the integrated tools in the external service's process: the gRPC servicer (returned as
a binding for the service's one gRPC server), the tool proxy's HTTP app on its own port, and the
background health monitor (a round once per period across every replica and worker: the kit's
``Periodic``)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis
from pymongo.asynchronous.database import AsyncDatabase

from openframe.external.v1 import tools_pb2, tools_pb2_grpc
from services.external.proxy.app import ToolProxy
from services.external.proxy.breaker import Breakers
from services.external.tools.repository import ToolRepository
from services.external.tools.service import PURPOSE, ToolService
from services.external.tools.servicer import IntegratedToolServicer
from services.external.tools.settings import ToolSettings
from services.external.tools.upstream_auth import OAuthTokens
from services.kit.destinations import DestinationPolicy, GuardedTransport, Resolver
from services.kit.http import no_cookies, reuseport_socket, serve_http
from services.kit.identity import Authenticator, authenticator_for
from services.kit.lifecycle import Lifecycle
from services.kit.mongo import Document
from services.kit.periodic import Periodic
from services.kit.sealing import SecretBox
from services.kit.server import ServiceBinding

SERVICE_NAME = tools_pb2.DESCRIPTOR.services_by_name["IntegratedToolService"].full_name


@dataclass(frozen=True)
class ToolsRunning:
    bindings: list[ServiceBinding]
    service: ToolService
    proxy: ToolProxy
    http_port: int


def http_client(settings: ToolSettings, destinations: DestinationPolicy) -> httpx.AsyncClient:
    """One pooled client for every tool: every new connection checked by the destination policy
    on the address it goes to, no proxies from the environment, no redirects followed (a
    redirect goes back to the caller, as the tool sent it; the OAuth token call and the health
    probe do not follow one either), and no cookie jar: the client is shared by every tenant, so
    a cookie a tool sets goes back to its caller and is never kept (it would ride along on any
    tenant's next call to the same host)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(
            destinations,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=30),
        ),
        cookies=no_cookies(),
        timeout=httpx.Timeout(settings.tools_timeout_seconds, connect=settings.tools_connect_timeout_seconds),
        trust_env=False,
        follow_redirects=False,
    )


async def start_tools(
    settings: ToolSettings,
    lifecycle: Lifecycle,
    db: AsyncDatabase[Document],
    redis: aioredis.Redis,
    *,
    authenticator: Authenticator | None = None,
    resolver: Resolver | None = None,
) -> ToolsRunning:
    """``resolver``: how tool host names are resolved (the system's by default; tests map
    names of their own)."""
    box = SecretBox(settings.master_key, purpose=PURPOSE)  # fails fast without a master key
    repo = ToolRepository(db)
    await repo.init()
    destinations = DestinationPolicy.from_settings(settings, resolver=resolver)
    client = http_client(settings, destinations)
    lifecycle.on_shutdown("tool-http-client", client.aclose)
    service = ToolService(
        repo, box, client=client, oauth=OAuthTokens(client), settings=settings, destinations=destinations
    )
    if settings.tools_health_monitor:
        # A round every tenth of the interval (at most 10 s): a tool is probed about once per
        # interval, its next probe claimed in its checks document.
        period = min(settings.tools_health_interval_seconds / 10, 10.0)
        monitor = Periodic(redis, "external-tool-health", service.monitor_round, period_seconds=period)
        monitor.start()
        lifecycle.on_shutdown("tool-health-monitor", monitor.stop)
    proxy = ToolProxy(
        service,
        authenticator or authenticator_for(settings),
        client,
        Breakers(failures=settings.tools_breaker_failures, open_seconds=settings.tools_breaker_open_seconds),
        timeout_s=settings.tools_timeout_seconds,
    )
    sock = reuseport_socket(settings.tools_http_host, settings.tools_http_port)
    http_port = await serve_http(
        proxy, sock, lifecycle, settings.shutdown_grace_seconds, name="tool-proxy-http"
    )
    servicer = IntegratedToolServicer(service)
    binding = ServiceBinding(
        SERVICE_NAME,
        lambda server: tools_pb2_grpc.add_IntegratedToolServiceServicer_to_server(servicer, server),
    )
    return ToolsRunning([binding], service, proxy, http_port)
