"""Real tenants and real access tokens, through the edge, for contract tests.

``Tenants(edge_url, layout)`` registers tenants with the auth service (``POST
/auth/v1/tenants:register``, public) and signs their owner in with the authorization-code + PKCE
flow, driven like a browser: GET ``authorize`` → the login page → POST the form with its CSRF
field → the code in the redirect → exchange it at ``oauth2/token``. The access token that comes
out is the auth service's own, exactly what a console would hold (role OWNER, an admin).

A tenant that has just registered has no OAuth client yet, and creating one needs an admin token:
the one step no public API covers. ``bootstrap_token`` bridges it the way an operator's tool
would — it signs one short-lived owner token with the tenant's own key, unsealed from the
auth service's store with this checkout's master key (``.state/secrets/master.key``) — and uses it
once, to register a first-party console client through the edge. Everything the tests then
send carries tokens the auth service issued.

Tenants are cached per name for the test session (``tenant(name)``); tests that need a tenant
nobody else has touched take one from a pool (``fresh()``), filled a batch at a time: the batch
registers concurrently and then waits once for the edge to see the new keys (its JWKS refreshes
every 2 s), instead of every test waiting on its own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from pymongo import MongoClient

from infra.layout import Layout
from infra.servers.service import local_master_key
from services.kit.config import Settings
from tests.support import tokens

PASSWORD = "correct horse battery staple"
#: The console client's redirect: the Swagger UI page's OAuth2 callback on the edge itself.
REDIRECT_PATH = "/docs/oauth2-redirect.html"


@dataclass(frozen=True)
class TenantSession:
    """A registered tenant, its owner, and the owner's access token (from the login flow)."""

    id: str
    issuer: str
    owner_id: str
    owner_email: str
    access_token: str
    client_id: str
    #: client credentials of a confidential client with the ADMIN role (a service account)
    service_client: tuple[str, str] = field(default=("", ""), repr=False)

    @property
    def bearer(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.access_token}"),)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_field(html: str, name: str) -> str:
    found = re.search(rf"name=['\"]?{name}['\"]? value=['\"]([^'\"]*)['\"]", html)
    assert found, f"no {name} field in the page"
    return found.group(1)


def form_action(html: str) -> str:
    found = re.search(r"action=['\"]([^'\"]+)['\"]", html)
    assert found, "no form in the page"
    return found.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Tenants:
    """Registers tenants and signs their owners in, through the edge at ``edge_url``."""

    def __init__(self, edge_url: str, layout: Layout, *, batch: int = 8) -> None:
        self.edge_url = edge_url.rstrip("/")
        self.layout = layout
        self.batch = batch
        self._sessions: dict[str, TenantSession] = {}
        self._pool: list[TenantSession] = []
        self._lock = threading.Lock()
        self._settings = Settings(environment="test")

    def issuer(self, tenant_id: str) -> str:
        return f"{self.edge_url}/auth/tenants/{tenant_id}"

    def client(self) -> httpx.Client:
        # A client IP of its own per flow: the login throttle counts failures per IP.
        ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
        return httpx.Client(base_url=self.edge_url, headers={"x-forwarded-for": ip}, timeout=20)

    # -- the cache ------------------------------------------------------------------------------

    def tenant(self, tenant_id: str) -> TenantSession:
        """The tenant ``tenant_id`` (registered and signed in on first use), for this session."""
        with self._lock:
            if tenant_id not in self._sessions:
                session = self.register(tenant_id)
                self.wait_until_accepted(session)
                self._sessions[tenant_id] = session
            return self._sessions[tenant_id]

    async def atenant(self, tenant_id: str) -> TenantSession:
        return await asyncio.to_thread(self.tenant, tenant_id)

    def fresh(self) -> TenantSession:
        """A tenant no test has used (empty: no organizations, nothing but its owner)."""
        with self._lock:
            if not self._pool:
                ids = [f"t{uuid.uuid4().hex[:12]}" for _ in range(self.batch)]
                self._pool = self.register_many(ids)
            return self._pool.pop()

    async def afresh(self) -> TenantSession:
        return await asyncio.to_thread(self.fresh)

    def register_many(self, tenant_ids: list[str], workers: int = 4) -> list[TenantSession]:
        """Register concurrently, wait once until the edge knows the last tenant's key, sign in."""

        def register(tenant_id: str) -> tuple[str, str, str]:
            with self.client() as http:
                return self.register_only(http, tenant_id)

        def sign_in(tenant_id: str, owner: tuple[str, str, str]) -> TenantSession:
            with self.client() as http:  # a cookie jar per sign-in
                return self.sign_in(http, tenant_id, owner)

        with ThreadPoolExecutor(workers) as pool:
            owners = list(pool.map(register, tenant_ids))
            last = TenantSession(tenant_ids[-1], owners[-1][2], owners[-1][0], owners[-1][1], "", "")
            self.wait_until_accepted(replace(last, access_token=self.bootstrap_token(last.id, last.owner_id)))
            return list(pool.map(sign_in, tenant_ids, owners))

    # -- the flows ---------------------------------------------------------------------------

    def register(self, tenant_id: str) -> TenantSession:
        """A new tenant with its owner, a console client, a service client, and the owner's token."""
        with self.client() as http:
            return self.sign_in(http, tenant_id, self.register_only(http, tenant_id))

    def sign_in(self, http: httpx.Client, tenant_id: str, owner: tuple[str, str, str]) -> TenantSession:
        """For a tenant just registered: the console client, the owner's sign-in, a service client."""
        owner_id, email, issuer = owner
        admin = {"authorization": f"Bearer {self.bootstrap_token(tenant_id, owner_id)}"}
        console = self.create_client(
            http,
            admin,
            retry_401_for=10.0,  # the new tenant's key reaches the edge's JWKS within ~2 s
            display_name="Console",
            client_type="CLIENT_TYPE_PUBLIC",
            grant_types=["GRANT_TYPE_AUTHORIZATION_CODE"],
            redirect_uris=[f"{self.edge_url}{REDIRECT_PATH}"],
            first_party=True,
        )[0]
        owner_token = self.login(http, tenant_id, console, email)
        # from here on, only tokens the auth service issued
        owner = {"authorization": f"Bearer {owner_token}"}
        service = self.create_client(
            http,
            owner,
            display_name="Service account",
            client_type="CLIENT_TYPE_CONFIDENTIAL",
            grant_types=["GRANT_TYPE_CLIENT_CREDENTIALS"],
            roles=["USER_ROLE_ADMIN"],
        )
        return TenantSession(tenant_id, issuer, owner_id, email, owner_token, console, service)

    def register_only(self, http: httpx.Client, tenant_id: str) -> tuple[str, str, str]:
        """``RegisterTenant`` (public, REST); returns (owner id, owner email, issuer)."""
        email = f"owner@{tenant_id}.example.test"  # a domain of its own: each tenant claims its domain
        resp = http.post(
            "/auth/v1/tenants:register",
            json={
                "tenantId": tenant_id,
                "displayName": f"{tenant_id} MSP",
                "ownerEmail": email,
                "ownerPassword": PASSWORD,
                "ownerDisplayName": "Olivia Owner",
            },
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        issuer = body["tenant"]["issuerUri"]
        assert issuer == self.issuer(tenant_id), issuer
        return body["owner"]["name"].removeprefix("users/"), email, issuer

    def create_client(
        self, http: httpx.Client, auth: dict[str, str], *, retry_401_for: float = 0.0, **fields: Any
    ) -> tuple[str, str]:
        """``CreateOAuthClient`` through the edge (REST); returns (client id, secret or "")."""
        body = {_camel(k): v for k, v in fields.items()}
        deadline = time.monotonic() + retry_401_for
        while True:
            resp = http.post("/auth/v1/oauthClients", json=body, headers=auth)
            if resp.status_code != 401 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert resp.status_code == 200, resp.text
        created = resp.json()
        return created["oauthClient"]["clientId"], created.get("clientSecret", "")

    def login(
        self, http: httpx.Client, tenant_id: str, client_id: str, email: str, password: str = PASSWORD
    ) -> str:
        """Authorization code + PKCE through the login form; returns the access token."""
        verifier, challenge = pkce_pair()
        redirect = f"{self.edge_url}{REDIRECT_PATH}"
        state = secrets.token_urlsafe(8)
        authorize = http.get(
            f"{self.issuer(tenant_id)}/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect,
                "scope": "openid profile email",
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert authorize.status_code in (302, 303), authorize.text
        page = http.get(authorize.headers["location"])
        assert page.status_code == 200, page.text
        submitted = http.post(
            form_action(page.text),
            data={
                "request": form_field(page.text, "request"),
                "csrf_token": form_field(page.text, "csrf_token"),
                "email": email,
                "password": password,
            },
        )
        assert submitted.status_code in (302, 303), submitted.text
        back = query_of(submitted.headers["location"])
        assert back.get("state") == state, back
        exchanged = http.post(
            f"{self.issuer(tenant_id)}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": back["code"],
                "redirect_uri": redirect,
                "client_id": client_id,
                "code_verifier": verifier,
            },
        )
        assert exchanged.status_code == 200, exchanged.text
        token: str = exchanged.json()["access_token"]
        return token

    def client_credentials(self, tenant_id: str, client_id: str, secret: str, **extra: str) -> httpx.Response:
        with self.client() as http:
            return http.post(
                f"{self.issuer(tenant_id)}/oauth2/token",
                data={"grant_type": "client_credentials", **extra},
                auth=(client_id, secret),
            )

    def service_token(self, session: TenantSession) -> str:
        resp = self.client_credentials(session.id, *session.service_client)
        assert resp.status_code == 200, resp.text
        token: str = resp.json()["access_token"]
        return token

    # -- the tenant's own key (bootstrap and forgery tests) ----------------------------------------

    def signing_key(self, tenant_id: str) -> tuple[rsa.RSAPrivateKey, str]:
        """The tenant's newest signing key and its kid, unsealed with this checkout's master key."""
        from pydantic import SecretStr

        from services.auth.crypto import KeyVault, load_private_der

        with MongoClient(self._settings.mongo_url) as mongo:
            doc = mongo[self._settings.mongo_database]["signing_keys"].find_one(
                {"tenant_id": tenant_id}, sort=[("create_time", -1)]
            )
        assert doc is not None, f"no signing key stored for {tenant_id}"
        kid = f"{tenant_id}.{doc['_id']}"
        vault = KeyVault(SecretStr(local_master_key(self.layout)))
        return load_private_der(vault.open(doc["sealed_private_key"], aad=kid)), kid

    def bootstrap_token(self, tenant_id: str, owner_id: str, ttl: int = 60) -> str:
        """One owner token signed with the tenant's key (see the module docstring)."""
        key, kid = self.signing_key(tenant_id)
        claims = tokens.claims_for(
            tenant_id, self.edge_url, subject=owner_id, ttl=ttl, roles=["OWNER"], client_id="bootstrap"
        )
        return tokens.sign(claims, key, kid)

    def wait_until_accepted(self, session: TenantSession, timeout: float = 15.0) -> float:
        """Seconds until the edge and the api service behind it accept the tenant's token (its
        key has reached the JWKS they fetch: Envoy every 2 s, the services on an unknown kid)."""
        started = time.monotonic()
        with self.client() as http:
            while time.monotonic() - started < timeout:
                if http.get("/api/v1/organizations", headers=session.bearer).status_code != 401:
                    return time.monotonic() - started
                time.sleep(0.05)
        raise AssertionError(f"the edge never accepted a token of {session.id}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)
