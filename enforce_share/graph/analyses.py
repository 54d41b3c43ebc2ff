"""Analyses of an actor graph: plain functions of a networkx graph whose nodes are entities.

Nodes carry ``agencies`` (who reported them), ``countries``, ``listings``, ``roles`` (in
violations) and ``violations`` (record ids); edges carry ``kinds``, ``details``, ``records``
and ``agencies``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import networkx as nx

if TYPE_CHECKING:
    import igraph as ig

#: Components up to this size get exact betweenness; larger ones a sample of this many
#: source nodes (Brandes' algorithm from sampled pivots).
EXACT_UP_TO = 2000
PIVOTS = 50
HUB_ROLES = frozenset({"intermediary", "freight_forwarder"})


@dataclass(frozen=True)
class Shape:
    """A graph's nodes numbered and its edges in igraph (C), for whole-graph analyses."""

    nodes: list[str]
    igraph: ig.Graph


#: Shapes of graphs that carry a ``version`` (views bump it on every change), so clusters
#: and hubs of one unchanged view convert it once.
_SHAPES: WeakKeyDictionary[nx.Graph, tuple[Any, Shape]] = WeakKeyDictionary()


def shape_of(graph: nx.Graph) -> Shape:
    """``graph`` in igraph, reused while the graph's ``version`` stays the same."""
    version = graph.graph.get("version")
    held = _SHAPES.get(graph)
    if version is not None and held is not None and held[0] == version:
        return held[1]
    import igraph as ig  # here, not at import: it loads matplotlib's pyplot (0.5 s a process)

    nodes = list(graph)
    number = {node: i for i, node in enumerate(nodes)}
    shape = Shape(nodes, ig.Graph(n=len(nodes), edges=[(number[a], number[b])
                                                       for a, b in graph.edges]))
    if version is not None:
        _SHAPES[graph] = (version, shape)
    return shape


def cross_jurisdiction_clusters(graph: nx.Graph, min_agencies: int = 2,
                                limit: int = 50) -> list[dict[str, Any]]:
    """Connected groups of entities reported by ``min_agencies`` agencies or more, ranked
    by agencies, then violations, then listed entities they touch."""
    shape = shape_of(graph)
    found = []
    for members in shape.igraph.connected_components():
        component = [shape.nodes[vertex] for vertex in members]
        nodes = [graph.nodes[node] for node in component]
        agencies = set().union(*(node["agencies"] for node in nodes))
        if len(agencies) < min_agencies:
            continue
        violations = set().union(*(node["violations"] for node in nodes))
        listed = sorted(node for node, data in zip(component, nodes, strict=True)
                        if data["listings"])
        found.append({
            "id": min(component), "entities": sorted(component), "agencies": sorted(agencies),
            "violations": len(violations), "listed": listed,
            "countries": sorted(set().union(*(node["countries"] for node in nodes))),
        })
    found.sort(key=lambda c: (-len(c["agencies"]), -c["violations"], -len(c["listed"]),
                              -len(c["entities"]), c["id"]))
    return found[:limit]


def paths_to(graph: nx.Graph, source: str, targets: Iterable[str], max_hops: int = 6,
             limit: int = 10) -> list[list[str]]:
    """Shortest paths (each a list of nodes) from ``source`` to the nearest ``targets``."""
    wanted = set(targets) - {source}
    lengths, paths = nx.single_source_shortest_path_length(graph, source, cutoff=max_hops), {}
    reached = sorted((lengths[node], node) for node in wanted if node in lengths)[:limit]
    if reached:
        paths = nx.single_source_shortest_path(graph, source, cutoff=reached[-1][0])
    return [paths[node] for _, node in reached]


def listed_entities(graph: nx.Graph, list_name: str | None = None) -> list[str]:
    """Entities on a list (any, or those whose list name contains ``list_name``)."""
    needle = (list_name or "").lower()
    return [node for node, data in graph.nodes(data=True)
            if any(needle in name.lower() for name in data["listings"])]


def end_users_in(graph: nx.Graph, country: str) -> list[str]:
    """Entities seen as end user or consignee, of ``country``."""
    return [node for node, data in graph.nodes(data=True)
            if data["roles"] & {"end_user", "consignee"} and country in data["countries"]]


def hubs(graph: nx.Graph, limit: int = 20, seed: int = 7) -> tuple[list[dict[str, Any]], str]:
    """Intermediaries and freight forwarders that bridge jurisdictions, by betweenness.

    Betweenness (Brandes, computed by igraph in C) is taken per connected component holding
    a hub candidate and normalised over the whole graph: exactly for components of up to
    ``EXACT_UP_TO`` nodes; from ``PIVOTS`` sampled source nodes, scaled by n/k, for larger
    ones. A hub must link neighbours in two countries or more. Returns the hubs and how
    betweenness was computed.
    """
    converted = shape_of(graph)
    nodes, shape = converted.nodes, converted.igraph
    candidates = {vertex for vertex, node in enumerate(nodes)
                  if graph.nodes[node]["roles"] & HUB_ROLES}
    scale = 1.0 / max((len(nodes) - 1) * (len(nodes) - 2) / 2, 1)
    rng = random.Random(seed)
    scores: dict[int, float] = {}
    small: list[int] = []  # the vertices of every component taken exactly, in one call
    large: list[list[int]] = []
    for component in shape.connected_components():
        if len(component) < 3 or candidates.isdisjoint(component):
            continue
        (small.extend if len(component) <= EXACT_UP_TO else large.append)(component)
    # A shortest path never leaves its component, so one call whose sources and targets are
    # the small components' vertices gives each its betweenness within its own component;
    # a call per component cost the whole graph's size each time (quadratic in components:
    # 70,000 entities timed out).
    runs = [(small, small, 1.0)] if small else []
    runs += [(component, rng.sample(component, PIVOTS), len(component) / PIVOTS)
             for component in large]
    for vertices, sources, factor in runs:
        values = shape.betweenness(vertices=vertices, directed=False, sources=sources,
                                   targets=vertices)
        for vertex, value in zip(vertices, values, strict=True):
            if vertex in candidates:
                scores[vertex] = value * factor * scale
    sampled = len(large)
    found = []
    for vertex, score in scores.items():
        node = nodes[vertex]
        data = graph.nodes[node]
        countries = set().union(data["countries"],
                                *(graph.nodes[n]["countries"] for n in graph.adj[node]))
        if score <= 0 or len(countries) < 2:
            continue
        found.append({"id": node, "name": data.get("name", ""), "betweenness": round(score, 6),
                      "roles": sorted(data["roles"] & HUB_ROLES), "degree": graph.degree(node),
                      "countries": sorted(countries), "agencies": sorted(data["agencies"])})
    found.sort(key=lambda hub: (-hub["betweenness"], hub["id"]))
    method = ("exact (Brandes) per component" if not sampled else
              f"exact up to {EXACT_UP_TO} nodes per component, else {PIVOTS} sampled "
              f"sources scaled by n/k ({sampled} component(s))")
    return found[:limit], method


def neighbourhood(graph: nx.Graph, node: str, hops: int = 2, max_nodes: int = 200) -> nx.Graph:
    """The entities within ``hops`` of ``node`` (the nearest ``max_nodes``)."""
    lengths = nx.single_source_shortest_path_length(graph, node, cutoff=hops)
    nearest = sorted(lengths, key=lambda n: (lengths[n], n))[:max_nodes]
    return graph.subgraph(nearest).copy()


def as_json(graph: nx.Graph, centre: str | None = None) -> dict[str, Any]:
    """Nodes and edges of a (small) graph as plain JSON."""
    return {
        "centre": centre,
        "nodes": [{"id": node, "name": data.get("name", ""), "agencies": sorted(data["agencies"]),
                   "countries": sorted(data["countries"]), "listings": sorted(data["listings"]),
                   "roles": sorted(data["roles"]), "members": list(data["members"])}
                  for node, data in sorted(graph.nodes(data=True))],
        "edges": [{"a": a, "b": b, "kinds": sorted(data["kinds"]),
                   "details": sorted(data["details"]), "records": sorted(data["records"]),
                   "agencies": sorted(data["agencies"])}
                  for (a, b), data in sorted(
                      (tuple(sorted(pair)), graph.edges[pair]) for pair in graph.edges)],
    }


def from_json(data: dict[str, Any]) -> nx.Graph:
    """The graph ``as_json`` wrote, its node and edge attributes as sets again."""
    graph = nx.Graph()
    for node in data["nodes"]:
        graph.add_node(node["id"], name=node["name"], members=list(node["members"]),
                       **{key: set(node[key]) for key in ("agencies", "countries", "listings",
                                                          "roles")})
    for edge in data["edges"]:
        graph.add_edge(edge["a"], edge["b"], **{key: set(edge[key]) for key in (
            "kinds", "details", "records", "agencies")})
    return graph
