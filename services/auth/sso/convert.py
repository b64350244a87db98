"""SSO provider ↔ proto (never the client secret, in any form)."""

from __future__ import annotations

from typing import Any

from openframe.auth.v1 import sso_providers_pb2 as pb
from openframe.auth.v1 import users_pb2
from services.auth.common import ts
from services.auth.sso.model import Preset, SsoProvider
from services.auth.users.model import Role

PRESET_TO_PB = {
    Preset.GOOGLE: pb.SSO_PROVIDER_PRESET_GOOGLE,
    Preset.MICROSOFT: pb.SSO_PROVIDER_PRESET_MICROSOFT,
    Preset.GENERIC_OIDC: pb.SSO_PROVIDER_PRESET_GENERIC_OIDC,
}
PRESET_FROM_PB = {v: k for k, v in PRESET_TO_PB.items()}
ROLE_FROM_PB = {
    users_pb2.USER_ROLE_UNSPECIFIED: Role.VIEWER,  # the contract's default: least privilege
    users_pb2.USER_ROLE_TECHNICIAN: Role.TECHNICIAN,
    users_pb2.USER_ROLE_VIEWER: Role.VIEWER,
}
ROLE_TO_PB = {Role.TECHNICIAN: users_pb2.USER_ROLE_TECHNICIAN, Role.VIEWER: users_pb2.USER_ROLE_VIEWER}


def fields_from_pb(message: pb.SsoProvider) -> dict[str, Any]:
    """The settable fields of a request message, as domain values (client_secret in clear: the
    service seals it before anything is stored)."""
    return {
        "display_name": message.display_name,
        "issuer_uri": message.issuer_uri,
        "microsoft_tenant": message.microsoft_tenant,
        "client_id": message.client_id,
        "client_secret": message.client_secret,
        "scopes": list(message.scopes),
        "enabled": message.enabled,
        "allowed_email_domains": [d.lower() for d in message.allowed_email_domains],
        "auto_provision": message.auto_provision,
        "auto_provision_role": ROLE_FROM_PB[message.auto_provision_role],
    }


def to_pb(provider: SsoProvider, redirect_uri: str) -> pb.SsoProvider:
    return pb.SsoProvider(
        name=provider.name,
        display_name=provider.display_name,
        preset=PRESET_TO_PB[provider.preset],
        issuer_uri=provider.issuer_uri,
        microsoft_tenant=provider.microsoft_tenant,
        client_id=provider.client_id,
        client_secret_set=provider.has_secret,
        scopes=provider.scopes,
        enabled=provider.enabled,
        allowed_email_domains=provider.allowed_email_domains,
        auto_provision=provider.auto_provision,
        auto_provision_role=ROLE_TO_PB.get(provider.auto_provision_role, users_pb2.USER_ROLE_VIEWER),
        redirect_uri=redirect_uri,
        create_time=ts(provider.create_time),
        update_time=ts(provider.update_time),
        etag=provider.etag,
    )
