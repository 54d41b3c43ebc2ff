"""One viewer's actor graph: resolved entities as nodes, relations as edges.

A view holds only facts from records its viewer's agency may see (markings.visible), about
the latest versions of actor records, not withdrawn. It follows the index's event log: an
arriving actor, match or edge is applied in place (union-find joins contract two nodes);
a ``same_as`` judgement joins in place too. A retired record or a ``not_same_as`` cannot be
undone in a union-find: the clusters it touches are formed again from the facts naming their
members, judgements first, so a ``not_same_as`` is never overridden by the scorer; nor is a
``same_as`` joining clusters the scorer kept apart. The rest
of the graph stays as it is.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..entities.clusters import Clusters
from ..entities.scoring import Match
from .facts import Edge, Judgement
from .index import FREEZE_AFTER, GraphIndex

LISTED = "listings"
REFERENCE_LAST = 1 << 48  # added to a reference list entry's place in line (see _add_actor)


@dataclass
class View:
    """The graph one agency's users see, current to ``offset`` events of the index."""

    viewer: str
    index: GraphIndex
    graph: nx.Graph = field(default_factory=nx.Graph)
    order: dict[str, int] = field(default_factory=dict)
    offset: int = 0
    #: Edges waiting for an actor record not (yet) in the view, by the id they name.
    pending: dict[str, list[Edge]] = field(default_factory=dict)
    judged: set[frozenset[str]] = field(default_factory=set)  # pairs an analyst judged

    def __post_init__(self) -> None:
        self.clusters = Clusters(self.order)

    @classmethod
    def build(cls, viewer: str, index: GraphIndex) -> View:
        view = cls(viewer, index)
        view.update()
        return view

    def update(self) -> View:
        """Apply what arrived since the last update.

        A retired record, or a judgement that takes back what the view holds (a
        ``not_same_as``, or a pair judged again), re-forms only the clusters it touches.
        """
        if not self.offset:
            self.graph.graph["version"] = 0
            self._replay()
            if len(self.order) >= FREEZE_AFTER:
                gc.freeze()  # its big dicts would otherwise be walked by the next collections
            return self
        events = self.index.events[self.offset:]
        if events:  # analyses keep what they derive from a version of the graph
            self.graph.graph["version"] = self.graph.graph.get("version", 0) + 1
        for kind, fact in events:
            if kind == "retired":
                self._reform(self._named_by(fact))
            elif kind == "judgement" and (not fact.same or self._pair(fact) in self.judged
                                          or self._refused(fact)):
                self.judged.add(self._pair(fact))
                self._reform(set(self._pair(fact)))
            else:
                self._apply(kind, fact)
        self.offset += len(events)
        return self

    def _replay(self) -> None:
        events = list(self.index.events)
        self._judge_latest(fact for kind, fact in events if kind == "judgement")
        for kind, fact in events:
            if kind != "judgement":
                self._apply(kind, fact)
        self.offset = len(events)

    # --- re-forming clusters ---------------------------------------------------------------

    def _named_by(self, record_id: str) -> set[str]:
        """The actor records whose clusters a retired record leaves changed."""
        if self.index.held[record_id].type == "actor":
            return {record_id}
        return {self.index.latest(end) for fact in self.index.told.get(record_id, ())
                for end in (fact.a, fact.b)}

    def _reform(self, records: set[str]) -> None:
        """Form the clusters of ``records`` again from the facts that still hold.

        Their nodes go; their members that the viewer still sees come back one by one,
        then the judgements, matches and edges naming any of them (a match may join a
        cluster outside again, an edge ties to one), as a replay of the whole log would.
        """
        roots = {self.clusters.find(record) for record in records if record in self.order}
        members = [member for root in roots for member in self.graph.nodes[root]["members"]]
        self.graph.remove_nodes_from(roots)
        self.clusters.forget(members)
        for member in members:
            if not self.sees(member):
                del self.order[member]
        live = sorted((m for m in members if m in self.order), key=self.order.__getitem__)
        for member in live:
            self._place(member)
        named = [fact for member in live for version in self.index.versions(member)
                 for fact in self.index.touching.get(version, ())]
        self._judge_latest(fact for fact in named if isinstance(fact, Judgement))
        matches = {id(match): match for member in live
                   for match in self.index.matches.get(member, ())}
        for match in sorted(matches.values(), key=self._arrival):
            if match.accepted or match.apart:
                self._match(match)
        for edge in dict.fromkeys(fact for fact in named if isinstance(fact, Edge)):
            self._add_edge(edge)

    def _refused(self, judgement: Judgement) -> bool:
        """Whether a ``same_as`` would be refused in place: the scorer kept the two clusters
        apart (registry numbers in conflict), which a judgement overrides, as in a replay
        (judgements first)."""
        pair = self._pair(judgement)
        if len(pair) != 2:  # a record judged the same as itself
            return False
        a, b = pair
        return a in self.order and b in self.order and self.clusters.kept_apart(a, b)

    def _judge_latest(self, judgements: Iterable[Judgement]) -> None:
        """Each pair's latest judgement, ``not_same_as`` ones first (no match undoes them)."""
        latest: dict[frozenset[str], Judgement] = {}
        for judgement in judgements:
            pair = self._pair(judgement)
            if pair not in latest or latest[pair].created <= judgement.created:
                latest[pair] = judgement
        for judgement in sorted(latest.values(), key=lambda j: j.same):
            self._judge(judgement)

    def _arrival(self, match: Match) -> int:
        """When a match came to the view: with the later of its two actors."""
        return max(self.order.get(match.a, -1), self.order.get(match.b, -1))

    # --- applying facts -------------------------------------------------------------------

    def sees(self, record_id: str) -> bool:
        """Whether the viewer may see ``record_id`` and it is current."""
        held = self.index.held.get(record_id)
        return (held is not None and record_id in self.index.current
                and held.visible_to(self.viewer))

    def _apply(self, kind: str, fact: Any) -> None:
        if kind == "actor":
            self._add_actor(fact)
        elif kind == "match":
            self._match(fact)
        elif kind == "edge":
            self._add_edge(fact)
        elif kind == "judgement":
            self._judge(fact)

    def _add_actor(self, record_id: str) -> None:
        if not self.sees(record_id) or record_id in self.order:
            return
        # The same in every view; reference list entries after every record, so that an
        # entity keeps the id and name of its earliest actor record however the lists and
        # the records arrived (a restarted index reads the records first).
        self.order[record_id] = self.index.arrival[record_id] + (
            REFERENCE_LAST if self.index.held[record_id].reference else 0)
        self._place(record_id)
        for version in self.index.versions(record_id):  # edges that named it, or earlier
            for edge in self.pending.pop(version, ()):
                self._add_edge(edge)

    def _place(self, record_id: str) -> None:
        """An actor record of the view into its cluster's node."""
        held, actor = self.index.held[record_id], self.index.actors[record_id]
        node = self._node(self.clusters.find(record_id))
        node["members"].append(record_id)
        if not held.reference:  # a list entry is reported by no agency
            node["agencies"].add(held.origin)
        node["countries"].update(actor.profile.countries)
        node[LISTED].update(actor.listings)
        node["kinds"].add(actor.profile.kind)
        if self.order[record_id] < node.get("first", math.inf):
            node["first"], node["name"] = self.order[record_id], actor.name

    def _node(self, root: str) -> dict[str, Any]:
        if root not in self.graph:
            self.graph.add_node(root, members=[], agencies=set(), countries=set(),
                                listings=set(), kinds=set(), roles=set(), violations=set())
        return self.graph.nodes[root]

    def _match(self, match: Match) -> None:
        if not (match.a in self.order and match.b in self.order):
            return
        if match.apart:
            self.clusters.keep_apart(match.a, match.b)
        else:
            self._join(match.a, match.b)

    def _pair(self, judgement: Judgement) -> frozenset[str]:
        return frozenset((self.index.latest(judgement.a), self.index.latest(judgement.b)))

    def _judge(self, judgement: Judgement) -> None:
        a, b = self.index.latest(judgement.a), self.index.latest(judgement.b)
        self.judged.add(frozenset((a, b)))
        if not (self.sees(judgement.record) and self.sees(a) and self.sees(b)):
            return
        self._add_actor(a)
        self._add_actor(b)
        if judgement.same:
            self._join(a, b)
        else:
            self.clusters.keep_apart(a, b)

    def _join(self, a: str, b: str) -> None:
        before = {self.clusters.find(a), self.clusters.find(b)}
        if len(before) == 1 or not self.clusters.join(a, b):
            return
        keep = self.clusters.find(a)
        (gone,) = before - {keep}
        merged, absorbed = self._node(keep), self.graph.nodes[gone]
        merged["members"] += absorbed["members"]
        merged["members"].sort(key=self.order.__getitem__)
        if absorbed["first"] < merged["first"]:
            merged["first"], merged["name"] = absorbed["first"], absorbed["name"]
        for key in ("agencies", "countries", LISTED, "kinds", "roles", "violations"):
            merged[key] |= absorbed[key]
        for neighbour, data in list(self.graph.adj[gone].items()):
            if neighbour != keep:
                self._merge_edge(keep, neighbour, data)
        self.graph.remove_node(gone)

    def _add_edge(self, edge: Edge) -> None:
        a, b = self.index.latest(edge.a), self.index.latest(edge.b)
        if not self.sees(edge.record):
            return
        missing = next((end for end in (a, b) if end not in self.order), None)
        if missing is not None:  # an actor that arrives later (sync order) or never here
            self.pending.setdefault(missing, []).append(edge)
            return
        ra, rb = self.clusters.find(a), self.clusters.find(b)
        told = self.index.held[edge.record]
        origin = told.origin
        if edge.kind == "violation":
            left, right = edge.detail.split(">")
            for root, role in ((ra, left), (rb, right)):
                node = self.graph.nodes[root]
                node["roles"].add(role)
                node["violations"].add(edge.record)
                node["agencies"].add(origin)
        if ra != rb:
            self._merge_edge(ra, rb, {"kinds": {edge.kind}, "details": {edge.detail},
                                      "records": {edge.record},
                                      "agencies": set() if told.reference else {origin}})

    def _merge_edge(self, a: str, b: str, data: dict[str, set[str]]) -> None:
        if self.graph.has_edge(a, b):
            held = self.graph.edges[a, b]
            for key, values in data.items():
                held[key] |= values
        else:
            self.graph.add_edge(a, b, **{key: set(values) for key, values in data.items()})

    # --- reading ----------------------------------------------------------------------------

    def entity_of(self, record_id: str) -> str | None:
        """The entity (node) of an actor record the viewer may see, any version of it."""
        latest = self.index.latest(record_id)
        return self.clusters.find(latest) if latest in self.order else None

    def entity(self, node: str) -> dict[str, Any]:
        """A node as the API shows it."""
        data = self.graph.nodes[node]
        return {"id": node, "name": data.get("name", ""), "members": list(data["members"]),
                "agencies": sorted(data["agencies"]), "countries": sorted(data["countries"]),
                "listings": sorted(data[LISTED]), "roles": sorted(data["roles"]),
                "violations": len(data["violations"])}
