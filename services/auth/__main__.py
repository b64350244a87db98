"""``python -m services.auth``: run the auth service until SIGTERM.

With ``OPENFRAME_WORKERS`` > 1 this process supervises that many copies of itself; each binds
the gRPC and HTTP ports with SO_REUSEPORT and the kernel spreads connections across them
(token signing is CPU-bound and one Python process uses one core).

The event loop is uvloop's (libuv): a token costs a request parsed, a response written and
its share of a store insert, a Redis round trip and a Kafka send, and uvloop spends less CPU on
each of those than asyncio's own loop (bench/token_issuance.py, docs/auth.md "Benchmark").
"""

from __future__ import annotations

import asyncio

import uvloop

from services.auth.app import build
from services.auth.settings import AuthSettings
from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve

settings = AuthSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
serve(settings, main)
