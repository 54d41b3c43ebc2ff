"""The published wire contract: JSON Schema documents (draft 2020-12) generated from the code.

What a partner writing Java or Go validates against: the record envelope and each body type
(translated from the marshmallow schemas the node itself checks with), the stub, the signed
record and checkpoint, the feed page and the signed bundle header (docs/protocol.md). The
documents are language-neutral: no format of our own, only ``enum`` and ``pattern`` for
agencies, countries, currencies, ids and timestamps (``date`` and ``date-time`` are kept as
annotations beside their patterns). ``enforce-share schemas export`` writes them to
``schemas/``; a test holds the committed files equal to this module's output. Rules JSON
Schema cannot state (a key's ``kid`` is its RFC 7638 thumbprint; a real calendar day) stay
with the node's own checks, and the documents say so in ``$comment``.
"""

from __future__ import annotations

import json
from typing import Any

import pycountry
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from ..members import CODE
from ..public.document import json_schema as public_list_schema
from ..records.entries import MAX_SEQ
from ..records.fields import TIMESTAMP_PATTERN, UUID_PATTERN
from ..records.jsonschema import nullable_to_type
from ..records.schema import BODY_SCHEMAS, MarkingSchema, RecordSchema
from .bundle_verify import FORMAT, SELECTION

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Where the documents are published: each ``$id`` is this and its file name, and documents
#: refer to each other by file name (relative to their own ``$id``).
BASE = "https://enforce-share.example/schemas/2/"
DEFINITIONS = "definitions.json"
_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Our formats and the definitions that replace them.
_FORMATS = {"date": "date", "date-time": "timestamp", "iso3166-alpha2": "country",
            "iso4217": "currency"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{DEFINITIONS}#/$defs/{name}"}


def _definitions() -> dict[str, Any]:
    """The value formats of docs/protocol.md section 1, and the marking (section 3)."""
    return {
        "agency": {"type": "string", "pattern": CODE.pattern,
                   "$comment": "ISO 3166-1 alpha-3; a member's code as the membership "
                               "document says (protocol section 9)."},
        "record_id": {"type": "string", "pattern": UUID_PATTERN},
        "seq": {"type": "integer", "minimum": 1, "maximum": MAX_SEQ},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "timestamp": {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN},
        "date": {"type": "string", "format": "date", "pattern": _DATE_PATTERN,
                 "$comment": "A real calendar day."},
        "country": {"type": "string", "enum": sorted(c.alpha_2 for c in pycountry.countries)},
        "currency": {"type": "string",
                     "enum": sorted(c.alpha_3 for c in pycountry.currencies)},
        "detached_jws": {"type": "string", "pattern": "^[A-Za-z0-9_-]+\\.\\.[A-Za-z0-9_-]+$",
                         "$comment": "Compact JWS with detached payload (RFC 7515 appendix F): "
                                     "Ed25519 over the RFC 8785 bytes of the signed object."},
        "marking": _converted(MarkingSchema),
    }


def _converted(schema: Any) -> dict[str, Any]:
    """A marshmallow schema as JSON Schema 2020-12, our formats replaced by definitions."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # inline everything
    APISpec("enforce-share", "2", "3.0.3", plugins=[plugin])
    converted = plugin.converter.schema2jsonschema(schema)
    nullable_to_type(converted)
    return _without_formats(converted)


def _without_formats(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_formats(value) for value in node]
    if not isinstance(node, dict):
        return node
    if node.get("format") in _FORMATS:
        rest = {key: value for key, value in node.items() if key not in ("type", "format")}
        return {**_ref(_FORMATS[node["format"]]), **rest}
    return {key: _without_formats(value) for key, value in node.items()}


def _document(name: str, title: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": BASE + name, "title": title, **schema}


def _record() -> dict[str, Any]:
    envelope = _converted(RecordSchema)
    properties = envelope["properties"]
    properties["seq"] = _ref("seq")
    properties["marking"] = _ref("marking")
    envelope["allOf"] = [{"if": {"properties": {"type": {"const": name}}},
                          "then": {"properties": {"body": {"$ref": f"body-{name}.json"}}}}
                         for name in BODY_SCHEMAS]
    return envelope


def _stub() -> dict[str, Any]:
    return {"type": "object", "required": ["origin", "seq", "id", "hash", "marking"],
            "additionalProperties": False,
            "properties": {"origin": _ref("agency"), "seq": _ref("seq"), "id": _ref("record_id"),
                           "hash": _ref("sha256"), "marking": _ref("marking")}}


def _signed(member: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [member, "jws"], "additionalProperties": False,
            "properties": {member: schema, "jws": _ref("detached_jws")}}


def _checkpoint() -> dict[str, Any]:
    statement = {"type": "object", "required": ["origin", "seq", "head", "issued"],
                 "additionalProperties": False,
                 "properties": {"origin": _ref("agency"), "seq": _ref("seq"),
                                "head": _ref("sha256"), "issued": _ref("timestamp")}}
    return _signed("checkpoint", statement)


def _feed_page() -> dict[str, Any]:
    nullable_seq = {"type": ["integer", "null"], "minimum": 0}
    return {"type": "object", "required": ["origin", "entries", "checkpoint", "next"],
            "properties": {
                "origin": _ref("agency"),
                "entries": {"type": "array", "items": {"oneOf": [
                    {"$ref": "signed-record.json"}, {"$ref": "stub.json"}]}},
                "checkpoint": {"oneOf": [{"$ref": "checkpoint.json"}, {"type": "null"}]},
                "next": nullable_seq, "held": nullable_seq}}


def _bundle_header() -> dict[str, Any]:
    statement = {"type": "object", "required": ["bundle", "from", "for", "created", "since"],
                 "additionalProperties": False,
                 "properties": {"bundle": {"enum": [FORMAT, SELECTION]}, "from": _ref("agency"),
                                "for": _ref("agency"), "created": _ref("timestamp"),
                                "since": {"type": "object", "propertyNames": _ref("agency"),
                                          "additionalProperties": {"type": "integer",
                                                                   "minimum": 0}}}}
    return _signed("header", statement)


def documents() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema document, every one of the published contract."""
    docs = {
        DEFINITIONS: _document(DEFINITIONS, "enforce-share value formats", {
            "$defs": _definitions()}),
        "record.json": _document("record.json", "enforce-share record envelope", _record()),
        "signed-record.json": _document("signed-record.json", "enforce-share signed record",
                                        _signed("record", {"$ref": "record.json"})),
        "stub.json": _document("stub.json", "enforce-share stub (placeholder)", _stub()),
        "checkpoint.json": _document("checkpoint.json", "enforce-share signed checkpoint",
                                     _checkpoint()),
        "feed-page.json": _document("feed-page.json", "enforce-share feed page",
                                    _feed_page()),
        "bundle-header.json": _document("bundle-header.json",
                                        "enforce-share signed bundle header", _bundle_header()),
        "public-list.json": _document("public-list.json",
                                      "enforce-share signed public list of diversionary actors",
                                      public_list_schema(_ref)),
    }
    for name, body in BODY_SCHEMAS.items():
        file = f"body-{name}.json"
        docs[file] = _document(file, f"enforce-share {name} body", _converted(body))
    docs["body-key.json"]["$comment"] = ("kid must also be the RFC 7638 thumbprint of jwk, "
                                         "which JSON Schema cannot state.")
    return docs


def serialised(document: dict[str, Any]) -> str:
    """A document as written to disk: two-space indent, ASCII, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
