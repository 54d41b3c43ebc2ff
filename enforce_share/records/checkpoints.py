"""Signed checkpoints: an origin's statement of its log head at a seq."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..errors import NotFound
from ..schemas.fields import AGENCIES
from ..signing import jws
from .models import Checkpoint


def issue_checkpoint(session: Session, signer: Any, origin: str, seq: int, head: str) -> Checkpoint:
    """Sign and store the checkpoint of this node's own log at ``seq``."""
    checkpoint = Checkpoint(origin=origin, seq=seq, head=head, issued=timestamp())
    checkpoint.jws = signer.sign(jws.canonical(checkpoint.statement()))
    session.add(checkpoint)
    return checkpoint


def latest_checkpoint(session: Session, origin: str) -> Checkpoint:
    """The newest checkpoint held for ``origin``; NotFound if none (or no such agency)."""
    if origin not in AGENCIES:
        raise NotFound(f"No checkpoint for {origin}", {"origin": ["Not an agency code."]})
    found = session.scalar(
        select(Checkpoint).where(Checkpoint.origin == origin)
        .order_by(Checkpoint.seq.desc()).limit(1)
    )
    if found is None:
        raise NotFound(f"No checkpoint for {origin}", {"origin": ["No log held."]})
    return found


def signed_checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    """The wire form: ``{"checkpoint": {...}, "jws": "h..s"}``."""
    return {"checkpoint": json.loads(jws.canonical(checkpoint.statement())), "jws": checkpoint.jws}
