"""Signed checkpoints: an origin's statement of its log head at a seq."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import members
from ..clock import timestamp
from ..errors import NotFound
from ..signing import jws
from .models import Checkpoint, LogHead


def issue_checkpoint(session: Session, signer: Any, origin: str, seq: int, head: str) -> Checkpoint:
    """Sign and store the checkpoint of this node's own log at ``seq``."""
    checkpoint = Checkpoint(origin=origin, seq=seq, head=head, issued=timestamp())
    checkpoint.jws = signer.sign(jws.canonical(checkpoint.statement()))
    session.add(checkpoint)
    return checkpoint


def heartbeat(session: Session, signer: Any, origin: str) -> Checkpoint:
    """Sign the checkpoint of this node's own log at its head anew, issued now.

    The one held at that seq takes the new time and signature (same head), so partners
    relaying it pass on the newest word from this origin (sync status: last heard).
    """
    head = session.get(LogHead, origin)
    seq, head_hex = (head.seq, head.head) if head else (0, jws.ZERO_HEAD)
    held = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin,
                                                   Checkpoint.seq == seq))
    if held is None:
        return issue_checkpoint(session, signer, origin, seq, head_hex)
    held.issued = timestamp()
    held.jws = signer.sign(jws.canonical(held.statement()))
    return held


def latest_checkpoint(session: Session, origin: str, seq: int | None = None) -> Checkpoint:
    """The newest checkpoint held for ``origin`` (or the one at ``seq``); NotFound if none."""
    if not members.is_member(origin):
        raise NotFound(f"No checkpoint for {origin}", {"origin": ["Not an agency code."]})
    query = select(Checkpoint).where(Checkpoint.origin == origin)
    if seq is not None:
        found = session.scalar(query.where(Checkpoint.seq == seq))
        if found is None:
            raise NotFound(f"No checkpoint of {origin} at seq {seq} held",
                           {"seq": ["No checkpoint held at this seq."]})
        return found
    found = session.scalar(query.order_by(Checkpoint.seq.desc()).limit(1))
    if found is None:
        raise NotFound(f"No checkpoint for {origin}", {"origin": ["No log held."]})
    return found


def signed_checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    """The wire form: ``{"checkpoint": {...}, "jws": "h..s"}``."""
    return {"checkpoint": json.loads(jws.canonical(checkpoint.statement())), "jws": checkpoint.jws}
