"""GET /api/v1/export/stix|csv and `enforce-share export`: STIX 2.1 that the OASIS validator
accepts, CSV, markings on every output, versions, cases, determinism; on both databases."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_string

from enforce_share.adapters.bundle_file import read_bundle
from enforce_share.app import create_app
from enforce_share.audit import trail
from enforce_share.cli import main
from enforce_share.demo.scenario import write_scenario
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.errors import InvalidInput
from enforce_share.exports.identifiers import record_object_id
from enforce_share.exports.stix import StixView
from enforce_share.markings import visible
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.models import Record
from enforce_share.records.verify import verify_signed_record
from enforce_share.sync.bundle import import_bundle
from enforce_share.sync.bundle_verify import verify_bundle

from ..conftest import client_as, postgresql_is_slow, relay, token_for
from ..factories import DraftFactory

SHARED = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
GREEN = {"tlp": "green", "releasable_to": ["GBR", "USA"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}
RED = {"tlp": "red", "releasable_to": ["GBR"]}
#: Checks the validator would warn about by design: our ids are UUIDv5 (deterministic, see
#: exports/identifiers.py) and relationships such as `owns` are not in its suggested list.
DELIBERATE = ["uuid-check", "relationship-types"]


@pytest.fixture
def world(node: Node, partner: Node, drafts: DraftFactory) -> dict[str, str]:
    """GBR's records and USA's (relayed whole: some are not released to GBR)."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids: dict[str, str] = {}

    def add(at: Node, name: str, draft: Draft) -> None:
        (row,) = at.add_records([draft])
        ids[name] = row.id

    add(partner, "U_ACTOR", drafts("actor", SHARED))
    add(partner, "U_HIDDEN", drafts("actor", USA_ONLY, name="Hidden Supplier GmbH", aliases=[]))
    add(partner, "U_VIOL", drafts("violation", GREEN, title="Cameras via Istanbul", parties=[
        {"actor": ids["U_ACTOR"], "role": "exporter"},
        {"actor": ids["U_HIDDEN"], "role": "consignee"}]))
    add(partner, "U_SECRET", drafts("violation", USA_ONLY, title="Secret diversion"))
    add(node, "G_LISTED", drafts("actor", name="Orion Components", aliases=[],
                                 listings=[{"list": "Entity List", "date": "2024-05-01"}]))
    add(node, "G_ACTOR", drafts("actor", name="Alanwick Instruments Inc.", aliases=[],
                                identifiers=[{"scheme": "phone", "value": "+374 10 555 123"}]))
    add(node, "G_VIOL", drafts("violation", parties=[
        {"actor": ids["G_ACTOR"], "role": "exporter"},
        {"actor": ids["G_LISTED"], "role": "consignee"}]))
    add(node, "G_ACTOR2", Draft("actor", SHARED, {
        **drafts("actor").body, "aliases": [], "name": "Alanwick Instruments Ltd",
        "identifiers": [{"scheme": "phone", "value": "+374 10 555 123"}]},
        supersedes=ids["G_ACTOR"]))
    add(node, "G_RED", drafts("actor", RED, name="Red Source Holdings", aliases=[]))
    add(node, "G_TREND", drafts("procurement_trend", related=[ids["G_VIOL"], ids["U_SECRET"]]))
    add(node, "G_CASE", drafts("case", records=[ids["G_VIOL"], ids["U_ACTOR"], ids["U_HIDDEN"]]))
    add(node, "G_OWNS", Draft("link", SHARED, {"from": ids["G_LISTED"], "to": ids["U_HIDDEN"],
                                               "relation": "owns"}))
    add(node, "G_SAME", Draft("link", SHARED, {"from": ids["G_ACTOR"], "to": ids["U_ACTOR"],
                                               "relation": "same_as", "confidence": 0.9}))
    add(node, "G_CONTROLS", Draft("link", SHARED, {"from": ids["G_LISTED"], "to": ids["U_ACTOR"],
                                                   "relation": "controls"}))
    add(node, "G_GONE", drafts("actor", name="Entered Twice Ltd", aliases=[]))
    add(node, "G_WITHDRAWAL", Draft("withdrawal", SHARED, {"target": ids["G_GONE"],
                                                           "reason": "Entered twice"}))
    relay(node, partner)
    return ids


@pytest.fixture
def api(app, node: Node):
    return client_as(app, token_for(node, "analyst", "analyst"))


def bundle_of(api, query: str = "") -> dict[str, Any]:
    response = api.get(f"/api/v1/export/stix?{query}")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/stix+json"
    return json.loads(response.get_data(as_text=True))


def objects_of(bundle: dict[str, Any], record_id: str) -> list[dict[str, Any]]:
    """The objects made from one record (its own and the relationships it states)."""
    return [item for item in bundle["objects"]
            if item.get("x_enforce_share_record_id") == record_id]


def only(bundle: dict[str, Any], record_id: str, stix_type: str) -> dict[str, Any]:
    (found,) = [item for item in objects_of(bundle, record_id) if item["type"] == stix_type]
    return found


def assert_valid(text: str) -> None:
    """No error from the OASIS validator, and no warning but the two deliberate ones."""
    result = validate_string(text, ValidationOptions(disabled=DELIBERATE))
    assert result.is_valid, [str(error) for error in result.errors]
    assert [str(warning) for warning in result.warnings] == []


def test_the_stix_export_passes_the_oasis_validator(world, api) -> None:
    response = api.get("/api/v1/export/stix")
    text = response.get_data(as_text=True)
    assert_valid(text)
    plain = validate_string(text)  # all checks: the two deliberate ones only warn
    assert plain.is_valid and not plain.errors
    codes = {re.search(r"\{(\d+)\}", str(warning)).group(1) for warning in plain.warnings}
    assert codes == {"103", "202"}  # uuid-check; relationship-types (controls)
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_scenario_records_of_two_agencies_pass_the_validator(node, partner, tmp_path) -> None:
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    scenario = tmp_path / "scenario.jsonl"
    write_scenario(scenario, 400, seed=7)
    load_own_drafts(node, scenario)
    load_own_drafts(partner, scenario)
    relay(node, partner)
    with serving(node) as api:
        response = api.get("/api/v1/export/stix?limit=10000")
    assert_valid(response.get_data(as_text=True))
    bundle = json.loads(response.get_data(as_text=True))
    with node.reading() as session:
        rows = {row.id: row for row in session.scalars(select(Record))}
    shown = {item["x_enforce_share_record_id"] for item in bundle["objects"]
             if "x_enforce_share_record_id" in item}
    hidden = {row.id for row in rows.values() if not visible("GBR", row.origin, row.tlp,
                                                             row.releasable_to)}
    assert hidden and not shown & hidden  # the relay stored USA records not released to GBR
    assert {rows[record_id].origin for record_id in shown} == {"GBR", "USA"}
    assert {"report", "identity", "grouping", "relationship"} <= {
        item["type"] for item in bundle["objects"]}


@contextmanager
def serving(node: Node) -> Iterator[Any]:
    """A test client of another app for ``node``, as its analyst; the app closed after."""
    app = create_app(node.config)
    app.config["TESTING"] = True
    try:
        yield client_as(app, token_for(node, "analyst", "analyst"))
    finally:
        app.extensions["enforce_share"].close()


def test_what_the_agency_may_not_see_never_appears(world, api) -> None:
    bundle = bundle_of(api)
    table = list(csv.DictReader(io.StringIO(api.get("/api/v1/export/csv").get_data(
        as_text=True))))
    unseen = {world[name] for name in ("U_HIDDEN", "U_SECRET", "G_GONE")}
    shown = {item.get("x_enforce_share_record_id") for item in bundle["objects"]}
    assert not unseen & shown and not unseen & {row["id"] for row in table}
    for output in (json.dumps(bundle), json.dumps(table)):
        for text in ("Hidden Supplier", "Secret diversion", "Entered Twice"):
            assert text not in output
    for kind in ("identity", "threat-actor"):
        assert record_object_id(kind, world["U_HIDDEN"]) not in json.dumps(bundle)
    (party,) = [item for item in objects_of(bundle, world["U_VIOL"])
                if item["type"] == "relationship"]  # the hidden consignee is left out
    assert party["x_enforce_share_role"] == "exporter"
    trend = only(bundle, world["G_TREND"], "report")
    assert trend["object_refs"] == [only(bundle, world["G_VIOL"], "report")["id"]]
    case = only(bundle, world["G_CASE"], "grouping")
    assert len(case["object_refs"]) == 2  # the violation and U_ACTOR, not U_HIDDEN
    assert objects_of(bundle, world["G_OWNS"]) == []  # one end is not GBR's to see
    assert only(bundle, world["G_RED"], "identity")["object_marking_refs"] == [
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]  # its own RED: TLP:RED


def test_the_stix_view_shows_each_viewer_only_its_records(world, node: Node) -> None:
    wanted = [world[name] for name in ("U_HIDDEN", "G_RED", "U_ACTOR", "G_GONE")]
    with node.reading() as session:
        rows = list(session.scalars(select(Record).where(Record.id.in_(wanted))))

        def shown(viewer: str) -> set[str]:
            return {item["x_enforce_share_record_id"]
                    for item in StixView(session, viewer).objects(rows)}

        assert shown("GBR") == {world["G_RED"], world["U_ACTOR"]}
        assert shown("USA") == {world["U_HIDDEN"], world["U_ACTOR"]}
        assert shown("CAN") == set()


def test_records_become_the_stix_objects_documented(world, api) -> None:
    bundle = bundle_of(api)
    listed = only(bundle, world["G_LISTED"], "threat-actor")
    actor = only(bundle, world["U_ACTOR"], "identity")
    assert actor["identity_class"] == "organization" and actor["x_enforce_share_origin"] == "USA"
    assert actor["created_by_ref"] == only_type(bundle, "identity", "United States")["id"]
    violation = only(bundle, world["G_VIOL"], "report")
    assert violation["name"] == "Microcontrollers diverted to Russia via Yerevan"
    assert violation["labels"] == ["reexport_diversion", "transshipment"]
    assert violation["x_enforce_share_items"][0]["eccn"] == "3A991.a.2"
    assert violation["object_marking_refs"] == [
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]  # OASIS TLP 2.0 AMBER
    parties = {item["x_enforce_share_role"]: item for item in objects_of(bundle, world["G_VIOL"])
               if item["type"] == "relationship"}
    assert parties["consignee"]["source_ref"] == listed["id"]
    assert parties["consignee"]["target_ref"] == violation["id"]
    assert set(violation["object_refs"]) >= {listed["id"], parties["exporter"]["id"]}
    assert only(bundle, world["G_TREND"], "report")["confidence"] == 50  # medium
    same = only(bundle, world["G_SAME"], "relationship")
    assert (same["relationship_type"], same["target_ref"], same["confidence"]) == (
        "duplicate-of", actor["id"], 90)
    tlp = {item["id"]: item for item in bundle["objects"] if item["type"] == "marking-definition"}
    assert tlp["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]["extensions"] == {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension", "tlp_2_0": "amber"}}
    assert only(bundle, world["G_VIOL"], "report")["x_enforce_share_releasable_to"] == [
        "GBR", "USA"]


def only_type(bundle: dict[str, Any], stix_type: str, name_part: str) -> dict[str, Any]:
    (found,) = [item for item in bundle["objects"]
                if item["type"] == stix_type and name_part in item.get("name", "")]
    return found


def test_links_naming_each_other_give_no_relationship_and_no_loop(world, api,
                                                                  node: Node) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    node.add_records([
        Draft("link", SHARED, {"from": world["G_LISTED"], "to": second, "relation": "owns"},
              id=first),
        Draft("link", SHARED, {"from": world["G_LISTED"], "to": first, "relation": "owns"},
              id=second)])
    bundle = bundle_of(api, "type=link")
    assert objects_of(bundle, first) == objects_of(bundle, second) == []
    assert objects_of(bundle, world["G_SAME"])  # a link between actors still is one


def test_a_record_is_one_object_across_its_versions(world, api, node: Node) -> None:
    bundle = bundle_of(api)
    with node.reading() as session:
        created = {row.id: row.created for row in session.scalars(
            select(Record).where(Record.id.in_([world["G_ACTOR"], world["G_ACTOR2"]])))}
    actor = only(bundle, world["G_ACTOR2"], "identity")
    assert actor["id"] == record_object_id("identity", world["G_ACTOR"])
    assert actor["name"] == "Alanwick Instruments Ltd"
    assert actor["x_enforce_share_first_record_id"] == world["G_ACTOR"]
    assert objects_of(bundle, world["G_ACTOR"]) == []  # the old version is not shown apart
    assert (actor["created"][:19], actor["modified"][:19]) == (
        created[world["G_ACTOR"]][:19], created[world["G_ACTOR2"]][:19])
    parties = {item["x_enforce_share_role"]: item for item in objects_of(bundle, world["G_VIOL"])
               if item["type"] == "relationship"}
    assert parties["exporter"]["source_ref"] == actor["id"]  # named as it was, found as it is


def test_the_same_records_give_the_same_objects_on_every_node(world, api, partner) -> None:
    first = api.get("/api/v1/export/stix").get_data()
    assert api.get("/api/v1/export/stix").get_data() == first  # byte for byte
    mine = {item["id"]: item for item in json.loads(first)["objects"]}
    with serving(partner) as usa:
        theirs = json.loads(usa.get("/api/v1/export/stix?origin=USA").get_data())["objects"]
    actor = only({"objects": theirs}, world["U_ACTOR"], "identity")
    assert mine[actor["id"]] == actor
    parties = {item["x_enforce_share_role"]: item for item in theirs
               if item.get("x_enforce_share_record_id") == world["U_VIOL"]
               and item["type"] == "relationship"}
    assert set(parties) == {"exporter", "consignee"}  # USA may see the hidden consignee
    assert mine[parties["exporter"]["id"]] == parties["exporter"]
    assert parties["consignee"]["id"] not in mine


def test_a_case_export_holds_the_case_and_what_it_lists(world, api, node: Node) -> None:
    bundle = bundle_of(api, f"case={world['G_CASE']}")
    records = {item.get("x_enforce_share_record_id") for item in bundle["objects"]}
    assert {world["G_CASE"], world["G_VIOL"], world["U_ACTOR"]} <= records
    assert world["G_TREND"] not in records
    # the violation's parties come along, so each relationship resolves in the bundle
    ids = {item["id"] for item in bundle["objects"]}
    for item in bundle["objects"]:
        if item["type"] == "relationship":
            assert {item["source_ref"], item["target_ref"]} <= ids


@pytest.mark.parametrize("case", ["U_SECRET", "G_VIOL", "missing"])
def test_a_case_it_may_not_see_is_not_found(world, api, case: str) -> None:
    record_id = world.get(case, "4f0b8f7e-1111-4222-8333-944445555666")
    for kind in ("stix", "csv"):
        response = api.get(f"/api/v1/export/{kind}?case={record_id}")
        assert response.status_code == 404
        assert "case" in response.get_json()["error"]["fields"]


def test_csv_has_one_row_per_record_with_the_body_flattened(world, api) -> None:
    response = api.get("/api/v1/export/csv?type=actor&type=violation")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(response.get_data(
        as_text=True)))}
    assert set(rows) == {world[name] for name in (
        "U_ACTOR", "U_VIOL", "G_LISTED", "G_VIOL", "G_ACTOR2", "G_RED")}
    assert response.headers["X-Total-Count"] == "6"
    violation = rows[world["G_VIOL"]]
    assert violation["body.route"] == "US; AM; RU"
    assert violation["body.items.value.amount"] == "48250.5"
    assert (violation["body.parties.actor"], violation["body.parties.role"]) == (
        f"{world['G_ACTOR']}; {world['G_LISTED']}", "exporter; consignee")
    assert (violation["tlp"], violation["releasable_to"], violation["verified"]) == (
        "amber", "GBR; USA", "true")
    actor = rows[world["G_ACTOR2"]]
    assert actor["body.identifiers.value"] == "'+374 10 555 123"  # never read as a formula
    assert actor["body.name"] == "Alanwick Instruments Ltd" and actor["supersedes"]


def test_limit_cuts_the_export_and_the_header_counts_all(world, api) -> None:
    response = api.get("/api/v1/export/csv?type=actor&limit=2")
    assert len(response.get_data(as_text=True).strip().splitlines()) == 3  # header + 2
    assert response.headers["X-Total-Count"] == "4"
    bundle = bundle_of(api, "type=actor&limit=1")
    assert len({item.get("x_enforce_share_record_id") for item in bundle["objects"]}
               - {None}) == 1


@postgresql_is_slow  # refused before any query
@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=10001", "limit"), ("type=key", "type"),
    ("cursor=abc", "cursor"), ("tlp=white", "tlp"), ("from=2026-13-01", "from"),
])
def test_bad_parameters_name_their_field(world, api, query: str, field: str) -> None:
    for kind in ("stix", "csv"):
        response = api.get(f"/api/v1/export/{kind}?{query}")
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["error"]["fields"]


def test_exports_are_audited_with_their_records(world, api, node: Node) -> None:
    api.get(f"/api/v1/export/csv?case={world['G_CASE']}")
    with node.reading() as session:
        (entry,) = [trail.as_dict(e) for e in trail.entries(session, limit=1)]
    assert entry["action"] == "GET /api/v1/export/csv"
    assert set(entry["target"]["records"]) == {world["G_CASE"], world["G_VIOL"],
                                               world["U_ACTOR"]}


def test_the_export_commands_write_files(world, node: Node, tmp_path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(node.config.data_dir)]
    env = {"DATABASE_URL": node.config.database_url or ""}
    out = tmp_path / "case.stix.json"
    result = runner.invoke(main, [*base, "export", "stix", "--case", world["G_CASE"],
                                  "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert_valid(out.read_text(encoding="utf-8"))
    assert "grouping--" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o600  # it may hold the agency's RED records
    table = tmp_path / "actors.csv"
    result = runner.invoke(main, [*base, "export", "csv", "--type", "actor", "--out",
                                  str(table)], env=env)
    assert result.exit_code == 0 and "(4 matched the query)" in result.output
    assert len(table.read_text(encoding="utf-8").splitlines()) == 5
    with node.reading() as session:
        actions = [e.action for e in trail.entries(session, limit=2)]
    assert actions == ["export csv", "export stix"]
    refused = runner.invoke(main, [*base, "export", "csv", "--limit", "0", "--out",
                                   str(table)], env=env)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "limit" in (
        refused.output)


def test_a_signed_bundle_holds_what_the_recipient_may_see(world, api, node: Node) -> None:
    response = api.get("/api/v1/export/bundle?origin=GBR&type=actor&for=USA")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    first, *pages = [json.loads(line) for line in response.get_data().splitlines()]
    header = first["header"]  # signed by GBR: first["jws"]
    assert (header["from"], header["for"]) == ("GBR", "USA")
    full = [entry for page in pages for entry in page["entries"] if "record" in entry]
    assert {entry["record"]["id"] for entry in full} == {world["G_LISTED"], world["G_ACTOR2"]}
    assert response.headers["X-Total-Count"] == "3"  # and G_RED: never for USA
    assert response.headers["X-Withheld-Count"] == "1"
    registry = node.registry()
    for entry in full:  # each as its origin signed it
        verify_signed_record(registry, entry)
    assert api.get("/api/v1/export/bundle?for=FRA").status_code == 422


def test_the_bundle_command_writes_a_file_the_partner_verifies(world, node: Node,
                                                               partner: Node, tmp_path) -> None:
    out = tmp_path / "for-usa.jsonl.gz"
    result = CliRunner().invoke(main, [
        "--data-dir", str(node.config.data_dir), "export", "bundle", "--origin", "GBR",
        "--type", "violation", "--for", "usa", "--out", str(out)],
        env={"DATABASE_URL": node.config.database_url or ""})
    assert result.exit_code == 0, result.output
    assert "for USA: 1 records (1 matched the query)" in result.output
    assert out.stat().st_mode & 0o777 == 0o600
    with partner.transaction() as session:
        add_partner(session, "USA", "GBR", node.jwks(), None)
    with partner.reading() as session:
        (log,) = verify_bundle(session, read_bundle(out)).logs
    assert (log.origin, log.records) == ("GBR", 1)
    full = [entry["record"]["id"] for page in list(read_bundle(out))[1:]
            for entry in page["entries"] if "record" in entry]
    assert full == [world["G_VIOL"]]
    with pytest.raises(InvalidInput, match="selection bundle"):  # evidence, not a log to hold
        import_bundle(partner, read_bundle(out))
