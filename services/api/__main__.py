"""``python -m services.api``: run the api service until SIGTERM."""

from services.api.app import build
from services.api.settings import ApiSettings
from services.kit.lifecycle import Lifecycle
from services.kit.server import run

settings = ApiSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


run(settings, main)
