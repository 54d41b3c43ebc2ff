"""Key announcements: `key` and `key_revocation` records update the trust registry.

The same rules hold for this node's own records and for partners' records arriving by sync or
bundle: a key is always bound to the record's origin agency, and a revocation only to a key of
that agency; an earlier revocation time is never moved later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..clock import parse_timestamp
from ..errors import VerificationError
from .models import TrustedKey


def apply_key_records(session: Session, record: dict[str, Any]) -> None:
    """Update the registry from a verified record if it is a key or revocation."""
    if record["type"] == "key":
        _announce(session, record)
    elif record["type"] == "key_revocation":
        _revoke(session, record)


def _announce(session: Session, record: dict[str, Any]) -> None:
    body, origin = record["body"], record["origin"]
    existing = session.get(TrustedKey, body["kid"])
    if existing is not None:
        if existing.agency != origin:
            raise VerificationError("wrong_agency",
                                    f"key {body['kid']} is registered to {existing.agency}")
        return
    session.add(TrustedKey(
        kid=body["kid"], agency=origin, jwk={k: body["jwk"][k] for k in ("kty", "crv", "x")},
        valid_from=body["valid_from"], valid_until=body.get("valid_until"),
        revoked_at=None, revocation_reason=None, source=record["id"],
    ))
    session.flush()


def _revoke(session: Session, record: dict[str, Any]) -> None:
    body, origin = record["body"], record["origin"]
    key = session.get(TrustedKey, body["kid"])
    if key is None or key.agency != origin:
        raise VerificationError("wrong_agency", f"{origin} holds no key {body['kid']}")
    if key.revoked_at is None or parse_timestamp(body["revoked_at"]) < parse_timestamp(
        key.revoked_at
    ):
        key.revoked_at = body["revoked_at"]
        key.revocation_reason = body["reason"]
    session.flush()
