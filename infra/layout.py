"""Where the local infrastructure lives: state folder, tool cache and port block.

Stdlib only: this package must run on a fresh machine before any virtualenv exists.

* ``OPENFRAME_STATE_DIR`` (default ``<repo>/.state``): data, logs, pid files, rendered configs.
  Project-local and ignored by git, so two clones never share data.
* ``OPENFRAME_CACHE_DIR`` (default ``~/.cache/openframe``): downloaded jars and built binaries.
  Shared between clones so a fresh clone (CI) does not rebuild FerretDB or refetch jars.
* ``OPENFRAME_PORT_BASE`` (default 27000): every server listens on base + a fixed offset,
  away from the default ports of servers the machine may already run.
* ``OPENFRAME_REPLICAS`` (default 1, at most ``MAX_REPLICAS``): processes of each stateless
  service. Replica 0 keeps the service's name and ports; replica k >= 1 is named ``<name>.<k>``
  and listens on every port of the service + ``REPLICA_STRIDE * k``, inside the same block
  (docs/replicas.md).
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
#: Offsets of the services' own ports: these are the ones replicated.
SERVICE_OFFSETS = range(300, 400)
#: Replica k of a service listens at offset + REPLICA_STRIDE * k: 500-599 for the second replica,
#: 700-799 for the third, 900-999 for the fourth, so a stack stays inside its 1,000-port block.
REPLICA_STRIDE = 200
MAX_REPLICAS = 4


def replica_name(name: str, replica: int) -> str:
    """``api`` for replica 0, ``api.1`` for replica 1: the name of its server and of its ports."""
    return name if replica == 0 else f"{name}.{replica}"


# The replicas' ports join the one table (so the destination policy refuses them too, and every
# listener of a stack is listed in one place).
PORT_OFFSETS.update(
    {
        replica_name(name, k): offset + REPLICA_STRIDE * k
        for name, offset in list(PORT_OFFSETS.items())
        if offset in SERVICE_OFFSETS
        for k in range(1, MAX_REPLICAS)
    }
)
assert len(set(PORT_OFFSETS.values())) == len(PORT_OFFSETS), "two servers share a port offset"
assert max(PORT_OFFSETS.values()) < 1000, "every port of a stack stays inside its block"


@dataclass(frozen=True)
class Layout:
    """Resolved paths and ports for one infrastructure instance."""

    state: Path
    cache: Path
    port_base: int
    host: str = "127.0.0.1"
    #: processes of each stateless service (``OPENFRAME_REPLICAS``)
    replicas: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"OPENFRAME_REPLICAS must be between 1 and {MAX_REPLICAS}, not {self.replicas}")

    @classmethod
    def from_env(cls) -> Layout:
        state = Path(os.environ.get("OPENFRAME_STATE_DIR", REPO / ".state")).resolve()
        cache = Path(os.environ.get("OPENFRAME_CACHE_DIR", Path.home() / ".cache" / "openframe")).resolve()
        return cls(
            state=state,
            cache=cache,
            port_base=int(os.environ.get("OPENFRAME_PORT_BASE", "27000")),
            replicas=replicas_from_env(),
        )

    def port(self, name: str, replica: int = 0) -> int:
        return self.port_base + PORT_OFFSETS[replica_name(name, replica)]

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


def replicas_from_env() -> int:
    raw = os.environ.get("OPENFRAME_REPLICAS", "1").strip() or "1"
    if not raw.isdigit():
        raise ValueError(f"OPENFRAME_REPLICAS must be a whole number, not {raw!r}")
    return int(raw)
