"""``python -m services.auth``: run the auth service until SIGTERM.

With ``OPENFRAME_WORKERS`` > 1 this process supervises that many copies of itself; each binds
the gRPC and HTTP ports with SO_REUSEPORT and the kernel spreads connections across them
(token signing is CPU-bound and one Python process uses one core).
"""

from __future__ import annotations

from services.auth.app import build
from services.auth.settings import AuthSettings
from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve

settings = AuthSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


serve(settings, main)
