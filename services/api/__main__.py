"""``python -m services.api``: run the api service until SIGTERM."""

from services.api.app import build
from services.api.settings import ApiSettings
from services.kit.lifecycle import Lifecycle
from services.kit.workers import serve

settings = ApiSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


serve(settings, main)
