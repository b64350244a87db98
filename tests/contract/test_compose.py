"""compose.yaml stays valid and keeps the topology promises (healthchecks, healthy dependencies)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.layout import REPO
from infra.servers.envoy import COMPOSE_CONFIG, COMPOSE_MOUNTS, SOURCE, render_compose

STORES = {"mongo", "redis", "nats", "kafka", "cassandra", "envoy"}


def compose_config() -> dict[str, object]:
    if shutil.which("docker") is None:
        pytest.skip("no docker client on this machine: cannot run `docker compose config`")
    out = subprocess.run(
        ["docker", "compose", "-f", str(REPO / "compose.yaml"), "config", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_compose_config_is_valid_with_healthchecks_everywhere() -> None:
    services: dict[str, dict[str, object]] = compose_config()["services"]  # type: ignore[assignment]
    assert set(services) >= STORES
    for name, svc in services.items():
        assert svc.get("healthcheck"), f"{name} has no healthcheck"
        for dep, cond in (svc.get("depends_on") or {}).items():  # type: ignore[attr-defined]
            assert cond["condition"] == "service_healthy", f"{name} -> {dep} does not wait for healthy"
        for port in svc.get("ports", []):  # type: ignore[attr-defined]
            assert port["host_ip"] == "127.0.0.1", f"{name} publishes beyond loopback"
    assert "-js" in " ".join(services["nats"]["command"]) or "--jetstream" in services["nats"]["command"]  # type: ignore[operator]
    assert services["envoy"]["depends_on"], "the edge must wait for the stores"


def test_compose_envoy_config_is_rendered_from_the_builder(tmp_path: Path) -> None:
    fresh = render_compose(tmp_path / "envoy.yaml").read_text()
    assert COMPOSE_CONFIG.read_text() == fresh, f"stale: run `python -m infra render` ({SOURCE})"


def test_compose_envoy_mounts_every_file_its_config_reads() -> None:
    """The compose rendering reads the descriptor set, OpenAPI documents and Swagger UI from
    /etc/openframe/...: the envoy service must mount each of those folders read-only."""
    envoy: dict[str, object] = compose_config()["services"]["envoy"]  # type: ignore[index]
    mounts = {v["target"]: v for v in envoy.get("volumes", [])}  # type: ignore[attr-defined]
    for target, source in COMPOSE_MOUNTS.items():
        assert target in mounts, f"compose.yaml envoy: add volume {source}:{target}:ro"
        assert mounts[target]["source"] == str((REPO / source).resolve()), target
        assert mounts[target].get("read_only"), f"{target} should be mounted :ro"
    rendered = COMPOSE_CONFIG.read_text()
    for path in re.findall(r"(?:filename|proto_descriptor): (/etc/openframe/\S+)", rendered):
        assert any(path.startswith(t + "/") for t in mounts), f"{path} is read but not mounted"
