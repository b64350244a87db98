"""Wiring of the external service: stores → repositories → domain services → servicers.

One gRPC server serves the API-key management API, usage analytics, and two APIs of the edge:
``envoy.service.auth.v3.Authorization`` (ext_authz: the API-key check, which swaps the key for an
internal token) and ``envoy.service.accesslog.v3.AccessLogService`` (the access log stream usage
is counted from). The public API's resources are served by the services that own them
(services/kit/public_api.py).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from envoy.service.accesslog.v3 import als_pb2, als_pb2_grpc
from envoy.service.auth.v3 import external_auth_pb2, external_auth_pb2_grpc

from openframe.external.v1 import (
    api_keys_pb2,
    api_keys_pb2_grpc,
    usage_pb2,
    usage_pb2_grpc,
)
from services.external.api_keys.material import SecretHasher
from services.external.api_keys.repository import ApiKeyRepository
from services.external.api_keys.service import CHANNEL as KEY_CHANNEL
from services.external.api_keys.service import ApiKeyService
from services.external.api_keys.servicer import ApiKeyServicer
from services.external.authz.limits import KeyLimiter, RemotePolicies
from services.external.authz.server import METHOD as CHECK_METHOD
from services.external.authz.server import AuthorizationServicer
from services.external.authz.tenants import TenantStatuses
from services.external.authz.verifier import KeyVerifier
from services.external.settings import ExternalSettings
from services.external.tools.wiring import start_tools
from services.external.usage.access_log import AccessLogReceiver
from services.external.usage.counters import UsageCounters
from services.external.usage.servicer import UsageServicer
from services.kit import mongo
from services.kit.internal import InternalTokens, channel_to
from services.kit.lifecycle import Lifecycle
from services.kit.notices import ChangeNotices
from services.kit.ratelimit import start_checker
from services.kit.server import ServiceBinding, start_server

#: Called by Envoy, which has no identity of ours: the edge's own APIs. Reachable inside the
#: mesh only (the edge routes no ``envoy.*`` path).
EDGE_METHODS = {CHECK_METHOD, "/envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs"}


def binding(module: Any, service: str, add: Any, servicer: Any) -> ServiceBinding:
    name = module.DESCRIPTOR.services_by_name[service].full_name
    return ServiceBinding(name, lambda server: add(servicer, server))


async def build(settings: ExternalSettings, lifecycle: Lifecycle) -> int:
    """Start the external service; returns the bound gRPC port."""
    db = mongo.connect(settings, lifecycle)
    redis = aioredis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
    subscriber = aioredis.from_url(settings.redis_url, socket_connect_timeout=2)
    lifecycle.on_shutdown("redis", redis.aclose)
    lifecycle.on_shutdown("redis-subscriber", subscriber.aclose)
    tokens = InternalTokens.from_settings(settings)
    if tokens is None:
        raise RuntimeError("OPENFRAME_INTERNAL_TOKEN_KEY is required: the key check mints internal tokens")
    master = settings.master_key.get_secret_value() if settings.master_key else None
    hasher = SecretHasher.from_master_key(master)

    # API keys, the edge's check (ext_authz) and usage analytics.
    keys = ApiKeyRepository(db)
    await keys.init()
    verifier = KeyVerifier(
        keys,
        hasher,
        ttl_seconds=settings.api_key_cache_ttl_seconds,
        flush_seconds=settings.api_key_last_use_flush_seconds,
    )
    notices = ChangeNotices(KEY_CHANNEL, redis, [verifier.forget], subscriber=subscriber)
    notices.start(lifecycle)
    verifier.start(lifecycle)
    ratelimit = channel_to(settings, "ratelimit")
    lifecycle.on_shutdown("channel-ratelimit", ratelimit.close)
    checker, _ = start_checker(settings, RemotePolicies(ratelimit, tokens), lifecycle)
    limiter = KeyLimiter(checker)
    auth = channel_to(settings, "auth")
    lifecycle.on_shutdown("channel-auth", auth.close)
    tenant_statuses = TenantStatuses(auth, tokens, settings.tenant_status_cache_seconds)
    counters = UsageCounters(redis)
    bindings = [
        binding(
            api_keys_pb2,
            "ApiKeyService",
            api_keys_pb2_grpc.add_ApiKeyServiceServicer_to_server,
            ApiKeyServicer(ApiKeyService(keys, hasher, notices), verifier),
        ),
        binding(
            usage_pb2,
            "UsageService",
            usage_pb2_grpc.add_UsageServiceServicer_to_server,
            UsageServicer(counters, keys, limiter),
        ),
        binding(
            external_auth_pb2,
            "Authorization",
            external_auth_pb2_grpc.add_AuthorizationServicer_to_server,
            AuthorizationServicer(verifier, tokens, limiter, tenant_statuses),
        ),
        binding(
            als_pb2,
            "AccessLogService",
            als_pb2_grpc.add_AccessLogServiceServicer_to_server,
            AccessLogReceiver(counters),
        ),
    ]
    # Integrated tools: the registry (gRPC/REST), the tool proxy's HTTP app on
    # ``tools_http_port`` (the edge's ``/tools/`` prefix) and the health probes (docs/tools.md).
    tools = await start_tools(settings, lifecycle, db, redis)
    bindings += tools.bindings

    _, port = await start_server(settings, bindings, lifecycle, edge_methods=EDGE_METHODS)
    return port
