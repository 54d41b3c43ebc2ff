"""What pages read that no single API call answers: compositions of the node's use cases
(search, saved searches, record views), always for the viewer's agency."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from ..errors import Gone, NotFound, VerificationError
from ..node import Node
from ..records.models import Record
from ..records.queries import visible_to
from ..records.service import record_view
from ..search import saved
from ..search.engine import search
from ..search.query import Query
from ..signing.trust import TrustRegistry


def new_since_last_look(node: Node, user: str, viewer: str) -> dict[int, int]:
    """Per saved search of ``user``: how many of its results arrived or changed since the
    user last looked (counted under ``viewer``'s marks; counting is not a look)."""
    with node.reading() as session:
        registry = TrustRegistry.load(session)
        return {kept.id: search(session, node.postings, registry,
                                replace(Query.parse(kept.query), limit=1), viewer,
                                since=kept.last_seen_stamp).total
                for kept in saved.saved_searches(session, user)}


def signature_check(node: Node, signed: dict[str, Any]) -> str | None:
    """Why a signed record does not verify against the trust registry now, or None if it
    does (key trusted for its origin and valid when signed, signature over its bytes)."""
    try:
        node.registry().verify_record(signed["record"], signed["jws"])
    except VerificationError as exc:
        return exc.message
    return None


def withdrawal_of(node: Node, record_id: str, viewer: str) -> dict[str, Any]:
    """The withdrawal of a withdrawn record ``viewer``'s agency may see: ``{"record": the
    withdrawn record's signed form, "withdrawal": the withdrawal's view or None}``;
    NotFound if the record is not one the viewer may see."""
    with node.reading() as session:
        row = session.scalar(select(Record).where(Record.id == record_id, visible_to(viewer)))
        if row is None or not row.withdrawn_by:
            raise NotFound(f"No record {record_id}", {"id": ["No such record."]})
        withdrawn = {"origin": row.origin, "type": row.type, "by": row.withdrawn_by}
    try:
        withdrawal = record_view(node, withdrawn["by"], viewer=viewer)
    except (NotFound, Gone):
        withdrawal = None
    return {**withdrawn, "withdrawal": withdrawal}


def records_by_id(node: Node, ids: list[str], viewer: str) -> dict[str, dict[str, Any] | None]:
    """Each record id's view for ``viewer`` (None where it is not held, not released to the
    viewer's agency, or withdrawn: a page says only that it cannot be shown)."""
    found: dict[str, dict[str, Any] | None] = {}
    for record_id in ids:
        try:
            found[record_id] = record_view(node, record_id, viewer=viewer)
        except (NotFound, Gone):
            found[record_id] = None
    return found
