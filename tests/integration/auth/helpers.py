"""Helpers for the auth tests: gRPC stubs with the dev identity header, the login form driven
like a browser (GET authorize → login page → POST credentials → redirect with the code), and
token verification with joserfc (independent of the PyJWT the server uses)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from openframe.auth.v1 import (
    account_pb2_grpc,
    audit_pb2_grpc,
    invitations_pb2_grpc,
    oauth_clients_pb2_grpc,
    signing_keys_pb2_grpc,
    tenants_pb2_grpc,
    users_pb2_grpc,
)
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import tenants_pb2 as tpb

PASSWORD = "correct horse battery staple"
REDIRECT = "https://app.example.test/callback"
Metadata = tuple[tuple[str, str], ...]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10) -> bool:
    """Poll ``check`` until it holds or ``within`` seconds pass; returns its last answer."""
    deadline = time.monotonic() + within
    while True:
        if await check() or time.monotonic() > deadline:
            return await check()
        await asyncio.sleep(0.1)


def as_tenant(tenant: str, roles: str = "ADMIN", subject: str = "dev") -> Metadata:
    return (("x-openframe-tenant", tenant), ("x-openframe-roles", roles), ("x-openframe-subject", subject))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_field(html: str, name: str) -> str:
    found = re.search(rf"name='?{name}'? value='([^']*)'", html)
    assert found, f"no {name} field in the page"
    return found.group(1)


def form_action(html: str) -> str:
    found = re.search(r"action='([^']+)'", html)
    assert found, "no form in the page"
    return found.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def verify(token: str, jwks: dict[str, Any], *, issuer: str, audience: str) -> dict[str, Any]:
    """Claims of a token valid for this JWKS/issuer/audience (joserfc); raises otherwise."""
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
    ).validate(decoded.claims)
    return {"header": decoded.header, **decoded.claims}


@dataclass(frozen=True)
class Registered:
    id: str
    owner_id: str
    owner_email: str
    issuer: str

    @property
    def owner(self) -> Metadata:
        return as_tenant(self.id, "OWNER", self.owner_id)


class Api:
    def __init__(
        self,
        channel: grpc.aio.Channel,
        http: httpx.AsyncClient,
        public_url: str,
        drain: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._drain = drain
        self.tenants = tenants_pb2_grpc.TenantServiceStub(channel)
        self.keys = signing_keys_pb2_grpc.SigningKeyServiceStub(channel)
        self.clients = oauth_clients_pb2_grpc.OAuthClientServiceStub(channel)
        self.users = users_pb2_grpc.UserServiceStub(channel)
        self.audit = audit_pb2_grpc.AuditServiceStub(channel)
        self.invitations = invitations_pb2_grpc.InvitationServiceStub(channel)
        self.account = account_pb2_grpc.AccountServiceStub(channel)
        self.http = http
        self.public_url = public_url

    async def register(self, tenant_id: str, email: str = "") -> Registered:
        reply = await self.tenants.RegisterTenant(
            tpb.RegisterTenantRequest(
                tenant_id=tenant_id,
                display_name=f"{tenant_id} MSP",
                owner_email=email or f"owner@{tenant_id}.test",
                owner_password=PASSWORD,
                owner_display_name="Olivia Owner",
            )
        )
        return Registered(
            tenant_id, reply.owner.name.removeprefix("users/"), reply.owner.email, reply.tenant.issuer_uri
        )

    async def client(
        self,
        tenant: str,
        *,
        grants: tuple[int, ...] = (cpb.GRANT_TYPE_CLIENT_CREDENTIALS,),
        public: bool = False,
        first_party: bool = True,
        roles: tuple[int, ...] = (),
        scopes: tuple[str, ...] = (),
        redirect_uris: tuple[str, ...] = (),
    ) -> tuple[cpb.OAuthClient, str]:
        if cpb.GRANT_TYPE_AUTHORIZATION_CODE in grants and not redirect_uris:
            redirect_uris = (REDIRECT,)
        reply = await self.clients.CreateOAuthClient(
            cpb.CreateOAuthClientRequest(
                oauth_client=cpb.OAuthClient(
                    display_name="Test client",
                    client_type=cpb.CLIENT_TYPE_PUBLIC if public else cpb.CLIENT_TYPE_CONFIDENTIAL,
                    grant_types=grants,
                    redirect_uris=redirect_uris,
                    scopes=scopes,
                    roles=roles,
                    first_party=first_party,
                )
            ),
            metadata=as_tenant(tenant),
        )
        return reply.oauth_client, reply.client_secret

    async def auth_drain(self) -> None:
        """Wait for the service's background work (emails sent after the answer)."""
        if self._drain:
            await self._drain()

    def issuer(self, tenant: str) -> str:
        return f"{self.public_url}/auth/tenants/{tenant}"

    async def token(
        self, tenant: str, data: dict[str, str], auth: tuple[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(f"{self.issuer(tenant)}/oauth2/token", data=data, auth=auth)

    async def cc_token(self, tenant: str, client_id: str, secret: str, **extra: str) -> httpx.Response:
        return await self.token(tenant, {"grant_type": "client_credentials", **extra}, (client_id, secret))

    async def jwks(self, tenant: str) -> dict[str, Any]:
        resp = await self.http.get(f"{self.issuer(tenant)}/jwks")
        resp.raise_for_status()
        return dict(resp.json())

    async def login_page(self, authorize_url: str) -> httpx.Response:
        first = await self.http.get(authorize_url)
        assert first.status_code == 302, first.text
        page = await self.http.get(first.headers["location"])
        assert page.status_code == 200, page.text
        return page

    async def submit_login(
        self, page: httpx.Response, email: str, password: str = PASSWORD
    ) -> httpx.Response:
        return await self.http.post(
            form_action(page.text),
            data={
                "request": form_field(page.text, "request"),
                "csrf_token": form_field(page.text, "csrf_token"),
                "email": email,
                "password": password,
            },
        )

    def authorize_url(
        self,
        tenant: str,
        client_id: str,
        *,
        challenge: str | None,
        scope: str = "openid profile email",
        state: str = "st-1",
        nonce: str = "n-1",
        redirect_uri: str = REDIRECT,
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
        }
        if challenge:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        return str(httpx.URL(f"{self.issuer(tenant)}/oauth2/authorize", params=params))

    async def code(
        self, tenant: str, client_id: str, email: str, password: str = PASSWORD, **kw: Any
    ) -> tuple[str, str]:
        """Sign in through the form; returns (code, verifier)."""
        verifier, challenge = pkce_pair()
        page = await self.login_page(self.authorize_url(tenant, client_id, challenge=challenge, **kw))
        done = await self.submit_login(page, email, password)
        assert done.status_code == 303, done.text
        return query_of(done.headers["location"])["code"], verifier

    async def user_tokens_with(
        self, tenant: str, client_id: str, email: str, password: str
    ) -> dict[str, Any]:
        """Tokens of a public client for a user signing in with ``password``."""
        return await self.user_tokens(tenant, client_id, email, password=password)

    async def user_tokens(
        self, tenant: str, client_id: str, email: str, secret: str = "", password: str = PASSWORD
    ) -> dict[str, Any]:
        code, verifier = await self.code(tenant, client_id, email, password)
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        resp = await self.token(
            tenant,
            data if secret else {**data, "client_id": client_id},
            (client_id, secret) if secret else None,
        )
        assert resp.status_code == 200, resp.text
        return dict(resp.json())
