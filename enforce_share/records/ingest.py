"""Storing other origins' logs: verify each entry, extend the chain, store in one go.

An entry is a signed record ``{"record", "jws"}`` or a placeholder: the record's stub
(``records.entries``) for a record the serving node does not give this one. The chain goes on
through it. A placeholder whose marking releases it to this node is *owed*: it is upgraded
when the full record arrives later (from any node) with the same hash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..clock import parse_timestamp
from ..db import batches, insert_rows
from ..errors import VerificationError
from ..markings import covers, releasable
from ..signing import jws
from ..signing.trust import TrustRegistry
from ..transparency import tree
from .drafts import RESERVED_TYPES, TRUST_TYPES
from .entries import checked_stub, entry_hash, is_placeholder, record_stub, stub
from .log import ensure_log, row_values
from .models import LogHead, Placeholder, Record
from .precheck import Verdict, Verdicts
from .store import store_rows
from .verify import checked_shape


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
    #: Per origin, the ``created`` of the last record held in full (time only moves on).
    created: dict[str, datetime | None] = field(default_factory=dict)


def ingest(
    session: Session, registry: TrustRegistry, entries: Sequence[Any], own_agency: str,
    *, up_to: dict[str, int] | None = None, verdicts: Verdicts | None = None,
) -> IngestResult:
    """Verify and store entries of other origins, each log in seq order, with no gaps.

    Raises BadEntry on the first entry that fails (the caller's transaction then stores
    nothing of the batch). Entries already held with the same hash are skipped, so ingesting
    a batch twice changes nothing; a full record for a seq held as a placeholder upgrades it.
    With ``up_to`` (origin -> checkpoint seq, as a pull has), an entry of another origin or
    past its origin's checkpoint fails. ``verdicts`` (from a Prechecker) stand in for
    checking shape and signatures here while the registry is the one they were made with.
    """
    result = IngestResult()
    rows: list[dict[str, Any]] = []
    holes: list[dict[str, Any]] = []  # placeholders, stored with the rows
    known = _target_markings(session, entries)
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
                result.created[origin] = _last_created(session, origin)
            held_seq, head = result.heads[origin]
            if seq <= held_seq:
                _store(session, rows, holes, result)  # an upgrade may be an earlier target
                rows, holes = [], []
                _held_again(session, registry, entry, origin, seq, known, result)
                continue
            if seq != held_seq + 1:
                raise VerificationError("seq_gap", f"{origin} seq {seq} after {held_seq}")
            if is_placeholder(entry):
                head = jws.next_head(head, entry_hash(entry))
                marking = entry["marking"]
                holes.append({
                    "origin": origin, "seq": seq, "record_id": entry["id"],
                    "record_hash": entry["hash"], "tlp": marking["tlp"],
                    "releasable_to": list(marking["releasable_to"]),
                    "owed": releasable(marking["tlp"], marking["releasable_to"], own_agency),
                    "head": head})
            else:
                row = _verified_row(registry, entry, head, verdict)
                result.created[origin] = _check_time(row, result.created[origin])
                _check_reach(row, known)
                known[origin, row["id"]] = (row["tlp"], row["releasable_to"])
                head = row["head"]
                rows.append(row)
                result.prechecked += verdict is not None
                if row["type"] in TRUST_TYPES:  # later records may be signed with its keys
                    _store(session, rows, holes, result)
                    rows, holes, registry = [], [], TrustRegistry.load(session)
                    if verdicts is not None and not verdicts.valid_for(registry, entries):
                        ahead = None  # they were made with the registry before this record
            result.heads[origin] = (seq, head)
        except BadEntry:
            raise
        except VerificationError as exc:
            raise BadEntry(exc, index, _claimed_seq(entry)) from exc
    _store(session, rows, holes, result)
    return result


def _last_created(session: Session, origin: str) -> datetime | None:
    created = session.scalar(select(Record.created).where(Record.origin == origin)
                             .order_by(Record.seq.desc()).limit(1))
    return parse_timestamp(created) if created else None


def _check_time(row: dict[str, Any], last: datetime | None) -> datetime:
    """The row's ``created``, unless it is before the last one of its log held (an origin's
    time only moves on: protocol section 9); and a record the node writes of itself must
    be public (``RESERVED_TYPES``: any member may need it)."""
    created = parse_timestamp(row["created"])
    if last is not None and created < last:
        raise VerificationError("time_reversed", f"{row['origin']} seq {row['seq']} was "
                                f"created {row['created']}, before the record before it")
    if row["type"] in RESERVED_TYPES and row["tlp"] != "clear":
        raise VerificationError("not_public", f"a {row['type']} record is marked clear")
    return created


def _claimed_seq(entry: Any) -> Any:
    """The seq an entry claims, whatever else is wrong with it (None if it claims none)."""
    if not isinstance(entry, dict):
        return None
    record = entry.get("record")
    return record.get("seq") if isinstance(record, dict) else entry.get("seq")


def _position(entry: Any, own_agency: str, verdict: Verdict | None) -> tuple[str, int]:
    """Origin and seq of an entry, its shape checked (or found checked in ``verdict``)."""
    if is_placeholder(entry):
        checked_stub(entry)
        origin, seq = entry["origin"], entry["seq"]
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
    leaf = entry_hash(record_stub(record, hash_hex))
    row = row_values(record, payload, entry["jws"], kid, hash_hex, jws.next_head(previous, leaf))
    row["leaf"] = leaf  # not a column: the Merkle tree's leaf, hashed once for chain and tree
    row["prepared"] = verdict.prepared if verdict is not None else None
    return row


def _held_again(session: Session, registry: TrustRegistry, entry: Any, origin: str, seq: int,
                known: Markings, result: IngestResult) -> None:
    """An entry at a seq already held: the same entry (skip), or the full record of a
    placeholder (upgrade it); anything else contradicts the chain held."""
    held = session.execute(select(Record.id, Record.record_hash, Record.tlp,
                                  Record.releasable_to).where(
        Record.origin == origin, Record.seq == seq)).one_or_none()
    hole = None if held is not None else session.scalar(select(Placeholder).where(
        Placeholder.origin == origin, Placeholder.seq == seq))
    if held is not None:
        held_stub = stub(origin, seq, held.id, held.record_hash, held.tlp, held.releasable_to)
    elif hole is not None:
        held_stub = hole.stub()
    else:  # below the head yet not held: never happens on a chain ingested in order
        raise VerificationError("seq_gap", f"{origin} seq {seq} is not held here")
    if is_placeholder(entry):
        if entry_hash(entry) != entry_hash(held_stub):
            raise VerificationError("conflicting_record",
                                    f"{origin} seq {seq} differs from the entry held")
        result.already_held += 1
        return
    payload = jws.canonical(entry["record"]) if isinstance(entry.get("record"), dict) else b""
    if held is not None and jws.record_hash(payload) == held.record_hash:
        result.already_held += 1  # the very record held: nothing to verify again
        return
    row = _verified_row(registry, entry, jws.ZERO_HEAD)
    if hole is None or entry_hash(record_stub(json.loads(row["canonical"]), row["record_hash"])
                                  ) != entry_hash(held_stub):
        raise VerificationError("conflicting_record",
                                f"{origin} seq {seq} differs from the entry held")
    _check_reach(row, known)
    row["head"] = hole.head
    session.execute(delete(Placeholder).where(Placeholder.position == hole.position))
    store_rows(session, [row], strict=False)
    _settle_withdrawn(session, [row])
    result.upgraded += 1


Markings = dict[tuple[str, str], tuple[str, list[str]]]
#: Ids per IN list (well under every database's limit of parameters).
CHUNK = 1000


def _retired(record: Any) -> str | None:
    """The id a record (an envelope, or a stored row) supersedes or withdraws, if any."""
    if not isinstance(record, dict):
        return None
    if record.get("supersedes"):
        return record["supersedes"]
    if record.get("type") == "withdrawal":
        body = record.get("body")
        if body is None and "canonical" in record:
            body = json.loads(record["canonical"])["body"]
        target = body.get("target") if isinstance(body, dict) else None
        return target if isinstance(target, str) else None
    return None


def _target_markings(session: Session, entries: Sequence[Any]) -> Markings:
    """The markings held here of the records ``entries`` supersede or withdraw, keyed by
    (origin, id): one query per kind of row for the whole batch."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        record = entry.get("record") if isinstance(entry, dict) else None
        target = _retired(record)
        if target is not None and isinstance(record.get("origin"), str):
            wanted.setdefault(record["origin"], set()).add(target)
    known: Markings = {}
    ids = sorted(set().union(*wanted.values())) if wanted else []
    for batch in batches(ids, CHUNK):  # by id alone: its index, never a scan of the origin's
        for model, key in ((Placeholder, Placeholder.record_id), (Record, Record.id)):
            for row in session.execute(select(model.origin, key, model.tlp,
                                              model.releasable_to).where(key.in_(batch))):
                if row[1] in wanted.get(row[0], ()):
                    known[row[0], row[1]] = (row[2], row[3])
    return known


def _check_reach(row: dict[str, Any], known: Markings) -> None:
    """Refuse a withdrawal or new version that reaches fewer agencies than its target did.

    The target's marking is known whether it is held in full, as a placeholder (its stub),
    or earlier in this batch; a target not held is not checked (nothing here to keep current).
    """
    target = _retired(row)
    marking = known.get((row["origin"], target)) if target is not None else None
    if marking is not None and not covers(row["tlp"], row["releasable_to"], *marking):
        raise VerificationError("narrow_marking", f"{row['origin']} seq {row['seq']} retires "
                                f"{target} but is released to fewer agencies than it was")


def _settle_withdrawn(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Placeholders of records these rows withdraw are owed no more (the feed never sends
    a withdrawn record in full)."""
    withdrawn = {(row["origin"], _retired(row)): row["seq"] for row in rows
                 if row["type"] == "withdrawal"}
    if not withdrawn:
        return
    holes = [hole.position for hole in session.execute(  # by the ids' index
        select(Placeholder.position, Placeholder.origin, Placeholder.record_id, Placeholder.seq)
        .where(Placeholder.record_id.in_({target for _, target in withdrawn})))
        if hole.seq < withdrawn.get((hole.origin, hole.record_id), 0)]
    if holes:
        session.execute(update(Placeholder).where(Placeholder.position.in_(holes))
                        .values(owed=False))


def _leaf(entry: dict[str, Any]) -> tuple[str, int, str]:
    """(origin, seq, stub hash) of a row or placeholder row: its log's Merkle tree leaf."""
    if "leaf" in entry:
        return entry["origin"], entry["seq"], entry["leaf"]
    return entry["origin"], entry["seq"], entry_hash(stub(
        entry["origin"], entry["seq"], entry.get("record_id") or entry["id"],
        entry["record_hash"], entry["tlp"], entry["releasable_to"]))


def _store(session: Session, rows: list[dict[str, Any]], holes: list[dict[str, Any]],
           result: IngestResult) -> None:
    """Insert the rows and the placeholders (``holes``), each kind in one statement, apply
    the rows' effects, extend the logs' Merkle trees, move the log heads."""
    tree.extend_from_stubs(session, [_leaf(entry) for entry in (*rows, *holes)])
    if holes:
        insert_rows(session.connection(), Placeholder.__table__, holes)
        result.placeholders += len(holes)
    if rows:
        store_rows(session, rows, strict=False)
        _settle_withdrawn(session, rows)
        result.stored += len(rows)
    session.flush()
    for origin, (seq, head) in result.heads.items():
        session.execute(update(LogHead).where(LogHead.origin == origin)
                        .values(seq=seq, head=head))
