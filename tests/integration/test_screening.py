"""Screening end to end: parties against shared actors and list entries, each red flag raised
by the records that say so, and nothing the caller's agency may not see ever shown or counted."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from enforce_share.app import create_app
from enforce_share.cli import main
from enforce_share.lists import service as lists
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.screening import request as screening_request
from enforce_share.screening.service import screen

from ..conftest import client_as, postgresql_is_slow, relay, token_for
from ..unit.lists import DATA, FIXTURES

WIDE = {"tlp": "green", "releasable_to": ["GBR", "USA", "CAN"]}
USA_SHARED = {"tlp": "amber", "releasable_to": ["USA", "GBR"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}


def company(name: str, country: str, *identifiers: tuple[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "company", "name": name, "countries": [country]}
    if identifiers:
        body["identifiers"] = [{"scheme": s, "value": v} for s, v in identifiers]
    return body


def violation(title: str, parties: list[tuple[str, str]], route: list[str],
              types: list[str]) -> dict[str, Any]:
    return {"title": title, "summary": "Shipments re-exported without licence.",
            "status": "under_investigation", "detected_on": "2026-03-14",
            "violation_types": types, "route": route,
            "parties": [{"actor": actor, "role": role} for actor, role in parties]}


@pytest.fixture
def world(node: Node, partner: Node) -> dict[str, str]:
    """GBR's and USA's records of one network, USA-only records GBR holds (a careless relay)
    but may not see, the CSL's Entity List entries and the CHPL."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids: dict[str, str] = {}

    def add(at: Node, name: str, kind: str, body: dict[str, Any], marking: dict) -> None:
        (row,) = at.add_records([Draft(kind, marking, body)])
        ids[name] = row.id

    add(partner, "broker", "actor", company("Tekhno Treyd LLC", "AM",
                                            ("phone", "+374 10 555 123")), USA_SHARED)
    add(partner, "hidden", "actor", company("Concealed Supplier GmbH", "DE",
                                            ("company_number", "HRB 77001")), USA_ONLY)
    add(partner, "secret", "violation", violation(
        "Secret route", [(ids["hidden"], "intermediary")], ["DE", "TR", "RU"],
        ["transshipment"]), USA_ONLY)
    add(partner, "secret_case", "case", {"title": "USA eyes only", "lead_agency": "USA",
                                         "status": "open", "opened": "2026-04-03",
                                         "records": [ids["secret"], ids["hidden"]]}, USA_ONLY)
    relay(node, partner)
    add(node, "exporter", "actor", company("Rhein Elektronik GmbH", "DE"), WIDE)
    add(node, "consignee", "actor", company("Orion Komponenty OOO", "RU",
                                            ("inn", "7704734000")), WIDE)
    add(node, "violation", "violation", violation(
        "Microcontrollers to Moscow via Yerevan", [(ids["exporter"], "exporter"),
                                                   (ids["broker"], "intermediary"),
                                                   (ids["consignee"], "consignee")],
        ["DE", "AM", "RU"], ["transshipment"]), WIDE)
    add(node, "trend", "procurement_trend", {
        "title": "Tier-1 ICs through Kazakh forwarders", "summary": "Seen since 2024.",
        "methods": ["transshipment_third_country"], "transit_countries": ["KZ"],
        "destination_countries": ["RU"], "confidence": "medium"}, WIDE)
    add(node, "case", "case", {"title": "Operation Northern Relay", "lead_agency": "GBR",
                               "status": "active", "opened": "2026-04-01",
                               "records": [ids["violation"]]}, WIDE)
    lists.import_files(node, "csl", [FIXTURES / "csl.json"])
    lists.import_files(node, "chpl", [DATA / "chpl.csv"])
    return ids


def screened(node: Node, document: dict[str, Any], viewer: str = "GBR") -> dict[str, Any]:
    return screen(node, screening_request.parse(document), viewer)


def rules_of(answer: dict[str, Any]) -> list[str]:
    return sorted(flag["rule"] for flag in answer["red_flags"])


def test_a_party_meets_the_shared_actor_and_the_list_entry_with_why(world, node) -> None:
    answer = screened(node, {"parties": [{"name": "Orion Komponenty",
                                          "identifiers": [{"scheme": "inn",
                                                           "value": "7704734000"}]}]})
    (party,) = answer["parties"]
    kinds = {match["kind"]: match for match in party["matches"]}
    assert kinds["actor"]["id"] == world["consignee"] and kinds["actor"]["accepted"]
    assert kinds["actor"]["features"]["registration_agrees"] == ["inn"]
    entry = kinds["list_entry"]["list_entry"]
    assert (entry["source"], entry["name"]) == ("csl", "Orion Components Trading LLC")
    (entity,) = party["entities"]  # the actor and the Entity List entry: one entity
    assert entity["listings"] == ["US BIS Entity List"]
    assert [v["id"] for v in entity["violations"]] == [world["violation"]]
    assert [c["id"] for c in entity["cases"]] == [world["case"]]
    assert rules_of(answer) == ["listed_party", "shares_identifier", "shares_identifier",
                                "violation_role"]
    assert answer["marking"] == {"tlp": "green", "releasable_to": ["USA", "GBR", "CAN"]}


def test_each_rule_is_raised_by_the_records_that_say_so(world, node) -> None:
    recent = (datetime.now(UTC).date() - timedelta(days=40)).isoformat()
    answer = screened(node, {
        "parties": [{"name": "Northern Lights Trading", "identifiers": [
            {"scheme": "phone", "value": "+37410555123"}]},
            {"name": "Fresh Start LLC", "incorporated": recent}],
        "items": [{"hs_code": "854231"}, {"hs_code": "847150"}],
        "route": ["DE", "KZ", "AM", "RU"]})
    flags = {(flag["rule"], flag.get("party"), flag.get("item")): flag
             for flag in answer["red_flags"]}
    assert set(flags) == {("shares_identifier", 0, None), ("new_company", 1, None),
                          ("chpl_transshipment", None, 0), ("sanctioned_destination",
                                                            None, None)}
    assert flags[("shares_identifier", 0, None)]["evidence"]["match"] == world["broker"]
    countries = {f["evidence"]["country"]: f["evidence"]["records"]
                 for f in answer["red_flags"] if f["rule"] == "chpl_transshipment"}
    assert countries == {"KZ": [world["trend"]], "AM": [world["violation"]]}
    assert [item["chpl"] and item["chpl"]["tier"] for item in answer["items"]] == ["1", "3.A"]


def test_a_clean_shipment_raises_nothing(world, node) -> None:
    answer = screened(node, {"parties": [{"name": "Acme Widgets Ltd", "countries": ["GB"],
                                          "incorporated": "1998-05-01"}],
                             "items": [{"hs_code": "847150"}, {"hs_code": "854231"}],
                             "route": ["GB", "FR"]})
    assert answer["red_flags"] == [] and answer["parties"][0]["matches"] == []
    assert answer["marking"] == {"tlp": "clear", "releasable_to": ["USA", "GBR", "CAN", "AUS",
                                                                   "NZL"]}


def test_nothing_the_callers_agency_may_not_see_is_shown_or_counted(world, node) -> None:
    hidden = {world[name] for name in ("hidden", "secret", "secret_case")}
    answer = screened(node, {"parties": [
        {"name": "Concealed Supplier GmbH", "countries": ["DE"], "identifiers": [
            {"scheme": "company_number", "value": "HRB 77001"}]}],
        "items": [{"hs_code": "854231"}], "route": ["DE", "TR", "RU"]})
    text = json.dumps(answer)
    assert not any(record in text for record in hidden)
    assert answer["parties"][0]["matches"] == [] and answer["parties"][0]["entities"] == []
    assert rules_of(answer) == ["sanctioned_destination"]  # no TR transshipment: USA-only
    usa = screened(node, {"parties": [{"name": "Concealed Supplier GmbH",
                                       "identifiers": [{"scheme": "company_number",
                                                        "value": "HRB 77001"}]}]}, "USA")
    assert usa["parties"][0]["matches"][0]["id"] == world["hidden"]  # the same data, USA's view


def test_the_api_answers_an_analyst_as_documented(world, app, node) -> None:
    client = client_as(app, token_for(node, "analyst", "analyst"))
    answer = client.post("/api/v1/screen", json={"parties": [{
        "name": "<img src=x onerror=alert(1)> Orion", "identifiers": [
            {"scheme": "inn", "value": "7704734000"}]}]})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.json["parties"][0]["name"] == "<img src=x onerror=alert(1)> Orion"
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    bad = client.post("/api/v1/screen", json={"parties": [{"kind": "ship", "countries":
                                                            ["Russia"]}], "route": "RU"})
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"parties", "route"}
    assert set(bad.json["error"]["fields"]["parties"]["0"]) == {"name", "kind", "countries"}


@postgresql_is_slow
def test_a_request_too_large_or_a_flood_is_refused(world, node) -> None:
    flooded = create_app(node.config.__class__(**{**node.config.__dict__,
                                                  "rate_limit": "5 per minute"}))
    client = client_as(flooded, token_for(node, "analyst", "analyst"))
    party = {"parties": [{"name": "Acme"}]}
    many = client.post("/api/v1/screen", json={"parties": [{"name": f"P{i}"}
                                                            for i in range(1001)]})
    assert many.status_code == 422 and "parties" in many.json["error"]["fields"]
    huge = client.post("/api/v1/screen", json={"parties": [{"name": "x" * 400, "aliases": [
        "y" * 500] * 50}] * 60})
    assert huge.status_code == 413
    codes = [client.post("/api/v1/screen", json=party).status_code for _ in range(6)]
    assert codes[0] == 200 and codes[-1] == 429  # five a minute, whatever they asked
    flooded.extensions["enforce_share"].close()


@postgresql_is_slow
def test_a_batch_csv_is_screened_to_csv_and_json_and_a_bad_row_stops_it(world, node,
                                                                       tmp_path: Path) -> None:
    batch = tmp_path / "parties.csv"
    batch.write_text("reference,name,identifiers,hs_codes,route\n"
                     "P1,Orion Komponenty,inn:7704734000,854231,DE;AM;RU\n"
                     "P2,=cmd|' /C calc'!A0,,,\n" + "".join(
                         f"P{i},Party number {i} Ltd,,,\n" for i in range(3, 260)),
                     encoding="utf-8")
    out_csv, out_json = tmp_path / "answers.csv", tmp_path / "answers.json"
    root = ["--data-dir", str(node.config.data_dir)]
    done = CliRunner().invoke(main, [*root, "screen", str(batch), "--out", str(out_csv),
                                     "--out", str(out_json)])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(out_csv.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 259 and rows[0]["reference"] == "P1"
    assert rows[0]["listed_on"] == "US BIS Entity List" and "listed_party" in rows[0][
        "red_flags"]
    assert rows[1]["name"].startswith("'=")  # never a formula in a spreadsheet
    answers = json.loads(out_json.read_text(encoding="utf-8"))
    assert [a["line"] for a in answers] == list(range(2, 261))
    assert oct(out_csv.stat().st_mode & 0o777) == "0o600"
    batch.write_text("name,countries\nGood Co,GB\nBad Co,Russia\n", encoding="utf-8")
    refused = CliRunner().invoke(main, [*root, "screen", str(batch), "--out", str(out_csv)])
    assert refused.exit_code == 1 and "line 3: Invalid screening request" in refused.output
