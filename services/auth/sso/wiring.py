"""Wiring of SSO into the auth service: the gRPC binding of SsoProviderService and the two HTTP
routes (with ``app.state.sso``), so that app.py only calls ``build_sso`` and ``install``."""

from __future__ import annotations

import httpx
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette

from openframe.auth.v1 import sso_providers_pb2, sso_providers_pb2_grpc
from services.auth.audit.log import AuditLog
from services.auth.crypto import KeyVault
from services.auth.settings import AuthSettings
from services.auth.sso import flow
from services.auth.sso.accounts import Accounts
from services.auth.sso.links import SsoLogin
from services.auth.sso.repository import SsoRepository
from services.auth.sso.secretbox import SecretBox
from services.auth.sso.service import SsoProviderService
from services.auth.sso.servicer import SsoProviderServicer
from services.auth.sso.upstream import Upstreams
from services.auth.tenants.service import TenantService
from services.auth.users.repository import UserRepository
from services.kit.destinations import DestinationPolicy, GuardedTransport
from services.kit.http import no_cookies
from services.kit.lifecycle import Lifecycle
from services.kit.mongo import Document
from services.kit.server import ServiceBinding

SERVICE = sso_providers_pb2.DESCRIPTOR.services_by_name["SsoProviderService"].full_name


async def build_sso(
    settings: AuthSettings,
    db: AsyncDatabase[Document],
    vault: KeyVault,
    audit: AuditLog,
    tenants: TenantService,
    users: UserRepository,
    lifecycle: Lifecycle,
) -> tuple[ServiceBinding, SsoLogin]:
    repo = SsoRepository(db)
    await repo.init()
    # Issuers are tenant-supplied: every connection goes where the destination policy allows,
    # checked on the address it goes to (docs/security.md). No redirects followed: an upstream's
    # endpoints are what its discovery document says. No cookies kept: the client serves every
    # tenant's logins.
    destinations = DestinationPolicy.from_settings(settings)
    http = httpx.AsyncClient(
        transport=GuardedTransport(destinations),
        timeout=settings.sso_http_timeout_seconds,
        follow_redirects=False,
        cookies=no_cookies(),
        trust_env=False,
    )
    lifecycle.on_shutdown("sso-http", http.aclose)
    upstreams = Upstreams(http, destinations, cache_seconds=settings.sso_discovery_cache_seconds)
    service = SsoProviderService(
        repo,
        SecretBox(vault),
        upstreams,
        audit,
        callback_uri=lambda tenant_id: f"{tenants.issuer(tenant_id)}/sso/callback",
    )
    servicer = SsoProviderServicer(service)
    binding = ServiceBinding(
        SERVICE,
        lambda server: sso_providers_pb2_grpc.add_SsoProviderServiceServicer_to_server(servicer, server),
    )
    login = SsoLogin(
        providers=service,
        upstreams=upstreams,
        accounts=Accounts(repo, users, audit),
        state_ttl_seconds=settings.sso_state_ttl_seconds,
    )
    return binding, login


def install_sso(app: Starlette, login: SsoLogin) -> None:
    """Add the SSO routes and what they need to the issuer's HTTP app."""
    app.state.sso = login
    app.router.routes.extend(flow.routes())
