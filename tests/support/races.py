"""Racing single-use credentials through the edge, and what the races need around them.

``race(edge_url, n, send)`` sends the same request ``n`` times at once, each over a connection
of its own (Envoy spreads them over its upstream connections, so requests land on every worker
process of a service). ``Console`` registers a tenant through the edge and signs its owner in with
the tenant's own console client (``console-<tenant>``: authorization code + PKCE + refresh), so
tests hold real refresh tokens and an owner's access token for the admin calls. ``mail_link``
reads the link a mail of the running platform carried, from the local catcher's ``.eml`` files.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from infra.layout import Layout
from tests.support.identity import PASSWORD, form_action, form_field, pkce_pair, query_of

CONSOLE_CALLBACK = "/console/callback"  # the console client's default redirect (docs/auth.md)
LINK = re.compile(r"(https?://\S+[?&]token=[A-Za-z0-9_\-]+)")

Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def race(edge_url: str, n: int, send: Send) -> list[httpx.Response]:
    """``send(client, i)`` for i in 0..n-1, all at once, each on a new connection."""
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=edge_url, limits=limits, timeout=60) as http:
        return list(await asyncio.gather(*(send(http, i) for i in range(n))))


async def post_all(edge_url: str, n: int, url: str, **kwargs: Any) -> list[httpx.Response]:
    """The same POST from ``n`` racers."""
    return await race(edge_url, n, lambda http, _: http.post(url, **kwargs))


@dataclass
class Tally:
    """The rounds of one race: each must end with ``expected`` callers answered ``ok`` and the
    rest ``refused``. Every round runs before the verdict, so a failure shows them all."""

    ok: int
    refused: int
    rounds: list[tuple[int, list[int]]] = field(default_factory=list)

    def add(self, replies: list[httpx.Response], expected: int = 1) -> list[httpx.Response]:
        """Records a round; returns its winners."""
        self.rounds.append((expected, sorted(r.status_code for r in replies)))
        return [r for r in replies if r.status_code == self.ok]

    def verdict(self) -> None:
        wanted = [sorted([self.ok] * n + [self.refused] * (len(codes) - n)) for n, codes in self.rounds]
        got = [codes for _, codes in self.rounds]
        assert got == wanted, f"winners per round {[c.count(self.ok) for c in got]}, statuses {got}"


async def mail_link(layout: Layout, address: str, path: str, within: float = 20) -> str:
    """The link to ``path`` (e.g. ``/invitation``) in the newest mail to ``address``."""
    maildir = layout.state / "mail"
    deadline = time.monotonic() + within
    while True:
        for message in sorted(_mails(maildir, address), key=lambda m: m[0], reverse=True):
            found = [link for link in LINK.findall(_text(message[1])) if f"{path}?" in link]
            if found:
                return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail with a {path} link to {address} within {within}s")
        await asyncio.sleep(0.1)


def token_of(link: str) -> str:
    return link.rsplit("token=", 1)[1]


def _mails(maildir: Path, address: str) -> list[tuple[str, EmailMessage]]:
    found = []
    for path in maildir.glob("*.eml"):
        raw = path.read_bytes()
        if address.encode() not in raw:
            continue
        message = message_from_bytes(raw, policy=policy.default)
        if isinstance(message, EmailMessage) and address in str(message["To"]):
            found.append((path.name, message))
    return found


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


@dataclass(frozen=True)
class Owner:
    tenant: str
    user_id: str
    email: str
    issuer: str


class Console:
    """Tenants and their owners' tokens through the edge, with the tenant's console client."""

    def __init__(self, edge_url: str) -> None:
        self.edge_url = edge_url.rstrip("/")

    def client(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.edge_url, timeout=30, **kw)

    @staticmethod
    def client_id(tenant: str) -> str:
        return f"console-{tenant}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.edge_url}{CONSOLE_CALLBACK}"

    async def register(self, http: httpx.AsyncClient, tenant: str | None = None) -> Owner:
        tenant = tenant or f"t{uuid.uuid4().hex[:12]}"
        email = f"owner@{tenant}.example.test"
        resp = await http.post(
            "/auth/v1/tenants:register",
            json={
                "tenantId": tenant,
                "displayName": f"{tenant} MSP",
                "ownerEmail": email,
                "ownerPassword": PASSWORD,
                "ownerDisplayName": "Olivia Owner",
            },
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return Owner(tenant, body["owner"]["name"].removeprefix("users/"), email, body["tenant"]["issuerUri"])

    async def login(
        self,
        http: httpx.AsyncClient,
        owner: Owner,
        *,
        email: str = "",
        password: str = PASSWORD,
        client_id: str = "",
    ) -> tuple[httpx.Response, str]:
        """Authorize (``client_id``, default the console) and submit the login form; returns
        the form's answer (303 back to the client, or a consent page) and the PKCE verifier."""
        verifier, challenge = pkce_pair()
        authorize = await http.get(
            f"{owner.issuer}/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": client_id or self.client_id(owner.tenant),
                "redirect_uri": self.redirect_uri,
                "scope": "openid profile email",
                "state": secrets.token_urlsafe(8),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert authorize.status_code in (302, 303), authorize.text
        page = await http.get(authorize.headers["location"])
        assert page.status_code == 200, page.text
        submitted = await http.post(
            form_action(page.text),
            data={
                "request": form_field(page.text, "request"),
                "csrf_token": form_field(page.text, "csrf_token"),
                "email": email or owner.email,
                "password": password,
            },
        )
        return submitted, verifier

    async def code(self, http: httpx.AsyncClient, owner: Owner, password: str = PASSWORD) -> tuple[str, str]:
        """The owner signed in with the console client; returns (code, PKCE verifier)."""
        submitted, verifier = await self.login(http, owner, password=password)
        assert submitted.status_code == 303, submitted.text
        return query_of(submitted.headers["location"])["code"], verifier

    def exchange_form(self, owner: Owner, code: str, verifier: str) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id(owner.tenant),
            "code_verifier": verifier,
        }

    def refresh_form(self, owner: Owner, refresh_token: str) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id(owner.tenant),
        }

    async def tokens(self, http: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
        """The owner signed in: access, ID and refresh token."""
        code, verifier = await self.code(http, owner)
        resp = await http.post(f"{owner.issuer}/oauth2/token", data=self.exchange_form(owner, code, verifier))
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    async def admin(self, http: httpx.AsyncClient, owner: Owner) -> dict[str, str]:
        """Bearer headers of the owner, once the edge accepts the tenant's new key (its JWKS
        refreshes every 2 s)."""
        headers = {"authorization": f"Bearer {(await self.tokens(http, owner))['access_token']}"}
        deadline = time.monotonic() + 15
        while (await http.get("/auth/v1/users/me", headers=headers)).status_code == 401:
            assert time.monotonic() < deadline, "the edge never accepted the owner's token"
            await asyncio.sleep(0.1)
        return headers
