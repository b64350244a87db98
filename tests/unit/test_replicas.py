"""``OPENFRAME_REPLICAS``: the port scheme of replicas, the servers ``up``/``down``/``status`` act
on, each replica's environment, and the edge config that balances over them (docs/replicas.md).
The running behaviour is tested on a private stack: tests/integration/replicas/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.layout import MAX_REPLICAS, PORT_OFFSETS, REPLICA_STRIDE, Layout
from infra.servers import leftover_replicas, servers
from infra.servers.envoy import Envoy, edge, local_options
from infra.servers.envoy.extauthz import CHECK_RETRY
from infra.servers.envoy.routes import READ_RETRY_ON, WRITE_RETRY_ON
from infra.servers.envoy.services import SERVICES, clusters
from infra.servers.service import SERVICE_PORTS, PythonService


def layout(tmp_path: Path, replicas: int = 2) -> Layout:
    return Layout(state=tmp_path, cache=Layout.from_env().cache, port_base=41000, replicas=replicas)


def test_replica_ports_are_in_the_one_table_inside_the_block() -> None:
    assert len(set(PORT_OFFSETS.values())) == len(PORT_OFFSETS)
    assert all(0 < offset < 1000 for offset in PORT_OFFSETS.values())
    for name in ("api", "auth", "auth_http", "external", "external_http", "ratelimit", "stream"):
        for k in range(1, MAX_REPLICAS):
            assert PORT_OFFSETS[f"{name}.{k}"] == PORT_OFFSETS[name] + REPLICA_STRIDE * k
    assert "redis.1" not in PORT_OFFSETS  # stores are not replicated


def test_replicas_come_from_the_environment_and_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENFRAME_REPLICAS", raising=False)
    assert Layout.from_env().replicas == 1
    monkeypatch.setenv("OPENFRAME_REPLICAS", "2")
    assert Layout.from_env().replicas == 2
    for wrong in ("0", str(MAX_REPLICAS + 1), "two"):
        monkeypatch.setenv("OPENFRAME_REPLICAS", wrong)
        with pytest.raises(ValueError, match="OPENFRAME_REPLICAS"):
            Layout.from_env()


def test_every_service_runs_as_each_replica_and_a_name_selects_its_replicas(tmp_path: Path) -> None:
    names = [s.name for s in servers(layout(tmp_path))]
    services = [n for n in names if n.split(".")[0] in SERVICE_PORTS]
    assert services == [n for s in SERVICE_PORTS for n in (s, f"{s}.1")]
    assert names[-1] == "envoy"
    assert [s.name for s in servers(layout(tmp_path), ["api"])] == ["api", "api.1"]
    assert [s.name for s in servers(layout(tmp_path), ["api.1", "redis"])] == ["redis", "api.1"]
    assert [s.name for s in servers(layout(tmp_path, 1), ["api"])] == ["api"]
    with pytest.raises(SystemExit, match="unknown server"):
        servers(layout(tmp_path), ["api.9"])


def test_replicas_beyond_the_count_that_left_a_pid_file_are_found_for_down(tmp_path: Path) -> None:
    assert leftover_replicas(layout(tmp_path, 1)) == []
    pidfile = PythonService(layout(tmp_path), "auth", 1).pidfile
    pidfile.parent.mkdir(parents=True)
    pidfile.write_text("1")
    assert [s.name for s in leftover_replicas(layout(tmp_path, 1))] == ["auth.1"]
    assert [s.name for s in leftover_replicas(layout(tmp_path, 1), ["auth"])] == ["auth.1"]
    assert leftover_replicas(layout(tmp_path, 1), ["api"]) == []
    assert leftover_replicas(layout(tmp_path, 2)) == []  # within the count: a configured replica


def test_a_replica_gets_its_own_ports_and_every_replica_of_the_others(tmp_path: Path) -> None:
    second = PythonService(layout(tmp_path), "auth", 1)
    assert second.ports() == [41510, 41511] and second.address == "127.0.0.1:41510"
    env = second.environment()
    assert (env["OPENFRAME_GRPC_PORT"], env["OPENFRAME_HTTP_PORT"]) == ("41510", "41511")
    addresses = json.loads(env["OPENFRAME_SERVICE_ADDRESSES"])
    assert addresses["api"] == "ipv4:127.0.0.1:41300,127.0.0.1:41500"
    assert set(addresses) == set(SERVICE_PORTS)
    assert env["OPENFRAME_JWKS_URL"] == "http://127.0.0.1:41080/auth/jwks"  # through the edge
    external = PythonService(layout(tmp_path), "external", 1).environment()
    assert external["OPENFRAME_TOOLS_HTTP_PORT"] == "41521"

    single = PythonService(layout(tmp_path, 1), "auth").environment()
    assert "OPENFRAME_GRPC_PORT" not in single and "OPENFRAME_SERVICE_ADDRESSES" not in single
    assert single["OPENFRAME_JWKS_URL"] == "http://127.0.0.1:41311/auth/jwks"


def test_each_cluster_lists_every_replica_with_active_health_checks(tmp_path: Path) -> None:
    config = edge.build(local_options(layout(tmp_path)))
    built = {c["name"]: c for c in config["static_resources"]["clusters"]}
    for spec in clusters():
        cluster = built[spec.name]
        [group] = cluster["load_assignment"]["endpoints"]
        ports = [e["endpoint"]["address"]["socket_address"]["port_value"] for e in group["lb_endpoints"]]
        assert ports == [41000 + PORT_OFFSETS[spec.name], 41000 + PORT_OFFSETS[f"{spec.name}.1"]]
        [check] = cluster["health_checks"]
        assert ("grpc_health_check" in check) == (spec.protocol == "grpc")
        assert ("http_health_check" in check) == (spec.protocol == "http")
        assert cluster["outlier_detection"]


def test_reads_are_retried_on_another_replica_and_writes_only_when_they_never_reached_one(
    tmp_path: Path,
) -> None:
    config = edge.build(local_options(layout(tmp_path)))
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    grpc = [r for r in routes if r["name"].startswith("grpc:")]
    for route in grpc:
        policy = route["route"]["retry_policy"]
        read = route["name"].endswith(":read") or ":read:" in route["name"]
        assert policy["retry_on"] == (READ_RETRY_ON if read else WRITE_RETRY_ON), route["name"]
        assert policy["retry_host_predicate"][0]["name"] == "envoy.retry_host_predicates.previous_hosts"
        assert ("per_try_timeout" in policy) == (read and route["route"]["timeout"] != "0s"), route["name"]
    assert {r["name"].split(":")[1] for r in grpc} == {s.name for s in SERVICES}
    assert "reset" not in WRITE_RETRY_ON.split(",") and "unavailable" not in WRITE_RETRY_ON.split(",")
    assert "reset" in CHECK_RETRY["retry_on"]  # the API-key check is a read


def test_the_replicated_config_loads_in_envoy(tmp_path: Path) -> None:
    Envoy(layout(tmp_path)).validate()  # raises with Envoy's words when it refuses the config
