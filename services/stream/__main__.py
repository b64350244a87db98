"""``python -m services.stream``: run the stream service until SIGTERM.

With ``OPENFRAME_WORKERS`` > 1 this process supervises that many copies of itself; each serves
gRPC on the shared port (SO_REUSEPORT) and is one consumer of the group, so partitions spread
over the workers (one Python process uses one core).
"""

from __future__ import annotations

from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve
from services.stream.app import build
from services.stream.settings import StreamSettings

settings = StreamSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


serve(settings, main)
