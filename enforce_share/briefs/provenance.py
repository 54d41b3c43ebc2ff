"""Where each record of a brief comes from, checked again as the brief is made: origin, key,
signature (verified now against the trust registry), place in its origin's log, hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rfc8785

from ..errors import VerificationError
from ..records.models import Record
from ..records.queries import signed
from ..records.verify import verify_signed_record
from ..signing import jws
from ..signing.trust import TrustRegistry


@dataclass(frozen=True)
class Provenance:
    """One record's line in the brief's provenance table."""

    id: str
    type: str
    origin: str
    kid: str
    seq: int
    hash: str
    tlp: str
    releasable_to: tuple[str, ...]
    verified: bool
    problem: str | None = None


def check(registry: TrustRegistry, row: Record) -> Provenance:
    """Verify ``row``'s signature and hash now (records.verify) and describe where it is from.

    A record that no longer verifies (its key revoked since, say) is shown as not verified,
    with the reason; the brief still says what it held.
    """
    problem = None
    try:
        payload = jws.canonical(verify_signed_record(registry, signed(row)))
        if jws.record_hash(payload) != row.record_hash:
            problem = "hash_mismatch: the stored hash is not the record's"
    except VerificationError as exc:
        problem = exc.message
    return Provenance(row.id, row.type, row.origin, row.kid, row.seq, row.record_hash, row.tlp,
                      tuple(row.releasable_to), problem is None, problem)


def evidence_digest(rows: Iterable[Record]) -> str:
    """SHA-256 over the RFC 8785 list of ``[id, hash]`` of the records, sorted by id: one value
    naming exactly the records a brief (and its companion bundle) stand on."""
    pairs: list[Any] = sorted([row.id, row.record_hash] for row in rows)
    return hashlib.sha256(rfc8785.dumps(pairs)).hexdigest()
