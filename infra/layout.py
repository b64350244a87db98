"""Where the local infrastructure lives: state folder, tool cache and port block.

Stdlib only: this package must run on a fresh machine before any virtualenv exists.

* ``OPENFRAME_STATE_DIR`` (default ``<repo>/.state``): data, logs, pid files, rendered configs.
  Project-local and ignored by git, so two clones never share data.
* ``OPENFRAME_CACHE_DIR`` (default ``~/.cache/openframe``): downloaded jars and built binaries.
  Shared between clones so a fresh clone (CI) does not rebuild FerretDB or refetch jars.
* ``OPENFRAME_PORT_BASE`` (default 27000): every server listens on base + a fixed offset,
  away from the default ports of servers the machine may already run.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Offsets inside the port block. Kept in one table so collisions are visible at a glance.
PORT_OFFSETS: dict[str, int] = {
    "mongo": 17,  # FerretDB (MongoDB wire protocol)
    "postgres": 432,  # PostgreSQL, FerretDB's backend
    "redis": 79,
    "smtp": 25,  # local mail catcher (aiosmtpd): every message lands in .state/mail/
    "nats": 42,
    "nats_monitor": 82,
    "kafka": 92,
    "kafka_controller": 93,
    "cassandra": 142,  # CQL native protocol
    "cassandra_storage": 100,  # inter-node gossip; bound to loopback, single node
    "envoy": 80,  # public edge listener (REST + gRPC); its admin is a Unix socket in the state folder
    # OpenFrame services (gRPC unless noted)
    "api": 300,
    "auth": 310,
    "auth_http": 311,  # OAuth2/OIDC endpoints and login pages (HTTP)
    "external": 320,
    "external_http": 321,  # the tool proxy, /tools/{id}/** (HTTP)
    "management": 330,
    "stream": 340,
    "config": 350,
    "ratelimit": 360,  # Envoy's rate-limit service (envoy.service.ratelimit.v3) + its policy admin API
}


@dataclass(frozen=True)
class Layout:
    """Resolved paths and ports for one infrastructure instance."""

    state: Path
    cache: Path
    port_base: int
    host: str = "127.0.0.1"

    @classmethod
    def from_env(cls) -> Layout:
        state = Path(os.environ.get("OPENFRAME_STATE_DIR", REPO / ".state")).resolve()
        cache = Path(os.environ.get("OPENFRAME_CACHE_DIR", Path.home() / ".cache" / "openframe")).resolve()
        return cls(state=state, cache=cache, port_base=int(os.environ.get("OPENFRAME_PORT_BASE", "27000")))

    def port(self, name: str) -> int:
        return self.port_base + PORT_OFFSETS[name]

    def data(self, server: str) -> Path:
        return self.state / "data" / server

    def log(self, server: str) -> Path:
        return self.state / "logs" / f"{server}.log"

    def pidfile(self, server: str) -> Path:
        return self.state / "run" / f"{server}.pid"

    def conf(self, server: str) -> Path:
        return self.state / "conf" / server

    def built(self, kind: str, name: str) -> Path:
        """Cache folder for an artifact built from ``infra/<kind>/<name>/``.

        The folder name carries a hash of those sources, so editing a pom or the Go
        wrapper yields a new folder (a rebuild) while unchanged sources reuse the cache.
        """
        src = REPO / "infra" / kind / name
        digest = hashlib.sha256()
        for f in sorted(p for p in src.rglob("*") if p.is_file()):
            digest.update(f.relative_to(src).as_posix().encode() + b"\0" + f.read_bytes())
        return self.cache / f"{name}-{digest.hexdigest()[:12]}"

    @property
    def venv(self) -> Path:
        return REPO / ".venv"

    def venv_bin(self, name: str) -> Path:
        return self.venv / "bin" / name
