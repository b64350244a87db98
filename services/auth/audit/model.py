"""What a caller records: one security-relevant happening, with the domain event it publishes."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import Message

from openframe.auth.v1 import audit_pb2
from openframe.common.v1 import common_pb2

SUCCESS = audit_pb2.AUDIT_OUTCOME_SUCCESS
FAILURE = audit_pb2.AUDIT_OUTCOME_FAILURE


@dataclass
class AuditEntry:
    tenant_id: str
    type: audit_pb2.AuditEventType
    #: Envelope subject (the aggregate): "users/{id}", "oauthClients/{id}", "tenants/{id}"...
    subject: str
    #: The openframe.events.v1 message published to Kafka. Never a secret in it.
    payload: Message
    outcome: audit_pb2.AuditOutcome = SUCCESS
    actor: common_pb2.Actor | None = None
    target: str = ""
    client_id: str = ""
    ip_address: str = ""
    user_agent: str = ""
    failure_reason: str = ""
    details: dict[str, str] = field(default_factory=dict)


def user_actor(user_id: str, display: str = "") -> common_pb2.Actor:
    return common_pb2.Actor(type=common_pb2.ACTOR_TYPE_USER, id=user_id, display_name=display)


def client_actor(client_id: str) -> common_pb2.Actor:
    return common_pb2.Actor(type=common_pb2.ACTOR_TYPE_CLIENT, id=client_id)
