"""The one server interceptor every service runs.

Per call, in order: request id (propagated from ``x-request-id`` or generated), identity
(authenticator → tenant in ``contextvars``; none for an RPC its proto declares
``openframe.common.v1.public``, the declaration the edge reads too), input validation (a
request that did not parse, ``decoding.py``, then protovalidate), HTTP preconditions
(``If-Match`` into the request's etag, ``preconditions.py``), the handler, the ``etag``
response header (and If-None-Match's not-modified signal), then error mapping (domain errors →
status + ``google.rpc`` details; anything unexpected → INTERNAL with the request id and no
internals) and one access-log line. A single wrapper keeps the per-call overhead to one extra
coroutine frame.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from openframe.common.v1 import options_pb2
from services.kit import preconditions
from services.kit.context import request_scope
from services.kit.decoding import Undecodable, tolerant
from services.kit.errors import DomainError, PermissionDenied
from services.kit.identity import Authenticator, Identity, authenticate, reset_identity, set_identity
from services.kit.logging import get_logger
from services.kit.validation import validate

log = get_logger("openframe.access")

# Standard infrastructure services answer without authentication.
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


@cache
def is_public(method: str) -> bool:
    """Whether the proto of ``/pkg.Service/Method`` declares it ``openframe.common.v1.public``
    (callable without credentials). Unknown methods are not public."""
    service, _, name = method.lstrip("/").partition("/")
    try:
        found = descriptor_pool.Default().FindServiceByName(service).methods_by_name.get(name)
    except KeyError:
        return False
    # (the stubs type extension keys loosely)
    return found is not None and bool(found.GetOptions().Extensions[options_pb2.public])  # type: ignore[index]


class RequestInterceptor(grpc.aio.ServerInterceptor):
    """RPCs declared public in their proto (:func:`is_public`) run without an identity
    (self-service sign-up, agent registration); they still get request ids, validation, error
    mapping and the access log, and ``current_identity()`` raises UNAUTHENTICATED inside them.

    ``edge_methods``: what Envoy itself calls for every request it serves (ext_authz, the rate
    limit check): served as registered, without the wrapper. They run on the edge's hot path,
    answer their own errors, and the edge logs the request they belong to; a wrapper and an
    access-log line each would cost more than the check itself.
    """

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        access_log: bool = True,
        confined_scopes: Mapping[str, Collection[str]] | None = None,
        edge_methods: Collection[str] = (),
    ) -> None:
        self.authenticator = authenticator
        self.edge_methods = frozenset(edge_methods)
        self.access_log = access_log
        #: scope -> the only methods a caller holding it may call (an agent's token reaches the
        #: agent RPCs, never the tenant's inventory), checked before any handler runs
        self.confined_scopes = {scope: frozenset(m) for scope, m in (confined_scopes or {}).items()}

    async def _identify(self, method: str, metadata: dict[str, str]) -> Identity | None:
        if is_public(method):
            return None
        identity = await authenticate(self.authenticator, metadata)  # sync or async authenticators
        for scope in identity.scopes.intersection(self.confined_scopes):
            if method not in self.confined_scopes[scope]:
                raise PermissionDenied(f"a token with scope {scope!r} may not call this method")
        return identity

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        method: str = details.method
        if handler is None or method.startswith(PUBLIC_PREFIXES) or method in self.edge_methods:
            return handler
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method),
                request_deserializer=tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._server_stream(handler.unary_stream, method),
                request_deserializer=tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return handler  # client/bidi streaming: none in our contracts yet

    def _unary(self, behavior: Any, method: str) -> Any:
        async def wrapper(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            started = time.perf_counter()
            metadata = _metadata(context)
            rid = metadata.get("x-request-id") or uuid.uuid4().hex
            code = grpc.StatusCode.OK
            tenant = None
            asked = None
            try:
                identity = await self._identify(method, metadata)
                tenant = identity.tenant_id if identity else None
                token = set_identity(identity)
                try:
                    with request_scope(tenant=tenant, request=rid):
                        _check_decoded(request)
                        validate(request)
                        asked = preconditions.before(method, request, metadata)
                        response = await behavior(request, context)
                        headers = preconditions.response_headers(response, asked)
                        if headers:
                            await context.send_initial_metadata(headers)
                        return response
                finally:
                    reset_identity(token)
            except DomainError as exc:
                error = preconditions.failure(exc, asked)
                code = error.code
                await _abort(context, error)
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error", method=method, request_id=rid, tenant_id=tenant)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {rid})")
            finally:
                if self.access_log:
                    log.info(
                        "rpc",
                        method=method,
                        code=code.name,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                        request_id=rid,
                        tenant_id=tenant,
                    )

        return wrapper

    def _server_stream(self, behavior: Any, method: str) -> Any:
        async def wrapper(
            request: Message, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            metadata = _metadata(context)
            rid = metadata.get("x-request-id") or uuid.uuid4().hex
            try:
                identity = await self._identify(method, metadata)
                token = set_identity(identity)
                try:
                    with request_scope(tenant=identity.tenant_id if identity else None, request=rid):
                        _check_decoded(request)
                        validate(request)
                        async for item in behavior(request, context):
                            yield item
                finally:
                    reset_identity(token)
            except DomainError as exc:
                await _abort(context, exc)
            except grpc.aio.AbortError:
                raise
            except Exception:
                log.exception("unhandled error", method=method, request_id=rid)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {rid})")

        return wrapper


def _check_decoded(request: object) -> None:
    """A request that did not parse (services/kit/decoding.py) fails like any invalid field."""
    if isinstance(request, Undecodable):
        raise request.error


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> dict[str, str]:
    return {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}


async def _abort(context: grpc.aio.ServicerContext[Any, Any], exc: DomainError) -> None:
    details = exc.to_status().SerializeToString()
    trailers: tuple[tuple[str, str | bytes], ...] = (("grpc-status-details-bin", details),)
    if exc.http_status is not None:  # the edge answers REST callers with it (a 412)
        trailers += ((preconditions.HTTP_STATUS, str(exc.http_status)),)
    await context.abort(exc.code, exc.message, trailing_metadata=trailers)
