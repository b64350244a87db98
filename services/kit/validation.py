"""Request validation from the protovalidate rules written in the protos.

The rules live next to the fields they constrain (``(buf.validate.field)``), so the contract,
the OpenAPI document and the server agree. Violations become one INVALID_ARGUMENT with a
BadRequest entry per field, named by its proto path (``organization.contact_email``).

Partial updates: on a request with an ``update_mask``, rules on resource fields the mask
does not name are not enforced (a PATCH of ``notes`` must not fail because the body has no
``display_name``). The resource's ``name`` is always checked: it says which resource to change,
so a malformed one is INVALID_ARGUMENT naming the field, never a lookup of a bad id.
"""

from __future__ import annotations

import protovalidate
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from services.kit.errors import FieldViolation, InvalidArgument

# protovalidate 2.x evaluates the rules in Rust: ~2 µs for a typical request, where the
# pure-Python 1.x engine took 0.3-6 ms (measured here), too slow for a hot path.
_validator = protovalidate.Validator()


def _path(violation: protovalidate.Violation) -> str:
    parts: list[str] = []
    for element in violation.proto.field.elements if violation.proto.field else ():
        name = element.field_name
        if element.subscript is not None:  # repeated index or map key
            name += f"[{getattr(element.subscript, 'value', element.subscript)!r}]"
        parts.append(name)
    return ".".join(parts)


def _masked_out(path: str, request: Message) -> bool:
    """True when ``path`` is a resource field that the request's update_mask leaves alone."""
    mask = getattr(request, "update_mask", None)
    if not isinstance(mask, FieldMask) or "." not in path:
        return False
    resource, _, sub = path.partition(".")
    if not request.HasField(resource):
        return False
    top = sub.split(".")[0].split("[")[0]
    return top != "name" and top not in {p.split(".")[0] for p in mask.paths}


def validate(request: Message) -> None:
    """Raise InvalidArgument naming every invalid field; return silently when valid."""
    violations = [
        FieldViolation(path, v.proto.message)
        for v in _validator.collect_violations(request)
        if not _masked_out(path := _path(v), request)
    ]
    if violations:
        raise InvalidArgument(violations)
