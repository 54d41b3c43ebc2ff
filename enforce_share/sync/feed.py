"""Serving a log to a partner: full records it may see, placeholders (stubs) for the rest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Error
from ..markings import given_to
from ..records.checkpoints import signed_checkpoint
from ..records.drafts import RESERVED_TYPES
from ..records.entries import stub
from ..records.models import Checkpoint, LogHead, Placeholder, Record


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
) -> tuple[list[StoredEntry | dict[str, Any]], dict[str, Any] | None, int]:
    """Entries ``after+1 …`` of ``origin``'s log as held here, for ``requester``'s node; the
    checkpoint they end at; and the last seq held here (more follow if it is beyond them).

    A page ends at a checkpoint held here, the last one within ``limit`` entries (or, if
    there is none, the first one after), so the requester can link every entry to a head
    the origin signed. A page with no entries carries the newest checkpoint held.
    """
    held = session.scalar(select(LogHead.seq).where(LogHead.origin == origin)) or 0
    upper = min(after + limit, held)
    end = session.scalar(select(func.max(Checkpoint.seq)).where(
        Checkpoint.origin == origin, Checkpoint.seq > after, Checkpoint.seq <= upper))
    if end is None:
        end = session.scalar(select(func.min(Checkpoint.seq)).where(
            Checkpoint.origin == origin, Checkpoint.seq > after, Checkpoint.seq <= held))
    if end is None:  # nothing new that a checkpoint covers
        newest = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin)
                                .order_by(Checkpoint.seq.desc()).limit(1))
        return [], signed_checkpoint(newest) if newest else None, held
    entries = _entries(session, requester, origin, range(after + 1, end + 1))
    if len(entries) != end - after:
        raise Error(f"{origin}'s log held here has no entry at seq {after + len(entries) + 1}")
    checkpoint = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin,
                                                         Checkpoint.seq == end))
    return entries, signed_checkpoint(checkpoint), held


def entries_at(session: Session, requester: str, origin: str, seqs: Sequence[int]
               ) -> list[StoredEntry | dict[str, Any]]:
    """The entries at ``seqs`` held here (in seq order, those not held left out), each in full
    if released to ``requester``, else its stub: how a node asks again for what it is owed."""
    return _entries(session, requester, origin, sorted(set(seqs)), stop_at_gap=False)


def _entries(session: Session, requester: str, origin: str, seqs: Sequence[int],
             stop_at_gap: bool = True) -> list[StoredEntry | dict[str, Any]]:
    if not seqs:
        return []
    low, high = seqs[0], seqs[-1]
    records = {row.seq: row for row in session.execute(
        select(Record.seq, Record.id, Record.type, Record.canonical, Record.jws, Record.tlp,
               Record.releasable_to, Record.withdrawn_by, Record.record_hash)
        .where(Record.origin == origin, Record.seq >= low, Record.seq <= high))}
    holes = {hole.seq: hole for hole in session.scalars(select(Placeholder).where(
        Placeholder.origin == origin, Placeholder.seq >= low, Placeholder.seq <= high))}
    entries: list[StoredEntry | dict[str, Any]] = []
    for seq in seqs:
        row = records.get(seq)
        if row is not None and not row.withdrawn_by and given_to(
                row.tlp, row.releasable_to, requester, reserved=row.type in RESERVED_TYPES):
            entries.append(StoredEntry(row.canonical, row.jws))
        elif row is not None:
            entries.append(stub(origin, seq, row.id, row.record_hash, row.tlp,
                                row.releasable_to))
        elif seq in holes:
            entries.append(holes[seq].stub())
        elif stop_at_gap:
            break
    return entries


def feed_page(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> dict[str, Any]:
    """The feed page as a document (see feed_entries)."""
    entries, checkpoint, held = feed_entries(session, requester, origin, after, limit)
    last = after + len(entries)
    return {
        "origin": origin,
        "entries": [e.document() if isinstance(e, StoredEntry) else e for e in entries],
        "checkpoint": checkpoint,
        "next": last if entries and last < held else None,
        "held": held,
    }


def feed_page_json(
    session: Session, requester: str, origin: str, after: int, limit: int
) -> tuple[str, int]:
    """The same page as JSON text, stored records copied as they are; and its entry count."""
    entries, checkpoint, held = feed_entries(session, requester, origin, after, limit)
    last = after + len(entries)
    return _page_json(origin, entries, checkpoint, last if entries and last < held else None,
                      held)


def entries_json(session: Session, requester: str, origin: str, seqs: Sequence[int]
                 ) -> tuple[str, int]:
    """``entries_at`` as a feed page's JSON text (no checkpoint, no next); its entry count."""
    entries = entries_at(session, requester, origin, seqs)
    return _page_json(origin, entries, None, None, None)


def _page_json(origin: str, entries: Sequence[StoredEntry | dict[str, Any]],
               checkpoint: dict[str, Any] | None, following: int | None, held: int | None
               ) -> tuple[str, int]:
    parts = ",".join(e.json() if isinstance(e, StoredEntry) else json.dumps(e) for e in entries)
    return (f'{{"origin":{json.dumps(origin)},"entries":[{parts}],'
            f'"checkpoint":{json.dumps(checkpoint)},"next":{json.dumps(following)},'
            f'"held":{json.dumps(held)}}}', len(entries))
