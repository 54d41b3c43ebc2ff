"""Complete offline verification of a signed record: shape, key, window, signature."""

from __future__ import annotations

from typing import Any

from fastjsonschema import JsonSchemaException

from ..errors import VerificationError
from ..signing.trust import TrustRegistry
from .drafts import TRUST_TYPES
from .fields import escape_controls
from .jsonschema import record_validator
from .schema import RecordSchema

_RECORD = RecordSchema()


def first_problem(errors: dict[str, Any], prefix: str = "") -> str:
    """The first validation problem as ``path: message`` (for one-line reports).

    Control characters are escaped: the path may hold member names a partner chose, and the
    report is logged and stored as text (quarantine, sync status), where PostgreSQL refuses NUL.
    """
    return escape_controls(_first_problem(errors, prefix))


def _first_problem(errors: dict[str, Any], prefix: str) -> str:
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            return _first_problem(value, path)
        return f"{path}: {value[0] if isinstance(value, list) else value}"
    return prefix or "invalid"


def record_errors(record: Any) -> dict[str, Any]:
    """Validation errors of a complete record (empty if partners will accept its shape).

    The compiled JSON Schema validator decides quickly for almost every record; marshmallow,
    the reference, runs where JSON Schema cannot state a rule (trust records: a key id is
    its key's thumbprint, a threshold within the keys; an integer ``seq``
    written as ``1.0``) and to name the problem. A record either refuses is refused.
    """
    if not isinstance(record, dict):
        return {"record": ["Not an object."]}
    try:
        record_validator()(record)
    except JsonSchemaException as exc:
        return _RECORD.validate(record) or {"record": [exc.message]}
    if record["type"] in TRUST_TYPES or type(record["seq"]) is not int:
        return _RECORD.validate(record)
    return {}


def checked_shape(document: Any) -> dict[str, Any]:
    """The record of ``{"record": {...}, "jws": "..."}`` if its shape is valid; else raise."""
    if not isinstance(document, dict) or set(document) != {"record", "jws"}:
        raise VerificationError("malformed_record", 'expected exactly {"record", "jws"}')
    errors = record_errors(document["record"])
    if errors:
        raise VerificationError("malformed_record", first_problem(errors))
    return document["record"]


def verify_signed_record(registry: TrustRegistry, document: Any) -> dict[str, Any]:
    """Verify ``{"record": {...}, "jws": "..."}``; return the record or raise with a reason."""
    record = checked_shape(document)
    registry.verify_record(record, document["jws"])
    return record
