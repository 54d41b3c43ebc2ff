"""Complete offline verification of a signed record: shape, key, window, signature."""

from __future__ import annotations

from typing import Any

from ..errors import VerificationError
from ..schemas.records import RecordSchema
from ..signing.trust import TrustRegistry

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
    """The record of ``{"record": {...}, "jws": "..."}`` if its shape is valid; else raise."""
    if not isinstance(document, dict) or set(document) != {"record", "jws"}:
        raise VerificationError("malformed_record", 'expected exactly {"record", "jws"}')
    record = document["record"]
    errors = _RECORD.validate(record) if isinstance(record, dict) else {"record": ["not object"]}
    if errors:
        raise VerificationError("malformed_record", first_problem(errors))
    return record


def verify_signed_record(registry: TrustRegistry, document: Any) -> dict[str, Any]:
    """Verify ``{"record": {...}, "jws": "..."}``; return the record or raise with a reason."""
    record = checked_shape(document)
    registry.verify_record(record, document["jws"])
    return record
