"""The records a screening answer cites, read under the caller's markings.

Every read here is filtered by ``records.queries.visible_to`` (markings.py's rule, in SQL)
or goes through search, which reads under the viewer's marks: a violation, case, trend or
actor record the caller's agency may not see is never cited, named or counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import batches
from ..records.fields import is_record_id
from ..records.models import Record
from ..records.queries import visible_to
from ..search.engine import Results
from ..search.query import Query

#: Violation types that say goods went through a third country on purpose.
TRANSSHIPPING = ("transshipment", "reexport_diversion")
#: Records of a country read at most, per kind, as evidence that it is a transshipment hub
#: (the newest; a flag cites them, it need not count every one).
EVIDENCE_READ = 25


def _current(session: Session, ids: Iterable[str], viewer: str) -> list[Record]:
    wanted = sorted({i for i in ids if is_record_id(i)})
    rows: list[Record] = []
    for batch in batches(wanted, 500):
        rows += session.scalars(select(Record).where(
            Record.id.in_(batch), visible_to(viewer), Record.withdrawn_by.is_(None)))
    return rows


def marking(row: Record) -> dict[str, Any]:
    """A record's marking as answers carry it."""
    return {"tlp": row.tlp, "releasable_to": list(row.releasable_to)}


def violations(session: Session, ids: Iterable[str], viewer: str) -> dict[str, dict[str, Any]]:
    """The violations ``ids`` the viewer may see, not withdrawn: what an answer shows."""
    found = {}
    for row in _current(session, ids, viewer):
        if row.type != "violation":
            continue
        body = json.loads(row.canonical)["body"]
        found[row.id] = {
            "id": row.id, "origin": row.origin, "title": body["title"],
            "status": body["status"], "detected_on": body["detected_on"],
            "violation_types": body["violation_types"], "route": body.get("route", []),
            "roles": [[party["actor"], party["role"]] for party in body.get("parties", ())],
            "marking": marking(row)}
    return found


def records(session: Session, ids: Iterable[str], viewer: str) -> dict[str, Record]:
    """Rows of the records ``ids`` the viewer may see, not withdrawn."""
    return {row.id: row for row in _current(session, ids, viewer)}


def transshipment(find: Callable[[Query], Results], countries: Iterable[str]
                  ) -> dict[str, list[dict[str, Any]]]:
    """Country -> shared records naming it as a transit country: procurement trends listing
    it among their transit countries, and transshipment or re-export diversion violations
    whose route passes through it (not where it starts or ends)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for country in sorted(set(countries)):
        trends = find(Query(type=("procurement_trend",), country=(country,),
                            limit=EVIDENCE_READ))
        routed = find(Query(type=("violation",), country=(country,),
                            violation_type=TRANSSHIPPING, limit=EVIDENCE_READ))
        for hit in [*trends.hits, *routed.hits]:
            body = json.loads(hit.row.canonical)["body"]
            through = (body.get("transit_countries", ()) if hit.row.type == "procurement_trend"
                       else body.get("route", ())[1:-1])
            if country in through:
                found.setdefault(country, []).append({
                    "id": hit.row.id, "type": hit.row.type, "origin": hit.row.origin,
                    "title": body["title"], "marking": marking(hit.row)})
    return found
