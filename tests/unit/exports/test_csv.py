"""Flattening record bodies into CSV columns, and cells no spreadsheet runs as formulas."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

from enforce_share.exports.csv import ENVELOPE, flatten, safe, to_csv


def test_nested_objects_become_dotted_columns_and_lists_are_joined() -> None:
    body = {"title": "T", "route": ["US", "AM", "RU"], "period": {"start": "2024-01-01"},
            "quantity": 1200, "confirmed": True, "notes": None}
    assert flatten(body, "body") == {
        "body.title": "T", "body.route": "US; AM; RU", "body.period.start": "2024-01-01",
        "body.quantity": "1200", "body.confirmed": "true", "body.notes": ""}


def test_a_list_of_objects_gives_a_column_per_key_aligned_by_position() -> None:
    items = [{"hs_code": "854231", "value": {"amount": 48250.5, "currency": "USD"}},
             {"hs_code": "852589", "eccn": "6A993.a"}]
    assert flatten(items, "body.items") == {
        "body.items.hs_code": "854231; 852589",
        "body.items.value.amount": "48250.5; ",
        "body.items.value.currency": "USD; ",
        "body.items.eccn": "; 6A993.a"}


def test_cells_that_would_start_a_formula_are_quoted() -> None:
    for dangerous in ("=HYPERLINK(\"x\")", "+374 10 555 123", "-2+3", "@SUM(A1)", "\tx"):
        assert safe(dangerous) == "'" + dangerous
    for harmless in ("Orion", "3A001.a", "", "a=b"):
        assert safe(harmless) == harmless


def hit(record: dict, verified: bool = True) -> SimpleNamespace:
    row = SimpleNamespace(canonical=json.dumps(record), record_hash="ab" * 32)
    return SimpleNamespace(row=row, verified=verified, score=0.0)


def test_the_table_has_the_envelope_then_body_columns_and_one_line_per_record() -> None:
    record = {"id": "r1", "type": "actor", "origin": "GBR", "seq": 7,
              "created": "2026-03-14T10:00:00.000000Z", "supersedes": None,
              "marking": {"tlp": "amber", "releasable_to": ["GBR", "USA"]},
              "body": {"name": "=cmd", "kind": "company", "countries": ["AM"]}}
    other = {**record, "id": "r2", "body": {"name": "Orion", "kind": "company",
                                             "notes": "line one\nline two"}}
    text = to_csv([hit(record), hit(other, verified=False)])
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [*ENVELOPE, "body.countries", "body.kind", "body.name", "body.notes"]
    assert rows[1] == ["r1", "actor", "GBR", "7", "2026-03-14T10:00:00.000000Z", "", "amber",
                       "GBR; USA", "ab" * 32, "true", "AM", "company", "'=cmd", ""]
    assert rows[2][9] == "false" and rows[2][-1] == "line one\nline two"
