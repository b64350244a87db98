"""Invitations: an admin invites an address, the email arrives over real SMTP, the invitee follows
the link, sets a name and password on the accept page, and signs in. Resend replaces the link,
revoke kills it, a link works once and expires; everything is audited and tenant-scoped."""

from __future__ import annotations

import grpc
import httpx
import pytest
from google.protobuf.duration_pb2 import Duration
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import audit_pb2 as apb
from openframe.auth.v1 import invitations_pb2 as pb
from openframe.auth.v1 import users_pb2 as upb
from openframe.events.v1 import envelope_pb2, user_events_pb2
from services.auth.app import Running
from services.kit.config import Settings
from tests.integration.auth.helpers import PASSWORD, Api, as_tenant, form_action, form_field
from tests.integration.auth.kafka_tools import read_until
from tests.integration.auth.mailbox import Mailbox, body, link_in, token_of

NEW_PASSWORD = "invited person's passphrase"


async def _invite(
    api: Api, tenant: str, owner: tuple[tuple[str, str], ...], email: str, **kw: object
) -> pb.Invitation:
    reply = await api.invitations.CreateInvitation(
        pb.CreateInvitationRequest(invitation=pb.Invitation(email=email, **kw)),
        metadata=owner,  # type: ignore[arg-type]
    )
    return reply.invitation


async def _accept_in_browser(http: httpx.AsyncClient, link: str, name: str = "Ivy Invitee") -> httpx.Response:
    page = await http.get(link)
    assert page.status_code == 200, page.text
    return await http.post(
        form_action(page.text),
        data={
            "token": form_field(page.text, "token"),
            "csrf_token": form_field(page.text, "csrf_token"),
            "display_name": name,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )


async def test_invite_accept_in_browser_and_sign_in(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    email = f"ivy@{unique}.test"
    invitation = await _invite(
        api, unique, tenant.owner, email, role=upb.USER_ROLE_ADMIN, message="Welcome aboard!"
    )
    assert invitation.status == pb.INVITATION_STATUS_PENDING and invitation.send_count == 1
    assert invitation.role == upb.USER_ROLE_ADMIN and invitation.inviter.id == tenant.owner_id
    mail = await mailbox.wait(email, "invited")
    assert "Welcome aboard!" in body(mail) and "Olivia Owner" in body(mail)
    link = link_in(mail)
    assert link.startswith(f"{tenant.issuer}/invitation?token=")

    looked = await api.invitations.LookupInvitation(pb.LookupInvitationRequest(token=token_of(link)))
    assert (looked.tenant, looked.email, looked.role) == (f"tenants/{unique}", email, upb.USER_ROLE_ADMIN)

    done = await _accept_in_browser(api.http, link)
    assert done.status_code == 200 and "account is ready" in done.text
    again = await api.http.get(link)
    assert again.status_code == 400  # single use

    got = await api.invitations.GetInvitation(
        pb.GetInvitationRequest(name=invitation.name), metadata=tenant.owner
    )
    assert got.invitation.status == pb.INVITATION_STATUS_ACCEPTED and got.invitation.user
    user = await api.users.GetUser(upb.GetUserRequest(name=got.invitation.user), metadata=tenant.owner)
    assert user.user.email_verified and user.user.role == upb.USER_ROLE_ADMIN
    assert user.user.display_name == "Ivy Invitee" and user.user.status == upb.USER_STATUS_ACTIVE

    client, _ = await api.client(unique, grants=(1,), public=True)  # authorization code, public
    # the new user signs in with the password chosen on the accept page
    from tests.integration.auth.helpers import pkce_pair, query_of

    verifier, challenge = pkce_pair()
    page = await api.login_page(api.authorize_url(unique, client.client_id, challenge=challenge))
    signed_in = await api.submit_login(page, email, NEW_PASSWORD)
    assert signed_in.status_code == 303 and "code" in query_of(signed_in.headers["location"])
    assert verifier

    audit = await api.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(
            types=[apb.AUDIT_EVENT_TYPE_INVITATION_SENT, apb.AUDIT_EVENT_TYPE_INVITATION_ACCEPTED]
        ),
        metadata=tenant.owner,
    )
    kinds = {e.type for e in audit.audit_events}
    assert kinds == {apb.AUDIT_EVENT_TYPE_INVITATION_SENT, apb.AUDIT_EVENT_TYPE_INVITATION_ACCEPTED}


async def test_accept_over_grpc_is_single_use(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    email = f"grpc@{unique}.test"
    await _invite(api, unique, tenant.owner, email)
    token = token_of(link_in(await mailbox.wait(email, "invited")))
    accepted = await api.invitations.AcceptInvitation(
        pb.AcceptInvitationRequest(token=token, display_name="Gus", password=NEW_PASSWORD)
    )
    assert accepted.tenant == f"tenants/{unique}" and accepted.issuer_uri == tenant.issuer
    assert accepted.user.role == upb.USER_ROLE_TECHNICIAN and accepted.user.email_verified
    for call in (
        api.invitations.AcceptInvitation(
            pb.AcceptInvitationRequest(token=token, display_name="X", password=NEW_PASSWORD)
        ),
        api.invitations.LookupInvitation(pb.LookupInvitationRequest(token=token)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_resend_replaces_the_link_and_revoke_kills_it(
    api: Api, mailbox: Mailbox, unique: str, auth: Running, settings: Settings
) -> None:
    tenant = await api.register(unique)
    email = f"late@{unique}.test"
    invitation = await _invite(api, unique, tenant.owner, email)
    first = token_of(link_in(await mailbox.wait(email, "invited")))
    resent = await api.invitations.ResendInvitation(
        pb.ResendInvitationRequest(name=invitation.name, ttl=Duration(seconds=7200)), metadata=tenant.owner
    )
    assert resent.invitation.send_count == 2 and resent.invitation.etag != invitation.etag
    second = token_of(link_in(await mailbox.wait(email, "invited", count=2)))
    assert second != first
    with pytest.raises(grpc.aio.AioRpcError) as old:
        await api.invitations.LookupInvitation(pb.LookupInvitationRequest(token=first))
    assert old.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await api.invitations.LookupInvitation(pb.LookupInvitationRequest(token=second))).email == email

    revoked = await api.invitations.RevokeInvitation(
        pb.RevokeInvitationRequest(name=invitation.name), metadata=tenant.owner
    )
    assert revoked.invitation.status == pb.INVITATION_STATUS_REVOKED
    with pytest.raises(grpc.aio.AioRpcError) as dead:
        await api.invitations.AcceptInvitation(
            pb.AcceptInvitationRequest(token=second, display_name="Late", password=NEW_PASSWORD)
        )
    assert dead.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await api.invitations.ResendInvitation(
            pb.ResendInvitationRequest(name=invitation.name), metadata=tenant.owner
        )
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    entries = await api.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(types=[apb.AUDIT_EVENT_TYPE_INVITATION_REVOKED]), metadata=tenant.owner
    )
    assert [e.target for e in entries.audit_events] == [invitation.name]
    # ... and the events went to Kafka, in order, keyed by the invitation
    key = f"{unique}:{invitation.name}".encode()
    records = await read_until(
        settings.kafka_bootstrap,
        auth.deps.settings.audit_topic,
        lambda rs: sum(r.key == key for r in rs) >= 3,
    )
    envelopes = [envelope_pb2.EventEnvelope.FromString(r.value) for r in records if r.key == key]
    assert [e.type for e in envelopes] == [
        "openframe.events.v1.InvitationSent",
        "openframe.events.v1.InvitationSent",
        "openframe.events.v1.InvitationRevoked",
    ]
    resent_event = user_events_pb2.InvitationSent()
    assert envelopes[1].payload.Unpack(resent_event) and resent_event.resend
    assert resent_event.invitation.email == email and envelopes[1].tenant_id == unique


async def test_expired_invitation_cannot_be_accepted(
    api: Api, mailbox: Mailbox, unique: str, db: AsyncDatabase[dict[str, object]]
) -> None:
    tenant = await api.register(unique)
    email = f"slow@{unique}.test"
    invitation = await _invite(api, unique, tenant.owner, email)
    token = token_of(link_in(await mailbox.wait(email, "invited")))
    from datetime import UTC, datetime, timedelta

    await db["invitations"].update_one(
        {"_id": invitation.name.removeprefix("invitations/")},
        {"$set": {"expire_time": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.invitations.AcceptInvitation(
            pb.AcceptInvitationRequest(token=token, display_name="Slow", password=NEW_PASSWORD)
        )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await api.invitations.ListInvitations(
        pb.ListInvitationsRequest(status=pb.INVITATION_STATUS_EXPIRED), metadata=tenant.owner
    )
    assert [i.name for i in listed.invitations] == [invitation.name]
    assert listed.invitations[0].status == pb.INVITATION_STATUS_EXPIRED
    # an expired invitation can be resent: a fresh link that works
    await api.invitations.ResendInvitation(
        pb.ResendInvitationRequest(name=invitation.name), metadata=tenant.owner
    )
    fresh = token_of(link_in(await mailbox.wait(email, "invited", count=2)))
    ok = await api.invitations.AcceptInvitation(
        pb.AcceptInvitationRequest(token=fresh, display_name="Slow", password=NEW_PASSWORD)
    )
    assert ok.user.email == email


async def test_rules_and_isolation(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    other = await api.register(f"{unique}-b")
    with pytest.raises(grpc.aio.AioRpcError) as existing:
        await _invite(api, unique, tenant.owner, tenant.owner_email)
    assert existing.value.code() == grpc.StatusCode.ALREADY_EXISTS
    invitation = await _invite(api, unique, tenant.owner, f"one@{unique}.test")
    with pytest.raises(grpc.aio.AioRpcError) as dup:
        await _invite(api, unique, tenant.owner, f"ONE@{unique}.test")
    assert dup.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(grpc.aio.AioRpcError) as owner_role:
        await _invite(api, unique, tenant.owner, f"boss@{unique}.test", role=upb.USER_ROLE_OWNER)
    assert owner_role.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as tech:
        await _invite(api, unique, as_tenant(unique, "TECHNICIAN"), f"two@{unique}.test")
    assert tech.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await _invite(api, unique, tenant.owner, "not-an-email")
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    missing = "invitations/0190d6e4-0000-7000-8000-000000000000"
    for name in (invitation.name, missing):
        for call in (
            api.invitations.GetInvitation(pb.GetInvitationRequest(name=name), metadata=other.owner),
            api.invitations.RevokeInvitation(pb.RevokeInvitationRequest(name=name), metadata=other.owner),
            api.invitations.ResendInvitation(pb.ResendInvitationRequest(name=name), metadata=other.owner),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            assert err.value.details() == f"{name} not found"
    listed = await api.invitations.ListInvitations(pb.ListInvitationsRequest(), metadata=other.owner)
    assert list(listed.invitations) == []
    # another tenant's issuer does not take the link
    token = token_of(link_in(await mailbox.wait(f"one@{unique}.test", "invited")))
    page = await api.http.get(f"{other.issuer}/invitation", params={"token": token})
    assert page.status_code == 400
    assert PASSWORD  # the owner's password is untouched by any of this
