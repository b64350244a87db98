"""``python -m services.external``: run the external service until SIGTERM."""

from services.external.app import build
from services.external.settings import ExternalSettings
from services.kit.lifecycle import Lifecycle
from services.kit.server import run

settings = ExternalSettings()


async def main(lifecycle: Lifecycle) -> None:
    await build(settings, lifecycle)


run(settings, main)
