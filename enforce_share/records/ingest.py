"""Storing partners' signed records: verify each, extend the origin's chain, store in one go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..errors import VerificationError
from ..signing import jws
from ..signing.trust import TrustRegistry
from .drafts import KEY_TYPES
from .effects import apply_effects
from .log import ensure_log, row_values
from .models import LogHead, Record
from .verify import checked_shape


@dataclass
class IngestResult:
    """What one ingest call stored, and what it already held."""

    stored: int = 0
    already_held: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)


def ingest(
    session: Session, registry: TrustRegistry, documents: Iterable[Any], own_agency: str
) -> IngestResult:
    """Verify and store signed records of other origins, each log in seq order, no gaps.

    Raises VerificationError on the first record that fails (the caller's transaction then
    stores nothing of the batch). A record already held with the same hash is skipped, so
    ingesting the same batch twice changes nothing.
    """
    result = IngestResult()
    rows: list[dict[str, Any]] = []
    for document in documents:
        record = checked_shape(document)
        payload = registry.verify_record(record, document["jws"])
        origin = record["origin"]
        if origin == own_agency:
            raise VerificationError("own_origin", f"only this node writes {origin}'s log")
        if origin not in result.heads:
            head_row = ensure_log(session, origin)
            result.heads[origin] = (head_row.seq, head_row.head)
        held_seq, head = result.heads[origin]
        hash_hex = jws.record_hash(payload)
        if record["seq"] <= held_seq:
            _check_same(session, origin, record["seq"], hash_hex)
            result.already_held += 1
            continue
        if record["seq"] != held_seq + 1:
            raise VerificationError("seq_gap", f"{origin} seq {record['seq']} after {held_seq}")
        head = jws.next_head(head, hash_hex)
        kid = jws.header(document["jws"])["kid"]
        rows.append(row_values(record, payload, document["jws"], kid, hash_hex, head))
        result.heads[origin] = (record["seq"], head)
        if record["type"] in KEY_TYPES:  # later records may be signed with the new key
            _store(session, rows, result)
            rows = []
            registry = TrustRegistry.load(session)
    _store(session, rows, result)
    return result


def _store(session: Session, rows: list[dict[str, Any]], result: IngestResult) -> None:
    """Insert the rows in one statement, apply their effects, move the log heads."""
    if rows:
        session.execute(insert(Record), rows)
        apply_effects(session, rows, strict=False)
        result.stored += len(rows)
    for origin, (seq, head) in result.heads.items():
        session.execute(update(LogHead).where(LogHead.origin == origin)
                        .values(seq=seq, head=head))


def _check_same(session: Session, origin: str, seq: int, hash_hex: str) -> None:
    held = session.scalar(
        select(Record.record_hash).where(Record.origin == origin, Record.seq == seq)
    )
    if held is not None and held != hash_hex:
        raise VerificationError("conflicting_record",
                                f"{origin} seq {seq} differs from the record held")
