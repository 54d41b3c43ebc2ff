"""Which records a brief uses: the case, the records it names, the parties and trends around
them and the actor records the graph resolved those parties into, as far as the viewer's
agency may see them (markings.visible), each in its latest version."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import Gone, NotFound
from ..records.drafts import RESERVED_TYPES
from ..records.fields import is_record_id
from ..records.models import Record
from ..records.queries import get_record, is_current, visible_to

#: Record types a case may name that a brief shows (not keys, withdrawals or other cases).
USED_TYPES = frozenset({"violation", "procurement_trend", "actor", "link"})


@dataclass
class Evidence:
    """The records one brief uses, by id, and the actor network drawn from them."""

    case: Record
    rows: dict[str, Record] = field(default_factory=dict)
    #: Ids the case names that the brief leaves out (not held, not visible, withdrawn).
    omitted: list[str] = field(default_factory=list)
    network: nx.Graph = field(default_factory=nx.Graph)

    def of_type(self, record_type: str) -> list[Record]:
        """The records of one type, in log order (origin, seq)."""
        return sorted((row for row in self.rows.values() if row.type == record_type),
                      key=lambda row: (row.origin, row.seq))

    def ordered(self) -> list[Record]:
        """Every record used, the case first, then by type, origin and seq."""
        order = ("case", "violation", "procurement_trend", "actor", "link")
        return sorted(self.rows.values(), key=lambda row: (
            order.index(row.type) if row.type in order else len(order), row.origin, row.seq))


def body(row: Record) -> dict[str, Any]:
    """The body of a stored record."""
    return json.loads(row.canonical)["body"]


def gather(session: Session, network_of: Callable[[Sequence[str]], nx.Graph], case_id: str,
           viewer: str) -> Evidence:
    """The evidence of the case ``case_id`` for users of ``viewer``'s agency, its actors'
    network from ``network_of`` (``GraphQuestions.network`` for that viewer).

    NotFound if the id is not a case record the viewer may see; Gone if it was withdrawn,
    or if its latest version was disavowed (its origin's root: the key that signed it was
    not the origin's to use then).
    """
    row = get_record(session, case_id, viewer)
    if row.type != "case":
        raise NotFound(f"No case {case_id}", {"case_id": ["Not a case record."]})
    case = latest_visible(session, row, viewer) or row
    if case.disavowed_by:
        raise Gone(f"Case {case.id} was disavowed by {case.origin}'s root (record "
                   f"{case.disavowed_by}): no brief is made of it")
    evidence = Evidence(case, {case.id: case})
    for named in body(case).get("records", []):
        found = latest_visible(session, _held(session, named, viewer), viewer)
        if found is None or found.type not in USED_TYPES:
            evidence.omitted.append(named)
        else:
            evidence.rows[found.id] = found
    violations = evidence.of_type("violation")
    for violation in violations:
        for party in body(violation).get("parties", []):
            _use(session, evidence, party["actor"], viewer)
    for trend in related_trends(session, [v.id for v in violations], viewer):
        evidence.rows.setdefault(trend.id, trend)
    evidence.network = _network(session, evidence, network_of, viewer)
    return evidence


def _held(session: Session, record_id: str, viewer: str) -> Record | None:
    if not is_record_id(record_id):
        return None
    return session.scalar(select(Record).where(Record.id == record_id, visible_to(viewer)))


def latest_visible(session: Session, row: Record | None, viewer: str) -> Record | None:
    """The latest version of ``row`` the viewer may see, held and not withdrawn (or None)."""
    seen: set[str] = set()
    while row is not None and row.superseded_by and row.superseded_by not in seen:
        seen.add(row.id)
        later = _held(session, row.superseded_by, viewer)
        if later is None:
            break
        row = later
    return None if row is None or row.withdrawn_by or row.disavowed_by or (
        row.type in RESERVED_TYPES) else row


def _use(session: Session, evidence: Evidence, record_id: str, viewer: str) -> None:
    found = latest_visible(session, _held(session, record_id, viewer), viewer)
    if found is not None and found.type in USED_TYPES:
        evidence.rows.setdefault(found.id, found)


def related_trends(session: Session, violation_ids: list[str], viewer: str) -> list[Record]:
    """Current procurement trends the viewer may see that name one of the violations."""
    found: dict[str, Record] = {}
    wanted = set(violation_ids)
    for start in range(0, len(violation_ids), 100):
        chunk = violation_ids[start:start + 100]
        query = select(Record).where(
            Record.type == "procurement_trend", is_current(), visible_to(viewer),
            or_(*(Record.canonical.contains(f'"{record_id}"') for record_id in chunk)))
        for row in session.scalars(query):  # the text test narrows; the body decides
            if wanted & set(body(row).get("related", [])):
                found[row.id] = row
    return sorted(found.values(), key=lambda row: (row.origin, row.seq))


def _network(session: Session, evidence: Evidence,
             network_of: Callable[[Sequence[str]], nx.Graph], viewer: str) -> nx.Graph:
    """The entities of the brief's actors and the relations between them that the brief's
    records tell; every actor record of those entities joins the evidence."""
    resolved = network_of([row.id for row in evidence.of_type("actor")])
    network = nx.Graph()
    for entity, data in sorted(resolved.nodes(data=True)):
        for member in data["members"]:
            _use(session, evidence, member, viewer)
        agencies = {evidence.rows[m].origin for m in data["members"] if m in evidence.rows}
        network.add_node(entity, name=data.get("name", entity), agencies=agencies,
                         members=sorted(data["members"]), countries=set(data["countries"]),
                         roles=set(data["roles"]))
    for a, b in _pairs(resolved.edges):
        data = resolved.edges[a, b]
        records = set(data["records"]) & set(evidence.rows)
        if records:
            network.add_edge(a, b, kinds=set(data["kinds"]), records=records)
    return network


def _pairs(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(tuple(sorted(edge)) for edge in edges)  # type: ignore[misc]
