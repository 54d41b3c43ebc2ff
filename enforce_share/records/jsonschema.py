"""The record schema as JSON Schema (draft 7), derived from the marshmallow schemas.

apispec translates each marshmallow schema (fields, validators, ``unknown = RAISE``) into
JSON Schema; the bodies are selected by ``type`` with if/then. fastjsonschema compiles the
result into a validator many times faster than marshmallow, for the hot path of verifying
partners' records. marshmallow stays the reference: the few rules JSON Schema cannot state
(a key's kid is its thumbprint) are checked by running marshmallow on those types, and a
test keeps both validators in agreement.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .fields import is_country, is_currency, is_date, is_timestamp
from .schema import BODY_SCHEMAS, RecordSchema

#: Formats checked by our own predicates, exactly as the marshmallow fields check them.
FORMATS = {"date": is_date, "date-time": is_timestamp, "iso3166-alpha2": is_country,
           "iso4217": is_currency}


def nullable_to_type(node: Any) -> None:
    """OpenAPI 3.0's ``nullable`` becomes JSON Schema's ``type: [T, "null"]``, in place."""
    if isinstance(node, dict):
        if node.pop("nullable", False):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            nullable_to_type(value)
    elif isinstance(node, list):
        for value in node:
            nullable_to_type(value)


@cache
def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of a record envelope with its type-selected body."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # inline everything
    APISpec("enforce-share records", "1", "3.0.3", plugins=[plugin])
    convert = plugin.converter.schema2jsonschema
    schema = convert(RecordSchema)
    schema["properties"]["seq"]["type"] = "integer"
    schema["allOf"] = [
        {"if": {"properties": {"type": {"const": name}}},
         "then": {"properties": {"body": convert(body)}}}
        for name, body in BODY_SCHEMAS.items()
    ]
    nullable_to_type(schema)
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": "enforce-share record", **schema}


def typed_json_schema(name: str) -> dict[str, Any]:
    """The record schema for records of type ``name``: its body chosen, not an if/then."""
    schema = copy.deepcopy(record_json_schema())
    (chosen,) = [rule["then"] for rule in schema["allOf"]
                 if rule["if"]["properties"]["type"]["const"] == name]
    schema["allOf"] = [chosen]
    return schema


@cache
def record_validator() -> Callable[[Any], Any]:
    """The compiled validator: raises ``fastjsonschema.JsonSchemaException`` on failure.

    A validator per record type (:func:`typed_json_schema`) is picked by the record's
    ``type``: compiled from the whole schema, fastjsonschema tried each if/then by raising
    and catching an exception, eleven a record, half of what validating cost. What has no
    type of a body (or is no object) meets the whole schema, which says what is wrong.
    """
    whole = fastjsonschema.compile(record_json_schema(), formats=FORMATS)
    by_type = {name: fastjsonschema.compile(typed_json_schema(name), formats=FORMATS)
               for name in BODY_SCHEMAS}

    def validate(record: Any) -> Any:
        kind = record.get("type") if isinstance(record, dict) else None
        return (by_type.get(kind, whole) if isinstance(kind, str) else whole)(record)

    return validate
