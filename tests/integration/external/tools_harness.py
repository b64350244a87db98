"""Harness of the integrated-tools tests.

* :class:`FakeTool`: a real HTTP server standing in for an integrated tool (Fleet, Tactical RMM,
  ...), served on 127.0.0.1 with a free port: it echoes what it received and can be slow, big,
  failing or gone, so the proxy is tested against real sockets, not mocks;
* :func:`tools_app`: the registry (gRPC) and the tool proxy (HTTP) in-process, wired exactly as
  the external service wires them, against the real FerretDB in a private database, with the
  kit's real authenticator (callers carry internal tokens signed with this checkout's key).

Test modules import the fixtures from here (``from ...tools_harness import tools_app``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
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
import uvicorn
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from infra.layout import Layout
from infra.servers import servers
from infra.servers.service import local_internal_token_key
from openframe.external.v1 import tools_pb2 as pb
from openframe.external.v1.tools_pb2_grpc import IntegratedToolServiceStub
from services.external.tools.settings import ToolSettings
from services.external.tools.wiring import ToolsRunning, start_tools
from services.kit import mongo
from services.kit.config import Environment
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
    """A FakeTool served on 127.0.0.1 (a given port, or a free one) until ``stop()``."""

    def __init__(self, tool: FakeTool, port: int = 0) -> None:
        self.tool = tool
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


def free_port() -> int:
    """A port nothing listens on (bound, then released): a tool that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ToolsApp:
    """The in-process registry + proxy and how to call them."""

    stub: IntegratedToolServiceStub
    http: httpx.AsyncClient  # base URL: the proxy
    db: AsyncDatabase[dict[str, Any]]
    tokens: InternalTokens
    running: ToolsRunning
    settings: ToolSettings

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
    """Only the store these tests need (not every service: the in-process app stands alone)."""
    for server in servers(layout, only=["ferretdb"]):
        server.start()
    return layout


@pytest.fixture(scope="session")
async def tools_app(mongo_up: Layout) -> AsyncIterator[ToolsApp]:
    layout = mongo_up
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
    )
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(tool_settings.mongo_url, tz_aware=True)
    await client.drop_database(DATABASE)
    lifecycle = Lifecycle(grace_seconds=1)
    db = mongo.connect(tool_settings, lifecycle)
    running = await start_tools(tool_settings, lifecycle, db)
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
        )
    await lifecycle.shutdown()
    await client.drop_database(DATABASE)
    await client.close()


@pytest.fixture
async def fake_tool() -> AsyncIterator[RunningTool]:
    """A fresh tool per test (its own port, its own log)."""
    running = await RunningTool(FakeTool(expected_token=FLEET_TOKEN)).start()
    yield running
    await running.stop()


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
