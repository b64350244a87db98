"""The contracts as the edge sees them: the committed descriptor set (gen/descriptor), its HTTP
rules and the generated message classes, for tests that check every RPC without listing them."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from infra.layout import REPO

#: The packages ``make run`` serves (the config and management services are contracts only).
RUNNING = ("openframe.api.v1.", "openframe.agents.v1.", "openframe.auth.v1.", "openframe.external.v1.",
           "openframe.ratelimit.v1.", "openframe.stream.v1.")  # fmt: skip
HTTP_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Route:
    """One HTTP binding of an RPC (the main rule or an additional one)."""

    method: str  # full gRPC method name, /pkg.Service/Method
    verb: str  # get, post, ...
    path: str  # the template, e.g. /api/v1/{name=organizations/*}
    body: str  # "", "*" or a field name
    input_type: str  # fully-qualified request message name, without the leading dot


@functools.cache
def descriptors() -> descriptor_pb2.FileDescriptorSet:
    return descriptor_pb2.FileDescriptorSet.FromString((REPO / "gen/descriptor/openframe.binpb").read_bytes())


def _bindings(rule: http_pb2.HttpRule) -> Iterator[http_pb2.HttpRule]:
    yield rule
    yield from rule.additional_bindings


def routes(packages: tuple[str, ...] = RUNNING) -> list[Route]:
    """Every HTTP binding of the RPCs of ``packages``."""
    found = []
    for f in descriptors().file:
        for service in f.service:
            name = f"{f.package}.{service.name}"
            if not name.startswith(packages):
                continue
            for method in service.method:
                for rule in _bindings(method.options.Extensions[annotations_pb2.http]):
                    verb = rule.WhichOneof("pattern")
                    if verb in HTTP_VERBS:
                        found.append(
                            Route(
                                f"/{name}/{method.name}",
                                verb,
                                getattr(rule, verb),
                                rule.body,
                                method.input_type.lstrip("."),
                            )
                        )
    return sorted(found, key=lambda r: (r.method, r.verb, r.path))


def message_classes(method: str) -> tuple[Any, Any]:
    """The generated request and response classes of ``method``."""
    for f in descriptors().file:
        if f.name.startswith("openframe/"):  # its generated module registers it in the default pool
            importlib.import_module(f.name.removesuffix(".proto").replace("/", ".") + "_pb2")
    service_name, method_name = method.strip("/").split("/")
    pool = descriptor_pool.Default()
    rpc = pool.FindServiceByName(service_name).methods_by_name[method_name]
    return message_factory.GetMessageClass(rpc.input_type), message_factory.GetMessageClass(rpc.output_type)


def message(full_name: str) -> descriptor_pb2.DescriptorProto:
    """The descriptor of a message of the set by its full name (nested messages included)."""
    for f in descriptors().file:
        for top in f.message_type:
            stack = [(f"{f.package}.{top.name}", top)]
            while stack:
                name, found = stack.pop()
                if name == full_name:
                    return found
                stack += [(f"{name}.{n.name}", n) for n in found.nested_type]
    raise KeyError(full_name)
