"""Registration secret domain <-> proto (never the secret or its digest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from openframe.agents.v1 import registration_secrets_pb2 as pb
from openframe.common.v1 import common_pb2
from services.api.agents.secrets_model import RegistrationSecret, SecretStatus
from services.kit.mongo import now

STATUS_TO_PB = {
    SecretStatus.ACTIVE: pb.REGISTRATION_SECRET_STATUS_ACTIVE,
    SecretStatus.EXPIRED: pb.REGISTRATION_SECRET_STATUS_EXPIRED,
    SecretStatus.REVOKED: pb.REGISTRATION_SECRET_STATUS_REVOKED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def ts(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def fields_from_pb(message: pb.RegistrationSecret) -> dict[str, Any]:
    return {
        "display_name": message.display_name,
        "organization": message.organization,
        "expire_time": message.expire_time.ToDatetime(tzinfo=now().tzinfo)
        if message.HasField("expire_time")
        else None,
        "max_uses": message.max_uses,
    }


def to_pb(record: RegistrationSecret) -> pb.RegistrationSecret:
    creator = record.creator or {}
    return pb.RegistrationSecret(
        name=record.name,
        display_name=record.display_name,
        organization=record.organization,
        status=STATUS_TO_PB[record.effective_status(now())],
        secret_hint=record.secret_hint,
        expire_time=ts(record.expire_time),
        max_uses=record.max_uses,
        use_count=record.use_count,
        last_use_time=ts(record.last_use_time),
        previous_secret_expire_time=ts(record.previous_secret_expire_time),
        creator=common_pb2.Actor(
            type=creator.get("type", "ACTOR_TYPE_UNSPECIFIED"), id=creator.get("id", "")
        ),
        create_time=ts(record.create_time),
        rotate_time=ts(record.rotate_time),
        revoke_time=ts(record.revoke_time),
        etag=record.etag,
    )
