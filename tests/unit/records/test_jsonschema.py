"""The compiled JSON Schema validator accepts exactly what the marshmallow schemas accept."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforce_share.demo.scenario import generate_scenario
from enforce_share.errors import VerificationError
from enforce_share.records.jsonschema import record_json_schema
from enforce_share.records.schema import RecordSchema
from enforce_share.records.verify import checked_shape

MARSHMALLOW = RecordSchema()


def as_record(draft: dict[str, Any], seq: int) -> dict[str, Any]:
    return {"id": draft["id"], "type": draft["type"], "origin": draft["origin"], "seq": seq,
            "created": "2026-11-22T10:00:00.000000Z", "supersedes": draft["supersedes"],
            "marking": draft["marking"], "body": draft["body"]}


RECORDS = [as_record(d, n) for n, d in enumerate(itertools.islice(generate_scenario(400, 11),
                                                                  400), 1)]
#: A few records of every type the scenario writes, so each body schema meets the mutations.
SAMPLE = [r for kind in sorted({r["type"] for r in RECORDS})
          for r in [x for x in RECORDS if x["type"] == kind][:6]]


def fast_accepts(record: Any) -> bool:
    try:
        checked_shape({"record": record, "jws": "x..y"})
    except VerificationError:
        return False
    return True


def reference_accepts(record: Any) -> bool:
    return isinstance(record, dict) and not MARSHMALLOW.validate(record)


def leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside a JSON document."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += leaves(value, (*path, index))
    return found


def replaced(record: dict, path: tuple, value: Any) -> dict:
    changed = copy.deepcopy(record)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def test_every_generated_record_passes_both() -> None:
    assert all(fast_accepts(r) and reference_accepts(r) for r in RECORDS)


def test_schema_selects_the_body_by_type() -> None:
    schema = record_json_schema()
    assert {branch["if"]["properties"]["type"]["const"] for branch in schema["allOf"]} == {
        "violation", "procurement_trend", "actor", "case", "link", "withdrawal", "key",
        "key_revocation", "audit_anchor", "root", "disavowal", "membership"}


def test_a_body_of_another_type_is_refused_by_both() -> None:
    # the validator is picked by the record's type: a body of the wrong type must still fail
    types = sorted({r["type"] for r in SAMPLE})
    for record in SAMPLE:
        for other in types:
            if other != record["type"]:
                changed = {**record, "type": other}
                assert not fast_accepts(changed) and not reference_accepts(changed), other


@pytest.mark.parametrize("value", [
    None, True, 1, 1.0, -3, "", "x" * 30, "x" * 301, "ZZ", "2026-02-30", "2026-11-22",
    "2026-11-22T10:00:00Z", "2026-11-22T10:00:00+00:00", "2026-11-22T25:00:00Z", "854231",
    "AM", "USD", "AM\n", "854231\n", "2026-11-22\n", "Latn\n", [], ["x"], {}, {"a": 1},
    "\x00", "x\x00", "AM\x00", "Latn\x00", "x\r", "x\x1f", "\x7f", "x\x85", "x\x9f\n",
    "a\tb\nc", "\n", "x\xa0"])
def test_both_agree_on_every_leaf_replaced_by(value) -> None:
    assert len({r["type"] for r in SAMPLE}) >= 6
    for record in SAMPLE:
        for path in leaves(record):
            changed = replaced(record, path, value)
            assert fast_accepts(changed) == reference_accepts(changed), (path, value)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\r", "\x7f", "\x85"])
def test_both_refuse_a_control_character_in_every_string_leaf(char) -> None:
    for record in SAMPLE:
        for path in leaves(record):
            value = record
            for step in path:
                value = value[step]
            if isinstance(value, str):
                changed = replaced(record, path, value + char)
                assert not fast_accepts(changed) and not reference_accepts(changed), path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**16) | st.floats(allow_nan=False,
                                                                      allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["AM", "USD", "854231", "3A991", "2026-01-31",
                                              "2026-11-22T10:00:00Z", "GBR", "amber"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "kind", "x", "from", "tlp"]), children,
                      max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(RECORDS) - 1), st.data(), json_values)
def test_both_agree_on_random_changes(index, data, value) -> None:
    record = RECORDS[index]
    path = data.draw(st.sampled_from(leaves(record)))
    changed = replaced(record, path, value)
    assert fast_accepts(changed) == reference_accepts(changed)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(RECORDS) - 1), st.sampled_from(["body", "marking", ""]),
       st.text(min_size=1, max_size=8))
def test_both_refuse_an_unknown_member(index, where, name) -> None:
    record = copy.deepcopy(RECORDS[index])
    target = record[where] if where else record
    if name in target:
        return
    target[name] = 1
    assert not fast_accepts(record) and not reference_accepts(record)
