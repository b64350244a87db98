"""The auth service as a real process: ``python -m services.auth`` with 2 workers sharing both
ports (SO_REUSEPORT), and the copy ``make run`` starts, reached through the Envoy edge."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pymongo import AsyncMongoClient

from infra.layout import REPO, Layout
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import oauth_clients_pb2_grpc, tenants_pb2, tenants_pb2_grpc
from services.kit.config import Settings
from tests.integration.auth.conftest import MASTER_KEY, free_port
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, pkce_pair, query_of, verify


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def listening_sockets(pid: int) -> int:
    return sum(
        os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:") for fd in os.listdir(f"/proc/{pid}/fd")
    )


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(pid)
    return found


async def serving(port: int) -> bool:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
        except grpc.aio.AioRpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def register(grpc_port: int, tenant: str) -> tuple[str, str]:
    """A tenant and a client-credentials client; returns (client_id, secret)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        await tenants_pb2_grpc.TenantServiceStub(channel).RegisterTenant(
            tenants_pb2.RegisterTenantRequest(
                tenant_id=tenant,
                display_name="Proc MSP",
                owner_email=f"o@{tenant}.test",
                owner_password=PASSWORD,
                owner_display_name="O",
            )
        )
        reply = await oauth_clients_pb2_grpc.OAuthClientServiceStub(channel).CreateOAuthClient(
            cpb.CreateOAuthClientRequest(
                oauth_client=cpb.OAuthClient(
                    display_name="proc",
                    client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
                    grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
                )
            ),
            metadata=as_tenant(tenant),
        )
    return reply.oauth_client.client_id, reply.client_secret


async def test_two_workers_share_both_ports_and_stop_together(settings: Settings, unique: str) -> None:
    grpc_port, http_port = free_port(), free_port()
    database = f"test_auth_proc_{unique}"
    env = {
        **os.environ,
        "OPENFRAME_WORKERS": "2",
        "OPENFRAME_GRPC_PORT": str(grpc_port),
        "OPENFRAME_HTTP_PORT": str(http_port),
        "OPENFRAME_PUBLIC_URL": f"http://127.0.0.1:{http_port}",
        "OPENFRAME_MONGO_DATABASE": database,
        "OPENFRAME_MASTER_KEY": MASTER_KEY,
        "OPENFRAME_DEV_TENANT_HEADER": "true",
        "OPENFRAME_ENVIRONMENT": "test",
        "OPENFRAME_ACCESS_LOG": "false",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.auth",
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    try:
        deadline = time.monotonic() + 30
        while not (len(children(proc.pid)) == 2 and await serving(grpc_port)):
            assert proc.returncode is None and time.monotonic() < deadline, "workers did not come up"
            await asyncio.sleep(0.2)
        workers = children(proc.pid)
        await asyncio.sleep(1)  # both workers bind; the kernel spreads new connections over them
        assert all(listening_sockets(w) for w in workers)
        client_id, secret = await register(grpc_port, unique)
        async with httpx.AsyncClient() as http:
            url = f"http://127.0.0.1:{http_port}/auth/tenants/{unique}/oauth2/token"
            for _ in range(20):  # new connection each time: served by either worker
                resp = await http.post(
                    url,
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, secret),
                    headers={"connection": "close"},
                )
                assert resp.status_code == 200, resp.text
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
        assert not alive(workers)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for name in (database, f"{database}_audit"):
            await mongo.drop_database(name)
        await mongo.close()


async def test_oidc_endpoints_through_the_edge(infra_up: Layout) -> None:
    """The copy `make run` starts (bearer tokens required for admin calls), behind Envoy: the
    owner signs in through the console client, creates a client with that token, and the client
    gets tokens; discovery, token and JWKS all under the public URL."""
    tenant = f"edge-{uuid.uuid4().hex[:10]}"
    edge = f"http://127.0.0.1:{infra_up.port('envoy')}"
    issuer = f"{edge}/auth/tenants/{tenant}"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{infra_up.port('auth')}") as channel:
        await tenants_pb2_grpc.TenantServiceStub(channel).RegisterTenant(
            tenants_pb2.RegisterTenantRequest(
                tenant_id=tenant,
                display_name="Edge MSP",
                owner_email=f"o@{tenant}.test",
                owner_password=PASSWORD,
                owner_display_name="O",
            )
        )
    async with (
        httpx.AsyncClient() as http,
        grpc.aio.insecure_channel(f"127.0.0.1:{infra_up.port('auth')}") as service_grpc,
    ):
        api = service = Api(service_grpc, http, edge)
        discovery = (await http.get(f"{issuer}/.well-known/openid-configuration")).json()
        assert discovery["issuer"] == issuer and discovery["token_endpoint"] == f"{issuer}/oauth2/token"
        console, redirect = f"console-{tenant}", f"{edge}/console/callback"
        verifier, challenge = pkce_pair()
        page = await api.login_page(
            api.authorize_url(tenant, console, challenge=challenge, redirect_uri=redirect)
        )
        done = await api.submit_login(page, f"o@{tenant}.test")
        owner = await http.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "client_id": console,
                "redirect_uri": redirect,
                "code": query_of(done.headers["location"])["code"],
                "code_verifier": verifier,
            },
        )
        assert owner.status_code == 200, owner.text
        bearer = (("authorization", f"Bearer {owner.json()['access_token']}"),)
        # the admin API with the owner's bearer token (the service verifies it against the JWKS)
        reply = await service.clients.CreateOAuthClient(
            cpb.CreateOAuthClientRequest(
                oauth_client=cpb.OAuthClient(
                    display_name="edge",
                    client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
                    grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
                )
            ),
            metadata=bearer,
        )
        client_id, secret = reply.oauth_client.client_id, reply.client_secret
        resp = await http.post(
            discovery["token_endpoint"], data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert resp.status_code == 200, resp.text
        jwks = (await http.get(discovery["jwks_uri"])).json()
        claims = verify(resp.json()["access_token"], jwks, issuer=issuer, audience="openframe")
        assert claims["tid"] == tenant
        everyone = (await http.get(f"{edge}/auth/jwks")).json()
        assert {k["kid"] for k in jwks["keys"]} <= {k["kid"] for k in everyone["keys"]}
        wrong = await http.post(
            discovery["token_endpoint"], data={"grant_type": "client_credentials"}, auth=(client_id, "nope")
        )
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
