"""``python -m services.stream``: run the stream service until SIGTERM.

With ``OPENFRAME_WORKERS`` > 1 this process supervises that many copies of itself; each serves
gRPC on the shared port (SO_REUSEPORT) and is one consumer of the group, so partitions spread
over the workers (one Python process uses one core).

The event loop is uvloop's (libuv): every Kafka fetch and commit, every Cassandra answer (handed
over from the driver's I/O thread) and every task of a batch costs less on it than on asyncio's
own loop (bench/stream_ingest.py, docs/decisions/0020-stream-cost-per-event.md).
"""

from __future__ import annotations

import asyncio

import uvloop

from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve
from services.stream.app import build
from services.stream.settings import StreamSettings

settings = StreamSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
serve(settings, main)
