"""OpenFrame's own services, run from .venv as ``python -m services.<name>``.

Locally they authenticate callers with the auth service's access tokens (``auth_mode=jwt``,
the same issuer URL as the edge's); the development tenant header is not used by ``make run``.
A running service whose code changed since it started is restarted by ``up``, so tests
never talk to stale code.

With ``OPENFRAME_REPLICAS=N`` each service runs as N replicas, each its own process group (with
its own workers) on its own ports (infra/layout.py); the edge balances over all of them and the
services call each other over all of them (``service_addresses``, docs/replicas.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets

from infra.layout import REPO, Layout, replica_name
from infra.servers.base import Server

#: Services that exist so far, in start order, with the ports each binds (port names of
#: infra/layout.py) and the setting that moves each port (a replica's come from its own offsets).
SERVICE_PORTS: dict[str, dict[str, str]] = {
    "api": {"api": "OPENFRAME_GRPC_PORT"},
    "auth": {"auth": "OPENFRAME_GRPC_PORT", "auth_http": "OPENFRAME_HTTP_PORT"},
    "external": {"external": "OPENFRAME_GRPC_PORT", "external_http": "OPENFRAME_TOOLS_HTTP_PORT"},
    "ratelimit": {"ratelimit": "OPENFRAME_GRPC_PORT"},
    "stream": {"stream": "OPENFRAME_GRPC_PORT"},
}
SERVICES = list(SERVICE_PORTS)

#: Worker processes per service (``OPENFRAME_WORKERS``, services/kit/workers.py; SO_REUSEPORT
#: shares the ports), one per core of a 2-core machine for the CPU-bound ones: auth signs tokens
#: (RSA), stream decodes and writes events. The api service runs two as well: its writes are
#: compare-and-set in the store, its periodic jobs and consumers shared (docs/api.md).
#: ratelimit needs no second process: its checks
#: are decided in memory from leased counters (~2.4k checks/s in one process, bench/ratelimit.py);
#: it could run several, since policy changes reach every process at once (Redis notices).
WORKERS = {"api": 2, "auth": 2, "stream": 2}

#: Loopback ports of the port block where the edge tests run their stand-in tools: the local
#: stack's destination policy allows exactly these (nothing of the platform listens there),
#: plus whatever ``OPENFRAME_OUTBOUND_ALLOW`` the caller's shell sets (docs/security.md).
STAND_IN_TOOL_PORT_OFFSETS = range(990, 995)


def stand_in_tool_ports(layout: Layout) -> list[int]:
    return [layout.port_base + offset for offset in STAND_IN_TOOL_PORT_OFFSETS]


def outbound_allow(layout: Layout) -> str:
    """The local stack's allow-list: the caller's, and the test tools' ports."""
    extra = os.environ.get("OPENFRAME_OUTBOUND_ALLOW", "")
    return ",".join([*filter(None, [extra]), *(f"127.0.0.1:{port}" for port in stand_in_tool_ports(layout))])


def service_addresses(layout: Layout) -> dict[str, str]:
    """Each service's gRPC target for the others (``OPENFRAME_SERVICE_ADDRESSES``): every replica,
    as a gRPC ``ipv4:`` address list the caller balances round robin (services/kit/internal.py)."""
    return {
        name: "ipv4:" + ",".join(f"{layout.host}:{layout.port(name, k)}" for k in range(layout.replicas))
        for name in SERVICES
    }


def jwks_url(layout: Layout) -> str:
    """Where the services fetch every tenant's keys: the auth service's HTTP port, or with several
    replicas the edge's route to it (balanced, retried), so no single replica is needed."""
    port = layout.port("auth_http") if layout.replicas == 1 else layout.port("envoy")
    return f"http://{layout.host}:{port}/auth/jwks"


def local_master_key(layout: Layout) -> str:
    """This checkout's master key (encrypts secrets at rest): random, made once, kept in .state."""
    return local_secret(layout, "master.key")


def local_internal_token_key(layout: Layout) -> str:
    """This checkout's key for the mesh's internal tokens (services/kit/internal.py)."""
    return local_secret(layout, "internal.key")


def local_secret(layout: Layout, name: str) -> str:
    path = layout.state / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class PythonService(Server):
    #: generous: under load (other test runs on the 2 shared cores) auth and its 2 workers took 45 s
    start_timeout = 90
    stop_timeout = 15

    def __init__(self, layout: Layout, name: str, replica: int = 0) -> None:
        super().__init__(layout)
        self.service = name
        self.replica = replica
        self.name = replica_name(name, replica)

    @property
    def group(self) -> str:
        return self.service

    @property
    def port(self) -> int:
        return self.layout.port(self.service, self.replica)

    def ports(self) -> list[int]:
        return [self.layout.port(name, self.replica) for name in SERVICE_PORTS[self.service]]

    def installed(self) -> bool:
        return self.layout.venv_bin("python").exists()

    def environment(self) -> dict[str, str]:
        from infra.servers.envoy import public_url  # the issuer origin the edge checks too

        return {
            **os.environ,
            "OPENFRAME_ENVIRONMENT": "development",
            # bearer tokens of the auth service, checked against its all-tenants JWKS
            "OPENFRAME_AUTH_MODE": "jwt",
            "OPENFRAME_DEV_TENANT_HEADER": "false",  # whatever the caller's shell says
            "OPENFRAME_PUBLIC_URL": public_url(self.layout),
            "OPENFRAME_JWKS_URL": jwks_url(self.layout),
            "OPENFRAME_PORT_BASE": str(self.layout.port_base),
            "OPENFRAME_MASTER_KEY": local_master_key(self.layout),
            "OPENFRAME_INTERNAL_TOKEN_KEY": local_internal_token_key(self.layout),
            "OPENFRAME_OUTBOUND_ALLOW": outbound_allow(self.layout),
            **({"OPENFRAME_WORKERS": str(WORKERS[self.service])} if self.service in WORKERS else {}),
            **self._replica_environment(),
        }

    def _replica_environment(self) -> dict[str, str]:
        if self.layout.replicas == 1 and self.replica == 0:
            return {}  # the settings' defaults: the local port block
        ports = {
            var: str(self.layout.port(name, self.replica))
            for name, var in SERVICE_PORTS[self.service].items()
        }
        return {**ports, "OPENFRAME_SERVICE_ADDRESSES": json.dumps(service_addresses(self.layout))}

    def command(self) -> list[str]:
        # pycache_prefix keeps bytecode out of the tree and puts our state folder in the
        # command line, which is how ownership of the process is recognised.
        return [
            str(self.layout.venv_bin("python")),
            "-X", f"pycache_prefix={self.layout.state / 'pycache'}",
            "-m", f"services.{self.service}",
        ]  # fmt: skip

    def code_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for root in (REPO / "services", REPO / "gen" / "python"):
            for path in sorted(root.rglob("*.py")):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
        return digest.hexdigest()

    def probe(self) -> bool:
        from services.kit.healthcheck import serving  # gRPC lives in .venv; infra stays stdlib-only

        return serving(self.address, timeout=1)
