"""``python -m services.ratelimit``: run the rate-limit service until SIGTERM."""

from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve
from services.ratelimit.app import build
from services.ratelimit.settings import RateLimitSettings

settings = RateLimitSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


serve(settings, main)
