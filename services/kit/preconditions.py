"""HTTP preconditions (RFC 9110 §13) for every RPC whose resource has an etag, in one place.

Envoy's transcoder passes a REST caller's headers to the service as gRPC metadata, and native
gRPC callers can send the same keys, so the kit's interceptor handles both:

* ``If-Match`` on a request that carries an etag (a top-level ``etag`` field: deletes and custom
  writes; the resource's ``etag`` in an Update request, the one with an ``update_mask``) becomes
  that etag before the handler runs, so the service's own optimistic check enforces it. A
  different etag in the body, or only weak tags, fail at once; when the handler then finds the
  stored etag different, the caller gets :class:`IfMatchFailed` (REST 412) instead of
  EtagMismatch (409, still what a stale etag *in the body* gets). ``*`` asks only that the
  resource exist, which every such RPC already checks (NOT_FOUND).
* ``ETag`` on every response that carries one resource with an etag (``"<etag>"``, quoted).
* ``If-None-Match`` on a ``Get`` RPC: when it names the response's etag (or is ``*``), the
  response is marked not modified; the edge turns that into an empty 304 for REST callers.

Requests and responses are recognised from their descriptors (cached per message type), so
a new RPC with an etag is covered without being listed. gRPC has no 412 or 304: the service
signals them in :data:`HTTP_STATUS`, a header the edge's Lua filter reads (and every response
loses at the edge). Native gRPC callers see FAILED_PRECONDITION with ErrorInfo reason
``ERROR_REASON_ETAG_MISMATCH`` for a failed If-Match, and the full response for If-None-Match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from services.kit.errors import DomainError, EtagMismatch, IfMatchFailed, InvalidArgument

IF_MATCH = "if-match"
IF_NONE_MATCH = "if-none-match"
ETAG = "etag"
#: The HTTP status the edge should answer with (412, 304); never leaves the edge.
HTTP_STATUS = "x-openframe-http-status"

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (RFC 9110 §8.8.3); a bare token is taken too
_TAG = re.compile(r'\s*(W/)?(?:"([\x21\x23-\x7e]*)"|([\x21\x23-\x2b\x2d-\x7e]+))\s*')
_ETAG_VALUE = re.compile(r"[\x21\x23-\x7e]*")


@dataclass(frozen=True)
class Tag:
    opaque: str
    weak: bool = False


@dataclass(frozen=True)
class Condition:
    """An If-Match / If-None-Match value: ``*`` or a list of entity tags."""

    any: bool
    tags: tuple[Tag, ...] = ()

    @classmethod
    def parse(cls, value: str, header: str) -> Condition:
        """A malformed header is INVALID_ARGUMENT naming it."""
        if value.strip() == "*":
            return cls(any=True)
        tags = []
        for part in value.split(","):
            found = _TAG.fullmatch(part)
            if found is None:
                raise InvalidArgument.field(header, 'not an entity tag list (e.g. "3f2a" or *)')
            quoted, bare = found.group(2), found.group(3)
            tags.append(Tag(quoted if quoted is not None else bare, weak=bool(found.group(1))))
        return cls(any=False, tags=tuple(tags))

    def matches_weakly(self, etag: str) -> bool:
        """If-None-Match's comparison (RFC 9110 §13.1.2): W/"x" matches "x"."""
        return self.any or any(t.opaque == etag for t in self.tags)


@dataclass(frozen=True)
class _RequestShape:
    #: field names leading to the request's etag: ("etag",) or ("organization", "etag")
    etag_path: tuple[str, ...] | None
    is_get: bool


@dataclass
class Preconditions:
    """What one call asked for, carried from before the handler to after it."""

    #: the If-Match tag merged into the request (a mismatch found by the handler is then a 412)
    if_match: str | None = None
    #: If-None-Match, on a Get only
    if_none_match: Condition | None = None


def _has_etag(message: Descriptor) -> bool:
    field = message.fields_by_name.get(ETAG)
    return field is not None and field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated


def _resources(message: Descriptor) -> list[str]:
    """The singular message fields of ``message`` whose type has an etag."""
    return [
        f.name
        for f in message.fields
        if f.message_type is not None and not f.is_repeated and _has_etag(f.message_type)
    ]


@cache
def _request_shape(request: Descriptor, method: str) -> _RequestShape:
    is_get = method.rsplit("/", 1)[-1].startswith("Get")
    if _has_etag(request):
        return _RequestShape((ETAG,), is_get)
    if "update_mask" in request.fields_by_name:
        resources = _resources(request)
        if len(resources) == 1:
            return _RequestShape((resources[0], ETAG), is_get)
    return _RequestShape(None, is_get)


@cache
def _response_resource(response: Descriptor) -> str | None:
    """The response's field holding its one resource with an etag (None: none, or several)."""
    resources = _resources(response)
    return resources[0] if len(resources) == 1 else None


def before(method: str, request: Message, metadata: dict[str, str]) -> Preconditions | None:
    """Apply If-Match to ``request`` (raises IfMatchFailed at once when it cannot hold)."""
    if_match, if_none_match = metadata.get(IF_MATCH), metadata.get(IF_NONE_MATCH)
    if if_match is None and if_none_match is None:
        return None
    shape = _request_shape(request.DESCRIPTOR, method)
    found = Preconditions()
    if if_match is not None and shape.etag_path is not None:
        found.if_match = _merge_if_match(request, shape.etag_path, if_match)
    if if_none_match is not None and shape.is_get:
        found.if_none_match = Condition.parse(if_none_match, "If-None-Match")
    return found


def _merge_if_match(request: Message, path: tuple[str, ...], header: str) -> str | None:
    condition = Condition.parse(header, "If-Match")
    if condition.any:
        return None  # "*": the RPC's own NOT_FOUND says whether the resource exists
    strong = {t.opaque for t in condition.tags if not t.weak}
    holder: Any = request
    for name in path[:-1]:
        holder = getattr(holder, name)
    sent = getattr(holder, path[-1])
    if sent:  # an etag in the body too: the two must agree
        if sent not in strong:
            raise IfMatchFailed("If-Match does not match the etag sent in the request")
        return str(sent)
    if not strong:  # weak tags never match (strong comparison, RFC 9110 §13.1.1)
        raise IfMatchFailed("If-Match names no strong entity tag")
    if len(strong) > 1:
        raise InvalidArgument.field("If-Match", "one entity tag or *")
    setattr(holder, path[-1], tag := strong.pop())
    return tag


def failure(error: DomainError, found: Preconditions | None) -> DomainError:
    """The handler's error as the caller should see it: a stale If-Match is a 412, not a 409."""
    if found is not None and found.if_match is not None and isinstance(error, EtagMismatch):
        return IfMatchFailed(error.message, metadata=error.metadata)
    return error


def response_headers(response: Message, found: Preconditions | None) -> tuple[tuple[str, str], ...]:
    """``etag`` (quoted) of the response's resource, and the not-modified signal when it applies."""
    field = _response_resource(response.DESCRIPTOR)
    if field is None or not response.HasField(field):
        return ()
    etag = getattr(getattr(response, field), ETAG)
    if not etag or not _ETAG_VALUE.fullmatch(etag):
        return ()
    headers: tuple[tuple[str, str], ...] = ((ETAG, f'"{etag}"'),)
    if found is not None and found.if_none_match is not None and found.if_none_match.matches_weakly(etag):
        headers += ((HTTP_STATUS, "304"),)
    return headers
