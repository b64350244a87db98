"""Password reset and email verification over real SMTP: the forgot page answers the same for any
address (no enumeration), the emailed link sets a new password once and revokes the user's
refresh tokens; verification links flip ``email_verified`` (ID token, userinfo) once."""

from __future__ import annotations

import grpc
import httpx
import pytest

from openframe.auth.v1 import account_pb2 as pb
from openframe.auth.v1 import audit_pb2 as apb
from openframe.auth.v1 import oauth_clients_pb2 as cpb
from openframe.auth.v1 import users_pb2 as upb
from tests.integration.auth.helpers import PASSWORD, REDIRECT, Api, form_action, form_field, verify
from tests.integration.auth.mailbox import Mailbox, link_in, token_of

NEW = "a brand new passphrase"


async def _forgot(http: httpx.AsyncClient, issuer: str, email: str) -> httpx.Response:
    page = await http.get(f"{issuer}/password/forgot")
    assert page.status_code == 200, page.text
    return await http.post(
        form_action(page.text), data={"csrf_token": form_field(page.text, "csrf_token"), "email": email}
    )


async def _reset(
    http: httpx.AsyncClient, link: str, password: str = NEW, confirm: str = NEW
) -> httpx.Response:
    page = await http.get(link)
    assert page.status_code == 200, page.text
    return await http.post(
        form_action(page.text),
        data={
            "token": form_field(page.text, "token"),
            "csrf_token": form_field(page.text, "csrf_token"),
            "password": password,
            "confirm": confirm,
        },
    )


async def test_reset_in_browser(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    client, _ = await api.client(
        unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE, cpb.GRANT_TYPE_REFRESH_TOKEN), public=True
    )
    tokens = await api.user_tokens(unique, client.client_id, tenant.owner_email)

    login = await api.login_page(api.authorize_url(unique, client.client_id, challenge="x" * 43))
    assert f"{tenant.issuer}/password/forgot" in login.text  # the login page links to it

    known = await _forgot(api.http, tenant.issuer, tenant.owner_email)
    unknown = await _forgot(api.http, tenant.issuer, f"nobody@{unique}.test")
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    link = link_in(await mailbox.wait(tenant.owner_email, "reset"))
    assert link.startswith(f"{tenant.issuer}/password/reset?token=")

    mismatch = await _reset(api.http, link, NEW, NEW + "x")
    assert mismatch.status_code == 400  # and the link still works:
    done = await _reset(api.http, link)
    assert done.status_code == 200 and "Password changed" in done.text
    assert (await api.http.get(link)).status_code == 400  # single use

    refreshed = await api.token(
        unique,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client.client_id,
        },
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    old = await api.submit_login(
        await api.login_page(api.authorize_url(unique, client.client_id, challenge="y" * 43)),
        tenant.owner_email,
        PASSWORD,
    )
    assert old.status_code == 401
    fresh = await api.user_tokens_with(unique, client.client_id, tenant.owner_email, NEW)
    claims = verify(
        fresh["id_token"], await api.jwks(unique), issuer=tenant.issuer, audience=client.client_id
    )
    assert claims["email_verified"] is True  # the reset link proved the mailbox
    assert not [m for m in mailbox.to(f"nobody@{unique}.test")]

    events = await api.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(
            types=[
                apb.AUDIT_EVENT_TYPE_PASSWORD_RESET_REQUESTED,
                apb.AUDIT_EVENT_TYPE_PASSWORD_RESET_COMPLETED,
            ]
        ),
        metadata=tenant.owner,
    )
    assert len(events.audit_events) == 2


async def test_reset_over_grpc_and_throttle(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    request = pb.RequestPasswordResetRequest(tenant=f"tenants/{unique}", email=tenant.owner_email)
    ip = (("x-forwarded-for", f"192.0.2.1, 10.9.{len(unique)}.{sum(map(ord, unique)) % 250}"),)
    for _ in range(3):
        assert (
            await api.account.RequestPasswordReset(request, metadata=ip) == pb.RequestPasswordResetResponse()
        )
    third = await mailbox.wait(tenant.owner_email, "reset", count=3)
    # over the limit: the same empty answer, and no fourth email
    assert await api.account.RequestPasswordReset(request, metadata=ip) == pb.RequestPasswordResetResponse()
    await api.account.RequestPasswordReset(
        pb.RequestPasswordResetRequest(tenant="tenants/no-such-tenant", email=tenant.owner_email), metadata=ip
    )
    await api.auth_drain()
    assert len([m for m in mailbox.to(tenant.owner_email) if "reset" in str(m["Subject"]).lower()]) == 3

    token = token_of(link_in(third))  # the newest link is the one that works
    with pytest.raises(grpc.aio.AioRpcError) as short:
        await api.account.ConfirmPasswordReset(
            pb.ConfirmPasswordResetRequest(token=token, new_password="short")
        )
    assert short.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    reply = await api.account.ConfirmPasswordReset(
        pb.ConfirmPasswordResetRequest(token=token, new_password=NEW)
    )
    assert reply.issuer_uri == tenant.issuer
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await api.account.ConfirmPasswordReset(pb.ConfirmPasswordResetRequest(token=token, new_password=NEW))
    assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "token" in (reused.value.details() or "")


async def test_email_verification(api: Api, mailbox: Mailbox, unique: str) -> None:
    tenant = await api.register(unique)
    owner_mail = await mailbox.wait(tenant.owner_email, "confirm your email")  # sent at registration
    created = await api.users.CreateUser(
        upb.CreateUserRequest(
            user=upb.User(email=f"new@{unique}.test", display_name="New"), password=PASSWORD
        ),
        metadata=tenant.owner,
    )
    assert not created.user.email_verified
    link = link_in(await mailbox.wait(f"new@{unique}.test", "confirm your email"))
    assert link.startswith(f"{tenant.issuer}/email/verify?token=")
    page = await api.http.get(link)
    assert page.status_code == 200
    got = await api.users.GetUser(upb.GetUserRequest(name=created.user.name), metadata=tenant.owner)
    assert not got.user.email_verified  # opening the link (a mail scanner) changes nothing
    confirmed = await api.http.post(
        form_action(page.text),
        data={"token": form_field(page.text, "token"), "csrf_token": form_field(page.text, "csrf_token")},
    )
    assert confirmed.status_code == 200 and "confirmed" in confirmed.text
    got = await api.users.GetUser(upb.GetUserRequest(name=created.user.name), metadata=tenant.owner)
    assert got.user.email_verified
    assert (await api.http.get(link)).status_code == 400

    # the owner confirms over gRPC; a forged CSRF token is refused
    owner_token = token_of(link_in(owner_mail))
    page = await api.http.get(link_in(owner_mail))
    forged = await api.http.post(form_action(page.text), data={"token": owner_token, "csrf_token": "forged"})
    assert forged.status_code == 403
    reply = await api.account.ConfirmEmailVerification(pb.ConfirmEmailVerificationRequest(token=owner_token))
    assert reply.user == f"users/{tenant.owner_id}" and reply.email == tenant.owner_email
    again = await api.account.RequestEmailVerification(
        pb.RequestEmailVerificationRequest(), metadata=tenant.owner
    )
    assert again.already_verified

    client, _ = await api.client(unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE,), public=True)
    tokens = await api.user_tokens(unique, client.client_id, tenant.owner_email)
    info = await api.http.get(
        f"{tenant.issuer}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.json()["email_verified"] is True
    events = await api.audit.ListAuditEvents(
        apb.ListAuditEventsRequest(types=[apb.AUDIT_EVENT_TYPE_EMAIL_VERIFIED]), metadata=tenant.owner
    )
    assert len(events.audit_events) == 2


async def test_change_password(api: Api, unique: str) -> None:
    tenant = await api.register(unique)
    with pytest.raises(grpc.aio.AioRpcError) as wrong:
        await api.account.ChangePassword(
            pb.ChangePasswordRequest(current_password="wrong password", new_password=NEW),
            metadata=tenant.owner,
        )
    assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await api.account.ChangePassword(
        pb.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW), metadata=tenant.owner
    )
    client, _ = await api.client(unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE,), public=True)
    assert (await api.user_tokens_with(unique, client.client_id, tenant.owner_email, NEW))["access_token"]
    assert REDIRECT


async def test_user_without_password_gets_a_set_password_link(
    api: Api, mailbox: Mailbox, unique: str
) -> None:
    tenant = await api.register(unique)
    email = f"later@{unique}.test"
    created = await api.users.CreateUser(
        upb.CreateUserRequest(user=upb.User(email=email, display_name="Later")), metadata=tenant.owner
    )
    assert created.user.status == upb.USER_STATUS_PENDING and not created.user.has_password
    link = link_in(await mailbox.wait(email, "choose a password"))
    assert link.startswith(f"{tenant.issuer}/password/reset?token=")
    done = await _reset(api.http, link)
    assert done.status_code == 200
    got = await api.users.GetUser(upb.GetUserRequest(name=created.user.name), metadata=tenant.owner)
    assert got.user.status == upb.USER_STATUS_ACTIVE and got.user.has_password and got.user.email_verified
    client, _ = await api.client(unique, grants=(cpb.GRANT_TYPE_AUTHORIZATION_CODE,), public=True)
    assert (await api.user_tokens_with(unique, client.client_id, email, NEW))["access_token"]
