"""Checking a bundle as evidence, storing nothing: records, hash chains, signed checkpoints.

For each origin, every full record is verified as a pull verifies it (shape, key, signature:
``records.verify``), every placeholder extends the hash chain with its hash, and the chain must
reach the head of the origin's signed checkpoint (``sync.checkpoints``) at its seq. A log the
bundle takes from seq 1 is checked from the zero head; one that starts later (an exchange
bundle ``--since``) from the head this node holds at the seq before. Works on selection and
exchange bundles alike; the first failure raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..errors import VerificationError
from ..records.drafts import KEY_TYPES
from ..records.ingest import is_placeholder
from ..records.verify import checked_shape
from ..signing import jws
from ..signing.announcements import apply_key_records
from ..signing.trust import TrustRegistry
from .bundle import Header, first_seq, page_origin, read_header
from .checkpoints import check_against_chain, conflicting_checkpoint, head_at, verified_checkpoint
from .puller import Equivocated

_HASH = re.compile(r"^[0-9a-f]{64}$")
_LAST_SEQ = 2**63  # a seq beyond any a database holds (64-bit integers)


@dataclass
class LogProof:
    """What was verified of one origin's log: its entries at seqs ``first``..``last`` (none
    when ``last`` < ``first``), how many were full records and placeholders, and the seq of
    the newest signed checkpoint (which the chain reaches when there are entries)."""

    origin: str
    first: int
    last: int
    records: int = 0
    placeholders: int = 0
    checkpoint: int = 0


@dataclass
class BundleProof:
    """A bundle found sound: its header and, per origin in the order met, its log's proof."""

    header: Header
    logs: list[LogProof] = field(default_factory=list)


@dataclass
class _Chain:
    """One origin's chain while its pages are read: the proof so far, the head after its
    ``last`` seq (None: not held here), and the checkpoints' heads still to reach, by seq."""

    proof: LogProof
    head: str | None
    pending: dict[int, str] = field(default_factory=dict)


def verify_bundle(session: Session, lines: Iterable[Any]) -> BundleProof:
    """Verify a bundle's records, placeholders, chains and checkpoints against the trust
    registry held in ``session``; raise VerificationError on the first that fails.

    A key record verified in the bundle applies as it would on import (later records may be
    signed with the key it announces), in ``session`` only: the session is rolled back, so
    nothing is kept. A malformed line raises InvalidInput.
    """
    stream = iter(lines)
    header = read_header(next(stream, None))
    chains: dict[str, _Chain] = {}
    try:
        registry = TrustRegistry.load(session)
        for number, page in enumerate(stream, 2):
            origin = page_origin(page, number)
            registry = _verify_page(session, registry, chains, origin, page, number)
    finally:
        session.rollback()
    for chain in chains.values():
        log = chain.proof
        if chain.pending and log.last >= log.first:
            raise VerificationError("short_of_checkpoint", f"{log.origin}'s entries end at "
                                    f"seq {log.last}, before its checkpoint at seq "
                                    f"{min(chain.pending)}: the chain cannot be checked "
                                    "against it")
    return BundleProof(header, [chain.proof for chain in chains.values()])


def _verify_page(session: Session, registry: TrustRegistry, chains: dict[str, _Chain],
                 origin: str, page: dict[str, Any], number: int) -> TrustRegistry:
    """Check one page against the chain so far; return the registry for the next page.

    The checkpoint is checked after the page's entries: it may be signed with a key that a
    key record among them announced (the origin rotated its key).
    """
    if page.get("checkpoint") is None:
        raise VerificationError("no_checkpoint", f"line {number} ({origin}) has no signed "
                                "checkpoint: its entries cannot be anchored")
    entries = page["entries"]
    chain = chains.get(origin)
    if chain is None:  # from the seq its first entry claims (seq 1 if it claims none)
        first = first_seq(entries, 0)
        chain = chains[origin] = _Chain(LogProof(origin, first, first - 1), head_at(
            session, origin, first - 1) if first <= _LAST_SEQ else None)
    log = chain.proof
    heads = {} if chain.head is None else {log.last: chain.head}
    for entry in entries:
        seq, full = log.last + 1, not is_placeholder(entry)
        if not full:
            _check_placeholder(entry, origin, seq)
            hash_hex = entry["hash"]
        else:
            record = checked_shape(entry)
            if (record["origin"], record["seq"]) != (origin, seq):
                raise VerificationError("seq_gap", f"{record['origin']} seq {record['seq']} "
                                        f"where {origin} seq {seq} was due (line {number})")
            hash_hex = jws.record_hash(registry.verify_record(record, entry["jws"]))
            if record["type"] in KEY_TYPES:  # later records may be signed with its key
                apply_key_records(session, record)
                registry = TrustRegistry.load(session)
        if chain.head is None:
            raise VerificationError("unanchored", f"{origin}'s entries start at seq "
                                    f"{log.first} and this node holds no head at seq "
                                    f"{log.first - 1}: import the earlier bundle first")
        chain.head = heads[seq] = jws.next_head(chain.head, hash_hex)
        log.last, log.records, log.placeholders = (seq, log.records + full,
                                                   log.placeholders + (not full))
        if chain.pending.pop(seq, chain.head) != chain.head:  # an earlier page's checkpoint
            raise _mismatch(origin, seq)
    checkpoint = verified_checkpoint(registry, page["checkpoint"], origin)
    fork = conflicting_checkpoint(session, checkpoint)
    if fork is not None:
        raise Equivocated(fork, checkpoint)
    if log.last > checkpoint.seq:
        raise VerificationError("beyond_checkpoint", f"{origin} seq {checkpoint.seq + 1} is "
                                f"past the checkpoint at {checkpoint.seq} (line {number})")
    if checkpoint.seq in heads:
        if heads[checkpoint.seq] != checkpoint.head:
            raise _mismatch(origin, checkpoint.seq)
    elif checkpoint.seq > log.last:  # to be reached by a later page
        if chain.pending.setdefault(checkpoint.seq, checkpoint.head) != checkpoint.head:
            raise VerificationError("equivocation", f"{origin} signed two heads for seq "
                                    f"{checkpoint.seq} (line {number})")
    else:  # behind the entries read: the chain held here decides
        check_against_chain(session, checkpoint)
    log.checkpoint = max(log.checkpoint, checkpoint.seq)
    return registry


def _mismatch(origin: str, seq: int) -> VerificationError:
    return VerificationError("chain_mismatch", f"{origin}'s chain at seq {seq} does not reach "
                             "the head its checkpoint signs")


def _check_placeholder(entry: dict[str, Any], origin: str, seq: int) -> None:
    """Raise unless a placeholder names ``origin``'s ``seq`` and a SHA-256 hash."""
    if not isinstance(entry["hash"], str) or not _HASH.fullmatch(entry["hash"]):
        raise VerificationError("malformed_entry", f"{origin} seq {seq}: the placeholder's "
                                "hash is not a SHA-256 hex digest")
    if entry["origin"] != origin or type(entry["seq"]) is not int or entry["seq"] != seq:
        raise VerificationError("seq_gap", f"a placeholder for {entry['origin']} seq "
                                f"{entry['seq']!r} where {origin} seq {seq} was due")
