"""Batch CSV files: rows read as requests (a bad one named by its line), answers written
without formulas."""

from __future__ import annotations

import io

import pytest

from enforce_share.errors import InvalidInput
from enforce_share.screening import rows

HEADER = "reference,name,kind,countries,identifiers,hs_codes,route,destination\n"


def test_a_row_is_a_request_of_its_party_items_and_route() -> None:
    text = HEADER + "P1,Tekhno Treyd LLC,company,AM,inn:7704734000; phone:+374 10 555 123," \
                    "854231;854239,DE;AM;RU,RU\n"
    ((line, request),) = rows.read_requests(io.StringIO(text))
    assert line == 2
    assert request["parties"] == [{"reference": "P1", "name": "Tekhno Treyd LLC",
                                   "kind": "company", "countries": ["AM"],
                                   "identifiers": [{"scheme": "inn", "value": "7704734000"},
                                                   {"scheme": "phone",
                                                    "value": "+374 10 555 123"}]}]
    assert request["items"] == [{"hs_code": "854231"}, {"hs_code": "854239"}]
    assert request["route"] == ["DE", "AM", "RU"] and request["destination"] == "RU"


@pytest.mark.parametrize("bad, where", [
    ("P1,,company,,,,,\n", "line 2: Invalid screening request"),
    ("P1,X,ship,,,,,\n", "line 2"),
    ("P1,X,company,Armenia,,,,\n", "line 2"),
    ("P1,X,company,,nothing,,,\n", "line 2"),
    ("P1,X,company,,,8542,,\n", "line 2"),
    ("P1,X,company,,,,,,extra\n", "line 2: 8 columns expected"),
])
def test_a_bad_row_is_refused_naming_its_line(bad: str, where: str) -> None:
    with pytest.raises(InvalidInput, match=where):
        list(rows.read_requests(io.StringIO(HEADER + bad)))


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(InvalidInput, match="line 1: the columns must .* \\(not nmae\\)"):
        list(rows.read_requests(io.StringIO("nmae\nX\n")))


def test_answers_never_start_a_formula() -> None:
    answer = {"parties": [{"index": 0, "name": "=HYPERLINK(\"http://x\")", "matches": [],
                           "entities": []}],
              "red_flags": [{"rule": "new_company", "message": "-1+1"}]}
    row = rows.result_row(2, answer)
    assert row[2] == "'=HYPERLINK(\"http://x\")" and row[-1] == "'-1+1"
