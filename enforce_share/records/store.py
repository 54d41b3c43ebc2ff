"""Storing verified rows: insert, index for search, apply effects; one step for every writer.

Every writer (this node's own log, sync pulls, bundle imports) stores through
:func:`store_rows`, which stamps each row with the time this node stored it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..clock import parse_timestamp, timestamp
from ..search.index import index_retired, index_stored
from .effects import apply_effects
from .models import Record, StoreClock

#: Ids per statement when reading back positions (well under every database's limit).
CHUNK = 1000


def store_rows(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool) -> None:
    """Insert ``rows`` (``log.row_values``; each gains its ``position`` and ``stored`` time),
    write their search documents, apply their effects (``effects.apply_effects``) and retire
    what they retire."""
    if not rows:
        return
    stored = stored_now(session)
    for row in rows:
        row["stored"] = stored
    session.execute(insert(Record), list(rows))  # executemany: far faster than RETURNING
    positions: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        ids = [row["id"] for row in rows[start:start + CHUNK]]
        positions.update(session.execute(
            select(Record.id, Record.position).where(Record.id.in_(ids))).all())
    for row in rows:
        row["position"] = positions[row["id"]]
    index_stored(session, rows)
    apply_effects(session, rows, strict=strict)
    index_retired(session, [target for row in rows if (target := _retires(row))])


def stored_now(session: Session, now: datetime | None = None) -> str:
    """The ``stored`` time of records stored now: the clock (``now``), or just after the
    latest time given out if the clock is not past it (it stepped back, or ticks coarsely).

    The clock row stays locked until commit (PostgreSQL: the row; SQLite: the database), so
    transactions that store records run one at a time: each takes its positions and its time
    after the last one committed, and a reader never sees a later record without the earlier
    ones. ``stored`` thus rises with ``position``, and a TAXII client's ``added_after`` poll
    misses nothing that commits after it.
    """
    latest = session.execute(update(StoreClock).where(StoreClock.id == 1)
                             .values(stored=StoreClock.stored)  # takes the lock
                             .returning(StoreClock.stored)).scalar_one()
    moment = max(now or datetime.now(UTC), parse_timestamp(latest) + timedelta(microseconds=1))
    stored = timestamp(moment)
    session.execute(update(StoreClock).where(StoreClock.id == 1).values(stored=stored))
    return stored


def _retires(row: dict[str, Any]) -> str | None:
    if row["supersedes"]:
        return row["supersedes"]
    if row["type"] == "withdrawal":
        return json.loads(row["canonical"])["body"]["target"]
    return None
