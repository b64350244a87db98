"""Test-wide fixtures: the real local servers, started once per run (or reused if running)."""

from __future__ import annotations

import fcntl
import uuid

import pytest

from infra.layout import Layout
from infra.servers import servers
from services.kit.config import Settings


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout.from_env()


@pytest.fixture(scope="session")
def infra_up(layout: Layout) -> Layout:
    """Start every server that is not running yet (a no-op after `make up`). One test process at
    a time (the heavy tests run in two xdist workers at once)."""
    (layout.state / "run").mkdir(parents=True, exist_ok=True)
    with (layout.state / "run" / "tests-infra-up.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for server in servers(layout):
            server.start()
    return layout


@pytest.fixture(scope="session")
def settings(infra_up: Layout) -> Settings:
    return Settings(environment="test")


@pytest.fixture
def unique() -> str:
    """A name no earlier run used, so tests never depend on leftover data."""
    return f"t{uuid.uuid4().hex[:12]}"
