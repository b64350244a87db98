"""OAuth client ↔ proto (never a secret or its digest)."""

from __future__ import annotations

from typing import Any

from google.protobuf.duration_pb2 import Duration

from openframe.auth.v1 import oauth_clients_pb2 as pb
from openframe.auth.v1 import users_pb2
from openframe.common.v1 import common_pb2
from services.auth.clients.model import ClientType, Grant, OAuthClient, Purpose
from services.auth.common import ts

TYPE_TO_PB = {ClientType.CONFIDENTIAL: pb.CLIENT_TYPE_CONFIDENTIAL, ClientType.PUBLIC: pb.CLIENT_TYPE_PUBLIC}
TYPE_FROM_PB = {v: k for k, v in TYPE_TO_PB.items()}
PURPOSE_TO_PB = {
    Purpose.APPLICATION: pb.CLIENT_PURPOSE_APPLICATION,
    Purpose.INTEGRATION: pb.CLIENT_PURPOSE_INTEGRATION,
    Purpose.AGENT: pb.CLIENT_PURPOSE_AGENT,
}
PURPOSE_FROM_PB = {v: k for k, v in PURPOSE_TO_PB.items()}
GRANT_TO_PB = {
    Grant.AUTHORIZATION_CODE: pb.GRANT_TYPE_AUTHORIZATION_CODE,
    Grant.CLIENT_CREDENTIALS: pb.GRANT_TYPE_CLIENT_CREDENTIALS,
    Grant.REFRESH_TOKEN: pb.GRANT_TYPE_REFRESH_TOKEN,
}
GRANT_FROM_PB = {v: k for k, v in GRANT_TO_PB.items()}
ROLE_NAMES = {
    users_pb2.USER_ROLE_ADMIN: "ADMIN",
    users_pb2.USER_ROLE_TECHNICIAN: "TECHNICIAN",
    users_pb2.USER_ROLE_VIEWER: "VIEWER",
}
ROLE_VALUES = {v: k for k, v in ROLE_NAMES.items()}


def _duration(seconds: int | None) -> Duration | None:
    return Duration(seconds=seconds) if seconds else None


def fields_from_pb(message: pb.OAuthClient) -> dict[str, Any]:
    """The client-settable fields of a request message, as domain values."""
    return {
        "display_name": message.display_name,
        "grant_types": [GRANT_FROM_PB[g] for g in message.grant_types],
        "redirect_uris": list(message.redirect_uris),
        "scopes": list(message.scopes),
        "audiences": list(message.audiences),
        "roles": [ROLE_NAMES[r] for r in message.roles],
        "first_party": message.first_party,
        "access_token_ttl": message.access_token_ttl.ToSeconds()
        if message.HasField("access_token_ttl")
        else None,
        "refresh_token_ttl": message.refresh_token_ttl.ToSeconds()
        if message.HasField("refresh_token_ttl")
        else None,
        "disabled": message.disabled,
    }


def to_pb(client: OAuthClient) -> pb.OAuthClient:
    creator = client.creator or {}
    return pb.OAuthClient(
        name=client.name,
        client_id=client.id,
        display_name=client.display_name,
        client_type=TYPE_TO_PB[client.client_type],
        purpose=PURPOSE_TO_PB[client.purpose],
        grant_types=[GRANT_TO_PB[g] for g in client.grant_types],
        redirect_uris=client.redirect_uris,
        scopes=client.scopes,
        audiences=client.audiences,
        roles=[ROLE_VALUES[r] for r in client.roles],
        first_party=client.first_party,
        access_token_ttl=_duration(client.access_token_ttl),
        refresh_token_ttl=_duration(client.refresh_token_ttl),
        device=client.device,
        disabled=client.disabled,
        secret_hint=client.secret_hint,
        secret_rotate_time=ts(client.secret_rotate_time),
        creator=common_pb2.Actor(
            type=creator.get("type", "ACTOR_TYPE_UNSPECIFIED"),
            id=creator.get("id", ""),
            display_name=creator.get("display_name", ""),
        ),
        create_time=ts(client.create_time),
        update_time=ts(client.update_time),
        etag=client.etag,
    )
