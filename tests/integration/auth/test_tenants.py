"""Tenants: registration (tenant + OWNER + signing key, nothing half-written), discovery,
availability, reading one's own tenant, and status (suspended tenants get no tokens)."""

from __future__ import annotations

import grpc
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import tenants_pb2 as pb
from openframe.auth.v1 import users_pb2
from services.auth.clients.console import console_client_id
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, pkce_pair, query_of
from tests.rpc_status import field_violations

OPERATOR = as_tenant("platform", "PLATFORM_OPERATOR", "operator-1")


async def test_register_creates_active_tenant_owner_and_key(
    api: Api, db: AsyncDatabase[dict[str, object]], unique: str
) -> None:
    reply = await api.tenants.RegisterTenant(
        pb.RegisterTenantRequest(
            tenant_id=unique,
            display_name="Acme MSP",
            owner_email=f"Olivia@{unique}.test",
            owner_password=PASSWORD,
            owner_display_name="Olivia",
        )
    )  # public: no identity metadata at all
    assert reply.tenant.name == f"tenants/{unique}"
    assert reply.tenant.status == pb.TENANT_STATUS_ACTIVE
    assert reply.tenant.issuer_uri == api.issuer(unique)
    assert reply.tenant.email_domains == [f"{unique}.test"]
    assert reply.tenant.owner == reply.owner.name
    assert reply.owner.role == users_pb2.USER_ROLE_OWNER
    assert reply.owner.has_password and not reply.owner.email_verified
    stored = await db["users"].find_one({"tenant_id": unique})
    assert stored is not None and str(stored["password_hash"]).startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    tenant_doc = await db["tenants"].find_one({"_id": unique})
    assert tenant_doc is not None and tenant_doc["status"] == "ACTIVE"
    key = await db["signing_keys"].find_one({"tenant_id": unique})
    assert key is not None and tenant_doc["active_key_id"] == key["_id"]
    console = await db["oauth_clients"].find_one({"tenant_id": unique})
    assert console is not None and console["_id"] == f"console-{unique}"
    assert (
        console["client_type"] == "PUBLIC" and console["first_party"] and console["purpose"] == "APPLICATION"
    )


async def test_owner_signs_in_through_the_console_client(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    console = f"console-{unique}"
    redirect = f"{api.public_url}/console/callback"
    verifier, challenge = pkce_pair()
    page = await api.login_page(
        api.authorize_url(unique, console, challenge=challenge, redirect_uri=redirect)
    )
    done = await api.submit_login(page, tenant.owner_email)
    assert done.status_code == 303 and done.headers["location"].startswith(redirect + "?")
    resp = await api.token(
        unique,
        {
            "grant_type": "authorization_code",
            "client_id": console,
            "redirect_uri": redirect,
            "code": query_of(done.headers["location"])["code"],
            "code_verifier": verifier,
        },
    )
    assert resp.status_code == 200 and resp.json()["refresh_token"]
    long_id = "a" * 60
    assert console_client_id(long_id).startswith("console-") and len(console_client_id(long_id)) <= 64


async def test_register_refuses_taken_id_and_claimed_domain_without_leftovers(
    api: Api, db: AsyncDatabase[dict[str, object]], unique: str
) -> None:
    await api.register(unique)
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await api.register(unique, email=f"someone@{unique}-other.test")
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    second = f"{unique}-b"
    with pytest.raises(grpc.aio.AioRpcError) as claimed:
        await api.register(second, email=f"ops@{unique}.test")  # the first tenant's domain
    assert claimed.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "domain" in (claimed.value.details() or "")
    # nothing of the failed registration remains, and the id is free again
    assert await db["tenants"].find_one({"_id": second}) is None
    assert await db["users"].count_documents({"tenant_id": second}) == 0
    assert await db["signing_keys"].count_documents({"tenant_id": second}) == 0
    again = await api.register(second)
    assert again.id == second


async def test_register_validates_every_field(api: Api) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.tenants.RegisterTenant(
            pb.RegisterTenantRequest(
                tenant_id="-Bad_Id", display_name="", owner_email="nope", owner_password="short"
            )
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err.value)) >= {
        "tenant_id",
        "display_name",
        "owner_email",
        "owner_password",
        "owner_display_name",
    }
    assert "short" not in (err.value.details() or "")  # the password is never echoed


async def test_discovery_lists_only_active_tenants_of_the_email(api: Api, unique: str) -> None:
    first = await api.register(unique, email=f"tech@{unique}.test")
    other = await api.register(f"{unique}-2", email=f"boss@{unique}-2.test")
    found = await api.tenants.DiscoverTenants(pb.DiscoverTenantsRequest(email=f"TECH@{unique}.test"))
    assert [t.name for t in found.tenants] == [f"tenants/{first.id}"]
    assert found.email_domain_claimed
    assert found.tenants[0].issuer_uri == first.issuer
    by_domain = await api.tenants.DiscoverTenants(
        pb.DiscoverTenantsRequest(email=f"new.hire@{unique}-2.test")
    )
    assert [t.name for t in by_domain.tenants] == [f"tenants/{other.id}"]  # claimed domain, no account
    nobody = await api.tenants.DiscoverTenants(pb.DiscoverTenantsRequest(email=f"x@{unique}-none.test"))
    assert list(nobody.tenants) == [] and not nobody.email_domain_claimed
    await api.tenants.SetTenantStatus(
        pb.SetTenantStatusRequest(name=f"tenants/{other.id}", status=pb.TENANT_STATUS_SUSPENDED),
        metadata=OPERATOR,
    )
    hidden = await api.tenants.DiscoverTenants(pb.DiscoverTenantsRequest(email=f"boss@{unique}-2.test"))
    assert list(hidden.tenants) == []


async def test_availability(api: Api, unique: str) -> None:
    await api.register(unique)
    taken = await api.tenants.CheckTenantAvailability(
        pb.CheckTenantAvailabilityRequest(tenant_id=unique, email_domain=f"{unique}.test")
    )
    assert not taken.tenant_id_available and not taken.email_domain_available
    free = await api.tenants.CheckTenantAvailability(
        pb.CheckTenantAvailabilityRequest(tenant_id=f"{unique}-free", email_domain=f"{unique}-free.test")
    )
    assert free.tenant_id_available and free.email_domain_available
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.tenants.CheckTenantAvailability(pb.CheckTenantAvailabilityRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_get_tenant_is_own_tenant_only(api: Api, unique: str) -> None:
    mine = await api.register(unique)
    other = await api.register(f"{unique}-o")
    got = await api.tenants.GetTenant(pb.GetTenantRequest(name=f"tenants/{mine.id}"), metadata=mine.owner)
    assert got.tenant.display_name == f"{unique} MSP"
    for name in (f"tenants/{other.id}", f"tenants/{unique}-missing"):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.tenants.GetTenant(pb.GetTenantRequest(name=name), metadata=mine.owner)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await api.tenants.GetTenant(pb.GetTenantRequest(name=f"tenants/{mine.id}"))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_status_changes_need_an_operator_and_gate_tokens(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    client, secret = await api.client(unique)
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200
    request = pb.SetTenantStatusRequest(
        name=f"tenants/{unique}", status=pb.TENANT_STATUS_SUSPENDED, reason="unpaid"
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.tenants.SetTenantStatus(request, metadata=tenant.owner)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    suspended = await api.tenants.SetTenantStatus(request, metadata=OPERATOR)
    assert (
        suspended.tenant.status == pb.TENANT_STATUS_SUSPENDED and suspended.tenant.status_reason == "unpaid"
    )
    refused = await api.cc_token(unique, client.client_id, secret)
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert (await api.http.get(f"{api.issuer(unique)}/jwks")).status_code == 404
    everyone = (await api.http.get(f"{api.public_url}/auth/jwks")).json()["keys"]
    assert not [k for k in everyone if k["kid"].startswith(f"{unique}.")]
    await api.tenants.SetTenantStatus(
        pb.SetTenantStatusRequest(name=f"tenants/{unique}", status=pb.TENANT_STATUS_ACTIVE), metadata=OPERATOR
    )
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 200
    await api.tenants.SetTenantStatus(
        pb.SetTenantStatusRequest(name=f"tenants/{unique}", status=pb.TENANT_STATUS_DELETED),
        metadata=OPERATOR,
    )
    assert (await api.cc_token(unique, client.client_id, secret)).status_code == 404
    with pytest.raises(grpc.aio.AioRpcError) as final:
        await api.tenants.SetTenantStatus(
            pb.SetTenantStatusRequest(name=f"tenants/{unique}", status=pb.TENANT_STATUS_ACTIVE),
            metadata=OPERATOR,
        )
    assert final.value.code() == grpc.StatusCode.FAILED_PRECONDITION
