"""What a stored record does to others: supersede a version, withdraw a record, change keys.

Effects reach only records of the same origin (and, for supersedes, of the same type): a
partner's record can never retire another agency's record, whatever it claims.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..signing.announcements import apply_key_records
from .drafts import KEY_TYPES, UNWITHDRAWABLE
from .models import Record

_RECORDS = Record.__table__
_SUPERSEDE = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("target"), _RECORDS.c.origin == bindparam("by_origin"),
           _RECORDS.c.type == bindparam("by_type"), _RECORDS.c.seq < bindparam("by_seq"),
           _RECORDS.c.superseded_by.is_(None))
    .values(superseded_by=bindparam("by"))
)
_WITHDRAW = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("target"), _RECORDS.c.origin == bindparam("by_origin"),
           _RECORDS.c.seq < bindparam("by_seq"),
           *(_RECORDS.c.type != kind for kind in sorted(UNWITHDRAWABLE)),
           _RECORDS.c.withdrawn_by.is_(None))
    .values(withdrawn_by=bindparam("by"))
)


def apply_effects(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool) -> None:
    """Apply the effects of freshly stored rows, in log order.

    ``strict`` (this node's own appends): superseding a version that is not the latest is a
    Conflict. Otherwise (partners' records) an effect on a record not held here, or not the
    origin's own, is simply not applied: the signed record itself is still stored.
    """
    supersedes = [{"target": row["supersedes"], "by": row["id"], "by_origin": row["origin"],
                   "by_type": row["type"], "by_seq": row["seq"]}
                  for row in rows if row["supersedes"]]
    withdrawals = [{"target": json.loads(row["canonical"])["body"]["target"], "by": row["id"],
                    "by_origin": row["origin"], "by_seq": row["seq"]}
                   for row in rows if row["type"] == "withdrawal"]
    connection = session.connection()
    if strict:  # this node's own writes: each effect must take, or the write fails
        for params in supersedes:
            if not connection.execute(_SUPERSEDE, params).rowcount:
                raise Conflict(f"Record {params['target']} is already superseded",
                               {"supersedes": ["Supersede the latest version."]})
        for params in withdrawals:
            if not connection.execute(_WITHDRAW, params).rowcount:
                raise Conflict(f"Record {params['target']} cannot be withdrawn",
                               {"body": {"target": ["Already withdrawn."]}})
        return _apply_keys(session, rows)
    if supersedes:
        connection.execute(_SUPERSEDE, supersedes)
    if withdrawals:
        connection.execute(_WITHDRAW, withdrawals)
    _apply_keys(session, rows)


def _apply_keys(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        if row["type"] in KEY_TYPES:
            apply_key_records(session, json.loads(row["canonical"]))
