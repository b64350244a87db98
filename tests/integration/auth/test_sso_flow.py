"""SSO federation end to end, against a real OpenID Provider running locally: another tenant (U)
of this very auth server is the upstream of tenant D. A browser is played with httpx (one cookie
jar): D authorize → D login page → SSO start → U authorize → U login → U callback → D callback
→ code to D's client → token exchange at D.

U's users get ``email_verified`` set directly in U's store: the tests must not depend on the
email verification flow (SMTP) to decide what a verified upstream email does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import sso_providers_pb2 as pb
from openframe.auth.v1 import users_pb2 as upb
from openframe.events.v1 import security_events_pb2
from openframe.events.v1.envelope_pb2 import EventEnvelope
from services.auth.app import Running
from services.kit.config import Settings
from tests.integration.auth import test_sso_support as support
from tests.integration.auth.helpers import PASSWORD, REDIRECT, Api, as_tenant, pkce_pair, query_of, verify
from tests.integration.auth.kafka_tools import read_until

# conftest.py's fixtures of these names, overridden in this module (see test_sso_support.py).
auth, channel, db, audit_db, sso = support.auth, support.channel, support.db, support.audit_db, support.sso
upstream, reserved = support.upstream, support.reserved
Sso = support.Sso
Upstream = support.Upstream
CODE = cpb.GRANT_TYPE_AUTHORIZATION_CODE
Db = AsyncDatabase[dict[str, Any]]


@dataclass
class Federation:
    up: str  # the upstream tenant (the OpenID Provider)
    down: str  # the tenant whose users sign in through it
    provider: pb.SsoProvider
    client_id: str  # D's application
    client_secret: str

    @property
    def domain(self) -> str:
        return f"{self.down}.test"  # claimed by D at registration (its owner's domain)

    @property
    def provider_id(self) -> str:
        return self.provider.name.removeprefix("ssoProviders/")


async def federate(api: Api, sso: Sso, upstream: Upstream, unique: str, **provider_fields: Any) -> Federation:
    """Tenant ``<unique>-dn`` signs in through tenant ``<unique>-up`` of the upstream server."""
    up, down = f"{unique}-up", f"{unique}-dn"
    await api.register(up)
    await api.register(down)
    callback = f"{api.issuer(down)}/sso/callback"
    upstream_client, upstream_secret = await api.client(up, grants=(CODE,), redirect_uris=(callback,))
    created = await sso.CreateSsoProvider(
        pb.CreateSsoProviderRequest(
            sso_provider=pb.SsoProvider(
                display_name=f"Sign in with {up}",
                preset=pb.SSO_PROVIDER_PRESET_GENERIC_OIDC,
                issuer_uri=upstream.issuer(up),
                client_id=upstream_client.client_id,
                client_secret=upstream_secret,
                enabled=True,
                **provider_fields,
            )
        ),
        metadata=as_tenant(down),
    )
    assert created.sso_provider.redirect_uri == callback
    client, secret = await api.client(down, grants=(CODE,))
    return Federation(up, down, created.sso_provider, client.client_id, secret)


async def user(api: Api, tenant: str, email: str, db: Db | None = None, *, verified: bool = False) -> str:
    reply = await api.users.CreateUser(
        upb.CreateUserRequest(
            user=upb.User(email=email, display_name="Alice Example", role=upb.USER_ROLE_TECHNICIAN),
            password=PASSWORD,
        ),
        metadata=as_tenant(tenant),
    )
    user_id = reply.user.name.removeprefix("users/")
    if db is not None:
        await db["users"].update_one(
            {"_id": user_id, "tenant_id": tenant}, {"$set": {"email_verified": verified}}
        )
    return str(user_id)


@dataclass
class Started:
    """A sign-in at D sent on to the upstream: its authorize URL, and the D client's PKCE verifier."""

    upstream_authorize: str
    verifier: str
    start_url: str


async def start(api: Api, fed: Federation) -> Started:
    verifier, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(fed.down, fed.client_id, challenge=challenge))
    links = [html.unescape(h) for h in re.findall(r"href='([^']*/sso/[^']*)'", page.text)]
    ours = [link for link in links if f"/sso/{fed.provider_id}/start" in link]
    assert ours, f"no SSO link for the provider on the login page: {links}"
    started = await api.http.get(ours[0])
    assert started.status_code == 302, started.text
    assert "of_sso" in started.headers["set-cookie"]
    return Started(started.headers["location"], verifier, ours[0])


async def at_upstream(api: Api, upstream_authorize: str, email: str) -> str:
    """Sign in at U; returns where U sends the browser (D's callback with code and state)."""
    page = await api.login_page(upstream_authorize)
    done = await api.submit_login(page, email)
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


async def sign_in(api: Api, fed: Federation, email: str) -> tuple[httpx.Response, str]:
    begun = await start(api, fed)
    callback = await at_upstream(api, begun.upstream_authorize, email)
    return await api.http.get(callback), begun.verifier


async def tokens(api: Api, fed: Federation, finished: httpx.Response, verifier: str) -> dict[str, Any]:
    assert finished.status_code == 303, finished.text
    location = finished.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = query_of(location)
    assert params["state"] == "st-1" and params["iss"] == api.issuer(fed.down)
    resp = await api.token(
        fed.down,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        (fed.client_id, fed.client_secret),
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return verify(
        body["access_token"], await api.jwks(fed.down), issuer=api.issuer(fed.down), audience="openframe"
    )


async def failures(audit_db: Db, tenant: str) -> list[str]:
    cursor = (
        audit_db["audit_events"]
        .find({"tenant_id": tenant, "type": "AUDIT_EVENT_TYPE_LOGIN", "outcome": "AUDIT_OUTCOME_FAILURE"})
        .sort("_id", 1)
    )
    return [d.get("failure_reason", "") async for d in cursor]


async def test_sso_links_by_verified_email_and_reuses_the_link(
    api: Api,
    sso: Sso,
    upstream: Upstream,
    unique: str,
    db: Db,
    audit_db: Db,
    auth: Running,
    settings: Settings,
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"alice@{fed.domain}"
    upstream_user = await user(api, fed.up, email, db, verified=True)
    local_user = await user(api, fed.down, email)

    begun = await start(api, fed)
    upstream_query = query_of(begun.upstream_authorize)
    assert begun.upstream_authorize.startswith(f"{upstream.issuer(fed.up)}/oauth2/authorize?")
    assert upstream_query["code_challenge_method"] == "S256" and len(upstream_query["code_challenge"]) == 43
    assert upstream_query["nonce"] and upstream_query["state"]
    assert upstream_query["redirect_uri"] == f"{api.issuer(fed.down)}/sso/callback"
    assert upstream_query["scope"].split() == ["openid", "email", "profile"]
    callback = await at_upstream(api, begun.upstream_authorize, email)
    claims = await tokens(api, fed, await api.http.get(callback), begun.verifier)
    assert claims["sub"] == local_user and claims["tid"] == fed.down and claims["roles"] == ["TECHNICIAN"]

    links = [d async for d in db["sso_identities"].find({"tenant_id": fed.down})]
    assert len(links) == 1
    assert links[0]["user_id"] == local_user and links[0]["subject"] == upstream_user
    assert links[0]["provider_id"] == fed.provider_id

    # Second sign-in: the (provider, sub) link decides, no new link.
    finished, verifier = await sign_in(api, fed, email)
    assert (await tokens(api, fed, finished, verifier))["sub"] == local_user
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 1

    # in the order they were written (UUIDv7 ids): a filter alone promises no order
    entries = [d async for d in audit_db["audit_events"].find({"tenant_id": fed.down}).sort("_id", 1)]
    logins = [
        e
        for e in entries
        if e["type"] == "AUDIT_EVENT_TYPE_LOGIN" and e["outcome"] == "AUDIT_OUTCOME_SUCCESS"
    ]
    assert [e["details"]["account"] for e in logins] == ["new_link", "linked"]
    assert all(e["details"]["sso_provider"] == fed.provider.name for e in logins)
    linked = [e for e in entries if e.get("details", {}).get("change") == "sso_identity_linked"]
    assert len(linked) == 1 and linked[0]["subject"] == f"users/{local_user}"
    assert not any(PASSWORD in str(e) for e in entries)

    # The sign-ins are security events on Kafka: LoginSucceeded, method SSO, with the provider.
    key = f"{fed.down}:users/{local_user}".encode()
    records = await read_until(
        settings.kafka_bootstrap,
        auth.deps.settings.audit_topic,
        lambda rs: sum(r.key == key and b"LoginSucceeded" in r.value for r in rs) >= 2,
    )
    envelopes = [EventEnvelope.FromString(r.value) for r in records if r.key == key]
    succeeded = [e for e in envelopes if e.type == "openframe.events.v1.LoginSucceeded"]
    login = security_events_pb2.LoginSucceeded()
    assert succeeded[0].payload.Unpack(login)
    assert login.method == security_events_pb2.LOGIN_METHOD_SSO and login.sso_provider == fed.provider.name
    assert login.user == f"users/{local_user}" and login.client_id == fed.client_id
    assert "openframe.events.v1.UserUpdated" in [e.type for e in envelopes]  # the link


async def test_disabled_provider_is_refused_and_hidden(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"alice@{fed.domain}"
    await user(api, fed.up, email, db, verified=True)
    await user(api, fed.down, email)
    begun = await start(api, fed)  # started while enabled ...
    await sso.SetSsoProviderEnabled(
        pb.SetSsoProviderEnabledRequest(name=fed.provider.name, enabled=False), metadata=as_tenant(fed.down)
    )
    callback = await at_upstream(api, begun.upstream_authorize, email)
    refused = await api.http.get(callback)  # ... finished after it was disabled
    assert refused.status_code == 403 and "not available" in refused.text
    again = await api.http.get(begun.start_url)
    assert again.status_code == 403
    _, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(fed.down, fed.client_id, challenge=challenge))
    assert "/sso/" not in page.text
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 0
    assert (await failures(audit_db, fed.down)).count("provider_disabled") == 2


async def test_tampered_replayed_or_foreign_state_is_refused(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"alice@{fed.domain}"
    await user(api, fed.up, email, db, verified=True)
    local_user = await user(api, fed.down, email)
    begun = await start(api, fed)
    callback = await at_upstream(api, begun.upstream_authorize, email)
    state = query_of(callback)["state"]
    tampered = await api.http.get(callback.replace(f"state={state}", f"state={state[:-2]}xy"))
    assert tampered.status_code == 400 and "expired or is invalid" in tampered.text
    # The state is bound to the browser that started: another browser (no cookie) is refused,
    # and the state is spent.
    async with httpx.AsyncClient(timeout=20) as other_browser:
        foreign = await other_browser.get(callback)
    assert foreign.status_code == 400
    replay = await api.http.get(callback)
    assert replay.status_code == 400
    # A clean attempt still works.
    finished, verifier = await sign_in(api, fed, email)
    assert (await tokens(api, fed, finished, verifier))["sub"] == local_user
    reasons = await failures(audit_db, fed.down)
    assert reasons.count("invalid_state") == 2 and reasons.count("state_not_bound_to_browser") == 1


async def test_wrong_nonce_is_refused(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"alice@{fed.domain}"
    await user(api, fed.up, email, db, verified=True)
    await user(api, fed.down, email)
    begun = await start(api, fed)
    nonce = query_of(begun.upstream_authorize)["nonce"]
    # The upstream puts whatever nonce it was sent into its ID token: send it another one.
    forged = begun.upstream_authorize.replace(f"nonce={nonce}", "nonce=not-the-one-we-sent")
    refused = await api.http.get(await at_upstream(api, forged, email))
    assert refused.status_code == 401 and "could not confirm" in refused.text
    assert "nonce_mismatch" in await failures(audit_db, fed.down)
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 0


async def test_unverified_upstream_email_is_never_linked(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique, auto_provision=True)
    email = f"bob@{fed.domain}"
    await user(api, fed.up, email, db, verified=False)
    await user(api, fed.down, email)
    refused, _ = await sign_in(api, fed, email)
    assert refused.status_code == 403 and "not verified" in refused.text
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 0
    stranger = f"carol@{fed.domain}"  # unknown at D, unverified: not provisioned either
    await user(api, fed.up, stranger, db, verified=False)
    refused, _ = await sign_in(api, fed, stranger)
    assert refused.status_code == 403
    assert await db["users"].count_documents({"tenant_id": fed.down, "email_key": stranger}) == 0
    assert (await failures(audit_db, fed.down)).count("email_not_verified") == 2


async def test_auto_provisioning_is_opt_in_with_a_least_privilege_role(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"dave@{fed.domain}"
    await user(api, fed.up, email, db, verified=True)
    refused, _ = await sign_in(api, fed, email)
    assert refused.status_code == 403 and "no account" in refused.text
    assert await db["users"].count_documents({"tenant_id": fed.down, "email_key": email}) == 0

    updated = await sso.UpdateSsoProvider(
        pb.UpdateSsoProviderRequest(
            sso_provider=pb.SsoProvider(
                name=fed.provider.name,
                display_name=fed.provider.display_name,
                preset=fed.provider.preset,
                client_id=fed.provider.client_id,
                auto_provision=True,
            ),
            update_mask={"paths": ["auto_provision"]},
        ),
        metadata=as_tenant(fed.down),
    )
    assert updated.sso_provider.auto_provision
    assert updated.sso_provider.auto_provision_role == upb.USER_ROLE_VIEWER  # the default
    finished, verifier = await sign_in(api, fed, email)
    claims = await tokens(api, fed, finished, verifier)
    created = await db["users"].find_one({"tenant_id": fed.down, "email_key": email})
    assert created is not None and claims["sub"] == created["_id"] and claims["roles"] == ["VIEWER"]
    assert created["email_verified"] is True and created["password_hash"] is None
    assert created["display_name"] == "Alice Example"  # the upstream's name claim
    entry = await audit_db["audit_events"].find_one(
        {"tenant_id": fed.down, "type": "AUDIT_EVENT_TYPE_USER_CREATED", "subject": f"users/{created['_id']}"}
    )
    assert entry is not None and entry["details"]["method"] == "sso"


async def test_email_outside_the_allowed_domains_is_refused(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db, audit_db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique, auto_provision=True)
    email = f"eve@{unique}-elsewhere.test"
    await user(api, fed.up, email, db, verified=True)
    await user(api, fed.down, email)
    refused, _ = await sign_in(api, fed, email)
    assert refused.status_code == 403
    assert "domain_not_allowed" in await failures(audit_db, fed.down)


async def test_deleting_the_provider_unlinks_its_identities(
    api: Api, sso: Sso, upstream: Upstream, unique: str, db: Db
) -> None:
    fed = await federate(api, sso, upstream, unique)
    email = f"alice@{fed.domain}"
    await user(api, fed.up, email, db, verified=True)
    await user(api, fed.down, email)
    finished, verifier = await sign_in(api, fed, email)
    await tokens(api, fed, finished, verifier)
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 1
    await sso.DeleteSsoProvider(
        pb.DeleteSsoProviderRequest(name=fed.provider.name), metadata=as_tenant(fed.down)
    )
    assert await db["sso_identities"].count_documents({"tenant_id": fed.down}) == 0
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await sso.GetSsoProvider(
            pb.GetSsoProviderRequest(name=fed.provider.name), metadata=as_tenant(fed.down)
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
