"""Checking a peer's checkpoint: signed by the origin, consistent with the chain held here."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import VerificationError
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
    registry.verify(statement, signed["jws"], origin=origin, created=str(statement["issued"]))
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


def check_against_chain(session: Session, checkpoint: Checkpoint) -> None:
    """Raise unless the chain held here reaches the checkpoint's head at its seq."""
    held = head_at(session, checkpoint.origin, checkpoint.seq)
    if held is not None and held != checkpoint.head:
        raise VerificationError("chain_mismatch", f"{checkpoint.origin} head at seq "
                                f"{checkpoint.seq} differs from the origin's checkpoint")


def keep(session: Session, checkpoint: Checkpoint) -> None:
    """Store the checkpoint unless one for that seq is held already."""
    if session.scalar(select(Checkpoint.position).where(
            Checkpoint.origin == checkpoint.origin, Checkpoint.seq == checkpoint.seq)) is None:
        session.add(checkpoint)


def as_text(checkpoint: Checkpoint) -> str:
    """The wire form, for evidence tables."""
    return json.dumps({"checkpoint": checkpoint.statement(), "jws": checkpoint.jws},
                      sort_keys=True)
