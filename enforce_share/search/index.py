"""Keeping search documents in step with the record store, in the storing transaction.

Subscribed to ``records.store`` on import: ``index_stored`` runs after every insert (own
writes, sync, bundles) and ``index_retired`` after effects retire versions. ``backfill``
indexes records stored before search existed (``enforce-share db upgrade`` runs it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..db import insert_rows
from ..records.models import Record
from ..records.store import subscribe
from . import fulltext
from .models import SearchDoc, SearchHead
from .terms import SEARCHABLE, doc_of_row

BACKFILL_BATCH = 2000


def take_stamps(session: Session, count: int) -> int:
    """Reserve ``count`` stamps; returns the first. Locks the head row until commit."""
    last = session.execute(update(SearchHead).where(SearchHead.id == 1)
                           .values(stamp=SearchHead.stamp + count)
                           .returning(SearchHead.stamp)).scalar_one()
    return last - count + 1


def index_stored(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write the search documents of freshly inserted rows (each with its ``position``)."""
    docs = [(row, doc) for row in rows if (doc := doc_of_row(row)) is not None]
    if not docs:
        return
    stamp = take_stamps(session, len(docs))
    insert_rows(session.connection(), SearchDoc.__table__, [
        {"position": row["position"], "stamp": stamp + i,
         "current": not (row.get("superseded_by") or row.get("withdrawn_by")
                         or row.get("disavowed_by")),
         "created_key": doc.created_key, "terms": " ".join(doc.terms),
         "names": "\n".join(doc.names)}
        for i, (row, doc) in enumerate(docs)])
    fulltext.write(session.connection(),
                   [(row["position"], doc.title, doc.text) for row, doc in docs])


def index_retired(session: Session, record_ids: Iterable[str]) -> None:
    """Take records that were superseded, withdrawn or disavowed out of what search
    returns."""
    ids = list(record_ids)
    if not ids:
        return
    positions = list(session.scalars(
        select(SearchDoc.position).join(Record, Record.position == SearchDoc.position)
        .where(Record.id.in_(ids), SearchDoc.current.is_(True),
               (Record.superseded_by.is_not(None)) | (Record.withdrawn_by.is_not(None))
               | (Record.disavowed_by.is_not(None)))))
    if not positions:
        return
    first = take_stamps(session, len(positions))
    session.execute(update(SearchDoc), [
        {"position": position, "stamp": first + i, "current": False}
        for i, position in enumerate(positions)])


def backfill(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Index every searchable record that has no search document yet; returns how many."""
    done = 0
    after = 0
    while True:
        batch = session.execute(
            select(Record.position, Record.type, Record.canonical, Record.audience,
                   Record.superseded_by, Record.withdrawn_by, Record.disavowed_by)
            .outerjoin(SearchDoc, SearchDoc.position == Record.position)
            .where(Record.position > after, SearchDoc.position.is_(None),
                   Record.type.in_(SEARCHABLE))
            .order_by(Record.position).limit(BACKFILL_BATCH)).mappings().all()
        if not batch:
            return done
        index_stored(session, [dict(row) for row in batch])
        session.flush()
        after = batch[-1]["position"]
        done += len(batch)
        if progress:
            progress(len(batch))


def pending(session: Session) -> int:
    """Searchable records without a search document (0 once backfilled)."""
    return session.scalar(
        select(func.count()).select_from(Record)
        .outerjoin(SearchDoc, SearchDoc.position == Record.position)
        .where(SearchDoc.position.is_(None), Record.type.in_(SEARCHABLE))) or 0


subscribe(index_stored, index_retired)
