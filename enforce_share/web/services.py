"""What pages ask of the node that no single Node method answers: compositions of its use
cases and services (search, saved searches, record views, briefs' evidence, partners), each
in one session of the node, always for the viewer's agency. Views only translate."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from sqlalchemy import select

from ..briefs.gather import Evidence, gather
from ..clock import timestamp
from ..errors import Gone, NotFound, VerificationError
from ..node import Node
from ..partners import add_partner, list_partners
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
    """Why a signed record held here does not verify against the trust registry now, or
    None if it does (a key of its origin valid at its seq, signature over its bytes)."""
    try:
        node.registry().verify_held(signed["record"], signed["jws"])
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


def case_evidence(node: Node, case_id: str, viewer: str) -> Evidence:
    """What the brief of a case would use for ``viewer``'s agency: its latest version, its
    records, their parties and the actor network (``briefs.gather``)."""
    with node.reading() as session:
        return gather(session, partial(node.graph.network, viewer), case_id, viewer)


def partners(node: Node) -> list[dict[str, Any]]:
    """The partners, each with its URL, when it was added and the keys trusted for it."""
    with node.reading() as session:
        found = [{"agency": p.agency, "url": p.url, "added": timestamp(p.added)}
                 for p in list_partners(session)]
    return [{**partner, "keys": node.jwks(partner["agency"])["keys"]} for partner in found]


def trust_partner(node: Node, agency: str, jwks: dict[str, Any], url: str | None) -> list[str]:
    """Register or update a partner and trust its JWK Set (as `partners add`); its kids."""
    with node.transaction() as session:
        return add_partner(session, node.agency, agency, jwks, url)[1]
