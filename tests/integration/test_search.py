"""GET /api/v1/search and `enforce-share search`: every filter, ranking, pages while records
arrive, names across scripts, markings on results and facets, saved searches, on both DBs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, text

import enforce_share.node as node_module
from enforce_share.cli import main
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.ingest import ingest
from enforce_share.records.models import Record
from enforce_share.records.queries import signed
from enforce_share.search.models import SearchDoc
from enforce_share.search.query import Query

from ..conftest import client_as, token_for
from ..factories import MARKING, DraftFactory

GREEN = {"tlp": "green", "releasable_to": ["GBR", "USA"]}


@dataclass
class Corpus:
    """Named records of a GBR node: three actors, two violations, a trend, a case, a link."""

    ids: dict[str, str]

    def names(self, items: list[dict[str, Any]]) -> set[str]:
        by_id = {record_id: name for name, record_id in self.ids.items()}
        return {by_id.get(item["record"]["id"], item["record"]["id"]) for item in items}


@pytest.fixture
def corpus(node: Node, drafts: DraftFactory) -> Corpus:
    ids: dict[str, str] = {}

    def add(name: str, draft: Draft) -> None:
        (row,) = node.add_records([draft])
        ids[name] = row.id

    add("A", drafts("actor"))  # Tekhno Treyd LLC, alias ООО ТЕХНО ТРЕЙД, AM
    add("B", drafts("actor", name="ТЕХНО ТРЕЙД", aliases=[], countries=["RU"], addresses=[]))
    add("C", drafts("actor", name="Alanwick Instruments Inc.", aliases=[], countries=["US"],
                    addresses=[], notes="Distributor of electronic components."))
    add("V1", drafts("violation", parties=[{"actor": ids["A"], "role": "exporter"}]))
    add("V2", drafts("violation", GREEN, title="Thermal imaging cameras shipped through Türkiye",
                     summary="Camera cores re-exported to Russia by a Turkish freight agent.",
                     detected_on="2025-06-01", violation_types=["false_end_use_certification"],
                     items=[{"hs_code": "852589", "eccn": "6A993.a",
                             "description": "thermal camera cores"}],
                     route=["GB", "TR", "RU"], red_flags=[],
                     enforcement_actions=[{"kind": "penalty", "date": "2025-09-01"}],
                     parties=[{"actor": ids["C"], "role": "exporter"}]))
    add("T1", drafts("procurement_trend"))  # 854231/854239, KG KZ -> RU, since 2024-01-01
    add("K1", drafts("case", records=[ids["V1"], ids["A"]]))
    add("L1", Draft("link", MARKING, {
        "from": ids["A"], "to": ids["B"], "relation": "same_as", "evidence": [ids["V1"]]}))
    return Corpus(ids)


def found(client, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("query, expected", [
    ("type=actor", {"A", "B", "C"}),
    ("type=case&type=link", {"K1", "L1"}),
    ("origin=GBR&type=procurement_trend", {"T1"}),
    ("origin=USA", set()),
    ("country=AM", {"A", "V1"}),
    ("country=TR", {"V2"}),
    ("country=KZ", {"T1"}),
    ("country=RU", {"B", "V1", "V2", "T1"}),
    ("country=AM&country=TR", {"A", "V1", "V2"}),
    ("hs=8542", {"V1", "T1"}),
    ("hs=854239", {"T1"}),
    ("hs=85", {"V1", "V2", "T1"}),
    ("eccn=3A991", {"V1"}),
    ("eccn=6a993.a", {"V2"}),
    ("violation_type=transshipment", {"V1"}),
    ("violation_type=false_end_use_certification", {"V2"}),
    ("method=freight_forwarder_abuse", {"T1"}),
    ("action=penalty", {"V2"}),
    ("action=detention&action=penalty", {"V1", "V2"}),
    ("tlp=green", {"V2"}),
    ("from=2025-05-01&to=2025-06-30", {"V2"}),  # detected on
    ("from=2026-03-15&to=2026-03-25", {"V1"}),  # the detention's date
    ("from=2024-01-01&to=2024-01-01", {"T1"}),  # the trend's period
    ("case={K1}", {"K1", "V1", "A"}),
    ("actor={A}", {"A", "V1", "L1"}),
    ("actor={B}", {"B", "L1"}),
    ("actor=Alanwick+Instruments", {"C", "V2"}),
    ("name=Techno+Trade", {"A", "B"}),
    ("name=Tekhno-Treyd", {"A", "B"}),
    ("name=Техно+Трейд", {"A", "B"}),
    ("q=thermal+imaging", {"V2"}),
    ("q=%22diverted+to+russia%22", {"V1"}),
    ("q=cameras+OR+microcontrollers", {"V1", "V2"}),
    ("q=russia+-thermal", {"V1"}),
    ("q=yerevan", {"A", "V1"}),  # an address; a title
    ("q=Tekhno-Treyd", {"A"}),
    ("type=violation&country=RU&hs=8542", {"V1"}),
    ("country=RU&from=2025-01-01&to=2025-12-31&q=camera", {"V2"}),
])
def test_each_filter_finds_exactly_its_records(client, corpus, query, expected) -> None:
    page = found(client, query.format(**corpus.ids))
    assert corpus.names(page["items"]) == expected
    assert page["total"] == len(expected)


def test_created_dates_count_too(client, corpus, node) -> None:
    with node.reading() as session:
        created = session.scalar(select(Record.created).where(Record.id == corpus.ids["B"]))
    day = created[:10]  # B has no date of its own
    assert "B" in corpus.names(found(client, f"from={day}&to={day}&limit=200")["items"])
    assert "B" not in corpus.names(found(client, "to=2026-01-01&limit=200")["items"])


def test_newest_first_unless_relevance(client, corpus) -> None:
    items = found(client, "limit=200")["items"]
    names = [name for name in (corpus.names([item]).pop() for item in items)
             if name in corpus.ids]
    assert names == ["L1", "K1", "T1", "V2", "V1", "C", "B", "A"]
    oldest = found(client, "sort=oldest&limit=200")["items"]
    assert [item["record"]["id"] for item in oldest] == [item["record"]["id"]
                                                         for item in reversed(items)]


def test_a_title_match_ranks_above_a_newer_mention(client, corpus, node, drafts) -> None:
    node.add_records([drafts("violation", title="Lathes to Belarus",
                             summary="Found with thermal imaging goggles in the same crate.")])
    items = found(client, "q=thermal+imaging")["items"]
    assert [item["record"]["body"]["title"] for item in items] == [
        "Thermal imaging cameras shipped through Türkiye", "Lathes to Belarus"]
    assert [item["score"] for item in items] == [1.0, 0.5]
    newest = found(client, "q=thermal+imaging&sort=newest")["items"]
    assert newest[0]["record"]["body"]["title"] == "Lathes to Belarus"


def test_the_closest_spelling_ranks_first(client, corpus, node, drafts) -> None:
    node.add_records([drafts("actor", name="Tekno Treid Ltd", aliases=[])])
    items = found(client, "name=Tekhno+Treyd")["items"]
    names = [item["record"]["body"]["name"] for item in items]
    assert names[-1] == "Tekno Treid Ltd" and len(names) == 3
    assert items[0]["score"] == 1.0 > items[-1]["score"] >= 0.75
    assert found(client, "name=Alanwick")["total"] == 1
    assert found(client, "name=Nonexistent+Trading")["total"] == 0


def test_results_carry_signed_records_verified_and_facets(client, corpus) -> None:
    page = found(client, "type=violation")
    item = page["items"][0]
    assert set(item) == {"record", "jws", "verified", "score"} and item["verified"] is True
    assert item["jws"].count(".") == 2 and item["record"]["origin"] == "GBR"
    month = item["record"]["created"][:7]
    assert page["facets"] == {
        "origin": {"GBR": 2}, "type": {"violation": 2},
        "country": {"AM": 1, "GB": 1, "RU": 2, "TR": 1, "US": 1},
        "hs_chapter": {"85": 2}, "month": {month: 2},
    }


def test_pages_neither_repeat_nor_skip_while_records_arrive(client, corpus, node,
                                                            drafts) -> None:
    before = {item["record"]["id"] for item in found(client, "limit=200")["items"]}
    for query in ("", "sort=oldest&", "q=tekhno+OR+thermal+OR+tier&", "name=Tekhno+Treyd&"):
        seen: list[str] = []
        cursor = None
        while True:
            page = found(client, f"{query}limit=2" + (f"&cursor={cursor}" if cursor else ""))
            seen += [item["record"]["id"] for item in page["items"]]
            if len(seen) < 12:  # (oldest first, arrivals join the end: paging would not end)
                node.add_records([drafts.unique_actor(), drafts("actor", name="Tekhno Treyd 2")])
            cursor = page["next"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), query
        expected = {rid for rid in before if rid in {
            item["record"]["id"] for item in found(client, f"{query}limit=200")["items"]}}
        assert expected <= set(seen), query


@pytest.mark.parametrize("query, field", [
    ("hs=85x", "hs"), ("country=XX", "country"), ("from=2026-02-30", "from"),
    ("from=2026-02-01&to=2026-01-01", "to"), ("limit=0", "limit"), ("limit=201", "limit"),
    ("type=key", "type"), ("q=-thermal", "q"), ("q=%22%22", "q"), ("cursor=bogus", "cursor"),
    ("case=not-an-id", "case"), ("eccn=ZZ", "eccn"), ("sort=best", "sort"),
    ("unknown=1", "unknown"),
])
def test_bad_queries_name_the_field(client, corpus, query, field) -> None:
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


def test_a_cursor_belongs_to_its_query(client, corpus) -> None:
    cursor = found(client, "type=actor&limit=1")["next"]
    assert found(client, f"type=actor&limit=1&cursor={cursor}")["items"]
    response = client.get(f"/api/v1/search?type=violation&limit=1&cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.json["error"]["fields"]


def test_only_latest_versions_that_are_not_withdrawn(client, corpus, node, drafts) -> None:
    (newer,) = node.add_records([Draft("actor", MARKING, {
        **drafts("actor").body, "name": "Tekhno Treyd Group LLC"}, supersedes=corpus.ids["A"])])
    node.add_records([Draft("withdrawal", MARKING, {"target": corpus.ids["C"],
                                                    "reason": "Mistaken identity."})])
    actors = {item["record"]["id"] for item in found(client, "type=actor")["items"]}
    assert actors == {newer.id, corpus.ids["B"]}
    by_old_id = {item["record"]["id"] for item in found(
        client, f"actor={corpus.ids['A']}")["items"]}  # V1 names the first version
    assert by_old_id == {newer.id, corpus.ids["V1"], corpus.ids["L1"]}
    assert found(client, "name=Alanwick")["total"] == 0
    assert found(client, "q=distributor")["total"] == 0


# -- markings -------------------------------------------------------------------------------

def relay_usa(node: Node, partner: Node, drafts: DraftFactory, marks: list[dict]) -> None:
    """USA writes an actor per marking; GBR stores them all, released to it or not."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    partner.add_records([drafts("actor", mark, name="Zephyr Components Ltd", aliases=[],
                                notes="Seen in Yerevan.") for mark in marks])
    with partner.reading() as session:
        log = [signed(row) for row in session.scalars(select(Record).order_by(Record.seq))]
    with node.transaction() as session:
        ingest(session, node.registry(), log, "GBR")


def test_results_and_facets_hold_only_what_the_caller_may_see(client, node, partner,
                                                              drafts) -> None:
    relay_usa(node, partner, drafts, [
        {"tlp": "green", "releasable_to": ["USA", "GBR"]},
        {"tlp": "amber", "releasable_to": ["USA"]},
        {"tlp": "red", "releasable_to": ["USA", "GBR"]},
    ])
    for query in ("name=Zephyr+Components", "q=zephyr", "origin=USA", "q=yerevan"):
        page = found(client, query)
        assert [item["record"]["marking"]["tlp"] for item in page["items"]] == ["green"], query
        assert page["total"] == 1
        assert page["facets"]["origin"] == {"USA": 1}
        assert page["facets"]["type"] == {"actor": 1}
    assert found(client, "tlp=amber&origin=USA")["facets"]["origin"] == {}
    assert found(client, "tlp=red")["total"] == 0


# -- the index ------------------------------------------------------------------------------

def test_records_stored_by_another_process_are_found(node, corpus, drafts) -> None:
    assert node.search(Query(name="Zephyr")).total == 0  # this process's bitmaps are filled
    other = Node(node.config)  # as the scheduler or a CLI import would
    try:
        other.add_records([drafts("actor", name="Zephyr Components Ltd")])
    finally:
        other.close()
    assert node.search(Query(name="Zephyr")).total == 1


def test_db_upgrade_indexes_records_stored_without_search(node, corpus) -> None:
    with node.transaction() as session:  # as a node upgraded from before search had them
        session.execute(delete(SearchDoc))
        session.execute(text("INSERT INTO search_text (search_text) VALUES ('delete-all')"
                             if node.engine.dialect.name == "sqlite"
                             else "DELETE FROM search_text"))
    empty = Node(node.config)
    assert empty.search(Query(type=("actor",))).total == 0
    empty.close()
    result = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), "db",
                                       "upgrade"])
    assert result.exit_code == 0, result.output
    assert "search index" in result.output
    fresh = Node(node.config)
    assert fresh.search(Query(type=("actor",))).total == 3
    assert fresh.search(Query(q="thermal")).total == 1
    fresh.close()


def test_the_cli_prints_a_table_or_the_json_page(node, corpus) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(node.config.data_dir), "search"]
    table = runner.invoke(main, [*base, "--q", "thermal imaging", "--country", "RU"])
    assert table.exit_code == 0, table.output
    assert "Thermal imaging cameras shipped through Türkiye" in table.output
    assert "1 found" in table.output and "country: GB 1, RU 1, TR 1" in table.output
    page = json.loads(runner.invoke(main, [*base, "--name", "Techno Trade", "--json"]).output)
    assert {item["record"]["id"] for item in page["items"]} == {corpus.ids["A"], corpus.ids["B"]}
    bad = runner.invoke(main, [*base, "--hs", "85x"])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "error: Invalid search (hs.0: HS code or prefix: 2 to 10 digits.)"]


# -- saved searches -------------------------------------------------------------------------

def test_saved_searches_show_what_is_new_since_the_last_look(app, client, node, corpus,
                                                             drafts) -> None:
    response = client.post("/api/v1/searches", json={"name": "Tekhno",
                                                     "query": {"name": "Tekhno Treyd"}})
    assert response.status_code == 201, response.json
    saved = response.json
    assert saved["query"] == {"name": "Tekhno Treyd", "limit": 50}
    results = f"/api/v1/searches/{saved['id']}/results"
    assert client.get(f"{results}?new=true").json["total"] == 0  # saving was a look
    (fresh,) = node.add_records([drafts("actor", name="Tekhno-Treyd Trading House")])
    node.add_records([drafts("actor", name="Front Company", aliases=[])])  # new, no match
    new = client.get(f"{results}?new=true").json
    assert [item["record"]["id"] for item in new["items"]] == [fresh.id]
    assert client.get(f"{results}?new=true").json["total"] == 0
    assert client.get(results).json["total"] == 3
    assert [s["name"] for s in client.get("/api/v1/searches").json] == ["Tekhno"]
    again = client.post("/api/v1/searches", json={"name": "Tekhno", "query": {}})
    assert again.status_code == 409 and "name" in again.json["error"]["fields"]

    other = client_as(app, token_for(node, "other", "analyst"))
    assert other.get(results).status_code == 404
    assert other.delete(f"/api/v1/searches/{saved['id']}").status_code == 404
    assert other.get("/api/v1/searches").json == []
    assert client.delete(f"/api/v1/searches/{saved['id']}").status_code == 204
    assert client.get(results).status_code == 404


@pytest.mark.parametrize("new", ["true", "false"])
def test_a_saved_search_deleted_while_it_runs_is_a_404(client, node, corpus, monkeypatch,
                                                       new) -> None:
    """``GET .../results`` racing ``DELETE`` failed its commit (StaleDataError): 500
    (issue 17). The other request's DELETE is made to land while the search runs."""
    saved = client.post("/api/v1/searches", json={"name": "Tekhno",
                                                  "query": {"name": "Tekhno Treyd"}}).json
    real_search = node_module.search

    def search_then_deleted(*args: Any, **kwargs: Any) -> Any:
        found = real_search(*args, **kwargs)
        assert client.delete(f"/api/v1/searches/{saved['id']}").status_code == 204
        return found

    monkeypatch.setattr(node_module, "search", search_then_deleted)
    response = client.get(f"/api/v1/searches/{saved['id']}/results?new={new}")
    assert response.status_code == 404 and "id" in response.json["error"]["fields"]
    monkeypatch.setattr(node_module, "search", real_search)
    kept = client.post("/api/v1/searches", json={"name": "Kept", "query": {"name": "Tekhno"}})
    assert client.get(f"/api/v1/searches/{kept.json['id']}/results").status_code == 200


def test_a_saved_search_must_be_a_valid_query(client) -> None:
    response = client.post("/api/v1/searches", json={"name": "x", "query": {"hs": ["8x"]}})
    assert response.status_code == 422
    assert "hs" in response.json["error"]["fields"]["query"]


def test_asking_the_same_text_again_finds_what_arrived_since(client, corpus, node,
                                                             drafts) -> None:
    assert found(client, "q=zephyr")["total"] == 0
    (first,) = node.add_records([drafts("actor", name="Zephyr Components Ltd", aliases=[])])
    assert [i["record"]["id"] for i in found(client, "q=zephyr")["items"]] == [first.id]
    (second,) = node.add_records([Draft("actor", MARKING, {
        **drafts("actor").body, "name": "Zephyr Components Group", "aliases": []},
        supersedes=first.id)])
    page = found(client, "q=zephyr+OR+distributor")
    assert [i["record"]["id"] for i in page["items"]] == [second.id, corpus.ids["C"]]
    assert [i["record"]["id"] for i in found(client, "q=zephyr")["items"]] == [second.id]


@pytest.mark.parametrize("query", ["name=Tekhno+Treyd", "q=tekhno+OR+yerevan+OR+thermal",
                                   "sort=oldest&type=actor", "hs=85"])
def test_pages_of_one_follow_the_order_of_one_page(client, corpus, node, drafts, query) -> None:
    node.add_records([drafts("actor", name=name, aliases=[]) for name in (
        "Tekno Treid Ltd", "Tekhno Treyd Group", "Tehno Trejd", "Techno Tread Yerevan")])
    whole = [item["record"]["id"] for item in found(client, f"{query}&limit=200")["items"]]
    paged, cursor = [], ""
    while cursor is not None:
        page = found(client, f"{query}&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        paged += [item["record"]["id"] for item in page["items"]]
        cursor = page["next"]
    assert paged == whole and len(whole) >= 2
