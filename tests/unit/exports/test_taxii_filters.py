"""TAXII filters and page cursors, without a database."""

from __future__ import annotations

import pytest

from enforce_share.errors import InvalidInput
from enforce_share.exports.taxii import Filters, _decode
from enforce_share.records.queries import pack_cursor

REPORT = {"id": "report--1", "type": "report", "modified": "2026-03-14T10:00:00.12Z"}


def test_added_after_is_exclusive_and_normalised() -> None:
    filters = Filters.of({"added_after": "2026-03-14T10:00:00Z"})
    assert filters.added_after == "2026-03-14T10:00:00.000000Z"
    assert not filters.admits("2026-03-14T10:00:00.000000Z", REPORT)
    assert filters.admits("2026-03-14T10:00:00.000001Z", REPORT)


def test_match_filters_combine() -> None:
    assert Filters.of({"match_type": "identity,report"}).admits("t", REPORT)
    assert not Filters.of({"match_type": "identity"}).admits("t", REPORT)
    assert Filters.of({"match_id": "report--2,report--1"}).admits("t", REPORT)
    assert not Filters.of({"match_spec_version": "2.0"}).admits("t", REPORT)


def test_a_version_matches_by_time_not_by_spelling() -> None:
    assert Filters.of({"match_version": "2026-03-14T10:00:00.120Z"}).admits("t", REPORT)
    assert Filters.of({"match_version": "last"}).admits("t", REPORT)
    assert not Filters.of({"match_version": "2026-03-14T10:00:00Z,junk"}).admits("t", REPORT)


def test_a_next_works_only_with_the_filters_it_was_made_with() -> None:
    filters = Filters.of({"match_type": "report"})
    cursor = pack_cursor({"k": [5, 1], "f": filters.fingerprint()})
    assert _decode(cursor, filters) == (5, 1)
    for wrong in (cursor, "bm9wZQ", pack_cursor({"k": [-1, 0], "f": filters.fingerprint()}),
                  pack_cursor({"k": ["2026-03-14T10:00:00.000000Z", 5, 1],  # an older kind
                               "f": filters.fingerprint()})):
        with pytest.raises(InvalidInput) as raised:
            _decode(wrong, Filters() if wrong == cursor else filters)
        assert "next" in raised.value.fields
