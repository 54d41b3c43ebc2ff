"""Storing verified rows: insert, index for search, apply effects; one step for every writer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..search.index import index_retired, index_stored
from .effects import apply_effects
from .models import Record

#: Ids per statement when reading back positions (well under every database's limit).
CHUNK = 1000


def store_rows(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool) -> None:
    """Insert ``rows`` (``log.row_values``; each gains its ``position``), write their search
    documents, apply their effects (``effects.apply_effects``) and retire what they retire."""
    if not rows:
        return
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


def _retires(row: dict[str, Any]) -> str | None:
    if row["supersedes"]:
        return row["supersedes"]
    if row["type"] == "withdrawal":
        return json.loads(row["canonical"])["body"]["target"]
    return None
