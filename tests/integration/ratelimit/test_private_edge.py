"""The Must-show through a real Envoy that depends on nothing shared but Redis: a private Envoy
(the shipping rendering: jwt_authn + RBAC + the rate limit filter) on its own ports, this
service in-process as its rate-limit service, a stand-in JWKS signing real RS256 tokens, and a
trivial upstream. The same scenarios run against the shared edge, with the auth service's own
tokens, in tests/contract/test_edge_ratelimit.py. The edge limits tenants with its rate limit
quota filter, whose assignments this service streams (decision 0019).

Tenants' limits are put straight into the service's policy cache (its MongoDB is an address
where nothing listens, so nothing overrides them): limited tenant 10/min, the other the default.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from infra.layout import Layout
from infra.servers.base import port_in_use
from infra.servers.envoy import Envoy
from infra.servers.envoy.options import JwtAuth
from openframe.api.v1 import organizations_pb2 as org_pb
from openframe.api.v1 import organizations_pb2_grpc as org_grpc
from services.kit.config import Settings
from services.kit.ratelimit.limits import Limits
from services.ratelimit.policies import Policy
from tests.integration.ratelimit.conftest import (
    Running,
    free_port,
    service_settings,
    start,
)
from tests.support import tokens

LIST = "/api/v1/organizations"
#: under the service's ``quota_near`` (100): the tenant holds an exact grant of what is left
LIMIT = 10
REPORT_S = 5.0


def private_layout(tmp: Path) -> Layout:
    """A port block of our own, below the ephemeral range: random (other sessions start private
    edges too), every port it uses free."""
    for _ in range(50):
        base = random.randrange(28_000, 31_800, 100)  # noqa: S311 - a port, not a secret
        if not any(port_in_use("127.0.0.1", base + off) for off in (80, 901, 300, 311, 360)):
            return Layout(state=tmp, cache=Layout.from_env().cache, port_base=base)
    pytest.fail("no free port block for a private edge")


class Organizations(org_grpc.OrganizationServiceServicer):  # type: ignore[misc]
    """The upstream: every list is empty (what the edge does is under test, not the service)."""

    async def ListOrganizations(self, request: Any, context: Any) -> org_pb.ListOrganizationsResponse:
        return org_pb.ListOrganizationsResponse()


@pytest.fixture(scope="module")
def edge_layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return private_layout(tmp_path_factory.mktemp("rl-edge"))


def edge_url(layout: Layout) -> str:
    return f"http://127.0.0.1:{layout.port('envoy')}"


@pytest.fixture(scope="module")
def jwks(edge_layout: Layout) -> Iterator[tokens.JwksServer]:
    with tokens.JwksServer("127.0.0.1", edge_layout.port("auth_http")) as server:
        yield server


@pytest.fixture(scope="module")
async def upstream(edge_layout: Layout) -> AsyncIterator[None]:
    server = grpc.aio.server()
    org_grpc.add_OrganizationServiceServicer_to_server(Organizations(), server)
    server.add_insecure_port(f"127.0.0.1:{edge_layout.port('api')}")
    await server.start()
    yield
    await server.stop(0)


@pytest.fixture(scope="module")
async def limiter(edge_layout: Layout, settings: Settings, jwks: tokens.JwksServer) -> AsyncIterator[Running]:
    running, lifecycle = await start(
        service_settings(
            grpc_port=edge_layout.port("ratelimit"),
            mongo_url=f"mongodb://127.0.0.1:{free_port()}/",
            auth_mode="jwt",
            public_url=edge_url(edge_layout),
            jwks_url=f"http://127.0.0.1:{edge_layout.port('auth_http')}/auth/jwks",
        )
    )
    yield running
    await lifecycle.shutdown()


@pytest.fixture(scope="module")
def edge(edge_layout: Layout, jwks: tokens.JwksServer, upstream: None, limiter: Running) -> Iterator[Envoy]:
    server = Envoy(edge_layout).with_options(jwt=JwtAuth(public_url=edge_url(edge_layout)))
    server.start()
    try:
        yield server
    finally:
        server.stop()  # our own pid only


async def tokens_of(jwks: tokens.JwksServer, layout: Layout, *tenants: str) -> list[dict[str, str]]:
    """Tokens of ``tenants`` every worker of the edge accepts (each reads the JWKS on its own,
    every 2 s). Async: the upstream and the limiter run on this test's event loop. These
    requests are counted, under the defaults: the limits are set after."""
    auths = []
    for tenant in tenants:
        key, kid = jwks.add(tenant)
        token = tokens.sign(tokens.claims_for(tenant, edge_url(layout), ttl=600), key, kid)
        auths.append({"authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 15
    accepted = 0
    while accepted < 10:  # in a row, each on a new connection
        assert time.monotonic() < deadline, "the edge never accepted the tokens"
        async with httpx.AsyncClient(base_url=edge_url(layout), timeout=10) as client:
            codes = [(await client.get(LIST, headers=auth)).status_code for auth in auths]
        accepted = accepted + 1 if codes == [200] * len(auths) else 0
        if not accepted:
            await asyncio.sleep(0.3)
    return auths


async def wait_for_a_fresh_minute(at_least_s: float = 15) -> None:
    left = 60 - time.time() % 60
    if left < at_least_s:
        await asyncio.sleep(left + 0.2)


async def test_five_times_the_limit_gets_exactly_the_limit_and_another_tenant_is_unaffected(
    edge: Envoy, limiter: Running, jwks: tokens.JwksServer, edge_layout: Layout, unique: str
) -> None:
    """The quota filter in Envoy, assigned by this service: the limited tenant's first request
    opens its bucket (reported at once), the service answers with a grant of what is left, and a
    burst of 5x the limit gets exactly that through; the other tenant is untouched."""
    url = edge_url(edge_layout)
    limited, other = f"{unique}-a", f"{unique}-b"
    # tokens first (the edge must know their keys), then the limits
    limited_auth, other_auth = await tokens_of(jwks, edge_layout, limited, other)
    await wait_for_a_fresh_minute(60)  # the next minute: the tokens' requests counted in this one
    cache = limiter.app.checker.policies
    cache.put(limited, Policy(limited, tenant=Limits(per_minute=LIMIT)))
    cache.put(other, Policy(other))
    await asyncio.sleep(REPORT_S + 1)  # the tokens' requests reported: the limited tenant holds a grant
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        probe = await client.get(LIST, headers=limited_auth)
    assert probe.status_code == 200 and "x-ratelimit-limit" not in probe.headers  # decided in Envoy
    async with httpx.AsyncClient(
        base_url=url, timeout=20, limits=httpx.Limits(max_connections=100)
    ) as client:
        flood, calm = await asyncio.gather(
            asyncio.gather(*(client.get(LIST, headers=limited_auth) for _ in range(5 * LIMIT))),
            asyncio.gather(*(client.get(LIST, headers=other_auth) for _ in range(2 * LIMIT))),
        )
    passed = [r for r in flood if r.status_code == 200]
    assert len(passed) == LIMIT - 1  # the probe took one
    for refused in (r for r in flood if r.status_code != 200):
        assert refused.status_code == 429
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["retry-after"] == refused.headers["x-ratelimit-reset"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json() == {"code": 8, "message": "rate limit exceeded"}
    assert [r.status_code for r in calm] == [200] * (2 * LIMIT)
