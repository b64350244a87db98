"""Wiring of the auth service: stores → repositories → domain services → gRPC servicers and the
OAuth/OIDC HTTP app, both served from one process and one event loop."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from openframe.auth.v1 import (
    account_pb2,
    account_pb2_grpc,
    audit_pb2,
    audit_pb2_grpc,
    invitations_pb2,
    invitations_pb2_grpc,
    oauth_clients_pb2,
    oauth_clients_pb2_grpc,
    signing_keys_pb2,
    signing_keys_pb2_grpc,
    tenants_pb2,
    tenants_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from services.auth.account.service import AccountService
from services.auth.account.servicer import AccountServicer
from services.auth.account.tokens import EmailTokens
from services.auth.audit.log import AuditLog, renderer
from services.auth.audit.repository import CHECKPOINTS, COLLECTION, AuditRepository
from services.auth.audit.retention import Retention
from services.auth.audit.servicer import AuditServicer
from services.auth.clients.registration import InitialAccessTokens
from services.auth.clients.repository import ClientRepository
from services.auth.clients.service import ClientService
from services.auth.clients.servicer import OAuthClientServicer
from services.auth.crypto import KeyVault
from services.auth.grants.codes import CodeStore
from services.auth.grants.refresh import RefreshTokens
from services.auth.invitations.repository import InvitationRepository
from services.auth.invitations.service import InvitationService
from services.auth.invitations.servicer import InvitationServicer
from services.auth.keys.repository import SigningKeyRepository
from services.auth.keys.service import SigningKeyService
from services.auth.keys.servicer import SigningKeyServicer
from services.auth.mail.sender import Mailer
from services.auth.oauth.app import create_app
from services.auth.oauth.base import Deps
from services.auth.oauth.throttle import LoginThrottle
from services.auth.settings import AuthSettings
from services.auth.sso.wiring import build_sso, install_sso
from services.auth.tenants.repository import TenantRepository
from services.auth.tenants.service import TenantService
from services.auth.tenants.servicer import TenantServicer
from services.auth.users.repository import UserRepository
from services.auth.users.service import UserService
from services.auth.users.servicer import UserServicer
from services.kit import mongo
from services.kit.http import reuseport_socket, serve_http
from services.kit.lifecycle import Lifecycle
from services.kit.outbox_log import OutboxLog
from services.kit.server import ServiceBinding, start_server


@dataclass(frozen=True)
class Running:
    grpc_port: int
    http_port: int
    deps: Deps
    outbox: OutboxLog


def _binding(module: object, service: str, add: object, servicer: object) -> ServiceBinding:
    name = module.DESCRIPTOR.services_by_name[service].full_name  # type: ignore[attr-defined]
    return ServiceBinding(name, lambda server: add(servicer, server))  # type: ignore[operator]


async def build(settings: AuthSettings, lifecycle: Lifecycle) -> Running:
    """Start the auth service (gRPC + HTTP); returns the bound ports and the wiring."""
    vault = KeyVault(settings.master_key)  # fails fast without a master key
    db = mongo.connect(settings, lifecycle)
    # The audit log lives in its own database: high-volume, append-only, with its own retention
    # and backups.
    audit_db = db.client[settings.audit_mongo_database or f"{settings.mongo_database}_audit"]
    redis = aioredis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
    lifecycle.on_shutdown("redis", redis.aclose)
    outbox = OutboxLog(
        audit_db[COLLECTION],
        audit_db[CHECKPOINTS],
        bootstrap=settings.kafka_bootstrap,
        render=renderer(settings.audit_topic),
        stream="auth-audit",
        heartbeat_seconds=settings.outbox_heartbeat_seconds,
        dead_after_seconds=settings.outbox_dead_after_seconds,
        linger_seconds=settings.audit_relay_linger_ms / 1000,
    )
    audit_repo, tenant_repo, user_repo = AuditRepository(audit_db), TenantRepository(db), UserRepository(db)
    key_repo, client_repo, refresh = SigningKeyRepository(db), ClientRepository(db), RefreshTokens(db)
    email_tokens, invitation_repo = EmailTokens(db), InvitationRepository(db)
    initial_tokens = InitialAccessTokens(db)
    stores = (
        *(outbox, audit_repo, tenant_repo, user_repo, key_repo, client_repo, refresh),
        *(email_tokens, invitation_repo, initial_tokens),
    )
    for store in stores:
        await store.init()
    audit = AuditLog(outbox, redis, linger_seconds=settings.audit_linger_ms / 1000)
    ttl = settings.cache_ttl_seconds
    keys = SigningKeyService(
        key_repo,
        tenant_repo,
        vault,
        audit,
        redis,
        cache_ttl=ttl,
        overlap_seconds=settings.key_overlap_seconds,
    )
    console = settings.console_redirect_uris or [f"{settings.public_url.rstrip('/')}/console/callback"]
    tenants = TenantService(
        tenant_repo,
        user_repo,
        keys,
        audit,
        client_repo,
        public_url=settings.public_url,
        console_redirect_uris=console,
        cache_ttl=ttl,
    )
    clients = ClientService(client_repo, audit, refresh, cache_ttl=ttl)
    users = UserService(user_repo, tenant_repo, audit, refresh)
    mailer = Mailer(settings)
    throttle = LoginThrottle(redis, settings)
    account = AccountService(
        user_repo, tenants, email_tokens, refresh, throttle, audit, mailer, redis, settings
    )
    users.on_created = tenants.on_registered = account.verify_later
    invitations = InvitationService(
        invitation_repo,
        user_repo,
        tenants,
        audit,
        mailer,
        default_ttl_seconds=settings.invitation_ttl_seconds,
    )
    deps = Deps(
        settings=settings,
        tenants=tenants,
        keys=keys,
        clients=clients,
        users=user_repo,
        refresh=refresh,
        codes=CodeStore(redis, settings.auth_code_ttl_seconds),
        audit=audit,
        redis=redis,
        throttle=throttle,
        page_key=vault.derive("openframe/auth/pages/v1"),
        account=account,
        invitations=invitations,
        registration=initial_tokens,
    )
    retention = Retention(
        audit_db[COLLECTION],
        days=settings.audit_retention_days,
        purges=[email_tokens.purge_expired, initial_tokens.purge_expired, refresh.purge_expired],
    )
    for job in retention.periodic(
        redis,
        database=db.name,
        audit_seconds=settings.retention_interval_seconds,
        tokens_seconds=settings.token_cleanup_interval_seconds,
    ):
        job.start()
        lifecycle.on_shutdown(job.name, job.stop)
    outbox.start(lifecycle)  # registered before the servers: on shutdown it drains after them
    bindings = [
        _binding(
            tenants_pb2,
            "TenantService",
            tenants_pb2_grpc.add_TenantServiceServicer_to_server,
            TenantServicer(tenants),
        ),
        _binding(
            signing_keys_pb2,
            "SigningKeyService",
            signing_keys_pb2_grpc.add_SigningKeyServiceServicer_to_server,
            SigningKeyServicer(keys, tenants),
        ),
        _binding(
            oauth_clients_pb2,
            "OAuthClientService",
            oauth_clients_pb2_grpc.add_OAuthClientServiceServicer_to_server,
            OAuthClientServicer(clients, initial_tokens),
        ),
        _binding(
            users_pb2, "UserService", users_pb2_grpc.add_UserServiceServicer_to_server, UserServicer(users)
        ),
        _binding(
            invitations_pb2,
            "InvitationService",
            invitations_pb2_grpc.add_InvitationServiceServicer_to_server,
            InvitationServicer(invitations),
        ),
        _binding(
            account_pb2,
            "AccountService",
            account_pb2_grpc.add_AccountServiceServicer_to_server,
            AccountServicer(account, trust_forwarded_for=settings.trust_forwarded_for),
        ),
        _binding(
            audit_pb2,
            "AuditService",
            audit_pb2_grpc.add_AuditServiceServicer_to_server,
            AuditServicer(audit_repo),
        ),
    ]
    sso_binding, sso = await build_sso(settings, db, vault, audit, tenants, user_repo, lifecycle)
    bindings.append(sso_binding)
    _, grpc_port = await start_server(settings, bindings, lifecycle)
    sock = reuseport_socket(settings.http_host, settings.http_port)
    http_app = create_app(deps)
    install_sso(http_app, sso)
    await serve_http(http_app, sock, lifecycle, settings.shutdown_grace_seconds)
    return Running(grpc_port=grpc_port, http_port=sock.getsockname()[1], deps=deps, outbox=outbox)
