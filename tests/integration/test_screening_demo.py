"""Screening on the demo federation's data (each agency's share of a generated scenario, signed
by its own node and pulled by GBR) with the real lists imported, and through a real node:
gunicorn, its graph index process, lists imported while it serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from enforce_share.demo.scenario import write_scenario
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.lists import service as lists
from enforce_share.members import FOUNDING
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.models import Record
from enforce_share.records.queries import visible_to
from enforce_share.screening import request as screening_request
from enforce_share.screening.service import screen_many
from enforce_share.sync.puller import pull_origin

from ..conftest import make_node, token_for
from ..processes import gunicorn_node
from ..unit.lists import DATA, FIXTURES, SNAPSHOTS, need_snapshots
from .test_bundle import LocalPeer


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """GBR holding what the five agencies' nodes wrote and released to it, and the lists."""
    need_snapshots()
    root = tmp_path_factory.mktemp("federation")
    write_scenario(root / "scenario.jsonl", 900, seed=3)
    nodes = {agency: make_node(root / agency, agency) for agency in FOUNDING.codes}
    gbr = nodes["GBR"]
    with gbr.transaction() as session:
        for agency, other in nodes.items():
            if agency != "GBR":
                add_partner(session, "GBR", agency, other.jwks(), None)
    for member in nodes.values():
        load_own_drafts(member, root / "scenario.jsonl")
    for agency, other in nodes.items():
        if agency != "GBR":
            assert pull_origin(gbr, LocalPeer(other, "GBR"), agency).error is None
    lists.import_files(gbr, "un", [SNAPSHOTS / "un_sc_consolidated_2024-11-30.xml"])
    lists.import_files(gbr, "csl", [FIXTURES / "csl.json"])
    lists.import_files(gbr, "chpl", [DATA / "chpl.csv"])
    yield gbr
    for member in nodes.values():
        member.close()


def requests_of_violations(node: Node) -> tuple[list[dict[str, Any]], set[str]]:
    """A screening request per violation GBR may see (its parties by name and country, its
    items and route), and the ids of every record GBR may see."""
    with node.reading() as session:
        seen = set(session.scalars(select(Record.id).where(visible_to("GBR"))))
        rows = session.scalars(select(Record).where(
            Record.type.in_(("violation", "actor")), visible_to("GBR"),
            Record.superseded_by.is_(None), Record.withdrawn_by.is_(None))).all()
    bodies = {row.id: (row.type, json.loads(row.canonical)["body"]) for row in rows}
    found = []
    for kind, body in bodies.values():
        parties = [bodies[p["actor"]][1] for p in body.get("parties", ())
                   if kind == "violation" and p["actor"] in bodies]
        if parties:
            found.append(screening_request.parse({
                "parties": [{"name": p["name"], "kind": p["kind"],
                             "countries": p.get("countries", [])} for p in parties],
                "items": [{"hs_code": item["hs_code"]} for item in body.get("items", ())],
                "route": body.get("route", [])}))
    return found, seen


def test_the_federation_s_violations_screen_as_the_risks_they_are(federation) -> None:
    wanted, seen = requests_of_violations(federation)
    answers = screen_many(federation, wanted, "GBR")
    rules = [flag["rule"] for answer in answers for flag in answer["red_flags"]]
    assert len(answers) > 50
    # Parties of shared violations come back as the intermediaries and consignees they were,
    # goods of the CHPL through the countries the partners saw goods transshipped through.
    for rule in ("violation_role", "chpl_transshipment", "sanctioned_destination"):
        assert rules.count(rule) >= 10, (rule, rules.count(rule))
    matched = sum(any(m["accepted"] for m in party["matches"]) for answer in answers
                  for party in answer["parties"])
    assert matched >= 0.9 * sum(len(answer["parties"]) for answer in answers)
    for answer in answers:  # nothing cited that GBR may not see
        for party in answer["parties"]:
            cited = {m["id"] for m in party["matches"] if m["kind"] == "actor"}
            for entity in party["entities"]:
                cited |= {m for m in entity["members"] if not m.startswith("list:")}
                cited |= {v["id"] for v in entity["violations"]}
                cited |= {c["id"] for c in entity["cases"]}
            assert cited <= seen
        for flag in answer["red_flags"]:
            assert set(flag["evidence"].get("records", ())) <= seen


@pytest.mark.slow  # a gunicorn node with its graph index process
def test_a_served_node_screens_through_its_index_and_reads_new_lists(tmp_path: Path) -> None:
    need_snapshots()
    node = make_node(tmp_path / "gbr", "GBR")
    lists.import_files(node, "csl", [FIXTURES / "csl.json"])
    token = token_for(node, "analyst", "analyst")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with gunicorn_node(node.config.data_dir, None, workers=2) as base:
            def screen(name: str) -> dict[str, Any]:
                answer = requests.post(f"{base}/api/v1/screen", headers=headers, timeout=30,
                                       json={"parties": [{"name": name}]})
                assert answer.status_code == 200, answer.text
                return answer.json()["parties"][0]

            orion = screen("Orion Components Trading")
            assert orion["matches"][0]["list_entry"]["list"] == "US BIS Entity List"
            assert screen("NATIONAL AEROSPACE TECHNOLOGY ADMINISTRATION")["matches"] == []
            lists.import_files(node, "un", [SNAPSHOTS / "un_sc_consolidated_2024-11-30.xml"])
            nata = screen("NATIONAL AEROSPACE TECHNOLOGY ADMINISTRATION")["matches"]
            assert nata[0]["list_entry"]["source"] == "un" and nata[0]["accepted"]
    finally:
        node.close()
