"""Harness of the integrated-tools tests.

* :class:`FakeTool`: a real HTTP server standing in for an integrated tool (Fleet, Tactical RMM,
  ...), served on 127.0.0.1 with a free port: it echoes what it received and can be slow, big,
  failing or gone, so the proxy is tested against real sockets, not mocks;
* :func:`tools_app`: the registry (gRPC) and the tool proxy (HTTP) in-process, wired exactly as
  the external service wires them, against the real FerretDB in a private database, with the
  kit's real authenticator (callers carry internal tokens signed with this checkout's key);
* the destination policy as in production, with an allow-list of exactly the loopback ports of
  :class:`PortPool` (never all of loopback) and a resolver answering from :class:`Names`, so
  no test resolves a real name and the platform connects to nothing but these loopback ports.

Test modules import the fixtures from here (``from ...tools_harness import tools_app``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import ipaddress
import json
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from infra.layout import Layout
from infra.servers import servers
from infra.servers.service import local_internal_token_key, stand_in_tool_ports
from openframe.external.v1 import tools_pb2 as pb
from openframe.external.v1.tools_pb2_grpc import IntegratedToolServiceStub
from services.external.tools.settings import ToolSettings
from services.external.tools.wiring import ToolsRunning, start_tools
from services.kit import mongo
from services.kit.config import Environment
from services.kit.destinations import Address
from services.kit.identity import Identity
from services.kit.internal import InternalTokens
from services.kit.lifecycle import Lifecycle
from services.kit.server import start_server

CHUNK = b"0123456789abcdef" * 4096  # 64 KiB
OAUTH_CLIENT = ("tool-client", "tool-client-secret-9f2c")
OAUTH_TOKEN = "oauth-access-token-4b7e"


@dataclass
class ToolLog:
    """What the tool saw, for assertions."""

    requests: list[dict[str, object]] = field(default_factory=list)
    token_grants: int = 0


class FakeTool:
    """ASGI app. Paths:

    * ``/slow?seconds=N``: answers after N seconds;
    * ``/big?chunks=N``: streams N chunks of 64 KiB (digest in ``x-body-sha256``);
    * ``/status/{code}``: answers that status;
    * ``/oauth/token``: client-credentials grant for :data:`OAUTH_CLIENT`;
    * ``/redirect?to=URL``: a 302 to that URL;
    * ``/api/v1/fleet/version``: Fleet's version endpoint, needs ``Bearer <expected_token>``;
    * anything else: echoes method, raw path, query, headers and the body's size and digest.
    """

    def __init__(self, expected_token: str = "") -> None:
        self.expected_token = expected_token
        self.log = ToolLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        if path == "/slow":
            await asyncio.sleep(float(request.query_params.get("seconds", "5")))
            return JSONResponse({"slow": True})
        if path == "/big":
            return _big(int(request.query_params.get("chunks", "16")))
        if path.startswith("/status/"):
            return JSONResponse({"status": path}, status_code=int(path.rsplit("/", 1)[1]))
        if path == "/oauth/token":
            return await self._token(request)
        if path == "/redirect":
            return Response(status_code=302, headers={"location": request.query_params["to"]})
        if path.endswith("/api/v1/fleet/version"):  # also under a base path; not logged (health probes)
            if request.headers.get("authorization") != f"Bearer {self.expected_token}":
                return JSONResponse({"message": "unauthorized"}, status_code=401)
            return JSONResponse({"version": "4.51.0", "branch": "main"})
        digest, size, first = hashlib.sha256(), 0, b""
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
            if len(first) < 4096:
                first += chunk[: 4096 - len(first)]
        seen = {
            "method": request.method,
            "raw_path": request.scope["raw_path"].decode("latin-1"),
            "query": request.scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
            "body_size": size,
            "body_sha256": digest.hexdigest(),
            "body_head": first.decode("utf-8", "replace"),
        }
        self.log.requests.append(seen)
        headers = {"x-tool": "fake", "set-cookie": "tool_session=1"}
        if request.method == "HEAD":
            return Response(status_code=200, headers=headers)
        return Response(json.dumps(seen), media_type="application/json", headers=headers)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        expected = "Basic " + base64.b64encode(":".join(OAUTH_CLIENT).encode()).decode()
        if request.headers.get("authorization") != expected or form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        self.log.token_grants += 1
        return JSONResponse({"access_token": OAUTH_TOKEN, "token_type": "Bearer", "expires_in": 3600})


def _big(chunks: int) -> Response:
    digest = hashlib.sha256()
    for _ in range(chunks):
        digest.update(CHUNK)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield CHUNK

    return StreamingResponse(
        body(), media_type="application/octet-stream", headers={"x-body-sha256": digest.hexdigest()}
    )


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test's loop owns signals
        yield


class RunningTool:
    """A FakeTool served on 127.0.0.1 (a given port, e.g. one of :class:`PortPool`, or a free
    one, which the policy refuses) until ``stop()``."""

    def __init__(self, tool: FakeTool, port: int = 0) -> None:
        self.tool = tool
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # the pool holds it too
        self.sock.bind(("127.0.0.1", port))
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(
            tool, lifespan="off", access_log=False, log_config=None, timeout_graceful_shutdown=1
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RunningTool:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:  # noqa: ASYNC110 (uvicorn has no "started" event)
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True
        if self.task is not None:
            await self.task
        self.sock.close()


@contextlib.asynccontextmanager
async def stand_in_tool(layout: Layout, tool: FakeTool | None = None) -> AsyncIterator[RunningTool]:
    """A tool server the running stack (`make run`) may reach: on the first free one of the ports
    its destination policy allows (infra/servers/service.py; another session may hold one)."""
    for port in stand_in_tool_ports(layout):
        try:
            running = RunningTool(tool or FakeTool(), port)
        except OSError:
            continue
        await running.start()
        try:
            yield running
        finally:
            await running.stop()
        return
    raise RuntimeError("every stand-in tool port is taken")


class PortPool:
    """Loopback ports reserved for the session's tool servers, and the allow-list naming exactly
    them. Each stays bound (never listening) for the whole session, so no other process takes
    it between tests; a tool server binds it again beside the reservation (SO_REUSEPORT), and
    with none listening a connection is refused: a tool that is down."""

    def __init__(self, size: int) -> None:
        self._sockets = []
        for _ in range(size):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("127.0.0.1", 0))
            self._sockets.append(sock)
        self.ports = [int(s.getsockname()[1]) for s in self._sockets]
        self._free = list(self.ports)

    @property
    def allow(self) -> tuple[str, ...]:
        return tuple(f"127.0.0.1:{port}" for port in self.ports)

    @contextlib.contextmanager
    def port(self) -> Iterator[int]:
        """A port of the pool for the block's duration."""
        port = self._free.pop()  # IndexError: the pool is too small for the test
        try:
            yield port
        finally:
            self._free.append(port)

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()


class Names:
    """The registry's resolver in these tests: a table the tests edit (a name missing from it
    does not resolve), so DNS rebinding is played without DNS."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}

    async def __call__(self, host: str, port: int) -> list[Address]:
        if host not in self.table:
            raise OSError(f"{host}: no such name")
        return [ipaddress.ip_address(a) for a in self.table[host]]


#: A tool URL for tests that never reach the tool: the name resolves nowhere, so registration
#: accepts it and a probe fails without connecting anywhere.
NOWHERE = "http://tool.nowhere.test"


@dataclass
class ToolsApp:
    """The in-process registry + proxy and how to call them."""

    stub: IntegratedToolServiceStub
    http: httpx.AsyncClient  # base URL: the proxy
    db: AsyncDatabase[dict[str, Any]]
    tokens: InternalTokens
    running: ToolsRunning
    settings: ToolSettings
    ports: PortPool
    names: Names

    def identity(self, tenant: str, roles: tuple[str, ...], kind: str, scopes: tuple[str, ...]) -> Identity:
        return Identity(
            tenant_id=tenant, subject="tests", roles=frozenset(roles), kind=kind, scopes=frozenset(scopes)
        )

    def caller(
        self,
        tenant: str,
        roles: tuple[str, ...] = ("ADMIN",),
        kind: str = "user",
        scopes: tuple[str, ...] = (),
    ) -> tuple[tuple[str, str], ...]:
        """gRPC metadata of a caller of ``tenant``."""
        return self.tokens.metadata(self.identity(tenant, roles, kind, scopes))

    def bearer(
        self,
        tenant: str,
        roles: tuple[str, ...] = ("ADMIN",),
        kind: str = "user",
        scopes: tuple[str, ...] = (),
    ) -> dict[str, str]:
        """HTTP headers of a caller of ``tenant``."""
        return {"authorization": f"Bearer {self.tokens.mint(self.identity(tenant, roles, kind, scopes))}"}


DATABASE = "test_external_tools"
#: Small numbers so the breaker and timeouts show in a test run.
BREAKER_FAILURES = 3
BREAKER_OPEN_SECONDS = 1.0
TOOL_TIMEOUT_SECONDS = 1.0


@pytest.fixture(scope="session")
def mongo_up(layout: Layout) -> Layout:
    """Only the stores these tests need (not every service: the in-process app stands alone)."""
    for server in servers(layout, only=["ferretdb", "redis"]):
        server.start()
    return layout


@pytest.fixture(scope="session")
def tool_ports() -> Iterator[PortPool]:
    pool = PortPool(8)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
async def tools_app(mongo_up: Layout, tool_ports: PortPool) -> AsyncIterator[ToolsApp]:
    layout = mongo_up
    names = Names()
    tool_settings = ToolSettings(
        environment=Environment.TEST,
        service_name="external-tools-test",
        grpc_port=0,
        tools_http_port=0,
        mongo_database=DATABASE,
        access_log=False,
        master_key=SecretStr(secrets.token_urlsafe(32)),
        internal_token_key=SecretStr(local_internal_token_key(layout)),
        tools_breaker_failures=BREAKER_FAILURES,
        tools_breaker_open_seconds=BREAKER_OPEN_SECONDS,
        tools_timeout_seconds=TOOL_TIMEOUT_SECONDS,
        tools_health_timeout_seconds=TOOL_TIMEOUT_SECONDS,
        tools_health_monitor=False,
        tools_cache_seconds=0,
        outbound_allow=tool_ports.allow,
    )
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(tool_settings.mongo_url, tz_aware=True)
    await client.drop_database(DATABASE)
    lifecycle = Lifecycle(grace_seconds=1)
    db = mongo.connect(tool_settings, lifecycle)
    redis = aioredis.from_url(tool_settings.redis_url)
    lifecycle.on_shutdown("redis", redis.aclose)
    running = await start_tools(tool_settings, lifecycle, db, redis, resolver=names)
    _, port = await start_server(tool_settings, running.bindings, lifecycle)
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{running.http_port}", timeout=30, trust_env=False
        ) as http,
    ):
        yield ToolsApp(
            stub=IntegratedToolServiceStub(channel),
            http=http,
            db=client[DATABASE],
            tokens=InternalTokens(local_internal_token_key(layout), service="tests"),
            running=running,
            settings=tool_settings,
            ports=tool_ports,
            names=names,
        )
    await lifecycle.shutdown()
    await client.drop_database(DATABASE)
    await client.close()


@pytest.fixture
async def fake_tool(tool_ports: PortPool) -> AsyncIterator[RunningTool]:
    """A fresh tool per test (its own allowed port, its own log)."""
    with tool_ports.port() as port:
        running = await RunningTool(FakeTool(expected_token=FLEET_TOKEN), port).start()
        yield running
        await running.stop()


@pytest.fixture
def idle_port(tool_ports: PortPool) -> Iterator[int]:
    """An allowed port nothing listens on (a tool that is down, until a test starts one there)."""
    with tool_ports.port() as port:
        yield port


FLEET_TOKEN = "fleet-api-token-7d1e0c"


async def register(
    app: ToolsApp,
    tenant: str,
    base_url: str,
    *,
    tool_type: int = pb.TOOL_TYPE_FLEET,
    credentials: pb.ToolCredentials | None = None,
    name: str = "",
    health_path: str = "",
) -> pb.IntegratedTool:
    """Register a tool for ``tenant`` (default: Fleet with :data:`FLEET_TOKEN`)."""
    creds = credentials if credentials is not None else pb.ToolCredentials(api_token=FLEET_TOKEN)
    reply = await app.stub.CreateIntegratedTool(
        pb.CreateIntegratedToolRequest(
            integrated_tool=pb.IntegratedTool(
                tool_type=tool_type,  # type: ignore[arg-type]
                display_name=name or f"tool {uuid.uuid4().hex[:8]}",
                base_url=base_url,
                credentials=creds,
                health_path=health_path,
            )
        ),
        metadata=app.caller(tenant),
    )
    tool: pb.IntegratedTool = reply.integrated_tool
    return tool


def tool_id(tool: pb.IntegratedTool) -> str:
    return tool.name.removeprefix("tools/")
