"""`up` is idempotent and `down` leaves nothing of ours running.

The shared instance (the one `make run` started) is only asked to start again, never stopped:
tests never stop processes they did not start. Stop/start is exercised on a private instance
with its own state folder and port block.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.layout import PORT_OFFSETS, REPO, Layout
from infra.servers import servers
from infra.servers.base import port_in_use


def infra(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra", *args], cwd=REPO, env=env, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip


def alive(pid: object) -> bool:
    """Running (not merely a zombie awaiting its reaper)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def status(env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    out = infra("status", "--json", env=env)
    assert out.returncode == 0, out.stderr
    return {row["name"]: row for row in json.loads(out.stdout)}


def test_second_up_is_a_noop(infra_up: Layout) -> None:
    before = status()
    names = [s.name for s in servers(infra_up)]
    assert {name: row["state"] for name, row in before.items()} == dict.fromkeys(names, "running")
    out = infra("up")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("already running") == len(names), out.stdout
    after = status()
    assert {n: r["pid"] for n, r in after.items()} == {n: r["pid"] for n, r in before.items()}
    assert all(isinstance(r["rss_mib"], float) and r["rss_mib"] > 0 for r in after.values())


@pytest.mark.slow
def test_private_instance_up_twice_then_down(tmp_path: Path) -> None:
    env = {**os.environ, "OPENFRAME_STATE_DIR": str(tmp_path / "state"), "OPENFRAME_PORT_BASE": "28000"}
    names = [s.name for s in servers(Layout.from_env())]
    try:
        first = infra("up", env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.count("started in") == len(names)
        running = status(env)
        pids = {n: r["pid"] for n, r in running.items()}
        assert all(r["state"] == "running" for r in running.values())

        second = infra("up", env=env)
        assert second.stdout.count("already running") == len(names), second.stdout
        assert {n: r["pid"] for n, r in status(env).items()} == pids

        down = infra("down", env=env)
        assert down.returncode == 0 and down.stdout.count("stopped") == len(names), down.stdout
        assert all(r["state"] == "stopped" for r in status(env).values())
        assert [p for p in pids.values() if alive(p)] == []
        assert not list((tmp_path / "state" / "run").glob("*.pid"))
        ports = [28000 + offset for offset in PORT_OFFSETS.values()]
        assert [p for p in ports if port_in_use("127.0.0.1", p)] == []
    finally:
        infra("down", env=env)  # never leave the private instance behind, even on failure
