"""Serving a log to a partner: full records it may see, placeholders for the rest."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..markings import releasable
from ..records.checkpoints import signed_checkpoint
from ..records.models import Checkpoint, Placeholder, Record


def placeholder(origin: str, seq: int, record_hash: str) -> dict[str, Any]:
    """A log entry without content: enough to extend the hash chain, nothing more."""
    return {"origin": origin, "seq": seq, "hash": record_hash}


def feed_page(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> dict[str, Any]:
    """Entries ``after+1 …`` of ``origin``'s log as held here, for ``requester``'s node.

    A record goes out in full only if its marking releases it to ``requester`` and it was not
    withdrawn; otherwise as a placeholder. The page stops before the first seq not held.
    """
    upper = after + limit
    records = {row.seq: row for row in session.scalars(
        select(Record).where(Record.origin == origin, Record.seq > after, Record.seq <= upper))}
    holes = {row.seq: row for row in session.scalars(
        select(Placeholder).where(Placeholder.origin == origin, Placeholder.seq > after,
                                  Placeholder.seq <= upper))}
    entries: list[dict[str, Any]] = []
    for seq in range(after + 1, upper + 1):
        row = records.get(seq)
        if row is not None and not row.withdrawn_by and releasable(
                row.tlp, row.releasable_to, requester):
            entries.append({"record": json.loads(row.canonical), "jws": row.jws})
        elif row is not None:
            entries.append(placeholder(origin, seq, row.record_hash))
        elif seq in holes:
            entries.append(placeholder(origin, seq, holes[seq].record_hash))
        else:
            break
    checkpoint = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin)
                                .order_by(Checkpoint.seq.desc()).limit(1))
    last = after + len(entries)
    return {
        "origin": origin,
        "entries": entries,
        "checkpoint": signed_checkpoint(checkpoint) if checkpoint else None,
        "next": last if len(entries) == limit else None,
    }
