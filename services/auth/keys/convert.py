"""Signing key ↔ proto (public part only: the sealed private key never reaches a message)."""

from __future__ import annotations

from datetime import datetime

from openframe.auth.v1 import signing_keys_pb2 as pb
from services.auth.common import ts
from services.auth.keys.model import KeyStatus, SigningKey

STATUS_TO_PB = {
    KeyStatus.ACTIVE: pb.SIGNING_KEY_STATUS_ACTIVE,
    KeyStatus.VERIFY_ONLY: pb.SIGNING_KEY_STATUS_VERIFY_ONLY,
    KeyStatus.RETIRED: pb.SIGNING_KEY_STATUS_RETIRED,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def jwk_pb(jwk: dict[str, str]) -> pb.Jwk:
    return pb.Jwk(**{k: jwk[k] for k in ("kty", "kid", "use", "alg", "n", "e")})


def to_pb(key: SigningKey, *, active_id: str | None, at: datetime) -> pb.SigningKey:
    return pb.SigningKey(
        name=key.name,
        kid=key.kid,
        algorithm="RS256",
        key_size=key.key_size,
        status=STATUS_TO_PB[key.status(active_id=active_id, at=at)],
        public_key=jwk_pb(key.public_jwk),
        create_time=ts(key.create_time),
        activate_time=ts(key.activate_time),
        deactivate_time=ts(key.deactivate_time),
        retire_time=ts(key.retire_time),
    )
