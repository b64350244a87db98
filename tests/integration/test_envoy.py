"""The shared local edge (`make up`): its config validates, the admin (a Unix socket) is LIVE, the
edge answers.

The edge's behaviour in depth (CORS, docs, transcoding errors, access log) is checked against a
private Envoy in tests/contract/test_edge.py; this only proves the instance `make run` starts.
"""

from __future__ import annotations

import os
import stat
import urllib.request

from infra.layout import Layout
from infra.servers.envoy import Envoy, admin_socket


def test_config_validates(infra_up: Layout) -> None:
    assert "OK" in Envoy(infra_up).validate()


def test_admin_ready_and_health_route(infra_up: Layout) -> None:
    envoy = Envoy(infra_up)
    assert envoy.admin("/ready") == (200, b"LIVE\n")
    assert stat.S_IMODE(os.stat(admin_socket(infra_up).path).st_mode) == 0o600
    with urllib.request.urlopen(f"http://127.0.0.1:{envoy.port}/healthz", timeout=2) as resp:
        assert (resp.status, resp.read()) == (200, b"ok\n")
        assert resp.headers["server"] == "envoy"
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-request-id"]
