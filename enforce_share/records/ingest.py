"""Storing other origins' logs: verify each entry, extend the chain, store in one go.

An entry is a signed record ``{"record", "jws"}`` or a placeholder ``{"origin", "seq",
"hash"}`` for a record not released to this node: the chain goes on through it. A placeholder
is upgraded when the full record arrives later (from any node) with the same hash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..errors import VerificationError
from ..schemas.fields import AGENCIES
from ..signing import jws
from ..signing.trust import TrustRegistry
from .drafts import KEY_TYPES
from .log import ensure_log, row_values
from .models import LogHead, Placeholder, Record
from .precheck import Verdict, Verdicts
from .store import store_rows
from .verify import checked_shape

_HASH = re.compile(r"^[0-9a-f]{64}$")


class BadEntry(VerificationError):
    """An entry that failed; ``index`` is its position in the batch, ``seq`` its claimed seq."""

    def __init__(self, cause: VerificationError, index: int, seq: Any) -> None:
        super().__init__(cause.reason, cause.detail)
        self.index, self.seq = index, seq


@dataclass
class IngestResult:
    """What one ingest call stored, upgraded, and already held."""

    stored: int = 0
    placeholders: int = 0
    upgraded: int = 0
    already_held: int = 0
    prechecked: int = 0  # of the stored, how many on a helper's verdict
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)


def is_placeholder(entry: Any) -> bool:
    """Whether a feed entry is a placeholder rather than a signed record."""
    return isinstance(entry, dict) and set(entry) == {"origin", "seq", "hash"}


def ingest(
    session: Session, registry: TrustRegistry, entries: Sequence[Any], own_agency: str,
    *, up_to: dict[str, int] | None = None, verdicts: Verdicts | None = None,
) -> IngestResult:
    """Verify and store entries of other origins, each log in seq order, with no gaps.

    Raises BadEntry on the first entry that fails (the caller's transaction then stores
    nothing of the batch). Entries already held with the same hash are skipped, so ingesting
    a batch twice changes nothing. With ``up_to`` (origin -> checkpoint seq, as a pull has),
    an entry of another origin or past its origin's checkpoint fails. ``verdicts`` (from a
    Prechecker) stand in for checking shape and signatures here while the registry is the
    one they were made with.
    """
    result = IngestResult()
    rows: list[dict[str, Any]] = []
    ahead = None
    if verdicts is not None and verdicts.valid_for(registry, entries):
        ahead = verdicts.entries
    for index, entry in enumerate(entries):
        verdict = ahead[index] if ahead is not None else None
        try:
            origin, seq = _position(entry, own_agency, verdict)
            if up_to is not None and origin not in up_to:
                raise VerificationError("wrong_origin", f"a {origin} entry in another log")
            if up_to is not None and seq > up_to[origin]:
                raise VerificationError("beyond_checkpoint", f"{origin} seq {seq} is past the "
                                        f"checkpoint at {up_to[origin]}: stale checkpoint?")
            if origin not in result.heads:
                head_row = ensure_log(session, origin)
                result.heads[origin] = (head_row.seq, head_row.head)
            held_seq, head = result.heads[origin]
            if seq <= held_seq:
                _held_again(session, registry, entry, origin, seq, result)
                continue
            if seq != held_seq + 1:
                raise VerificationError("seq_gap", f"{origin} seq {seq} after {held_seq}")
            if is_placeholder(entry):
                head = jws.next_head(head, entry["hash"])
                session.add(Placeholder(origin=origin, seq=seq, record_hash=entry["hash"],
                                        head=head))
                result.placeholders += 1
            else:
                row = _verified_row(registry, entry, head, verdict)
                head = row["head"]
                rows.append(row)
                result.prechecked += verdict is not None
                if row["type"] in KEY_TYPES:  # later records may be signed with the new key
                    _store(session, rows, result)
                    rows, registry = [], TrustRegistry.load(session)
                    if verdicts is not None and not verdicts.valid_for(registry, entries):
                        ahead = None  # they were made with the registry before this record
            result.heads[origin] = (seq, head)
        except BadEntry:
            raise
        except VerificationError as exc:
            raise BadEntry(exc, index, _claimed_seq(entry)) from exc
    _store(session, rows, result)
    return result


def _claimed_seq(entry: Any) -> Any:
    """The seq an entry claims, whatever else is wrong with it (None if it claims none)."""
    if not isinstance(entry, dict):
        return None
    record = entry.get("record")
    return record.get("seq") if isinstance(record, dict) else entry.get("seq")


def _position(entry: Any, own_agency: str, verdict: Verdict | None) -> tuple[str, int]:
    """Origin and seq of an entry, its shape checked (or found checked in ``verdict``)."""
    if is_placeholder(entry):
        origin, seq, hash_hex = entry["origin"], entry["seq"], entry["hash"]
        if origin not in AGENCIES or type(seq) is not int or seq < 1 or not isinstance(
                hash_hex, str) or not _HASH.fullmatch(hash_hex):
            raise VerificationError("malformed_entry", "placeholder needs origin, seq, hash")
    elif verdict is not None:
        if verdict.shape is not None:
            raise VerificationError(*verdict.shape)
        origin, seq = entry["record"]["origin"], entry["record"]["seq"]
    else:
        record = checked_shape(entry)
        origin, seq = record["origin"], record["seq"]
    if origin == own_agency:
        raise VerificationError("own_origin", f"only this node writes {origin}'s log")
    return origin, seq


def _verified_row(registry: TrustRegistry, entry: dict[str, Any], previous: str,
                  verdict: Verdict | None = None) -> dict[str, Any]:
    record = entry["record"]
    if verdict is None:
        payload = registry.verify_record(record, entry["jws"])
    elif verdict.signature is not None or verdict.payload is None:
        raise VerificationError(*(verdict.signature or ("bad_signature", "not verified")))
    else:
        payload = verdict.payload
    hash_hex = jws.record_hash(payload)
    kid = jws.header(entry["jws"])["kid"]
    return row_values(record, payload, entry["jws"], kid, hash_hex,
                      jws.next_head(previous, hash_hex))


def _held_again(session: Session, registry: TrustRegistry, entry: Any, origin: str, seq: int,
                result: IngestResult) -> None:
    """An entry at a seq already held: the same hash (skip), or a placeholder to upgrade."""
    held_hash = session.scalar(select(Record.record_hash).where(
        Record.origin == origin, Record.seq == seq))
    hole = None
    if held_hash is None:
        hole = session.scalar(select(Placeholder).where(
            Placeholder.origin == origin, Placeholder.seq == seq))
        held_hash = hole.record_hash if hole else None
    if is_placeholder(entry):
        offered = entry["hash"]
    else:
        offered = jws.record_hash(registry.verify_record(entry["record"], entry["jws"]))
    if held_hash is not None and offered != held_hash:
        raise VerificationError("conflicting_record",
                                f"{origin} seq {seq} differs from the entry held")
    if hole is not None and not is_placeholder(entry):
        row = _verified_row(registry, entry, jws.ZERO_HEAD)
        row["head"] = hole.head
        session.execute(delete(Placeholder).where(Placeholder.position == hole.position))
        store_rows(session, [row], strict=False)
        result.upgraded += 1
    else:
        result.already_held += 1


def _store(session: Session, rows: list[dict[str, Any]], result: IngestResult) -> None:
    """Insert the rows in one statement, apply their effects, move the log heads."""
    if rows:
        store_rows(session, rows, strict=False)
        result.stored += len(rows)
    session.flush()
    for origin, (seq, head) in result.heads.items():
        session.execute(update(LogHead).where(LogHead.origin == origin)
                        .values(seq=seq, head=head))
