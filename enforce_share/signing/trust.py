"""The trust registry: which agency holds which key when, and record verification against it.

Verification fails closed: every check raises :class:`VerificationError` with a reason code
(``unknown_kid``, ``wrong_agency``, ``key_not_yet_valid``, ``key_expired``, ``key_revoked``,
``bad_signature``, ...); nothing returns False.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from joserfc.jwk import OKPKey
from marshmallow import EXCLUDE, ValidationError, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import parse_timestamp, timestamp
from ..errors import InvalidInput, VerificationError
from ..records.fields import Timestamp
from ..records.schema import PublicJWKSchema, jwk_thumbprint
from . import jws
from .models import TrustedKey

#: Start of validity for a partner key whose JWK Set says nothing about it.
EPOCH = "1970-01-01T00:00:00.000000Z"


@lru_cache(maxsize=1024)
def _public_key(x: str) -> OKPKey:
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})


@dataclass(frozen=True)
class TrustEntry:
    """One trusted key as verification needs it."""

    kid: str
    agency: str
    key: OKPKey
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_values(cls, kid: str, agency: str, x: str, valid_from: str,
                    valid_until: str | None, revoked_at: str | None) -> TrustEntry:
        """Build from a registry row's values (see :data:`Snapshot`)."""
        return cls(
            kid=kid,
            agency=agency,
            key=_public_key(x),
            valid_from=parse_timestamp(valid_from),
            valid_until=parse_timestamp(valid_until) if valid_until else None,
            revoked_at=parse_timestamp(revoked_at) if revoked_at else None,
        )

    def check_usable(self, origin: str, created: datetime) -> None:
        """Raise unless this key may sign for ``origin`` at time ``created``."""
        if self.agency != origin:
            raise VerificationError(
                "wrong_agency", f"key {self.kid} belongs to {self.agency}, not {origin}"
            )
        if created < self.valid_from:
            raise VerificationError("key_not_yet_valid", f"key {self.kid} valid from "
                                    f"{timestamp(self.valid_from)}")
        if self.valid_until is not None and created >= self.valid_until:
            raise VerificationError("key_expired", f"key {self.kid} valid until "
                                    f"{timestamp(self.valid_until)}")
        if self.revoked_at is not None and created >= self.revoked_at:
            raise VerificationError("key_revoked", f"key {self.kid} revoked at "
                                    f"{timestamp(self.revoked_at)}")


#: The registry as plain values, one tuple per key (kid, agency, x, valid_from, valid_until,
#: revoked_at), sorted: what a helper process needs to rebuild it, and to compare two.
Snapshot = tuple[tuple[str, str, str, str, str | None, str | None], ...]


class TrustRegistry:
    """An in-memory snapshot of trusted keys, for verifying many records quickly."""

    def __init__(self, entries: Iterable[TrustEntry], snapshot: Snapshot | None = None) -> None:
        self._entries = {entry.kid: entry for entry in entries}
        self.snapshot = snapshot

    @classmethod
    def load(cls, session: Session) -> TrustRegistry:
        """Snapshot the registry table."""
        return cls.from_snapshot(tuple(sorted(
            (row.kid, row.agency, row.jwk["x"], row.valid_from, row.valid_until, row.revoked_at)
            for row in session.scalars(select(TrustedKey)))))

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> TrustRegistry:
        """The registry of :meth:`load` from its values (in another process)."""
        return cls((TrustEntry.from_values(*values) for values in snapshot), snapshot)

    def entry(self, kid: str) -> TrustEntry:
        """The entry for ``kid``; VerificationError ``unknown_kid`` if none."""
        try:
            return self._entries[kid]
        except KeyError:
            raise VerificationError("unknown_kid", f"no trusted key {kid!r}") from None

    def verify(self, document: dict[str, Any], token: str, *, origin: str, created: str) -> bytes:
        """Verify a signed document of ``origin`` made at ``created``; return its JCS bytes."""
        kid = jws.header(token)["kid"]
        entry = self.entry(kid)
        try:
            moment = parse_timestamp(created)
        except (TypeError, ValueError) as exc:
            raise VerificationError("malformed_record", f"created: {exc}") from exc
        entry.check_usable(origin, moment)
        payload = jws.canonical(document)
        jws.verify(token, payload, entry.key)
        return payload

    def verify_record(self, record: Any, token: Any) -> bytes:
        """Verify a record's signature and key (not its body's shape); return its JCS bytes."""
        if not isinstance(record, dict) or not isinstance(token, str):
            raise VerificationError("malformed_record", "expected {record: {...}, jws: '...'}")
        origin, created = record.get("origin"), record.get("created")
        if not isinstance(origin, str) or not isinstance(created, str):
            raise VerificationError("malformed_record", "record needs origin and created")
        return self.verify(record, token, origin=origin, created=created)


def import_jwks(session: Session, agency: str, jwks: Any, source: str) -> list[str]:
    """Trust the Ed25519 keys of a JWK Set for ``agency``; return their kids.

    A key already trusted keeps its window; a revocation in the set applies only if it is
    earlier than the one held (an old JWK Set never clears a revocation).
    """
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise InvalidInput("Not a JWK Set with keys", {"jwks": ["Expected {\"keys\": [...]}"]})
    kids = []
    for index, jwk in enumerate(keys):
        if isinstance(jwk, dict) and "d" in jwk:
            raise InvalidInput("The JWK Set holds a private key: the partner must replace it",
                               {"jwks": {index: {"d": ["Private key material."]}}})
        try:
            member = _JWKS_MEMBER.load(jwk)
        except ValidationError as exc:
            raise InvalidInput(f"Key {index} is not an Ed25519 public JWK with validity",
                               {"jwks": {index: exc.messages}}) from exc
        kid = jwk_thumbprint(member)
        if member.get("kid", kid) != kid:
            raise InvalidInput("kid is not the key's RFC 7638 thumbprint",
                               {"jwks": {index: {"kid": [f"expected {kid}"]}}})
        existing = session.get(TrustedKey, kid)
        if existing is None:
            session.add(TrustedKey(
                kid=kid, agency=agency, jwk={k: member[k] for k in ("kty", "crv", "x")},
                valid_from=member.get("valid_from", EPOCH),
                valid_until=member.get("valid_until"), revoked_at=member.get("revoked_at"),
                revocation_reason=member.get("revocation_reason"), source=source,
            ))
        elif existing.agency != agency:
            raise InvalidInput(f"Key {kid} already belongs to {existing.agency}",
                               {"agency": ["Key registered to another agency."]})
        elif member.get("revoked_at") and (existing.revoked_at is None or parse_timestamp(
                member["revoked_at"]) < parse_timestamp(existing.revoked_at)):
            existing.revoked_at = member["revoked_at"]
            existing.revocation_reason = member.get("revocation_reason")
        kids.append(kid)
    session.flush()
    return kids


class _JWKSMemberSchema(PublicJWKSchema):
    """A key of an exported JWK Set: the public JWK plus its validity members."""

    class Meta:
        unknown = EXCLUDE

    valid_from = Timestamp()
    valid_until = Timestamp()
    revoked_at = Timestamp()
    revocation_reason = fields.String()


_JWKS_MEMBER = _JWKSMemberSchema()


def export_jwks(session: Session, agency: str) -> dict[str, Any]:
    """The JWK Set of ``agency``'s keys, with validity and revocation members."""
    rows = session.scalars(
        select(TrustedKey).where(TrustedKey.agency == agency).order_by(TrustedKey.valid_from)
    )
    keys = []
    for row in rows:
        jwk = {**row.jwk, "kid": row.kid, "alg": jws.ALGORITHM, "use": "sig",
               "valid_from": row.valid_from}
        for name in ("valid_until", "revoked_at", "revocation_reason"):
            if getattr(row, name):
                jwk[name] = getattr(row, name)
        keys.append(jwk)
    return {"keys": keys}
