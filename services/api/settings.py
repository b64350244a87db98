"""Settings of the api service (the kit's, with this service's name and port)."""

from __future__ import annotations

from services.kit.config import Settings, local_port


class ApiSettings(Settings):
    service_name: str = "api"
    grpc_port: int = local_port("api")
