"""Tenant isolation of the auth service's admin APIs, through the real edge, over gRPC and REST.

Tenant B owns a user, an OAuth client, an invitation, its signing key and audit entries. Tenant A's
owner (a real OWNER token from the login flow, ``tests/support/identity.py``) can neither list,
read, change nor detect any of them: every call on B's resource answers NOT_FOUND / 404 with the
very message a missing id of the same shape gets, and no list of A ever shows B's items.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from openframe.auth.v1 import audit_pb2 as apb
from openframe.auth.v1 import invitations_pb2 as ipb
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import signing_keys_pb2 as kpb
from openframe.auth.v1 import users_pb2 as upb
from openframe.auth.v1.audit_pb2_grpc import AuditServiceStub
from openframe.auth.v1.invitations_pb2_grpc import InvitationServiceStub
from openframe.auth.v1.oauth_clients_pb2_grpc import OAuthClientServiceStub
from openframe.auth.v1.signing_keys_pb2_grpc import SigningKeyServiceStub
from openframe.auth.v1.users_pb2_grpc import UserServiceStub
from tests.support.identity import Tenants, TenantSession

Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Stubs:
    users: UserServiceStub
    clients: OAuthClientServiceStub
    keys: SigningKeyServiceStub
    invitations: InvitationServiceStub
    audit: AuditServiceStub


@dataclass(frozen=True)
class Owned:
    """B's resources by name, and a missing name of the same shape for each."""

    user: str
    client: str
    key: str
    invitation: str
    audit: str

    def all(self) -> list[str]:
        return [self.user, self.client, self.key, self.invitation, self.audit]


def missing(name: str) -> str:
    """A name shaped like ``name`` that names nothing (its id's last 6 characters changed)."""
    collection, _, rid = name.partition("/")
    tail = "".join("0" if c != "0" else "1" for c in rid[-6:])
    return f"{collection}/{rid[:-6]}{tail}"


@pytest.fixture
def stubs(edge_channel: grpc.aio.Channel) -> Stubs:
    return Stubs(
        UserServiceStub(edge_channel),
        OAuthClientServiceStub(edge_channel),
        SigningKeyServiceStub(edge_channel),
        InvitationServiceStub(edge_channel),
        AuditServiceStub(edge_channel),
    )


@pytest.fixture
def pair(tenants: Tenants) -> tuple[TenantSession, TenantSession]:
    return tenants.fresh(), tenants.fresh()


async def _b_resources(s: Stubs, b: TenantSession) -> Owned:
    md = b.metadata
    user = await s.users.CreateUser(
        upb.CreateUserRequest(
            user=upb.User(email=f"tech@{b.id}.test", display_name="B tech"), password="x" * 16
        ),
        metadata=md,
    )
    client = await s.clients.CreateOAuthClient(
        cpb.CreateOAuthClientRequest(
            oauth_client=cpb.OAuthClient(
                display_name="B client",
                client_type=cpb.CLIENT_TYPE_CONFIDENTIAL,
                grant_types=[cpb.GRANT_TYPE_CLIENT_CREDENTIALS],
            )
        ),
        metadata=md,
    )
    invitation = await s.invitations.CreateInvitation(
        ipb.CreateInvitationRequest(invitation=ipb.Invitation(email=f"new@{b.id}.test")), metadata=md
    )
    key = (await s.keys.ListSigningKeys(kpb.ListSigningKeysRequest(), metadata=md)).signing_keys[0]
    audit = (
        await s.audit.ListAuditEvents(apb.ListAuditEventsRequest(page_size=1), metadata=md)
    ).audit_events[0]
    return Owned(user.user.name, client.oauth_client.name, key.name, invitation.invitation.name, audit.name)


def _grpc_calls(s: Stubs, name: str) -> list[Callable[[Metadata], Awaitable[Any]]]:
    """Every read and write of the resource ``name`` (by its collection)."""
    collection = name.split("/")[0]
    if collection == "users":
        return [
            lambda md: s.users.GetUser(upb.GetUserRequest(name=name), metadata=md),
            lambda md: s.users.UpdateUser(
                upb.UpdateUserRequest(
                    user=upb.User(name=name, display_name="pwned"),
                    update_mask=FieldMask(paths=["display_name"]),
                ),
                metadata=md,
            ),
            lambda md: s.users.SetUserRole(
                upb.SetUserRoleRequest(name=name, role=upb.USER_ROLE_ADMIN), metadata=md
            ),
            lambda md: s.users.DisableUser(upb.DisableUserRequest(name=name), metadata=md),
            lambda md: s.users.DeleteUser(upb.DeleteUserRequest(name=name), metadata=md),
        ]
    if collection == "oauthClients":
        return [
            lambda md: s.clients.GetOAuthClient(cpb.GetOAuthClientRequest(name=name), metadata=md),
            lambda md: s.clients.UpdateOAuthClient(
                cpb.UpdateOAuthClientRequest(
                    oauth_client=cpb.OAuthClient(name=name, display_name="pwned"),
                    update_mask=FieldMask(paths=["display_name"]),
                ),
                metadata=md,
            ),
            lambda md: s.clients.RotateOAuthClientSecret(
                cpb.RotateOAuthClientSecretRequest(name=name), metadata=md
            ),
            lambda md: s.clients.DeleteOAuthClient(cpb.DeleteOAuthClientRequest(name=name), metadata=md),
        ]
    if collection == "signingKeys":
        return [lambda md: s.keys.GetSigningKey(kpb.GetSigningKeyRequest(name=name), metadata=md)]
    if collection == "invitations":
        return [
            lambda md: s.invitations.GetInvitation(ipb.GetInvitationRequest(name=name), metadata=md),
            lambda md: s.invitations.ResendInvitation(ipb.ResendInvitationRequest(name=name), metadata=md),
            lambda md: s.invitations.RevokeInvitation(ipb.RevokeInvitationRequest(name=name), metadata=md),
        ]
    return [lambda md: s.audit.GetAuditEvent(apb.GetAuditEventRequest(name=name), metadata=md)]


def _rest_calls(name: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    collection = name.split("/")[0]
    path = f"/auth/v1/{name}"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [("GET", path, None)]
    if collection == "users":
        calls += [
            ("PATCH", f"{path}?update_mask=display_name", {"display_name": "pwned"}),
            ("POST", f"{path}:setRole", {"role": "USER_ROLE_ADMIN"}),
            ("POST", f"{path}:disable", {}),
            ("DELETE", path, None),
        ]
    elif collection == "oauthClients":
        calls += [
            ("PATCH", f"{path}?update_mask=display_name", {"display_name": "pwned"}),
            ("POST", f"{path}:rotateSecret", {}),
            ("DELETE", path, None),
        ]
    elif collection == "invitations":
        calls += [("POST", f"{path}:resend", {}), ("POST", f"{path}:revoke", {})]
    return calls


async def _not_found_grpc(call: Callable[[Metadata], Awaitable[Any]], md: Metadata) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call(md)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND, err.value.details()
    return str(err.value.details())


async def test_grpc_through_the_edge(stubs: Stubs, pair: tuple[TenantSession, TenantSession]) -> None:
    a, b = pair
    owned = await _b_resources(stubs, b)
    for name in owned.all():
        for theirs, nothing in zip(_grpc_calls(stubs, name), _grpc_calls(stubs, missing(name)), strict=True):
            assert await _not_found_grpc(theirs, a.metadata) == f"{name} not found"
            assert await _not_found_grpc(nothing, a.metadata) == f"{missing(name)} not found"
    # ... and B's resources are untouched
    still = await stubs.users.GetUser(upb.GetUserRequest(name=owned.user), metadata=b.metadata)
    assert still.user.display_name == "B tech" and still.user.status == upb.USER_STATUS_ACTIVE
    await stubs.clients.GetOAuthClient(cpb.GetOAuthClientRequest(name=owned.client), metadata=b.metadata)
    pending = await stubs.invitations.GetInvitation(
        ipb.GetInvitationRequest(name=owned.invitation), metadata=b.metadata
    )
    assert pending.invitation.status == ipb.INVITATION_STATUS_PENDING

    listed = {
        *(
            u.name
            for u in (
                await stubs.users.ListUsers(upb.ListUsersRequest(page_size=500), metadata=a.metadata)
            ).users
        ),
        *(
            c.name
            for c in (
                await stubs.clients.ListOAuthClients(
                    cpb.ListOAuthClientsRequest(page_size=500), metadata=a.metadata
                )
            ).oauth_clients
        ),
        *(
            k.name
            for k in (
                await stubs.keys.ListSigningKeys(kpb.ListSigningKeysRequest(), metadata=a.metadata)
            ).signing_keys
        ),
        *(
            i.name
            for i in (
                await stubs.invitations.ListInvitations(
                    ipb.ListInvitationsRequest(page_size=500), metadata=a.metadata
                )
            ).invitations
        ),
    }
    assert listed and not listed & set(owned.all())
    audit = (
        await stubs.audit.ListAuditEvents(apb.ListAuditEventsRequest(page_size=500), metadata=a.metadata)
    ).audit_events
    assert audit and owned.audit not in {e.name for e in audit}
    assert not {e.target for e in audit} & set(owned.all())
    # filters naming B's things find nothing either
    for search in (f"tech@{b.id}.test", f"new@{b.id}.test"):
        users = await stubs.users.ListUsers(upb.ListUsersRequest(search=search), metadata=a.metadata)
        invitations = await stubs.invitations.ListInvitations(
            ipb.ListInvitationsRequest(search=search), metadata=a.metadata
        )
        assert list(users.users) == [] and list(invitations.invitations) == []
    by_target = await stubs.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(target=owned.user), metadata=a.metadata
    )
    assert list(by_target.audit_events) == []


async def test_rest_through_the_edge(
    edge_url: str, stubs: Stubs, pair: tuple[TenantSession, TenantSession]
) -> None:
    a, b = pair
    owned = await _b_resources(stubs, b)
    async with httpx.AsyncClient(base_url=edge_url, headers=a.bearer, timeout=10) as rest:
        for name in owned.all():
            for (verb, path, body), (_, missing_path, _) in zip(
                _rest_calls(name), _rest_calls(missing(name)), strict=True
            ):
                theirs = await rest.request(verb, path, json=body)
                nothing = await rest.request(verb, missing_path, json=body)
                assert (theirs.status_code, nothing.status_code) == (404, 404), (verb, path, theirs.text)
                assert theirs.json()["message"] == f"{name} not found"
                assert nothing.json()["message"] == f"{missing(name)} not found"
        lists = {
            "users": "/auth/v1/users?page_size=500",
            "oauthClients": "/auth/v1/oauthClients?page_size=500",
            "signingKeys": "/auth/v1/signingKeys",
            "invitations": "/auth/v1/invitations?page_size=500",
            "auditEvents": "/auth/v1/auditEvents?page_size=500",
        }
        seen: set[str] = set()
        for path in lists.values():
            resp = await rest.get(path)
            assert resp.status_code == 200, resp.text
            text = resp.text
            seen.update(n for n in owned.all() if n in text)
            assert b.id not in text  # not even B's tenant id leaks into A's lists
        assert seen == set()
    async with httpx.AsyncClient(base_url=edge_url, headers=b.bearer, timeout=10) as mine:
        assert (await mine.get(f"/auth/v1/{owned.user}")).json()["user"]["displayName"] == "B tech"
