"""Text refuses control characters but tab and newline (protocol section 1, `text`).

A NUL in a stored string fails every PostgreSQL partner, so the rule holds for every string
member of a record, in the marshmallow schemas and in the compiled JSON Schema validator.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from enforce_share.errors import VerificationError
from enforce_share.records.jsonschema import record_json_schema
from enforce_share.records.schema import BODY_SCHEMAS, RecordSchema, body_errors
from enforce_share.records.verify import checked_shape, first_problem
from tests.factories import BODIES, MARKING

#: Every class of refused character: C0 but tab and line feed, DEL, C1.
REFUSED = {
    "NUL": "\x00", "SOH": "\x01", "BS": "\x08", "VT": "\x0b", "FF": "\x0c", "CR": "\r",
    "ESC": "\x1b", "US": "\x1f", "DEL": "\x7f", "PAD": "\x80", "NEL": "\x85", "APC": "\x9f",
}
ALLOWED = ["\t", "\n", "line one\nline two\n", "a\tb", "\xa0", "\u2028", "é", "ООО", "\U0001f600"]

BASES: dict[str, dict[str, Any]] = {
    **BODIES,
    "actor": {**BODIES["actor"], "notes": "Seen in 2025.",
              "listings": [{"list": "Entity List", "reference": "89 FR 1234"}]},
    "violation": {**BODIES["violation"], "legal_basis": ["EAR 764.2"],
                  "sources": ["Customs declaration"]},
    "withdrawal": {"target": "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "reason": "In error."},
}
#: (type, path inside the body) of text members, nested and in arrays among them.
TEXT_MEMBERS = [
    ("violation", ("summary",)), ("violation", ("title",)),
    ("violation", ("items", 0, "description")), ("violation", ("items", 0, "unit")),
    ("violation", ("enforcement_actions", 0, "reference")), ("violation", ("red_flags", 0)),
    ("violation", ("legal_basis", 0)), ("violation", ("sources", 0)),
    ("actor", ("name",)), ("actor", ("aliases", 0, "name")), ("actor", ("addresses", 0, "text")),
    ("actor", ("identifiers", 0, "value")), ("actor", ("listings", 0, "list")),
    ("actor", ("listings", 0, "reference")), ("actor", ("notes",)),
    ("procurement_trend", ("summary",)), ("case", ("title",)), ("withdrawal", ("reason",)),
]
ENVELOPE_MEMBERS = [("id",), ("type",), ("origin",), ("created",), ("supersedes",),
                    ("marking", "tlp"), ("marking", "releasable_to", 0)]


def with_value(document: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def value_at(document: Any, path: tuple) -> Any:
    for step in path:
        document = document[step]
    return document


def envelope(record_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": "4f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "type": record_type, "origin": "GBR",
            "seq": 1, "created": "2026-11-22T10:00:00.000000Z",
            "supersedes": "5f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f", "marking": MARKING,
            "body": body}


def shape_problem(record: dict[str, Any]) -> str:
    """The detail an ingesting node reports (the compiled validator's path)."""
    with pytest.raises(VerificationError) as caught:
        checked_shape({"record": record, "jws": "x..y"})
    assert caught.value.reason == "malformed_record"
    return caught.value.detail


def test_the_bases_are_valid() -> None:
    for record_type, body in BASES.items():
        assert body_errors(record_type, body) == {}
        checked_shape({"record": envelope(record_type, body), "jws": "x..y"})


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("record_type, path", TEXT_MEMBERS)
def test_a_control_character_in_text_is_refused_naming_the_member(record_type, path,
                                                                  name) -> None:
    value = f"{value_at(BASES[record_type], path)[:4]}{REFUSED[name]}x"
    body = with_value(BASES[record_type], path, value)
    errors = body_errors(record_type, body)
    (message,) = value_at(errors["body"], path)
    assert f"U+{ord(REFUSED[name]):04X}" in message
    assert list(errors) == ["body"] and list(errors["body"]) == [path[0]]  # nothing else
    assert shape_problem(envelope(record_type, body)).startswith(
        ".".join(map(str, ("body", *path))) + ": ")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_character_alone_and_at_either_end_is_refused(name) -> None:
    for value in (REFUSED[name], f"{REFUSED[name]}Title", f"Title{REFUSED[name]}"):
        body = {**BASES["violation"], "title": value}
        assert "title" in body_errors("violation", body)["body"]
        assert shape_problem(envelope("violation", body)).startswith("body.title: ")


@pytest.mark.parametrize("value", ALLOWED)
@pytest.mark.parametrize("record_type, path", TEXT_MEMBERS[:6] + TEXT_MEMBERS[8:11])
def test_tab_newline_and_other_characters_are_allowed(record_type, path, value) -> None:
    body = with_value(BASES[record_type], path, f"Text {value} more")
    assert body_errors(record_type, body) == {}
    checked_shape({"record": envelope(record_type, body), "jws": "x..y"})


def test_the_position_of_the_first_refused_character_is_reported() -> None:
    body = {**BASES["violation"], "summary": "ok\tok\nok\x1bthen\x00"}
    (message,) = body_errors("violation", body)["body"]["summary"]
    assert "U+001B at offset 8" in message and "U+0000" not in message


@pytest.mark.parametrize("name", ["NUL", "CR", "DEL", "NEL"])
@pytest.mark.parametrize("path", ENVELOPE_MEMBERS)
def test_envelope_strings_refuse_control_characters(path, name) -> None:
    record = envelope("actor", BASES["actor"])
    record = with_value(record, path, value_at(record, path) + REFUSED[name])
    assert path[0] in RecordSchema().validate(record)
    assert shape_problem(record).startswith(".".join(map(str, path)) + ": ")


def string_fields(schema: Schema, path: tuple = ()) -> Iterator[tuple[str, fields.Field]]:
    """Every string field reachable from ``schema``, through nested schemas and lists."""
    for name, field in schema.fields.items():
        yield from _strings_in(field, (*path, field.data_key or name))


def _strings_in(field: fields.Field, path: tuple) -> Iterator[tuple[str, fields.Field]]:
    if isinstance(field, fields.Nested):
        yield from string_fields(field.schema, path)
    elif isinstance(field, fields.List):
        yield from _strings_in(field.inner, (*path, "[]"))
    elif isinstance(field, fields.String):
        yield ".".join(path), field


STRING_FIELDS = [*string_fields(RecordSchema())] + [
    field for name, schema in BODY_SCHEMAS.items() for field in string_fields(schema(), (name,))]


def test_the_walk_finds_every_record_string() -> None:
    names = {name for name, _ in STRING_FIELDS}
    assert len(names) > 60
    assert {"marking.releasable_to.[]", "violation.items.[].description", "actor.aliases.[].name",
            "key.jwk.kid", "key_revocation.reason", "link.from"} <= names


@pytest.mark.parametrize("name, field", STRING_FIELDS, ids=[name for name, _ in STRING_FIELDS])
def test_every_string_member_of_every_record_refuses_control_characters(name, field) -> None:
    for char in REFUSED.values():
        with pytest.raises(ValidationError):
            field.deserialize(f"Latn{char}")


def json_schema_strings(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every node of the record JSON Schema that admits a string."""
    if isinstance(node, dict):
        kinds = node.get("type")
        if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
            yield path, node
        for key, value in node.items():
            yield from json_schema_strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from json_schema_strings(value, f"{path}/{index}")


def test_every_string_of_the_json_schema_is_constrained() -> None:
    strings = list(json_schema_strings(record_json_schema()))
    assert len(strings) > 60
    loose = [path for path, node in strings if not {"enum", "pattern", "format"} & set(node)]
    assert loose == []


def test_json_schema_text_states_the_same_rule() -> None:
    body = record_json_schema()["allOf"][0]["then"]["properties"]["body"]
    title = body["properties"]["title"]
    assert title["minLength"] == 1 and title["maxLength"] == 300
    pattern = title["pattern"]
    assert pattern.startswith("^[^") and pattern.endswith("]*$")
    assert "\\u0000-\\u0008" in pattern and "\\u000b-\\u001f" in pattern
    assert "\\u007f-\\u009f" in pattern


@pytest.mark.parametrize("member", ["a\x00b", "a\nb", "\ud800", "a\x85"])
def test_a_problem_report_never_carries_a_control_character(member) -> None:
    """Quarantine and sync status store the report as text: PostgreSQL refuses NUL there."""
    body = {**BASES["actor"], member: 1}
    detail = shape_problem(envelope("actor", body))
    assert detail.endswith(": Unknown field.")
    assert detail.isprintable() and detail.encode("utf-8")


def test_a_problem_report_escapes_control_characters_as_code_points() -> None:
    assert first_problem({"body": {"a\x00b\n": ["x"]}}) == "body.a\\u0000b\\u000a: x"
    assert first_problem({"a\ud800": ["y\x85"]}) == "a\\ud800: y\\u0085"
