"""Storing verified rows: insert, index for search, apply effects; one step for every writer.

Every writer (this node's own log, sync pulls, bundle imports) stores through
:func:`store_rows`, which stamps each row with the time this node stored it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ..clock import parse_timestamp, timestamp
from ..db import insert_rows
from ..search.index import index_retired, index_stored
from .effects import apply_effects
from .models import Record, StoreClock

#: Ids per IN list (well under every database's limit of parameters).
CHUNK = 1000
_TABLE = Record.__table__
#: The columns a row gives.
_COLUMNS = tuple(column.key for column in Record.__table__.columns)


def store_rows(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool) -> None:
    """Insert ``rows`` (``log.row_values``; each gains its ``position`` and ``stored`` time),
    write their search documents, apply their effects (``effects.apply_effects``) and retire
    what they retire."""
    if not rows:
        return
    stored = stored_now(session)
    for row in rows:
        row["stored"] = stored
    for row, position in zip(rows, take_positions(session, len(rows)), strict=True):
        row["position"] = position
    insert_rows(session.connection(), _TABLE,
                [{column: row.get(column) for column in _COLUMNS} for row in rows])
    index_stored(session, rows)
    apply_effects(session, rows, strict=strict)
    index_retired(session, [target for row in rows if (target := _retires(row))])


def take_positions(session: Session, count: int) -> list[int]:
    """Positions for ``count`` new records, rising. Called with the store clock locked
    (``stored_now``), so no other writer takes positions before this transaction ends; on
    PostgreSQL from the column's own sequence, on SQLite the next rowids."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return sorted(connection.execute(text(
            "SELECT nextval(pg_get_serial_sequence('records', 'position')) "
            "FROM generate_series(1, :count)"), {"count": count}).scalars())
    first = 1 + connection.execute(select(func.coalesce(func.max(Record.position), 0))).scalar_one()
    return list(range(first, first + count))


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
