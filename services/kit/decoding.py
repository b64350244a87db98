"""Requests whose bytes do not parse, answered as INVALID_ARGUMENT naming the field.

grpc.aio parses a request before any interceptor code runs, and a parse error there becomes
UNKNOWN with the parser's exception text ("Unexpected <class 'DecodeError'>: ..."), which a
REST caller sees as a 500. The usual cause is a path or query value that is not UTF-8 (Envoy's
transcoder percent-decodes ``%FF`` into a proto3 string as it is). So the server's deserializers
are made tolerant: a request that does not parse becomes an :class:`Undecodable`, which the
interceptor turns into the same INVALID_ARGUMENT any other bad field gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError

from services.kit.errors import InvalidArgument

_LENGTH_DELIMITED, _VARINT, _FIXED64, _FIXED32 = 2, 0, 1, 5


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request that did not parse; ``error`` is what the caller is told."""

    error: InvalidArgument


def tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """``deserializer`` (a generated ``Message.FromString``), returning :class:`Undecodable`
    instead of raising on bytes that are not a valid message of its type."""
    message_class = getattr(deserializer, "__self__", None)
    descriptor = getattr(message_class, "DESCRIPTOR", None)
    if deserializer is None or not isinstance(descriptor, Descriptor):
        return deserializer
    parse = deserializer

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except DecodeError:
            return Undecodable(describe(descriptor, data))

    return deserialize


def describe(descriptor: Descriptor, data: bytes) -> InvalidArgument:
    """The error for bytes that do not parse as ``descriptor``: the first string field that is
    not UTF-8, by its proto path, or the message as a whole."""
    field = _not_utf8(descriptor, data, "")
    if field is not None:
        return InvalidArgument.field(field, "must be valid UTF-8 text")
    return InvalidArgument.field(descriptor.name, "is not a valid message")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def _not_utf8(descriptor: Descriptor, data: bytes, prefix: str) -> str | None:
    """Walk the wire format; the path of the first string field whose bytes are not UTF-8."""
    pos = 0
    try:
        while pos < len(data):
            tag, pos = _varint(data, pos)
            number, wire = tag >> 3, tag & 7
            if wire == _VARINT:
                _, pos = _varint(data, pos)
            elif wire == _FIXED64:
                pos += 8
            elif wire == _FIXED32:
                pos += 4
            elif wire == _LENGTH_DELIMITED:
                size, pos = _varint(data, pos)
                chunk, pos = data[pos : pos + size], pos + size
                field = descriptor.fields_by_number.get(number)
                found = _field_not_utf8(field, chunk, prefix) if field is not None else None
                if found is not None:
                    return found
            else:
                return None  # groups or garbage: nothing more to say than "not valid"
    except ValueError:
        return None
    return None


def _field_not_utf8(field: FieldDescriptor, chunk: bytes, prefix: str) -> str | None:
    path = prefix + field.name
    if field.type == FieldDescriptor.TYPE_STRING:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            return path
        return None
    if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
        return _not_utf8(field.message_type, chunk, path + ".")
    return None
