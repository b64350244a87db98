"""HTTP (ASGI) apps served by uvicorn inside a service's event loop, next to its gRPC server
(the auth service's OIDC endpoints, the external service's tool proxy): SO_REUSEPORT so worker
processes share the port, the kit's lifecycle owning signals and a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import uvicorn

from services.kit.lifecycle import Lifecycle


def no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing, for HTTP clients shared by every tenant (tool proxy,
    SSO upstreams): a cookie one tenant's call received would otherwise ride along on any
    tenant's next call to the same host."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def reuseport_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the proto
    # says TCP; without it every response waited ~40 ms (Nagle + delayed ACK: headers and body
    # are two writes). Linux also inherits the option from the listening socket.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the kit's lifecycle owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


#: seconds an idle client connection is kept (see serve_http)
KEEP_ALIVE_SECONDS = 310


async def serve_http(
    app: Any, sock: socket.socket, lifecycle: Lifecycle, grace_seconds: float, *, name: str = "http-server"
) -> int:
    """Start serving ``app`` on ``sock``; returns the bound port."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_config=None,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=int(grace_seconds) or 1,
        # Longer than the edge keeps an idle upstream connection (300 s, the clusters'
        # idle_timeout): the edge always closes first. With uvicorn's 5 s the server closed
        # connections the edge was just sending a request on ("503 connection termination").
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        proxy_headers=False,
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no "started" event)
        await asyncio.sleep(0.01)
    if task.done():
        task.result()  # surfaces the start-up error

    async def stop() -> None:
        server.should_exit = True
        await task

    lifecycle.on_shutdown(name, stop)
    return int(sock.getsockname()[1])
