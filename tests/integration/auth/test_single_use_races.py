"""Every single-use credential of the auth service, redeemed 8 times at once through the edge.

Each race sends the same credential over 8 connections of its own to the running platform
(Envoy in front of the auth service's two worker processes), in several rounds; exactly one
caller may win each round, and the stored state must say so: one token pair, one user, one
registered client, one password. These hold only if every redemption is one atomic conditional
write (or one Redis command) — a read-then-write lets several callers through.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from functools import partial
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from infra.layout import Layout
from services.auth.crypto import digest
from services.kit.config import Settings
from tests.support.identity import PASSWORD, form_action, form_field, query_of
from tests.support.races import Console, Tally, mail_link, post_all, race, token_of

RACERS, ROUNDS = 8, 5
NEW_PASSWORD = "a brand new passphrase {}"


@pytest.fixture(scope="module")
def edge_url(infra_up: Layout) -> str:
    return f"http://127.0.0.1:{infra_up.port('envoy')}"


@pytest.fixture(scope="module")
def console(edge_url: str) -> Console:
    return Console(edge_url)


@pytest.fixture
async def http(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    async with console.client() as client:  # keeps the login form's CSRF cookie
        yield client


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """The running platform's own database (what the services behind the edge wrote)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[settings.mongo_database]
    await client.close()


@pytest.fixture
async def audit_store(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[f"{settings.mongo_database}_audit"]
    await client.close()


async def _post_all(edge_url: str, url: str, **kwargs: Any) -> list[httpx.Response]:
    return await post_all(edge_url, RACERS, url, **kwargs)


def _confirm_reset(token: str, http: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
    """Racer ``i`` sets a password of its own."""
    body = {"token": token, "newPassword": NEW_PASSWORD.format(i)}
    return http.post("/auth/v1/account:confirmPasswordReset", json=body)


def _errors(responses: list[httpx.Response]) -> list[str]:
    return sorted(r.json().get("error", "") for r in responses if r.status_code != 200)


async def _family(store: AsyncDatabase[dict[str, Any]], refresh_token: str) -> dict[str, Any]:
    token = await store["refresh_tokens"].find_one({"_id": digest(refresh_token)})
    assert token is not None
    family = await store["refresh_families"].find_one({"_id": token["family_id"]})
    assert family is not None
    return family


async def test_a_refresh_token_wins_once(
    console: Console,
    http: httpx.AsyncClient,
    edge_url: str,
    store: AsyncDatabase[dict[str, Any]],
    audit_store: AsyncDatabase[dict[str, Any]],
) -> None:
    owner = await console.register(http)
    token_url = f"{owner.issuer}/oauth2/token"
    tally = Tally(ok=200, refused=400)
    for _ in range(ROUNDS):
        first = await console.tokens(http, owner)
        form = console.refresh_form(owner, first["refresh_token"])
        replies = await _post_all(edge_url, token_url, data=form)
        won = tally.add(replies)
        if len(won) != 1:
            continue
        assert _errors(replies) == ["invalid_grant"] * (RACERS - 1)
        pair = won[0].json()
        assert pair["access_token"] and pair["refresh_token"] != first["refresh_token"]
        # The losers presented a token that was no longer current: a reuse, so the family is
        # revoked — covering the one successor that was stored, the winner's.
        family = await _family(store, first["refresh_token"])
        tokens = [t async for t in store["refresh_tokens"].find({"family_id": family["_id"]})]
        assert len(tokens) == 2 and family["current"] == digest(pair["refresh_token"])
        assert family["revoked"] is True
        again = await http.post(token_url, data=console.refresh_form(owner, pair["refresh_token"]))
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        reused = await audit_store["audit_events"].count_documents(
            {
                "tenant_id": owner.tenant,
                "type": "AUDIT_EVENT_TYPE_REFRESH_TOKEN_REUSED",
                "details.family_id": family["_id"],
            }
        )
        assert reused == 1  # one REFRESH_TOKEN_REUSED entry: the one write that revoked it
    tally.verdict()


async def test_a_rotated_refresh_token_presented_again_revokes_the_family(
    console: Console, http: httpx.AsyncClient, store: AsyncDatabase[dict[str, Any]]
) -> None:
    owner = await console.register(http)
    first = await console.tokens(http, owner)
    token_url = f"{owner.issuer}/oauth2/token"
    second = await http.post(token_url, data=console.refresh_form(owner, first["refresh_token"]))
    assert second.status_code == 200, second.text
    assert (await _family(store, first["refresh_token"]))["revoked"] is False
    replayed = await http.post(token_url, data=console.refresh_form(owner, first["refresh_token"]))
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    newest = await http.post(token_url, data=console.refresh_form(owner, second.json()["refresh_token"]))
    assert newest.status_code == 400 and newest.json()["error"] == "invalid_grant"
    assert (await _family(store, first["refresh_token"]))["revoked"] is True


async def test_an_authorization_code_wins_once(
    console: Console, http: httpx.AsyncClient, edge_url: str, store: AsyncDatabase[dict[str, Any]]
) -> None:
    owner = await console.register(http)
    tally = Tally(ok=200, refused=400)
    for _ in range(ROUNDS):
        code, verifier = await console.code(http, owner)
        form = console.exchange_form(owner, code, verifier)
        replies = await _post_all(edge_url, f"{owner.issuer}/oauth2/token", data=form)
        won = tally.add(replies)
        if len(won) != 1:
            continue
        assert _errors(replies) == ["invalid_grant"] * (RACERS - 1)
        # a replayed code revokes what it produced (RFC 6749 §4.1.2), even when the replay
        # overtook the winner: one family, revoked
        family = await _family(store, won[0].json()["refresh_token"])
        assert family["revoked"] is True
        assert await store["refresh_tokens"].count_documents({"family_id": family["_id"]}) == 1
    tally.verdict()


async def test_a_consent_is_given_once(console: Console, http: httpx.AsyncClient, edge_url: str) -> None:
    owner = await console.register(http)
    admin = await console.admin(http, owner)
    created = await http.post(
        "/auth/v1/oauthClients",
        json={
            "displayName": "Third party",
            "clientType": "CLIENT_TYPE_PUBLIC",
            "grantTypes": ["GRANT_TYPE_AUTHORIZATION_CODE"],
            "redirectUris": [console.redirect_uri],
            "firstParty": False,
        },
        headers=admin,
    )
    assert created.status_code == 200, created.text
    client_id = created.json()["oauthClient"]["clientId"]
    tally = Tally(ok=303, refused=400)
    for _ in range(ROUNDS):
        page, verifier = await console.login(http, owner, client_id=client_id)
        assert page.status_code == 200 and "Allow access?" in page.text, page.text
        decision = {
            "consent": form_field(page.text, "consent"),
            "csrf_token": form_field(page.text, "csrf_token"),
            "decision": "allow",
        }
        cookie = {"cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())}  # the CSRF cookie
        replies = await _post_all(edge_url, form_action(page.text), data=decision, headers=cookie)
        won = tally.add(replies)
        if len(won) != 1:
            continue
        code = query_of(won[0].headers["location"])["code"]  # one code, and it works
        exchange = {**console.exchange_form(owner, code, verifier), "client_id": client_id}
        assert (await http.post(f"{owner.issuer}/oauth2/token", data=exchange)).status_code == 200
    tally.verdict()


async def test_an_invitation_is_accepted_once(
    console: Console,
    http: httpx.AsyncClient,
    edge_url: str,
    infra_up: Layout,
    store: AsyncDatabase[dict[str, Any]],
) -> None:
    owner = await console.register(http)
    admin = await console.admin(http, owner)
    tally = Tally(ok=200, refused=404)
    for _ in range(ROUNDS):
        email = f"invitee-{uuid.uuid4().hex[:8]}@{owner.tenant}.example.test"
        created = await http.post(
            "/auth/v1/invitations",
            json={"email": email, "role": "USER_ROLE_VIEWER"},
            headers=admin,
        )
        assert created.status_code == 200, created.text
        token = token_of(await mail_link(infra_up, email, "/invitation"))
        accept = {"token": token, "displayName": "Racer", "password": PASSWORD}
        won = tally.add(await _post_all(edge_url, "/auth/v1/invitations:accept", json=accept))
        if len(won) != 1:
            continue
        users = [u async for u in store["users"].find({"tenant_id": owner.tenant, "email_key": email})]
        invitation = await store["invitations"].find_one({"tenant_id": owner.tenant, "email_key": email})
        assert len(users) == 1 and invitation is not None
        assert invitation["status"] == "ACCEPTED" and invitation["user_id"] == users[0]["_id"]
        assert "token_hash" not in invitation
    tally.verdict()


async def test_a_password_reset_link_works_once(
    console: Console,
    http: httpx.AsyncClient,
    edge_url: str,
    infra_up: Layout,
    store: AsyncDatabase[dict[str, Any]],
) -> None:
    tally = Tally(ok=200, refused=400)
    for _ in range(ROUNDS):
        owner = await console.register(http)  # resets are throttled per account
        asked = await http.post(
            "/auth/v1/account:requestPasswordReset",
            json={"tenant": f"tenants/{owner.tenant}", "email": owner.email},
        )
        assert asked.status_code == 200, asked.text
        token = token_of(await mail_link(infra_up, owner.email, "/password/reset"))
        replies = await race(edge_url, RACERS, partial(_confirm_reset, token))
        won = tally.add(replies)
        if len(won) != 1:
            continue
        # exactly the winner's password is the account's password now
        user = await store["users"].find_one({"_id": owner.user_id})
        assert user is not None
        takes = [i for i in range(RACERS) if _verifies(user["password_hash"], NEW_PASSWORD.format(i))]
        assert takes == [replies.index(won[0])]
        async with console.client() as browser:  # and it signs in through the edge
            assert await console.code(browser, owner, password=NEW_PASSWORD.format(takes[0]))
    tally.verdict()


def _verifies(stored_hash: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(stored_hash, password)
    except VerifyMismatchError:
        return False


async def test_an_email_verification_link_works_once(
    console: Console,
    http: httpx.AsyncClient,
    edge_url: str,
    infra_up: Layout,
    store: AsyncDatabase[dict[str, Any]],
    audit_store: AsyncDatabase[dict[str, Any]],
) -> None:
    tally = Tally(ok=200, refused=400)
    for _ in range(ROUNDS):
        owner = await console.register(http)  # registration mails the owner a verification link
        token = token_of(await mail_link(infra_up, owner.email, "/email/verify"))
        verify = {"token": token}
        won = tally.add(await _post_all(edge_url, "/auth/v1/account:confirmEmailVerification", json=verify))
        if len(won) != 1:
            continue
        user = await store["users"].find_one({"_id": owner.user_id})
        assert user is not None and user["email_verified"] is True
        verified = await audit_store["audit_events"].count_documents(
            {"tenant_id": owner.tenant, "type": "AUDIT_EVENT_TYPE_EMAIL_VERIFIED"}
        )
        assert verified == 1
    tally.verdict()


async def test_an_initial_access_token_registers_as_many_clients_as_it_has_uses(
    console: Console, http: httpx.AsyncClient, edge_url: str, store: AsyncDatabase[dict[str, Any]]
) -> None:
    owner = await console.register(http)
    admin = await console.admin(http, owner)
    tally = Tally(ok=201, refused=401)
    for uses in [1] * (ROUNDS - 1) + [3]:
        created = await http.post(
            "/auth/v1/oauthClients:createInitialAccessToken",
            json={"ttl": "600s", "maxUses": uses},
            headers=admin,
        )
        assert created.status_code == 200, created.text
        bearer = {"authorization": f"Bearer {created.json()['token']}"}
        marker = f"racer-{uuid.uuid4().hex[:8]}"
        metadata = {"client_name": marker, "grant_types": ["client_credentials"]}
        replies = await _post_all(edge_url, f"{owner.issuer}/oauth2/register", json=metadata, headers=bearer)
        if len(tally.add(replies, expected=uses)) != uses:
            continue
        stored = await store["oauth_clients"].count_documents(
            {"tenant_id": owner.tenant, "display_name": marker}
        )
        left = await store["initial_access_tokens"].find_one({"_id": digest(bearer["authorization"][7:])})
        assert stored == uses and left is not None and left["remaining"] == 0
    tally.verdict()
