"""An agent's token reaches the agent RPCs and nothing else: through the real edge and the running
api service, a registered agent may heartbeat but may not read its tenant's inventory."""

from __future__ import annotations

import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from openframe.agents.v1 import agents_pb2, agents_pb2_grpc
from openframe.agents.v1 import registration_secrets_pb2 as rs_pb
from openframe.agents.v1 import registration_secrets_pb2_grpc as rs_grpc
from openframe.api.v1 import devices_pb2, devices_pb2_grpc, organizations_pb2, organizations_pb2_grpc
from services.api.agents.simulator import inventory
from tests.support.identity import TenantSession


async def test_agent_tokens_are_confined_to_the_agent_rpcs(
    edge_channel: grpc.aio.Channel, tenant: TenantSession
) -> None:
    created = await rs_grpc.RegistrationSecretServiceStub(edge_channel).CreateRegistrationSecret(
        rs_pb.CreateRegistrationSecretRequest(
            registration_secret=rs_pb.RegistrationSecret(display_name="installer")
        ),
        metadata=tenant.metadata,
    )
    agents = agents_pb2_grpc.AgentServiceStub(edge_channel)
    reply = await agents.RegisterAgent(
        agents_pb2.RegisterAgentRequest(registration_secret=created.secret, inventory=inventory("scoped-1"))
    )
    async with httpx.AsyncClient(timeout=20) as http:
        issued = await http.post(
            reply.token_endpoint,
            data={"grant_type": "client_credentials"},
            auth=(reply.client_id, reply.client_secret),
        )
    assert issued.status_code == 200, issued.text
    agent = (("authorization", f"Bearer {issued.json()['access_token']}"),)

    sent = Timestamp()
    sent.GetCurrentTime()
    beat = await agents.Heartbeat(
        agents_pb2.HeartbeatRequest(device=reply.device, send_time=sent), metadata=agent
    )
    assert beat.status  # the agent's own RPC works

    for call in (
        devices_pb2_grpc.DeviceServiceStub(edge_channel).ListDevices(
            devices_pb2.ListDevicesRequest(), metadata=agent
        ),
        devices_pb2_grpc.DeviceServiceStub(edge_channel).GetDevice(
            devices_pb2.GetDeviceRequest(name=reply.device), metadata=agent
        ),
        organizations_pb2_grpc.OrganizationServiceStub(edge_channel).ListOrganizations(
            organizations_pb2.ListOrganizationsRequest(), metadata=agent
        ),
        rs_grpc.RegistrationSecretServiceStub(edge_channel).ListRegistrationSecrets(
            rs_pb.ListRegistrationSecretsRequest(), metadata=agent
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "scope 'agent'" in (err.value.details() or "")
