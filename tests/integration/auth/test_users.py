"""Users over gRPC: CRUD, roles, one OWNER per tenant, ownership transfer, disable/enable (and
what that does to sign-in and refresh tokens), tenant isolation."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import users_pb2 as pb
from tests.integration.auth.helpers import PASSWORD, Api, Metadata, as_tenant, pkce_pair


async def _create(
    api: Api, who: Metadata, email: str, role: int = pb.USER_ROLE_TECHNICIAN, password: str = PASSWORD
) -> pb.User:
    reply = await api.users.CreateUser(
        pb.CreateUserRequest(
            user=pb.User(email=email, display_name=email.split("@")[0], role=role), password=password
        ),
        metadata=who,
    )
    return reply.user


async def test_create_get_list_update_delete(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    tech = await _create(api, tenant.owner, f"tech@{unique}.test")
    assert tech.role == pb.USER_ROLE_TECHNICIAN and tech.status == pb.USER_STATUS_ACTIVE and tech.has_password
    pending = await _create(api, tenant.owner, f"later@{unique}.test", pb.USER_ROLE_VIEWER, password="")
    assert pending.status == pb.USER_STATUS_PENDING and not pending.has_password
    with pytest.raises(grpc.aio.AioRpcError) as dup:
        await _create(api, tenant.owner, f"TECH@{unique}.test")
    assert dup.value.code() == grpc.StatusCode.ALREADY_EXISTS
    got = await api.users.GetUser(pb.GetUserRequest(name=tech.name), metadata=as_tenant(unique, "VIEWER"))
    assert got.user == tech
    me = await api.users.GetUser(pb.GetUserRequest(name="users/me"), metadata=tenant.owner)
    assert me.user.role == pb.USER_ROLE_OWNER
    page = await api.users.ListUsers(pb.ListUsersRequest(page_size=2), metadata=tenant.owner)
    rest = await api.users.ListUsers(
        pb.ListUsersRequest(page_token=page.next_page_token), metadata=tenant.owner
    )
    emails = [u.email for u in [*page.users, *rest.users]]
    assert emails == sorted(emails, key=str.lower) and len(emails) == 3
    techs = await api.users.ListUsers(
        pb.ListUsersRequest(roles=[pb.USER_ROLE_TECHNICIAN]), metadata=tenant.owner
    )
    assert [u.name for u in techs.users] == [tech.name]
    renamed = await api.users.UpdateUser(
        pb.UpdateUserRequest(
            user=pb.User(name=tech.name, display_name="Tina", etag=tech.etag),
            update_mask=FieldMask(paths=["display_name"]),
        ),
        metadata=tenant.owner,
    )
    assert renamed.user.display_name == "Tina"
    own = await api.users.UpdateUser(  # a technician edits their own profile
        pb.UpdateUserRequest(
            user=pb.User(name="users/me", time_zone="Europe/Berlin"),
            update_mask=FieldMask(paths=["time_zone"]),
        ),
        metadata=as_tenant(unique, "TECHNICIAN", tech.name.removeprefix("users/")),
    )
    assert own.user.time_zone == "Europe/Berlin"
    with pytest.raises(grpc.aio.AioRpcError) as not_admin:
        await _create(api, as_tenant(unique, "TECHNICIAN"), f"x@{unique}.test")
    assert not_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await api.users.DeleteUser(pb.DeleteUserRequest(name=tech.name), metadata=tenant.owner)
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await api.users.GetUser(pb.GetUserRequest(name=tech.name), metadata=tenant.owner)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_owner_rules(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    admin = await _create(api, tenant.owner, f"admin@{unique}.test", pb.USER_ROLE_ADMIN)
    admin_md = as_tenant(unique, "ADMIN", admin.name.removeprefix("users/"))
    other_admin = await _create(api, tenant.owner, f"admin2@{unique}.test", pb.USER_ROLE_ADMIN)
    owner_name = f"users/{tenant.owner_id}"
    for call in (
        api.users.DeleteUser(pb.DeleteUserRequest(name=owner_name), metadata=tenant.owner),
        api.users.DisableUser(pb.DisableUserRequest(name=owner_name), metadata=tenant.owner),
        api.users.SetUserRole(
            pb.SetUserRoleRequest(name=owner_name, role=pb.USER_ROLE_ADMIN), metadata=tenant.owner
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as owner_only:  # only the OWNER changes an ADMIN
        await api.users.SetUserRole(
            pb.SetUserRoleRequest(name=other_admin.name, role=pb.USER_ROLE_VIEWER), metadata=admin_md
        )
    assert owner_only.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as make_owner:
        await _create(api, tenant.owner, f"boss@{unique}.test", pb.USER_ROLE_OWNER)
    assert make_owner.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(
        grpc.aio.AioRpcError
    ) as set_owner:  # the contract allows ADMIN, TECHNICIAN, VIEWER only
        await api.users.SetUserRole(
            pb.SetUserRoleRequest(name=admin.name, role=pb.USER_ROLE_OWNER), metadata=tenant.owner
        )
    assert set_owner.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as not_owner:
        await api.users.TransferOwnership(
            pb.TransferOwnershipRequest(name=other_admin.name), metadata=admin_md
        )
    assert not_owner.value.code() == grpc.StatusCode.PERMISSION_DENIED
    demoted = await api.users.SetUserRole(
        pb.SetUserRoleRequest(name=other_admin.name, role=pb.USER_ROLE_VIEWER), metadata=tenant.owner
    )
    assert demoted.user.role == pb.USER_ROLE_VIEWER


async def test_transfer_ownership_keeps_exactly_one_owner(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    admin = await _create(api, tenant.owner, f"admin@{unique}.test", pb.USER_ROLE_ADMIN)
    moved = await api.users.TransferOwnership(
        pb.TransferOwnershipRequest(name=admin.name), metadata=tenant.owner
    )
    assert moved.new_owner.role == pb.USER_ROLE_OWNER and moved.previous_owner.role == pb.USER_ROLE_ADMIN
    owners = await api.users.ListUsers(pb.ListUsersRequest(roles=[pb.USER_ROLE_OWNER]), metadata=tenant.owner)
    assert [u.name for u in owners.users] == [admin.name]
    from openframe.auth.v1 import tenants_pb2

    got = await api.tenants.GetTenant(
        tenants_pb2.GetTenantRequest(name=f"tenants/{unique}"), metadata=tenant.owner
    )
    assert got.tenant.owner == admin.name
    with pytest.raises(grpc.aio.AioRpcError) as stale:  # the former owner cannot do it again
        await api.users.TransferOwnership(pb.TransferOwnershipRequest(name=admin.name), metadata=tenant.owner)
    assert stale.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_disabled_user_cannot_sign_in_or_refresh(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    tech = await _create(api, tenant.owner, f"tech@{unique}.test")
    client, secret = await api.client(
        unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE, cpb.GRANT_TYPE_REFRESH_TOKEN)
    )
    tokens = await api.user_tokens(unique, client.client_id, tech.email, secret)
    disabled = await api.users.DisableUser(pb.DisableUserRequest(name=tech.name), metadata=tenant.owner)
    assert disabled.user.status == pb.USER_STATUS_DISABLED
    refused = await api.token(
        unique,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        (client.client_id, secret),
    )
    assert refused.status_code == 400
    _, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    blocked = await api.submit_login(page, tech.email)
    assert (
        blocked.status_code == 401 and "Incorrect email or password." in blocked.text
    )  # nothing more revealed
    await api.users.EnableUser(pb.EnableUserRequest(name=tech.name), metadata=tenant.owner)
    assert (await api.submit_login(page, tech.email)).status_code == 303


async def test_users_stay_in_their_tenant(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    other = await api.register(f"{unique}-x")
    tech = await _create(api, tenant.owner, f"tech@{unique}.test")
    intruder = other.owner
    calls = [
        api.users.GetUser(pb.GetUserRequest(name=tech.name), metadata=intruder),
        api.users.UpdateUser(
            pb.UpdateUserRequest(
                user=pb.User(name=tech.name, display_name="x"), update_mask=FieldMask(paths=["display_name"])
            ),
            metadata=intruder,
        ),
        api.users.DeleteUser(pb.DeleteUserRequest(name=tech.name), metadata=intruder),
        api.users.SetUserRole(
            pb.SetUserRoleRequest(name=tech.name, role=pb.USER_ROLE_ADMIN), metadata=intruder
        ),
        api.users.DisableUser(pb.DisableUserRequest(name=tech.name), metadata=intruder),
        api.users.TransferOwnership(pb.TransferOwnershipRequest(name=tech.name), metadata=intruder),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await api.users.ListUsers(pb.ListUsersRequest(search="tech"), metadata=intruder)
    assert list(listed.users) == []
    # same email may exist in both tenants
    twin = await _create(api, other.owner, tech.email)
    assert twin.name != tech.name
