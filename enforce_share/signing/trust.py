"""The trust registry: which agency's keys sign which positions of its log, and verification.

An agency's online keys sign its records and checkpoints; each is valid from the seq of the
record that announced it to before the seq of the record that retired it (protocol section
9): a key's validity is a place in the log, not a time the signer chose. An agency's root
(k of n offline keys, ``roots``) alone announces and retires online keys, from its second
log on; a log written under protocol 2 keeps its `key` records until its first root.

Verification fails closed: every check raises :class:`VerificationError` with a reason code
(``unknown_kid``, ``wrong_agency``, ``key_not_yet_valid``, ``key_retired``,
``from_the_future``, ``bad_signature``, ...); nothing returns False.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from joserfc.jwk import OKPKey
from marshmallow import EXCLUDE, ValidationError, fields
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import members
from ..clock import parse_timestamp
from ..errors import InvalidInput, VerificationError
from ..records.trust_bodies import PublicJWKSchema, jwk_thumbprint
from . import jws, roots
from .models import MembershipVersion, RootVersion, TrustedKey

#: How far ahead of the verifier's clock a record's ``created`` or a checkpoint's ``issued``
#: may be (protocol section 1: the one skew window, as for signed requests).
SKEW = timedelta(seconds=300)


@lru_cache(maxsize=1024)
def public_key(x: str) -> OKPKey:
    """The Ed25519 public key of a JWK's ``x``."""
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})


@dataclass(frozen=True)
class TrustEntry:
    """One online key: whose, and which seqs of its agency's log it may sign."""

    kid: str
    agency: str
    key: OKPKey
    from_seq: int
    until_seq: int | None

    def check_usable(self, origin: str, seq: int) -> None:
        """Raise unless this key may sign for ``origin`` at ``seq`` of its log."""
        if self.agency != origin:
            raise VerificationError(
                "wrong_agency", f"key {self.kid} belongs to {self.agency}, not {origin}")
        if seq < self.from_seq:
            raise VerificationError("key_not_yet_valid", f"key {self.kid} signs from seq "
                                    f"{self.from_seq} of {origin}'s log, not {seq}")
        if self.until_seq is not None and seq >= self.until_seq:
            raise VerificationError("key_retired", f"key {self.kid} was retired at seq "
                                    f"{self.until_seq} of {origin}'s log, before {seq}")

    def check_current(self, agency: str) -> None:
        """Raise unless this is a key of ``agency`` not retired (a request or a bundle
        header, signed now, not at a place in a log)."""
        if self.agency != agency:
            raise VerificationError("wrong_agency", f"key {self.kid} belongs to {self.agency}, "
                                    f"not {agency}")
        if self.until_seq is not None:
            raise VerificationError("key_retired", f"key {self.kid} was retired at seq "
                                    f"{self.until_seq} of {agency}'s log")


#: The registry as plain values (what a helper process needs to rebuild it, and to compare
#: two): its keys (kid, agency, x, from, until), the latest root of each agency (agency,
#: version, threshold, root keys' x, expires), and the membership document's root anchors
#: (agency, threshold, root keys' x), with the membership version.
Snapshot = tuple[Any, ...]


def keys_of(snapshot: Snapshot) -> tuple[Any, ...]:
    """The keys (and their places in their logs) a snapshot holds."""
    return snapshot[0]


@dataclass
class TrustRegistry:
    """An in-memory snapshot of the trust registry, for verifying many records quickly."""

    entries: dict[str, TrustEntry]
    roots: dict[str, roots.RootState] = field(default_factory=dict)
    anchors: dict[str, roots.RootState] = field(default_factory=dict)
    snapshot: Snapshot | None = None
    #: The membership document the registry was loaded with (its version is in the
    #: snapshot; statements are checked in the storing process, which holds it whole).
    membership: members.Membership = members.FOUNDING

    @classmethod
    def load(cls, session: Session) -> TrustRegistry:
        """Snapshot the registry tables (and the membership document installed)."""
        keys = tuple(sorted((row.kid, row.agency, row.jwk["x"], row.from_seq, row.until_seq)
                            for row in session.scalars(select(TrustedKey))))
        latest = select(RootVersion.agency, func.max(RootVersion.version).label("version")
                        ).group_by(RootVersion.agency).subquery()
        held = tuple(sorted(
            _root_values(row) for row in session.scalars(select(RootVersion).join(
                latest, (RootVersion.agency == latest.c.agency)
                & (RootVersion.version == latest.c.version)))))
        membership = held_membership(session)
        anchors = tuple((member.code, member.threshold,
                         tuple(key["x"] for key in member.root_keys))
                        for member in membership.members if member.root_keys)
        registry = cls.from_snapshot((keys, held, anchors, membership.version))
        registry.membership = membership
        return registry

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> TrustRegistry:
        """The registry of :meth:`load` from its values (in another process)."""
        keys, held, anchors, _ = snapshot
        return cls(
            {kid: TrustEntry(kid, agency, public_key(x), first, until)
             for kid, agency, x, first, until in keys},
            {agency: roots.RootState(agency, version, threshold, _keyring(xs), expires, seq)
             for agency, version, threshold, xs, expires, seq in held},
            {agency: roots.RootState(agency, 0, threshold, _keyring(xs), "", 0)
             for agency, threshold, xs in anchors},
            snapshot)

    def entry(self, kid: str) -> TrustEntry:
        """The entry for ``kid``; VerificationError ``unknown_kid`` if none."""
        try:
            return self.entries[kid]
        except KeyError:
            raise VerificationError("unknown_kid", f"no trusted key {kid!r}") from None

    def verify_record(self, record: Any, token: Any) -> bytes:
        """Verify a record's signature, key and place (not its body's shape); return its JCS
        bytes. A root, disavowal or membership record's statement is checked too."""
        if not isinstance(record, dict) or not isinstance(token, str):
            raise VerificationError("malformed_record", "expected {record: {...}, jws: '...'}")
        origin, created, seq = record.get("origin"), record.get("created"), record.get("seq")
        if not isinstance(origin, str) or not isinstance(created, str) or type(seq) is not int:
            raise VerificationError("malformed_record", "record needs origin, seq and created")
        if origin not in self.membership.codes:
            raise VerificationError("not_a_member", f"{origin} is not a member agency")
        check_not_ahead(created, "created")
        kid = jws.header(token)["kid"]
        if record.get("type") in roots.STATEMENT_TYPES:
            key = roots.check_statement_record(self, record, kid)
        else:
            entry = self.entry(kid)
            entry.check_usable(origin, seq)
            if record.get("type") in roots.KEY_TYPES and origin in self.roots:
                raise VerificationError("not_root_signed", f"{origin} has a root: only its "
                                        "root announces or retires keys")
            key = entry.key
        payload = jws.canonical(record)
        jws.verify(token, payload, key)
        return payload

    def verify_held(self, record: dict[str, Any], token: str) -> bytes:
        """Verify a record this node holds (its statement, if any, was checked when it was
        stored): a key of its origin valid at its seq signed these bytes."""
        self.entry(jws.header(token)["kid"]).check_usable(record["origin"], record["seq"])
        payload = jws.canonical(record)
        jws.verify(token, payload, self.entry(jws.header(token)["kid"]).key)
        return payload

    def verify_checkpoint(self, statement: dict[str, Any], token: str) -> bytes:
        """Verify a checkpoint's signature by a key of its origin valid at its seq; return
        its JCS bytes."""
        check_not_ahead(statement["issued"], "issued")
        self.entry(jws.header(token)["kid"]).check_usable(statement["origin"],
                                                          statement["seq"])
        payload = jws.canonical(statement)
        jws.verify(token, payload, self.entry(jws.header(token)["kid"]).key)
        return payload

    def verify_current(self, document: dict[str, Any], token: str, agency: str) -> bytes:
        """Verify a document ``agency`` signs now (a bundle header) with a key of its not
        retired; return its JCS bytes."""
        entry = self.entry(jws.header(token)["kid"])
        entry.check_current(agency)
        payload = jws.canonical(document)
        jws.verify(token, payload, entry.key)
        return payload

    def online_keys(self, agency: str) -> dict[str, OKPKey]:
        """``agency``'s keys not retired, by kid."""
        return {kid: entry.key for kid, entry in self.entries.items()
                if entry.agency == agency and entry.until_seq is None}


def held_membership(session: Session) -> members.Membership:
    """The newest membership version this node holds (the founding partners' provisional
    list while it holds none)."""
    statement = session.scalar(select(MembershipVersion.statement)
                               .order_by(MembershipVersion.version.desc()).limit(1))
    return members.Membership.from_statement(statement) if statement else members.FOUNDING


def _keyring(xs: Iterable[str]) -> dict[str, OKPKey]:
    return roots.keyring([{"x": x} for x in xs])


def _root_values(row: RootVersion) -> tuple[Any, ...]:
    statement = row.statement
    return (row.agency, row.version, statement["threshold"],
            tuple(key["x"] for key in statement["root_keys"]), row.expires, row.seq)


def check_not_ahead(moment: Any, name: str) -> datetime:
    """``moment`` parsed; ``from_the_future`` if it is past this node's clock plus the skew."""
    try:
        parsed = parse_timestamp(moment)
    except (TypeError, ValueError) as exc:
        raise VerificationError("malformed_record", f"{name}: {exc}") from exc
    if parsed > datetime.now(UTC) + SKEW:
        raise VerificationError("from_the_future", f"{name} {moment} is more than "
                                f"{int(SKEW.total_seconds())} s ahead of this node's clock")
    return parsed


# --- partners' JWK Sets (out of band, before any record) --------------------------------------

def import_jwks(session: Session, agency: str, jwks: Any, source: str) -> list[str]:
    """Trust the Ed25519 keys of a JWK Set for ``agency``; return their kids.

    A key new here signs from the seq the document says (``from_seq``, else from the log's
    start) to before ``until_seq``; a key already trusted keeps its place in the log, but
    for an earlier retirement (an old JWK Set never brings a retired key back).
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
            raise InvalidInput(f"Key {index} is not an Ed25519 public JWK",
                               {"jwks": {index: exc.messages}}) from exc
        kid = jwk_thumbprint(member)
        existing = session.get(TrustedKey, kid)
        if existing is None:
            session.add(TrustedKey(
                kid=kid, agency=agency, jwk={k: member[k] for k in ("kty", "crv", "x")},
                from_seq=member.get("from_seq", 0), until_seq=member.get("until_seq"),
                retired_because=member.get("retired_because"), source=source))
        elif existing.agency != agency:
            raise InvalidInput(f"Key {kid} already belongs to {existing.agency}",
                               {"agency": ["Key registered to another agency."]})
        elif member.get("until_seq") is not None and (
                existing.until_seq is None or member["until_seq"] < existing.until_seq):
            existing.until_seq = member["until_seq"]  # retired earlier: never un-retired
            existing.retired_because = member.get("retired_because")
        kids.append(kid)
    session.flush()
    return kids


class _JWKSMemberSchema(PublicJWKSchema):
    """A key of an exported JWK Set: the public JWK and the seqs it signs."""

    class Meta:
        unknown = EXCLUDE

    from_seq = fields.Integer(strict=True)
    until_seq = fields.Integer(strict=True, allow_none=True)
    retired_because = fields.String()


_JWKS_MEMBER = _JWKSMemberSchema()


def export_jwks(session: Session, agency: str) -> dict[str, Any]:
    """The JWK Set of ``agency``'s online keys, each with the seqs of its log it signs."""
    rows = session.scalars(select(TrustedKey).where(TrustedKey.agency == agency)
                           .order_by(TrustedKey.from_seq, TrustedKey.kid))
    keys = []
    for row in rows:
        jwk = {**row.jwk, "kid": row.kid, "alg": jws.ALGORITHM, "use": "sig",
               "from_seq": row.from_seq}
        if row.until_seq is not None:
            jwk |= {"until_seq": row.until_seq, "retired_because": row.retired_because or ""}
        keys.append(jwk)
    return {"keys": keys}

