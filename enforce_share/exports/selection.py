"""What an export holds: every record a search finds for the viewer, page after page.

An export takes the filters of ``GET /api/v1/search`` (``case=<id>`` exports a case: the case
and every record it lists) and reads the search's pages up to ``limit`` records, in the
search's order, so it finds exactly what the caller could page through, and no more: search
reads its rows under the viewer's marks (``records.queries.visible_to``), and each is checked
again with ``markings.visible`` before any export writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..markings import visible
from ..records.queries import get_record
from ..search.engine import Hit, search
from ..search.postings import Postings
from ..search.query import Query
from ..search.schema import MAX_LIMIT
from ..signing.trust import TrustRegistry
from .schema import EXPORT_DEFAULT, ExportQuerySchema


@dataclass(frozen=True)
class Selection:
    """The records found (latest versions, in the search's order) and how many matched."""

    hits: list[Hit]
    total: int

    @property
    def record_ids(self) -> list[str]:
        """The ids of the records selected (what the audit trail names)."""
        return [hit.row.id for hit in self.hits]


def check_cases(session: Session, cases: tuple[str, ...], viewer: str) -> None:
    """NotFound unless each of ``cases`` is a case the viewer's agency may see."""
    for case in cases:
        try:
            row = get_record(session, case, viewer)  # Gone once withdrawn
        except NotFound:
            raise NotFound(f"No case {case}", {"case": ["No such case."]}) from None
        if row.type != "case":
            raise NotFound(f"No case {case}", {"case": [f"{case} is a {row.type}, not a case."]})


def select(session: Session, postings: Postings, registry: TrustRegistry, query: Query,
           viewer: str, limit: int = EXPORT_DEFAULT) -> Selection:
    """Up to ``limit`` records ``query`` finds for ``viewer``, and the count of all matches."""
    check_cases(session, query.case, viewer)
    hits: list[Hit] = []
    page = replace(query, limit=min(MAX_LIMIT, limit), cursor=None)
    while True:
        results = search(session, postings, registry, page, viewer)
        hits.extend([hit for hit in results.hits if visible(  # search did; checked again
            viewer, hit.row.origin, hit.row.tlp, hit.row.releasable_to)][: limit - len(hits)])
        if results.next is None or len(hits) >= limit:
            return Selection(hits, results.total)
        page = replace(page, limit=min(MAX_LIMIT, limit - len(hits)), cursor=results.next)


def export_query(params: dict[str, Any]) -> tuple[Query, int]:
    """An export's query and limit from parameters as sent (``from``, lists as lists);
    InvalidInput names the field at fault."""
    try:
        loaded = ExportQuerySchema().load(params)
    except ValidationError as exc:
        raise InvalidInput("Invalid export query", exc.normalized_messages()) from None
    return query_of(loaded), loaded["limit"]


def query_of(loaded: dict[str, Any]) -> Query:
    """The search query of loaded export parameters (without the export's own)."""
    return Query.of({key: value for key, value in loaded.items() if key != "for_"})
