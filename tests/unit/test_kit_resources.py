"""The kit's resource conventions: etags, update masks, pages of a cursor list, stored times."""

from __future__ import annotations

import pytest

from services.kit.errors import InvalidArgument
from services.kit.mongo import now
from services.kit.pagination import decode_token, page_of
from services.kit.resources import check_update_mask, new_etag


def test_etags_are_fresh() -> None:
    assert len({new_etag() for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    ("mask", "says"),
    [([], "name at least one field"), (["notes", "id"], "unknown or read-only field(s) ['id']")],
)
def test_a_bad_update_mask_names_the_field(mask: list[str], says: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_update_mask(mask, {"notes", "display_name"})
    assert [v.field for v in err.value.violations] == ["update_mask.paths"]
    assert says in err.value.violations[0].description


def test_a_good_update_mask_passes() -> None:
    check_update_mask(["notes"], {"notes", "display_name"})


def test_a_page_says_where_the_next_starts_only_when_more_follow() -> None:
    rows = [{"id": str(i)} for i in range(4)]
    full = page_of(rows, 3, lambda r: {"id": r["id"]})
    assert [r["id"] for r in full.items] == ["0", "1", "2"]
    assert decode_token(full.next_page_token, keys={"id"}) == {"id": "2"}
    last = page_of(rows[:3], 3, lambda r: {"id": r["id"]})
    assert last.items == rows[:3] and last.next_page_token == ""
    assert page_of([], 3, lambda r: {"id": r["id"]}).next_page_token == ""


def test_stored_times_are_utc_milliseconds() -> None:
    t = now()
    assert t.tzinfo is not None and t.utcoffset() is not None and not t.utcoffset()
    assert t.microsecond % 1000 == 0
