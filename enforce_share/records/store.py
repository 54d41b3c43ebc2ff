"""Storing verified rows: insert, apply effects, tell subscribers; one step for every writer.

Every writer (this node's own log, sync pulls, bundle imports) stores through
:func:`store_rows`, which stamps each row with the time this node stored it. What is derived
from records and must change with them in the same transaction (the search index) is written
by subscribers (:func:`subscribe`): the record store knows nothing of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ..clock import parse_timestamp, timestamp
from ..db import insert_rows
from .effects import apply_effects
from .models import Record, StoreClock

_TABLE = Record.__table__
#: The columns a row gives.
_COLUMNS = tuple(column.key for column in _TABLE.columns)


Stored = Callable[[Session, Sequence[dict[str, Any]]], None]
Retired = Callable[[Session, Sequence[str]], None]
_SUBSCRIBERS: list[tuple[Stored, Retired]] = []


def subscribe(stored: Stored, retired: Retired) -> None:
    """Have ``stored(session, rows)`` called with every batch of rows just stored (each with
    its ``position``), and ``retired(session, ids)`` with the ids of the records they
    superseded, withdrew or disavowed, in the storing transaction. ``search.index`` subscribes when
    imported (``node`` imports it); subscribing the same pair again changes nothing."""
    if (stored, retired) not in _SUBSCRIBERS:
        _SUBSCRIBERS.append((stored, retired))


def store_rows(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool) -> None:
    """Insert ``rows`` (``log.row_values``; each gains its ``position`` and ``stored`` time),
    apply their effects (``effects.apply_effects``), and tell the subscribers what was stored
    and retired."""
    if not rows:
        return
    stored = stored_now(session)
    for row in rows:
        row["stored"] = stored
    for row, position in zip(rows, take_positions(session, len(rows)), strict=True):
        row["position"] = position
    insert_rows(session.connection(), _TABLE,
                [{column: row.get(column) for column in _COLUMNS} for row in rows])
    for stored_hook, _ in _SUBSCRIBERS:
        stored_hook(session, rows)
    disavowed = apply_effects(session, rows, strict=strict)
    retired = [target for row in rows if (target := _retires(row))] + disavowed
    for _, retired_hook in _SUBSCRIBERS:
        retired_hook(session, retired)


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
