"""Complete offline verification of a signed record: shape, key, window, signature."""

from __future__ import annotations

from typing import Any

from fastjsonschema import JsonSchemaException

from ..errors import VerificationError
from ..schemas.jsonschema import record_validator
from ..schemas.records import RecordSchema
from ..signing.trust import TrustRegistry
from .drafts import KEY_TYPES

_RECORD = RecordSchema()


def first_problem(errors: dict[str, Any], prefix: str = "") -> str:
    """The first validation problem as ``path: message`` (for one-line reports)."""
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            return first_problem(value, path)
        return f"{path}: {value[0] if isinstance(value, list) else value}"
    return prefix or "invalid"


def checked_shape(document: Any) -> dict[str, Any]:
    """The record of ``{"record": {...}, "jws": "..."}`` if its shape is valid; else raise.

    The compiled JSON Schema validator decides quickly for almost every record; marshmallow,
    the reference, runs where JSON Schema cannot state a rule (key records, integer ``seq``
    written as ``1.0``) and to name the problem. Either one refusing is a refusal.
    """
    if not isinstance(document, dict) or set(document) != {"record", "jws"}:
        raise VerificationError("malformed_record", 'expected exactly {"record", "jws"}')
    record = document["record"]
    if not isinstance(record, dict):
        raise VerificationError("malformed_record", "record: not an object")
    try:
        record_validator()(record)
    except JsonSchemaException as exc:
        errors = _RECORD.validate(record)
        raise VerificationError("malformed_record",
                                first_problem(errors) if errors else exc.message) from exc
    if record["type"] in KEY_TYPES or type(record["seq"]) is not int:
        errors = _RECORD.validate(record)
        if errors:
            raise VerificationError("malformed_record", first_problem(errors))
    return record


def verify_signed_record(registry: TrustRegistry, document: Any) -> dict[str, Any]:
    """Verify ``{"record": {...}, "jws": "..."}``; return the record or raise with a reason."""
    record = checked_shape(document)
    registry.verify_record(record, document["jws"])
    return record
