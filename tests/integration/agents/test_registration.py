"""Registration secrets and agent registration through the real RPCs, with OAuth clients issued
by the running auth service and tokens from the tenant's token endpoint."""

from __future__ import annotations

import grpc
import httpx
import pytest
from google.protobuf.duration_pb2 import Duration

from openframe.agents.v1 import agents_pb2
from openframe.agents.v1 import registration_secrets_pb2 as pb
from services.api.agents.simulator import inventory
from services.api.devices.model import DeviceStatus
from tests.integration.agents.conftest import AgentsApp


def register_request(
    secret: str, host: str = "host-1", fingerprint: str = ""
) -> agents_pb2.RegisterAgentRequest:
    return agents_pb2.RegisterAgentRequest(
        registration_secret=secret, inventory=inventory(host), machine_fingerprint=fingerprint
    )


def token(endpoint: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        endpoint, data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=20
    )


async def test_secret_is_shown_once_and_listed_without_it(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    record, secret = await agents_app.new_secret(tenant, max_uses=5)
    assert secret.startswith(f"ofrs.{tenant}.") and record.secret_hint == secret[-4:]
    assert record.status == pb.REGISTRATION_SECRET_STATUS_ACTIVE and record.max_uses == 5
    got = await agents_app.secrets.GetRegistrationSecret(
        pb.GetRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(tenant)
    )
    assert secret not in str(got) and got.registration_secret.name == record.name
    listed = await agents_app.secrets.ListRegistrationSecrets(
        pb.ListRegistrationSecretsRequest(page_size=500), metadata=agents_app.admin(tenant)
    )
    assert record.name in [r.name for r in listed.registration_secrets]
    stored = await agents_app.domain.db["registration_secrets"].find_one({"_id": record.name.split("/")[1]})
    assert stored is not None and secret not in str(stored) and secret.split(".")[-1] not in str(stored)


async def test_secrets_need_an_admin_and_stay_in_their_tenant(agents_app: AgentsApp) -> None:
    a, b = agents_app.tenants[0], agents_app.tenants[1]
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await agents_app.secrets.CreateRegistrationSecret(
            pb.CreateRegistrationSecretRequest(registration_secret=pb.RegistrationSecret(display_name="x")),
            metadata=agents_app.admin(a, "VIEWER"),
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    record, _ = await agents_app.new_secret(a)
    for call in (
        agents_app.secrets.GetRegistrationSecret(
            pb.GetRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(b)
        ),
        agents_app.secrets.RevokeRegistrationSecret(
            pb.RevokeRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(b)
        ),
        agents_app.secrets.GetRegistrationSecret(
            pb.GetRegistrationSecretRequest(name="registrationSecrets/nope"), metadata=agents_app.admin(b)
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await call
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await agents_app.secrets.ListRegistrationSecrets(
        pb.ListRegistrationSecretsRequest(page_size=500), metadata=agents_app.admin(b)
    )
    assert record.name not in [r.name for r in listed.registration_secrets]


async def test_bad_secrets_are_refused_clearly(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    _, secret = await agents_app.new_secret(tenant)
    wrong = secret[:-6] + ("AAAAAA" if not secret.endswith("AAAAAA") else "BBBBBB")
    for bad in (
        "x" * 40,
        wrong,
        f"ofrs.{agents_app.tenants[1]}.{secret.split('.')[2]}.{secret.split('.')[3]}",
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await agents_app.agent_service.RegisterAgent(register_request(bad))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert refused.value.details() == "invalid registration secret"
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await agents_app.agent_service.RegisterAgent(register_request("short"))
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "registration_secret" in str(invalid.value.trailing_metadata())


async def test_registration_issues_working_credentials_and_a_pending_device(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    record, secret = await agents_app.new_secret(tenant)
    reply = await agents_app.agent_service.RegisterAgent(register_request(secret, "laptop-7"))
    assert reply.tenant_id == tenant and reply.device == f"devices/{reply.machine_id}"
    assert reply.client_id == reply.machine_id and reply.client_secret and not reply.reregistered
    assert reply.nats_subject_prefix == f"tenant.{tenant}.machine.{reply.machine_id}"
    assert reply.token_endpoint == f"{reply.issuer_uri}/oauth2/token"
    device = await agents_app.domain.device_repository.get(tenant_id=tenant, device_id=reply.machine_id)
    assert device is not None and device.status is DeviceStatus.PENDING and device.hostname == "laptop-7"
    issued = token(reply.token_endpoint, reply.client_id, reply.client_secret)
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "agent"
    used = await agents_app.secrets.GetRegistrationSecret(
        pb.GetRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(tenant)
    )
    assert used.registration_secret.use_count == 1


async def test_reregistration_by_fingerprint_keeps_the_machine_and_replaces_the_secret(
    agents_app: AgentsApp,
) -> None:
    tenant = agents_app.tenants[0]
    _, secret = await agents_app.new_secret(tenant)
    first = await agents_app.agent_service.RegisterAgent(register_request(secret, "srv-1", "fp-srv-1"))
    again = await agents_app.agent_service.RegisterAgent(register_request(secret, "srv-1b", "fp-srv-1"))
    assert again.machine_id == first.machine_id and again.reregistered
    assert token(first.token_endpoint, first.client_id, first.client_secret).status_code == 401
    assert token(again.token_endpoint, again.client_id, again.client_secret).status_code == 200
    device = await agents_app.domain.device_repository.get(tenant_id=tenant, device_id=first.machine_id)
    assert device is not None and device.hostname == "srv-1b"


async def test_rotated_and_revoked_secrets_are_refused(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    record, old = await agents_app.new_secret(tenant)
    rotated = await agents_app.secrets.RotateRegistrationSecret(
        pb.RotateRegistrationSecretRequest(name=record.name, overlap=Duration(seconds=0)),
        metadata=agents_app.admin(tenant),
    )
    assert rotated.secret != old and rotated.registration_secret.secret_hint == rotated.secret[-4:]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await agents_app.agent_service.RegisterAgent(register_request(old))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await agents_app.agent_service.RegisterAgent(register_request(rotated.secret))).machine_id
    revoked = await agents_app.secrets.RevokeRegistrationSecret(
        pb.RevokeRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(tenant)
    )
    assert revoked.registration_secret.status == pb.REGISTRATION_SECRET_STATUS_REVOKED
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await agents_app.agent_service.RegisterAgent(register_request(rotated.secret))
    assert gone.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in (gone.value.details() or "")


async def test_rotation_overlap_keeps_the_old_secret_working(agents_app: AgentsApp) -> None:
    tenant = agents_app.tenants[0]
    record, old = await agents_app.new_secret(tenant)
    await agents_app.secrets.RotateRegistrationSecret(
        pb.RotateRegistrationSecretRequest(name=record.name), metadata=agents_app.admin(tenant)
    )
    assert (await agents_app.agent_service.RegisterAgent(register_request(old))).machine_id
