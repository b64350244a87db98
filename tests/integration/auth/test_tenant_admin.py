"""ListTenants (a member sees its own tenant; platform operators page through all) and
UpdateTenant (display name, claimed email domains; own tenant, ADMIN/OWNER, etag)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import account_pb2 as apb_account
from openframe.auth.v1 import audit_pb2 as apb
from openframe.auth.v1 import invitations_pb2 as ipb
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import tenants_pb2 as pb
from tests.integration.auth.helpers import Api, as_tenant
from tests.integration.auth.mailbox import Mailbox, link_in, token_of


async def test_list_tenants(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    await api.register(f"{unique}-b")
    mine = await api.tenants.ListTenants(pb.ListTenantsRequest(), metadata=as_tenant(unique, "VIEWER"))
    assert [t.name for t in mine.tenants] == [f"tenants/{unique}"] and not mine.next_page_token
    assert mine.tenants[0].issuer_uri == tenant.issuer
    none = await api.tenants.ListTenants(
        pb.ListTenantsRequest(status=pb.TENANT_STATUS_SUSPENDED), metadata=tenant.owner
    )
    assert list(none.tenants) == []
    operator = as_tenant("platform", "PLATFORM_OPERATOR")
    first = await api.tenants.ListTenants(
        pb.ListTenantsRequest(search=unique, page_size=1), metadata=operator
    )
    rest = await api.tenants.ListTenants(
        pb.ListTenantsRequest(search=unique, page_token=first.next_page_token), metadata=operator
    )
    assert [t.name for t in [*first.tenants, *rest.tenants]] == [f"tenants/{unique}", f"tenants/{unique}-b"]


async def test_update_tenant(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    other = await api.register(f"{unique}-b")
    current = (
        await api.tenants.GetTenant(pb.GetTenantRequest(name=f"tenants/{unique}"), metadata=tenant.owner)
    ).tenant
    assert list(current.email_domains) == [f"{unique}.test"]
    updated = await api.tenants.UpdateTenant(
        pb.UpdateTenantRequest(
            tenant=pb.Tenant(
                name=current.name,
                display_name="Renamed MSP",
                email_domains=[f"{unique}.example", f"{unique}.test"],
            ),
            update_mask=FieldMask(paths=["display_name", "email_domains"]),
        ),
        metadata=tenant.owner,
    )
    assert updated.tenant.display_name == "Renamed MSP" and updated.tenant.etag != current.etag
    found = await api.tenants.DiscoverTenants(pb.DiscoverTenantsRequest(email=f"someone@{unique}.example"))
    assert [t.name for t in found.tenants] == [current.name] and found.email_domain_claimed

    for domains, code in (
        ([f"{unique}-b.test"], grpc.StatusCode.ALREADY_EXISTS),  # the other tenant's domain
        (["gmail.com"], grpc.StatusCode.INVALID_ARGUMENT),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await api.tenants.UpdateTenant(
                pb.UpdateTenantRequest(
                    tenant=pb.Tenant(name=current.name, display_name="x", email_domains=domains),
                    update_mask=FieldMask(paths=["email_domains"]),
                ),
                metadata=tenant.owner,
            )
        assert err.value.code() == code
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await api.tenants.UpdateTenant(
            pb.UpdateTenantRequest(
                tenant=pb.Tenant(name=current.name, display_name="Stale", etag=current.etag),
                update_mask=FieldMask(paths=["display_name"]),
            ),
            metadata=tenant.owner,
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await api.tenants.UpdateTenant(
            pb.UpdateTenantRequest(
                tenant=pb.Tenant(name=current.name, display_name="Nope"),
                update_mask=FieldMask(paths=["display_name"]),
            ),
            metadata=as_tenant(unique, "VIEWER"),
        )
    assert viewer.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for name in (current.name, "tenants/no-such-tenant-x"):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await api.tenants.UpdateTenant(
                pb.UpdateTenantRequest(
                    tenant=pb.Tenant(name=name, display_name="Hijack"),
                    update_mask=FieldMask(paths=["display_name"]),
                ),
                metadata=other.owner,
            )
        assert (
            hidden.value.code() == grpc.StatusCode.NOT_FOUND and hidden.value.details() == f"{name} not found"
        )
    # dropping a domain releases it
    await api.tenants.UpdateTenant(
        pb.UpdateTenantRequest(
            tenant=pb.Tenant(name=current.name, display_name="x", email_domains=[f"{unique}.test"]),
            update_mask=FieldMask(paths=["email_domains"]),
        ),
        metadata=tenant.owner,
    )
    free = await api.tenants.CheckTenantAvailability(
        pb.CheckTenantAvailabilityRequest(email_domain=f"{unique}.example")
    )
    assert free.email_domain_available
    entries = await api.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(types=[apb.AUDIT_EVENT_TYPE_TENANT_CHANGED]), metadata=tenant.owner
    )
    assert len(entries.audit_events) == 3  # registered + two updates


async def test_suspended_tenant_cannot_sign_in_refresh_or_use_links(
    api: Api, mailbox: Mailbox, unique: str
) -> None:
    tenant = await api.register(unique)
    client, _ = await api.client(
        unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE, cpb.GRANT_TYPE_REFRESH_TOKEN), public=True
    )
    tokens = await api.user_tokens(unique, client.client_id, tenant.owner_email)
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge="c" * 43))
    await api.invitations.CreateInvitation(
        ipb.CreateInvitationRequest(invitation=ipb.Invitation(email=f"late@{unique}.test")),
        metadata=tenant.owner,
    )
    link = link_in(await mailbox.wait(f"late@{unique}.test", "invited"))
    operator = as_tenant("platform", "PLATFORM_OPERATOR")
    await api.tenants.SetTenantStatus(
        pb.SetTenantStatusRequest(name=f"tenants/{unique}", status=pb.TENANT_STATUS_SUSPENDED),
        metadata=operator,
    )
    login = await api.submit_login(page, tenant.owner_email)  # a form opened before the suspension
    assert login.status_code == 403
    refreshed = await api.token(
        unique,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client.client_id,
        },
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "unauthorized_client"
    assert (await api.http.get(f"{tenant.issuer}/password/forgot")).status_code == 404
    with pytest.raises(grpc.aio.AioRpcError) as accept:
        await api.invitations.AcceptInvitation(
            ipb.AcceptInvitationRequest(
                token=token_of(link), display_name="Late", password="late but long enough"
            )
        )
    assert accept.value.code() == grpc.StatusCode.NOT_FOUND
    await api.account.RequestPasswordReset(
        apb_account.RequestPasswordResetRequest(tenant=f"tenants/{unique}", email=tenant.owner_email)
    )
    await api.auth_drain()
    assert not [m for m in mailbox.to(tenant.owner_email) if "reset" in str(m["Subject"]).lower()]
