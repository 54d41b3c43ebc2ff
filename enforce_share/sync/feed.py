"""Serving a log to a partner: full records it may see, placeholders for the rest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..markings import releasable
from ..records.checkpoints import signed_checkpoint
from ..records.models import Checkpoint, Placeholder, Record


def placeholder(origin: str, seq: int, record_hash: str) -> dict[str, Any]:
    """A log entry without content: enough to extend the hash chain, nothing more."""
    return {"origin": origin, "seq": seq, "hash": record_hash}


@dataclass(frozen=True)
class StoredEntry:
    """A full record as stored: its canonical JSON text (parsed only when asked) and JWS."""

    canonical: str
    jws: str

    def document(self) -> dict[str, Any]:
        """``{"record": {...}, "jws": "..."}``."""
        return {"record": json.loads(self.canonical), "jws": self.jws}

    def json(self) -> str:
        """The same document as JSON text, without parsing the record again."""
        return f'{{"record":{self.canonical},"jws":{json.dumps(self.jws)}}}'


def feed_entries(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> tuple[list[StoredEntry | dict[str, Any]], dict[str, Any] | None]:
    """Entries ``after+1 …`` of ``origin``'s log as held here, for ``requester``'s node, and
    the newest checkpoint held.

    A record goes out in full only if its marking releases it to ``requester`` and it was not
    withdrawn; otherwise as a placeholder. The page stops before the first seq not held.
    """
    upper = after + limit
    records = {row.seq: row for row in session.execute(
        select(Record.seq, Record.canonical, Record.jws, Record.tlp, Record.releasable_to,
               Record.withdrawn_by, Record.record_hash)
        .where(Record.origin == origin, Record.seq > after, Record.seq <= upper))}
    holes = dict(session.execute(
        select(Placeholder.seq, Placeholder.record_hash).where(
            Placeholder.origin == origin, Placeholder.seq > after, Placeholder.seq <= upper)).all())
    entries: list[StoredEntry | dict[str, Any]] = []
    for seq in range(after + 1, upper + 1):
        row = records.get(seq)
        if row is not None and not row.withdrawn_by and releasable(
                row.tlp, row.releasable_to, requester):
            entries.append(StoredEntry(row.canonical, row.jws))
        elif row is not None:
            entries.append(placeholder(origin, seq, row.record_hash))
        elif seq in holes:
            entries.append(placeholder(origin, seq, holes[seq]))
        else:
            break
    checkpoint = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin)
                                .order_by(Checkpoint.seq.desc()).limit(1))
    return entries, signed_checkpoint(checkpoint) if checkpoint else None


def feed_page(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> dict[str, Any]:
    """The feed page as a document (see feed_entries)."""
    entries, checkpoint = feed_entries(session, requester, origin, after, limit)
    return {
        "origin": origin,
        "entries": [e.document() if isinstance(e, StoredEntry) else e for e in entries],
        "checkpoint": checkpoint,
        "next": after + len(entries) if len(entries) == limit else None,
    }


def feed_page_json(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> tuple[str, int]:
    """The same page as JSON text, stored records copied as they are; and its entry count."""
    entries, checkpoint = feed_entries(session, requester, origin, after, limit)
    parts = ",".join(e.json() if isinstance(e, StoredEntry) else json.dumps(e) for e in entries)
    following = after + len(entries) if len(entries) == limit else None
    return (f'{{"origin":{json.dumps(origin)},"entries":[{parts}],'
            f'"checkpoint":{json.dumps(checkpoint)},"next":{json.dumps(following)}}}',
            len(entries))
