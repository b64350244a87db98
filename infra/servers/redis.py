"""Redis from the Debian package, run as our own process with our own port and dir."""

from __future__ import annotations

import shutil

from infra.layout import REPO
from infra.servers.base import Server, render, request


class Redis(Server):
    name = "redis"
    start_timeout = 20

    @property
    def port(self) -> int:
        return self.layout.port("redis")

    def installed(self) -> bool:
        return shutil.which("redis-server") is not None

    def prepare(self) -> None:
        render(
            REPO / "infra/templates/redis.conf",
            self.layout.conf(self.name) / "redis.conf",
            host=self.layout.host,
            port=self.port,
            data=self.layout.data(self.name),
        )

    def command(self) -> list[str]:
        return ["redis-server", str(self.layout.conf(self.name) / "redis.conf")]

    def probe(self) -> bool:
        return request(self.layout.host, self.port, b"PING\r\n").startswith(b"+PONG")
