"""Tolerant request parsing (services/kit/decoding.py): bytes that do not parse name the field."""

from __future__ import annotations

from google.protobuf.field_mask_pb2 import FieldMask

from openframe.api.v1 import organizations_pb2 as pb
from services.kit.decoding import Undecodable, tolerant


def _with_bad_utf8(message_bytes: bytes, good: bytes, bad: bytes) -> bytes:
    assert len(good) == len(bad)
    return message_bytes.replace(good, bad)


def test_a_valid_request_parses_as_usual() -> None:
    parse = tolerant(pb.GetOrganizationRequest.FromString)
    assert parse is not None
    assert parse(pb.GetOrganizationRequest(name="organizations/o1").SerializeToString()) == (
        pb.GetOrganizationRequest(name="organizations/o1")
    )


def test_a_top_level_string_that_is_not_utf8_is_named() -> None:
    data = _with_bad_utf8(
        pb.GetOrganizationRequest(name="organizations/ab").SerializeToString(), b"ab", b"\xc0\x80"
    )
    parse = tolerant(pb.GetOrganizationRequest.FromString)
    assert parse is not None
    parsed = parse(data)
    assert isinstance(parsed, Undecodable)
    assert [(v.field, v.description) for v in parsed.error.violations] == [
        ("name", "must be valid UTF-8 text")
    ]


def test_a_nested_string_is_named_by_its_path() -> None:
    request = pb.UpdateOrganizationRequest(
        organization=pb.Organization(name="organizations/o1", notes="zz"),
        update_mask=FieldMask(paths=["notes"]),
    )
    data = _with_bad_utf8(request.SerializeToString(), b"zz", b"\xed\xa0")  # a lone surrogate's start
    parse = tolerant(pb.UpdateOrganizationRequest.FromString)
    assert parse is not None
    parsed = parse(data)
    assert isinstance(parsed, Undecodable)
    assert [v.field for v in parsed.error.violations] == ["organization.notes"]


def test_garbage_names_the_message() -> None:
    parse = tolerant(pb.GetOrganizationRequest.FromString)
    assert parse is not None
    parsed = parse(b"\x0a\xff\xff\xff")  # a length that runs past the end
    assert isinstance(parsed, Undecodable)
    assert [v.field for v in parsed.error.violations] == ["GetOrganizationRequest"]


def test_what_is_not_a_generated_parser_is_left_alone() -> None:
    def custom(data: bytes) -> bytes:
        return data

    assert tolerant(custom) is custom
    assert tolerant(None) is None
