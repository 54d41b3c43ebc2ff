"""The actor graph over a node's records: entities across agencies, judgements, markings,
each analysis over HTTP, kept current as records arrive; on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from enforce_share.audit import trail
from enforce_share.cli import main
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft

from ..conftest import client_as, relay, token_for

SHARED = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}


def company(name: str, country: str, *identifiers: tuple[str, str], **more: Any) -> dict:
    return {"kind": "company", "name": name, "countries": [country],
            "identifiers": [{"scheme": s, "value": v} for s, v in identifiers], **more}


@pytest.fixture
def world(node: Node, partner: Node) -> dict[str, Any]:
    """GBR's and USA's reports of one diversion network, and a USA-only record."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids: dict[str, str] = {}

    def add(at: Node, name: str, type: str, body: dict, marking: dict = SHARED) -> None:
        (row,) = at.add_records([Draft(type=type, marking=marking, body=body)])
        ids[name] = row.id

    add(partner, "U1", "actor", company("Tekhno Treyd LLC", "AM", ("phone", "+374 10 555 123")))
    add(partner, "U2", "actor", company("Hidden Supplier GmbH", "DE"), USA_ONLY)
    add(partner, "UV", "violation", violation([(ids["U2"], "exporter"),
                                               (ids["U1"], "intermediary")]), USA_ONLY)
    add(node, "G1", "actor", company("ООО «ТЕХНО ТРЕЙД»", "AM", ("phone", "010 555123")))
    add(node, "G2", "actor", company("Pinnacle Export Partners", "US"))
    add(node, "G3", "actor", company("Orion Components", "RU",
                                     listings=[{"list": "Entity List"}]))
    add(node, "GV", "violation", violation([(ids["G2"], "exporter"), (ids["G1"], "intermediary"),
                                            (ids["G3"], "consignee")]))
    relay(node, partner)
    return ids


def violation(parties: list[tuple[str, str]]) -> dict:
    return {"title": "MCUs to Russia via Yerevan", "summary": "Re-exported without licence.",
            "status": "confirmed", "detected_on": "2026-03-14",
            "violation_types": ["reexport_diversion"],
            "parties": [{"actor": actor, "role": role} for actor, role in parties]}


@pytest.fixture
def api(app, node: Node):
    return client_as(app, token_for(node, "analyst", "analyst"))


def test_one_front_company_reported_by_two_agencies_is_one_entity(world, api) -> None:
    items = api.get("/api/v1/entities?min_agencies=2").get_json()["items"]
    assert [sorted(item["members"]) for item in items] == [sorted([world["U1"], world["G1"]])]
    (entity,) = items
    assert entity["agencies"] == ["GBR", "USA"] and entity["id"] == world["G1"]  # earliest here
    assert entity["roles"] == ["intermediary"] and entity["violations"] == 1  # GV only
    everything = api.get("/api/v1/entities").get_json()["items"]
    assert len(everything) == 3  # U1+G1, G2, G3: U2 is not GBR's to see
    assert world["U2"] not in str(everything)


def test_matches_say_why(world, api) -> None:
    (match,) = api.get(f"/api/v1/actors/{world['G1']}/matches").get_json()
    assert match["actor"] == world["U1"] and match["accepted"]
    assert match["features"]["contacts_shared"] == ["phone:+37410555123"]
    assert match["features"]["name"] == 1.0  # ТЕХНО ТРЕЙД = Tekhno Treyd
    assert api.get(f"/api/v1/actors/{world['U2']}/matches").status_code == 404


def test_judgements_override_the_scorer_both_ways(world, api, node: Node) -> None:
    node.add_records([Draft(type="link", marking=SHARED, body={
        "from": world["G1"], "to": world["U1"], "relation": "not_same_as"})])
    items = api.get("/api/v1/entities?min_agencies=2").get_json()["items"]
    assert items == []  # kept apart though names and phone agree
    node.add_records([Draft(type="link", marking=SHARED, body={
        "from": world["G2"], "to": world["G3"], "relation": "same_as"})])
    merged = [item for item in api.get("/api/v1/entities").get_json()["items"]
              if world["G2"] in item["members"]]
    assert sorted(merged[0]["members"]) == sorted([world["G2"], world["G3"]])


def test_clusters_paths_and_hubs(world, api) -> None:
    (cluster,) = api.get("/api/v1/graph/clusters").get_json()
    assert cluster["agencies"] == ["GBR", "USA"] and cluster["violations"] == 1
    assert cluster["listed"] == [world["G3"]]
    (path,) = api.get(f"/api/v1/graph/paths?from={world['G2']}").get_json()["paths"]
    assert [step["id"] for step in path] == [world["G2"], world["G1"], world["G3"]]
    assert path[1]["via"]["details"] == ["exporter>intermediary"]
    assert path[2]["via"]["records"] == [world["GV"]]
    to_ru = api.get(f"/api/v1/graph/paths?from={world['G2']}&to=end_user&country=RU")
    assert [step["id"] for step in to_ru.get_json()["paths"][0]] == [
        world["G2"], world["G1"], world["G3"]]
    assert api.get(f"/api/v1/graph/paths?from={world['G2']}&to=end_user&country=CN"
                   ).get_json()["paths"] == []
    hubs = api.get("/api/v1/graph/hubs").get_json()
    assert [hub["id"] for hub in hubs["hubs"]] == [world["G1"]]
    assert hubs["hubs"][0]["countries"] == ["AM", "RU", "US"] and "exact" in hubs["betweenness"]


def test_neighbourhood_as_json_and_pictures(world, api) -> None:
    body = api.get(f"/api/v1/graph/neighbourhood/{world['G3']}?hops=1").get_json()
    assert body["centre"] == world["G3"]
    assert sorted(node["id"] for node in body["nodes"]) == sorted([world["G1"], world["G3"]])
    assert world["U2"] not in str(body)  # its violation names U1, but GBR may not see it
    svg = api.get(f"/api/v1/graph/neighbourhood/{world['G3']}?format=svg")
    assert svg.mimetype == "image/svg+xml" and b"GBR" in svg.data and b"<svg" in svg.data
    png = api.get(f"/api/v1/graph/neighbourhood/{world['G3']}?format=png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/graph/neighbourhood/{G3}?hops=9", "hops"),
    ("/api/v1/graph/neighbourhood/{G3}?format=gif", "format"),
    ("/api/v1/graph/paths?from=nope", "from"),
    ("/api/v1/graph/paths?from={G2}&to=end_user", "country"),
    ("/api/v1/graph/hubs?limt=3", "limt"),
    ("/api/v1/entities?min_agencies=0", "min_agencies"),
])
def test_bad_parameters_name_their_field(world, api, url: str, field: str) -> None:
    response = api.get(url.format(**world))
    assert response.status_code == 422, response.get_json()
    assert field in str(response.get_json())


def test_unknown_and_unseen_actors_are_not_found(world, api) -> None:
    for record_id in (world["U2"], "4f0b8f7e-1111-4222-8333-944445555666", world["GV"]):
        assert api.get(f"/api/v1/graph/neighbourhood/{record_id}").status_code == 404
        assert api.get(f"/api/v1/graph/paths?from={record_id}").status_code == 404


def test_a_viewer_sees_only_what_is_released_to_it(world, node: Node) -> None:
    mine = node.graph_view("GBR")
    assert world["U2"] not in mine.order and mine.entity_of(world["U2"]) is None
    as_usa = node.graph_view("USA")  # what USA's users would see of these records
    assert as_usa.entity_of(world["U2"]) == world["U2"]
    assert as_usa.graph.has_edge(world["U2"], as_usa.entity_of(world["U1"]))
    as_can = node.graph_view("CAN")
    assert len(as_can.graph) == 0  # nothing here is released to Canada


def test_the_graph_follows_new_records_without_a_rebuild(world, api, node: Node) -> None:
    before = node.graph_view()
    index, events = node.actor_graph.index, len(node.actor_graph.index.events)
    (renamed,) = node.add_records([Draft(type="actor", marking=SHARED, body=company(
        "Tekhno-Treyd", "AM", ("phone", "+37410555123")))])
    after = node.graph_view()
    assert after is before and node.actor_graph.index is index
    assert len(index.events) > events
    assert after.entity_of(renamed.id) == world["G1"]
    (supersede,) = node.add_records([Draft(type="actor", marking=SHARED, supersedes=world["G3"],
                                           body=company("Orion Components", "KZ"))])
    view = node.graph_view()
    assert view.entity_of(world["G3"]) == view.entity_of(supersede.id) == supersede.id
    (path,) = api.get(f"/api/v1/graph/paths?from={world['G2']}&to=end_user&country=KZ"
                      ).get_json()["paths"]
    assert path[-1]["id"] == supersede.id  # the violation names the earlier version


def test_resolve_and_graph_commands(world, node: Node) -> None:
    runner = CliRunner()
    home = ["--data-dir", str(node.config.data_dir)]
    result = runner.invoke(main, [*home, "resolve"])
    assert result.exit_code == 0, result.output
    assert "4 actor records" in result.output and "3 entities" in result.output
    assert "1 reported by two agencies or more" in result.output
    result = runner.invoke(main, [*home, "graph", "clusters"])
    assert result.exit_code == 0 and "GBR, USA" in result.output
    result = runner.invoke(main, [*home, "graph", "paths", world["G2"]])
    assert result.exit_code == 0 and "Orion Components" in result.output
    result = runner.invoke(main, [*home, "graph", "hubs"])
    assert result.exit_code == 0 and "ТЕХНО ТРЕЙД" in result.output
    out = node.config.data_dir / "n.svg"
    result = runner.invoke(main, [*home, "graph", "neighbourhood", world["G3"], "--out",
                                  str(out)])
    assert result.exit_code == 0 and out.read_bytes().startswith(b"<?xml")
    result = runner.invoke(main, [*home, "graph", "paths", world["U2"]])
    assert result.exit_code != 0 and result.output.count("\n") == 1
    with node.reading() as session:  # each command that read the graph left its entry
        actions = [entry.action for entry in trail.entries(session, limit=100)]
    assert {"resolve", "graph clusters", "graph paths", "graph hubs",
            "graph neighbourhood"} <= set(actions)


def test_the_latest_judgement_of_a_pair_wins(world, api, node: Node) -> None:
    def judge(relation: str) -> None:
        node.add_records([Draft(type="link", marking=SHARED, body={
            "from": world["G1"], "to": world["U1"], "relation": relation})])

    def together() -> bool:
        view = node.graph_view()
        return view.entity_of(world["G1"]) == view.entity_of(world["U1"])

    assert together()
    judge("not_same_as")
    assert not together()
    judge("same_as")  # the analyst changed their mind
    assert together()
    judge("not_same_as")
    assert not together()
