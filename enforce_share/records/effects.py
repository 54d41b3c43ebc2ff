"""What a stored record does to others: supersede a version, withdraw or disavow records,
change keys, roots or the membership.

Effects reach only records of the same origin (and, for supersedes, of the same type): a
partner's record can never retire another agency's record, whatever it claims.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..signing.announcements import apply_trust_record
from .drafts import TRUST_TYPES, UNWITHDRAWABLE
from .models import Disavowal, Record

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


def apply_effects(session: Session, rows: Sequence[dict[str, Any]], *, strict: bool
                  ) -> list[str]:
    """Apply the effects of freshly stored rows, in log order; return the ids of the records
    they disavowed (those just stored among them).

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
        return _apply_trust(session, rows)
    if supersedes:
        connection.execute(_SUPERSEDE, supersedes)
    if withdrawals:
        connection.execute(_WITHDRAW, withdrawals)
    return _apply_trust(session, rows)


def _apply_trust(session: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    disavowed = []
    for row in rows:
        if row["type"] == "disavowal":
            disavowed += disavow(session, json.loads(row["canonical"]))
        elif row["type"] in TRUST_TYPES:
            apply_trust_record(session, json.loads(row["canonical"]))
    return disavowed + disavowed_on_arrival(session, rows)


def disavow(session: Session, record: dict[str, Any]) -> list[str]:
    """Keep a verified disavowal's runs, and mark the records they name held here; their
    ids."""
    statement = record["body"]["statement"]
    runs = [Disavowal(id=record["id"], run=number, origin=record["origin"],
                      kid=statement["kid"], first=first, last=last,
                      reason=statement["reason"])
            for number, (first, last) in enumerate(statement["runs"])]
    session.add_all(runs)
    session.flush()
    marked = []
    for run in runs:
        named = (Record.origin == run.origin, Record.kid == run.kid, Record.seq >= run.first,
                 Record.seq <= run.last, Record.disavowed_by.is_(None))
        marked += session.scalars(select(Record.id).where(*named)).all()
        session.execute(update(Record).where(*named).values(disavowed_by=run.id))
    return marked


def disavowed_on_arrival(session: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Mark the rows just stored that a disavowal held here names (a record owed to this
    node can arrive after the disavowal of it); their ids."""
    origins = {row["origin"] for row in rows}
    runs = session.execute(select(Disavowal.id, Disavowal.origin, Disavowal.kid,
                                  Disavowal.first, Disavowal.last)
                           .where(Disavowal.origin.in_(origins))).all() if origins else []
    named = [run for run in runs if any(
        row["origin"] == run.origin and row["kid"] == run.kid
        and run.first <= row["seq"] <= run.last for row in rows)]
    marked = []
    for run in named:
        ids = [row["id"] for row in rows if row["origin"] == run.origin
               and row["kid"] == run.kid and run.first <= row["seq"] <= run.last]
        session.execute(update(Record).where(Record.id.in_(ids), Record.disavowed_by.is_(None))
                        .values(disavowed_by=run.id))
        marked += ids
    return marked
