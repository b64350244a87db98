"""Which scope an API key needs for a request, by gRPC method or REST path.

One table by RPC; the REST forms come from the contract's ``google.api.http`` rules (read from
the generated descriptors), so a REST path and its gRPC method can never need different scopes.
A request no entry matches is not open to API keys at all (403): key management, usage, and
anything added later until it is listed here on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2  # type: ignore[import-untyped]
from google.protobuf.descriptor import MethodDescriptor

from openframe.external.v1 import public_api_pb2, public_devices_pb2, tools_pb2
from services.kit.public_api import PACKAGE, RPC_SCOPES

#: The tool proxy is plain HTTP (any method), not part of the gRPC contract.
TOOL_PROXY = re.compile(r"^/external-api/v1/tools/[A-Za-z0-9_-]+/proxy(/.*)?$")
TOOL_PROXY_SCOPE = "tools:proxy"

_FILES = (public_api_pb2, public_devices_pb2, tools_pb2)


@dataclass(frozen=True)
class RestRule:
    verb: str
    pattern: re.Pattern[str]
    scope: str


def template_regex(template: str) -> str:
    """RE of a google.api.http path template: ``{x=a/*}`` -> ``a/[^/]+``, ``{x}`` -> ``[^/]+``."""
    out, rest = ["^"], template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        var, _, rest = tail.partition("}")
        out.append(re.escape(head))
        pattern = var.partition("=")[2] or "*"
        out.append(
            "/".join("[^/]+" if s == "*" else ".+" if s == "**" else re.escape(s) for s in pattern.split("/"))
        )
    out.append(re.escape(rest) + "$")
    return "".join(out)


def _bindings(rule: http_pb2.HttpRule) -> list[tuple[str, str]]:
    found = []
    for r in (rule, *rule.additional_bindings):
        kind = r.WhichOneof("pattern")
        if kind and kind != "custom":
            found.append((kind.upper(), getattr(r, kind)))
    return found


def _methods() -> dict[str, MethodDescriptor]:
    methods: dict[str, MethodDescriptor] = {}
    for module in _FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                methods[f"{service.name}/{method.name}"] = method
    return methods


def _rest_rules() -> list[RestRule]:
    rules, methods = [], _methods()
    for rpc, scope in RPC_SCOPES.items():
        options = methods[rpc].GetOptions()
        if options.HasExtension(annotations_pb2.http):
            for verb, template in _bindings(options.Extensions[annotations_pb2.http]):
                rules.append(RestRule(verb, re.compile(template_regex(template)), scope))
    return rules


GRPC_SCOPES = {f"/{PACKAGE}.{rpc}": scope for rpc, scope in RPC_SCOPES.items()}
REST_RULES = _rest_rules()


def required_scope(method: str, path: str) -> str | None:
    """The scope a key needs for this request, or None when API keys may not make it."""
    path = path.split("?", 1)[0]
    if (scope := GRPC_SCOPES.get(path)) is not None:
        return scope
    if TOOL_PROXY.match(path):
        return TOOL_PROXY_SCOPE
    for rule in REST_RULES:
        if rule.verb == method and rule.pattern.match(path):
            return rule.scope
    return None
