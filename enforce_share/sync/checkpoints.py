"""Checking a peer's checkpoint: signed by the origin, consistent with the chain held here."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import parse_timestamp
from ..errors import VerificationError
from ..records.entries import entry_hash, stub
from ..records.models import Checkpoint, Placeholder, Record
from ..signing import jws
from ..signing.trust import TrustRegistry

log = logging.getLogger(__name__)
_HASH = re.compile(r"^[0-9a-f]{64}$")


def verified_checkpoint(registry: TrustRegistry, signed: Any, origin: str) -> Checkpoint:
    """The checkpoint of ``{"checkpoint", "jws"}`` if ``origin`` signed it; raise otherwise."""
    if not isinstance(signed, dict) or set(signed) != {"checkpoint", "jws"}:
        raise VerificationError("malformed_checkpoint", "expected {checkpoint, jws}")
    statement = signed["checkpoint"]
    if not isinstance(statement, dict) or set(statement) != {"origin", "seq", "head", "issued"}:
        raise VerificationError("malformed_checkpoint", "expected origin, seq, head, issued")
    if statement["origin"] != origin or type(statement["seq"]) is not int or not isinstance(
            statement["head"], str) or not _HASH.fullmatch(statement["head"]):
        raise VerificationError("malformed_checkpoint", f"not a checkpoint of {origin}")
    if not isinstance(statement["issued"], str) or not isinstance(signed["jws"], str):
        raise VerificationError("malformed_checkpoint", "issued and jws are strings")
    registry.verify_checkpoint(statement, signed["jws"])
    return Checkpoint(origin=origin, seq=statement["seq"], head=statement["head"],
                      issued=statement["issued"], jws=signed["jws"])


def head_at(session: Session, origin: str, seq: int) -> str | None:
    """The chain head held after ``seq`` of ``origin``'s log (None if not held)."""
    if seq == 0:
        return jws.ZERO_HEAD
    return session.scalar(select(Record.head).where(Record.origin == origin, Record.seq == seq)
                          ) or session.scalar(select(Placeholder.head).where(
                              Placeholder.origin == origin, Placeholder.seq == seq))


def conflicting_checkpoint(session: Session, checkpoint: Checkpoint) -> Checkpoint | None:
    """A checkpoint held for the same origin and seq with another head: proof of a fork."""
    held = session.scalar(select(Checkpoint).where(
        Checkpoint.origin == checkpoint.origin, Checkpoint.seq == checkpoint.seq))
    return held if held is not None and held.head != checkpoint.head else None


class Equivocated(VerificationError):
    """The origin signed two checkpoints that cannot both hold: it forked its log.

    ``linking`` (JSON) lets anyone check it: the head at the lower checkpoint's seq on the
    chain of the higher one, and the entry hashes from there up to the higher seq. Two
    checkpoints at one seq need no link.
    """

    def __init__(self, held: Checkpoint, offered: Checkpoint,
                 linking: dict[str, Any] | None = None) -> None:
        super().__init__("equivocation", f"{held.origin} signed heads at seqs {held.seq} and "
                         f"{offered.seq} that no single log has")
        self.seq = min(held.seq, offered.seq)
        self.held, self.offered = as_text(held), as_text(offered)
        self.linking = json.dumps(linking or {}, sort_keys=True)


def entry_hashes(session: Session, origin: str, after: int, upto: int) -> list[str]:
    """The entry hashes (stub hashes) of seqs ``after+1 … upto`` held of ``origin``'s log."""
    rows = session.execute(select(Record.seq, Record.id, Record.record_hash, Record.tlp,
                                  Record.releasable_to).where(
        Record.origin == origin, Record.seq > after, Record.seq <= upto)).all()
    stubs = {row.seq: stub(origin, row.seq, row.id, row.record_hash, row.tlp,
                           row.releasable_to) for row in rows}
    stubs.update((hole.seq, hole.stub()) for hole in session.scalars(select(Placeholder).where(
        Placeholder.origin == origin, Placeholder.seq > after, Placeholder.seq <= upto)))
    return [entry_hash(stubs[seq]) for seq in range(after + 1, upto + 1)]


def _link(session: Session, origin: str, low: int, high: int) -> dict[str, Any]:
    return {"origin": origin, "from_seq": low, "head": head_at(session, origin, low),
            "to_seq": high, "entry_hashes": entry_hashes(session, origin, low, high)}


def check_consistent(session: Session, checkpoint: Checkpoint, held: int, reached: int) -> None:
    """Raise unless ``checkpoint`` agrees with the chain held, now reaching ``reached``
    (``held`` before this page's entries).

    - The chain held up to ``held`` was linked to an origin-signed checkpoint at or after
      each of its seqs, so a checkpoint at or below ``held`` that it contradicts, or one held
      for the same seq with another head, proves a fork: Equivocated (the origin's doing).
    - A page's entries must end at its checkpoint's seq (``unlinked_entries``) and reach its
      head (``chain_mismatch``): the serving node's doing.
    - Checkpoints held beyond ``held`` (received with an earlier, empty page) must agree with
      the entries that now reach them: Equivocated.
    """
    origin = checkpoint.origin
    fork = conflicting_checkpoint(session, checkpoint)
    if fork is not None:
        raise Equivocated(fork, checkpoint)
    if checkpoint.seq <= held:
        if head_at(session, origin, checkpoint.seq) != checkpoint.head:
            later = session.scalar(select(Checkpoint).where(
                Checkpoint.origin == origin, Checkpoint.seq >= checkpoint.seq)
                .order_by(Checkpoint.seq).limit(1))
            if later is None:  # no signed statement of the chain held: cannot be a fork
                raise VerificationError("chain_mismatch", f"{origin} head at seq "
                                        f"{checkpoint.seq} differs from the chain held")
            raise Equivocated(later, checkpoint, _link(session, origin, checkpoint.seq,
                                                       later.seq))
        return
    if reached == held:  # no entries: a checkpoint ahead of this node, kept for its lag
        return
    if reached != checkpoint.seq:
        raise VerificationError("unlinked_entries", f"{origin} entries end at seq {reached} "
                                f"but the page's checkpoint is at {checkpoint.seq}")
    if head_at(session, origin, reached) != checkpoint.head:
        raise VerificationError("chain_mismatch", f"{origin} head at seq {checkpoint.seq} "
                                "differs from the origin's checkpoint")
    for ahead in session.scalars(select(Checkpoint).where(
            Checkpoint.origin == origin, Checkpoint.seq > held, Checkpoint.seq < reached)):
        if head_at(session, origin, ahead.seq) != ahead.head:
            raise Equivocated(ahead, checkpoint, _link(session, origin, ahead.seq, reached))


def check_against_chain(session: Session, checkpoint: Checkpoint) -> None:
    """Raise unless the chain held here, where it reaches the checkpoint's seq, has its head."""
    held = head_at(session, checkpoint.origin, checkpoint.seq)
    if held is not None and held != checkpoint.head:
        raise VerificationError("chain_mismatch", f"{checkpoint.origin} head at seq "
                                f"{checkpoint.seq} differs from the origin's checkpoint")


def keep(session: Session, checkpoint: Checkpoint) -> None:
    """Store the checkpoint; one already held for that seq (with that head) takes the later
    ``issued`` and its signature, so the newest word from the origin is relayed on."""
    held = session.scalar(select(Checkpoint).where(
        Checkpoint.origin == checkpoint.origin, Checkpoint.seq == checkpoint.seq))
    if held is None:
        session.add(checkpoint)
    elif held.head == checkpoint.head and parse_timestamp(checkpoint.issued) > parse_timestamp(
            held.issued):
        held.issued, held.jws = checkpoint.issued, checkpoint.jws


def as_text(checkpoint: Checkpoint) -> str:
    """The wire form, for evidence tables."""
    return json.dumps({"checkpoint": checkpoint.statement(), "jws": checkpoint.jws},
                      sort_keys=True)
