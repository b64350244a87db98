"""Wiring of the auth service: stores → repositories → domain services → gRPC servicers and the
OAuth/OIDC HTTP app, both served from one process and one event loop."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from openframe.auth.v1 import (
    audit_pb2,
    audit_pb2_grpc,
    oauth_clients_pb2,
    oauth_clients_pb2_grpc,
    signing_keys_pb2,
    signing_keys_pb2_grpc,
    tenants_pb2,
    tenants_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from services.auth.audit.log import AuditLog, renderer
from services.auth.audit.repository import CHECKPOINTS, COLLECTION, AuditRepository
from services.auth.audit.servicer import AuditServicer
from services.auth.clients.repository import ClientRepository
from services.auth.clients.service import ClientService
from services.auth.clients.servicer import OAuthClientServicer
from services.auth.crypto import KeyVault
from services.auth.grants.codes import CodeStore
from services.auth.grants.refresh import RefreshTokens
from services.auth.keys.repository import SigningKeyRepository
from services.auth.keys.service import SigningKeyService
from services.auth.keys.servicer import PUBLIC_METHODS as KEY_PUBLIC
from services.auth.keys.servicer import SigningKeyServicer
from services.auth.oauth.app import create_app, reuseport_socket, serve_http
from services.auth.oauth.base import Deps
from services.auth.oauth.throttle import LoginThrottle
from services.auth.settings import AuthSettings
from services.auth.tenants.repository import TenantRepository
from services.auth.tenants.service import TenantService
from services.auth.tenants.servicer import PUBLIC_METHODS as TENANT_PUBLIC
from services.auth.tenants.servicer import TenantServicer
from services.auth.users.repository import UserRepository
from services.auth.users.service import UserService
from services.auth.users.servicer import UserServicer
from services.kit import mongo
from services.kit.lifecycle import Lifecycle
from services.kit.outbox_log import OutboxLog
from services.kit.server import ServiceBinding, start_server

PUBLIC_METHODS = TENANT_PUBLIC | KEY_PUBLIC


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
    # and backups; on FerretDB (a SQLite file per database) it also keeps the tenant, user and
    # client lookups out of a file that grows by one row per token.
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
    )
    audit_repo, tenant_repo, user_repo = AuditRepository(audit_db), TenantRepository(db), UserRepository(db)
    key_repo, client_repo, refresh = SigningKeyRepository(db), ClientRepository(db), RefreshTokens(db)
    for store in (outbox, audit_repo, tenant_repo, user_repo, key_repo, client_repo, refresh):
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
    throttle = LoginThrottle(
        redis,
        per_account=settings.login_max_failures_per_account,
        per_ip=settings.login_max_failures_per_ip,
        window_seconds=settings.login_failure_window_seconds,
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
    )
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
            OAuthClientServicer(clients),
        ),
        _binding(
            users_pb2, "UserService", users_pb2_grpc.add_UserServiceServicer_to_server, UserServicer(users)
        ),
        _binding(
            audit_pb2,
            "AuditService",
            audit_pb2_grpc.add_AuditServiceServicer_to_server,
            AuditServicer(audit_repo),
        ),
    ]
    _, grpc_port = await start_server(settings, bindings, lifecycle, public_methods=PUBLIC_METHODS)
    sock = reuseport_socket(settings.http_host, settings.http_port)
    await serve_http(create_app(deps), sock, lifecycle, settings.shutdown_grace_seconds)
    return Running(grpc_port=grpc_port, http_port=sock.getsockname()[1], deps=deps, outbox=outbox)
