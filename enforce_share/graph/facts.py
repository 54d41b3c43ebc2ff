"""What a record tells the actor graph: an actor, edges between actors, a judgement.

Violations tell who dealt with whom: their parties are linked along the supply chain in
role order (exporter -> re-exporter -> intermediary -> freight forwarder -> consignee ->
end user; a financier or other party with every party of the chain). ``link`` records tell
ownership, control, shipping, payments and shared addresses, and analysts' ``same_as`` /
``not_same_as`` judgements. Every fact keeps the id of the record it comes from, so a view
can keep only the facts its viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..entities.profile import Profile, profile

CHAIN = ("exporter", "reexporter", "intermediary", "freight_forwarder", "consignee", "end_user")
JUDGEMENTS = ("same_as", "not_same_as")


@dataclass(frozen=True)
class Actor:
    """An actor record as the graph holds it."""

    record: str
    profile: Profile
    name: str
    listings: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    """A relation between two actor records, told by one record."""

    a: str
    b: str
    kind: str  # "violation", a link relation, or "shares_identifier"
    detail: str  # role pair ("exporter>consignee"), relation, or what is shared
    record: str


@dataclass(frozen=True)
class Judgement:
    """An analyst's ``same_as`` / ``not_same_as`` between two actor records."""

    a: str
    b: str
    same: bool
    record: str
    created: str


def actor(record_id: str, body: dict[str, Any]) -> Actor:
    return Actor(record_id, profile(record_id, body), body["name"],
                 tuple(sorted({listing["list"] for listing in body.get("listings", ())})))


def violation_edges(record_id: str, body: dict[str, Any]) -> list[Edge]:
    """Edges between the parties of one violation, along the chain of roles."""
    by_role: dict[str, list[str]] = {}
    for party in body.get("parties", ()):
        by_role.setdefault(party["role"], []).append(party["actor"])
    chain = [role for role in CHAIN if role in by_role]
    edges = [Edge(a, b, "violation", f"{left}>{right}", record_id)
             for left, right in zip(chain, chain[1:], strict=False)
             for a in by_role[left] for b in by_role[right]]
    in_chain = [(role, a) for role in chain for a in by_role[role]]
    for role in sorted(set(by_role) - set(CHAIN)):
        edges += [Edge(a, b, "violation", f"{role}>{other}", record_id)
                  for a in by_role[role] for other, b in in_chain]
    return [edge for edge in edges if edge.a != edge.b]


def link_fact(record_id: str, body: dict[str, Any], created: str) -> Edge | Judgement:
    """A link record: an edge, or a judgement for ``same_as`` / ``not_same_as``."""
    relation = body["relation"]
    if relation in JUDGEMENTS:
        return Judgement(body["from"], body["to"], relation == "same_as", record_id, created)
    return Edge(body["from"], body["to"], relation, relation, record_id)
