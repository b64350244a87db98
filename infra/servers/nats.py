"""NATS with JetStream from the Debian package (``nats-server``), own port and store dir."""

from __future__ import annotations

import json
import shutil
import urllib.request

from infra.servers.base import Server


class Nats(Server):
    name = "nats"
    start_timeout = 20

    @property
    def port(self) -> int:
        return self.layout.port("nats")

    @property
    def monitor_port(self) -> int:
        return self.layout.port("nats_monitor")

    def ports(self) -> list[int]:
        return [self.port, self.monitor_port]

    def installed(self) -> bool:
        return shutil.which("nats-server") is not None

    def command(self) -> list[str]:
        return [
            "nats-server",
            "--name", "openframe",
            "--addr", self.layout.host,
            "--port", str(self.port),
            "--http_port", str(self.monitor_port),
            "--jetstream",
            "--store_dir", str(self.layout.data(self.name)),
        ]  # fmt: skip

    def probe(self) -> bool:
        # /jsz answers only once JetStream is up; a plain TCP accept would not prove that.
        url = f"http://{self.layout.host}:{self.monitor_port}/jsz"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return "config" in json.load(resp)
        except (OSError, ValueError):
            return False
