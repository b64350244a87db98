"""Call the running services as anyone: internal tokens signed with this checkout's internal key
(the one ``make run`` gives every service), for tests that need a caller without a login flow."""

from __future__ import annotations

from infra.layout import Layout
from infra.servers.service import local_internal_token_key
from services.kit.identity import Identity
from services.kit.internal import InternalTokens


def internal_tokens(layout: Layout) -> InternalTokens:
    return InternalTokens(local_internal_token_key(layout), service="tests")


def as_caller(
    layout: Layout,
    tenant: str,
    *,
    roles: tuple[str, ...] = ("ADMIN",),
    subject: str = "tests",
    kind: str = "user",
    scopes: tuple[str, ...] = (),
) -> tuple[tuple[str, str], ...]:
    """gRPC metadata of a caller of ``tenant`` with ``roles`` (and, for an API key, ``scopes``)."""
    identity = Identity(
        tenant_id=tenant, subject=subject, roles=frozenset(roles), kind=kind, scopes=frozenset(scopes)
    )
    return internal_tokens(layout).metadata(identity)
