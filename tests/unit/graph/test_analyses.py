"""Each graph analysis on small hand-built graphs whose answers are known."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from enforce_share.graph import analyses
from enforce_share.graph.picture import draw


def entity(graph: nx.Graph, node: str, agencies: str = "GBR", countries: str = "",
           roles: str = "", listings: str = "", violations: str = "") -> None:
    graph.add_node(node, name=node.title(), members=[node], agencies=set(agencies.split()),
                   countries=set(countries.split()), roles=set(roles.split()),
                   listings=set(filter(None, listings.split(","))), kinds={"company"},
                   violations=set(violations.split()))


def link(graph: nx.Graph, a: str, b: str, kind: str = "violation", agency: str = "GBR") -> None:
    graph.add_edge(a, b, kinds={kind}, details={kind}, records={f"r-{a}-{b}"}, agencies={agency})


@pytest.fixture
def network() -> nx.Graph:
    """exporter(US) - forwarder(AM) - consignee(RU, listed); a UK-only pair; a lone actor."""
    graph = nx.Graph()
    entity(graph, "exporter", "USA", "US", "exporter", violations="v1")
    entity(graph, "forwarder", "GBR CAN", "AM", "freight_forwarder", violations="v1 v2")
    entity(graph, "consignee", "CAN", "RU", "consignee end_user", "Entity List",
           violations="v2")
    entity(graph, "pair-a", "GBR", "TR", "exporter", violations="v3")
    entity(graph, "pair-b", "GBR", "TR", "consignee", violations="v3")
    entity(graph, "lone", "AUS", "AE")
    link(graph, "exporter", "forwarder")
    link(graph, "forwarder", "consignee")
    link(graph, "pair-a", "pair-b")
    return graph


def test_clusters_keep_groups_two_agencies_reported_and_rank_them(network) -> None:
    found = analyses.cross_jurisdiction_clusters(network)
    assert [c["entities"] for c in found] == [["consignee", "exporter", "forwarder"]]
    (top,) = found
    assert top["agencies"] == ["CAN", "GBR", "USA"] and top["violations"] == 2
    assert top["listed"] == ["consignee"]
    assert len(analyses.cross_jurisdiction_clusters(network, min_agencies=1)) == 3
    entity(network, "x", "NZL AUS", "NZ")  # one entity, two agencies: a cluster of its own
    ranked = analyses.cross_jurisdiction_clusters(network)
    assert [c["id"] for c in ranked] == ["consignee", "x"]  # 3 agencies before 2


def test_paths_lead_to_the_nearest_listed_entity_or_end_user(network) -> None:
    listed = analyses.listed_entities(network)
    assert listed == ["consignee"]
    assert analyses.paths_to(network, "exporter", listed) == [
        ["exporter", "forwarder", "consignee"]]
    assert analyses.paths_to(network, "exporter", listed, max_hops=1) == []
    assert analyses.paths_to(network, "pair-a", listed) == []  # not connected
    assert analyses.listed_entities(network, "sdn") == []
    assert analyses.end_users_in(network, "RU") == ["consignee"]
    assert analyses.paths_to(network, "forwarder", analyses.end_users_in(network, "RU")) == [
        ["forwarder", "consignee"]]


def test_hubs_are_forwarders_bridging_countries_by_betweenness() -> None:
    graph = nx.Graph()
    # a star: a forwarder (AE) between four traders of four countries, and a chain beside it
    entity(graph, "hub", "GBR", "AE", "freight_forwarder")
    for country in ("US", "RU", "CN", "TR"):
        entity(graph, country, "USA", country, "exporter")
        link(graph, "hub", country)
    entity(graph, "small", "CAN", "AE", "intermediary")
    entity(graph, "end", "CAN", "AE", "consignee")
    link(graph, "US", "small")
    link(graph, "small", "end")
    found, method = analyses.hubs(graph)
    assert [hub["id"] for hub in found] == ["hub", "small"]
    assert found[0]["betweenness"] > found[1]["betweenness"] > 0
    assert found[0]["countries"] == ["AE", "CN", "RU", "TR", "US"]
    assert "exact" in method
    # the same ranking from sampled pivots once a component is larger than the exact limit
    exact = {hub["id"]: hub["betweenness"] for hub in found}
    limits = analyses.EXACT_UP_TO, analyses.PIVOTS
    try:
        analyses.EXACT_UP_TO, analyses.PIVOTS = 3, 5
        sampled, method = analyses.hubs(graph)
    finally:
        analyses.EXACT_UP_TO, analyses.PIVOTS = limits
    assert "sampled" in method and sampled[0]["id"] == "hub"
    assert sampled[0]["betweenness"] == pytest.approx(exact["hub"], rel=0.5)


def test_many_small_components_score_as_each_alone() -> None:
    """Betweenness of every small component in one call equals taking each on its own (a
    call per component cost the whole graph each time: 70,000 entities timed out)."""
    graph, rng = nx.Graph(), random.Random(3)
    countries = ("US", "RU", "AE", "TR", "CN", "AM")
    for component in range(60):
        size = rng.randint(3, 9)
        names = [f"c{component}n{i}" for i in range(size)]
        for name in names:
            entity(graph, name, "GBR", rng.choice(countries),
                   rng.choice(("freight_forwarder", "intermediary", "exporter")))
        for i in range(1, size):  # a random tree, and a chord or two
            link(graph, names[i], names[rng.randrange(i)])
        for _ in range(rng.randint(0, 2)):
            a, b = rng.sample(names, 2)
            link(graph, a, b)
    graph.graph["version"] = 1
    found, method = analyses.hubs(graph, limit=1000)
    assert "exact" in method and len(found) > 20
    shape = analyses.shape_of(graph)
    scale = 1.0 / ((len(shape.nodes) - 1) * (len(shape.nodes) - 2) / 2)
    alone = {}
    for component in shape.igraph.connected_components():
        values = shape.igraph.betweenness(vertices=component, directed=False,
                                          sources=component, targets=component)
        alone.update({shape.nodes[v]: round(value * scale, 6)
                      for v, value in zip(component, values, strict=True)})
    assert {hub["id"]: hub["betweenness"] for hub in found} == {
        hub["id"]: alone[hub["id"]] for hub in found}


def test_a_hub_must_bridge_two_countries() -> None:
    graph = nx.Graph()
    for node in ("a", "b", "c"):
        entity(graph, node, "GBR", "AE", "freight_forwarder" if node == "b" else "exporter")
    link(graph, "a", "b")
    link(graph, "b", "c")
    assert analyses.hubs(graph)[0] == []


def test_neighbourhood_holds_what_is_within_k_hops(network) -> None:
    near = analyses.neighbourhood(network, "exporter", hops=1)
    assert sorted(near) == ["exporter", "forwarder"]
    assert sorted(analyses.neighbourhood(network, "exporter", hops=2)) == [
        "consignee", "exporter", "forwarder"]
    body = analyses.as_json(near, "exporter")
    assert body["centre"] == "exporter"
    assert [(e["a"], e["b"]) for e in body["edges"]] == [("exporter", "forwarder")]


def test_the_picture_shows_every_reporting_agency_and_is_stable(network) -> None:
    svg = draw(network, "forwarder", "svg", "Test network")
    text = svg.decode()
    assert text.startswith("<?xml") and "<svg" in text
    for agency in ("USA", "CAN", "GBR", "AUS", "several agencies"):
        assert agency in text  # the legend
    assert draw(network, "forwarder", "svg", "Test network") == svg
    png = draw(network, "forwarder", "png")
    assert png.startswith(b"\x89PNG") and draw(network, "forwarder", "png") == png


@pytest.mark.parametrize("name", [r"$\frac{1}{0$ Trading", "Price $5 and $6 LLC", "$x^2$"])
def test_a_name_with_dollar_signs_is_drawn_as_written(network, name: str) -> None:
    """matplotlib reads ``$...$`` as mathematics: a crafted actor name broke every picture
    and brief that showed it (HTTP 500)."""
    network.nodes["forwarder"]["name"] = name
    svg = draw(network, "forwarder", "svg", f"Case {name}").decode()
    assert name in svg  # the label as written (matplotlib keeps each text in a comment)
    assert "Oblique" not in svg and "Italic" not in svg  # not set as mathematics
    assert draw(network, "forwarder", "png").startswith(b"\x89PNG")


def test_a_graph_is_converted_once_per_version(network: nx.Graph) -> None:
    assert analyses.shape_of(network) is not analyses.shape_of(network)  # no version: fresh
    network.graph["version"] = 1
    first = analyses.shape_of(network)
    assert analyses.shape_of(network) is first
    entity(network, "late", "NZL", "KG")
    link(network, "late", "lone")
    network.graph["version"] = 2  # as a view does when it changes
    assert "late" in analyses.shape_of(network).nodes and "late" not in first.nodes
    lone = next(c for c in analyses.cross_jurisdiction_clusters(network, 2)
                if "lone" in c["entities"])
    assert lone["entities"] == ["late", "lone"] and lone["agencies"] == ["AUS", "NZL"]
