"""API key material and usage classes, without servers: the key format the contract promises,
the keyed hash (never the plain secret, never valid for another key id), and how an access log
entry's status becomes a usage class."""

from __future__ import annotations

import re

from services.external.api_keys import material
from services.external.api_keys.material import SecretHasher
from services.external.usage.access_log import status_class
from services.external.usage.servicer import bucket_starts, pick_granularity


def test_keys_have_the_documented_shape_and_parse_back() -> None:
    key_id, secret = material.new_key_id(), material.new_secret()
    full = material.full_key(key_id, secret)
    assert re.fullmatch(r"ak_[0-9a-f]{16}\.sk_[A-Za-z0-9_-]{43}", full)
    assert material.parse(full) == (key_id, secret)
    assert material.parse(f"  {full} ") == (key_id, secret)
    for bad in ("", "ak_x.sk_y", full.replace(".", "_", 1), full + "=", f"ak_{key_id}", "Bearer " + full):
        assert material.parse(bad) is None, bad


def test_the_hash_is_keyed_bound_to_the_key_id_and_constant_time_checked() -> None:
    hasher = SecretHasher.from_master_key("a-master-key-of-this-checkout-0123456789")
    other = SecretHasher.from_master_key("another-master-key-0123456789abcdefghij")
    stored = hasher.hash("0123456789abcdef", "s3cret")
    assert "s3cret" not in stored and len(stored) == 64
    assert hasher.matches("0123456789abcdef", "s3cret", stored)
    assert not hasher.matches("0123456789abcdef", "s3creT", stored)
    assert not hasher.matches("fedcba9876543210", "s3cret", stored)  # copied onto another key
    assert not other.matches("0123456789abcdef", "s3cret", stored)  # without the pepper


def test_status_classes_cover_rest_and_grpc_answers() -> None:
    assert status_class(200, "") == ""
    assert status_class(200, "0") == ""
    assert status_class(404, "") == "4xx"
    assert status_class(200, "5") == "4xx"  # gRPC NOT_FOUND
    assert status_class(429, "") == "429"
    assert status_class(200, "8") == "429"  # RESOURCE_EXHAUSTED
    assert status_class(503, "") == "5xx"
    assert status_class(200, "14") == "5xx"  # UNAVAILABLE


def test_usage_ranges_pick_a_granularity_and_list_every_bucket() -> None:
    assert pick_granularity(0, 3600) == "m"
    assert pick_granularity(0, 3 * 86_400) == "h"
    assert pick_granularity(0, 30 * 86_400) == "d"
    assert bucket_starts(120.0, 300.0, "m", "start_time") == [120, 180, 240]
    assert bucket_starts(130.0, 301.0, "m", "start_time") == [120, 180, 240, 300]
