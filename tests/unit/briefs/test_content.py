"""What a brief says, from records held in memory: its marking, summary, items, lists."""

from __future__ import annotations

import json
import uuid
from typing import Any

import networkx as nx

from enforce_share.briefs.content import country, items, marking, summary
from enforce_share.briefs.gather import Evidence
from enforce_share.briefs.provenance import evidence_digest
from enforce_share.briefs.timeline import events
from enforce_share.records.models import Record

CASE = {"title": "Operation Glass Bridge", "lead_agency": "CAN", "participants": ["CAN", "NZL"],
        "status": "open", "opened": "2026-02-01"}


def row(type: str, body: dict[str, Any], tlp: str = "amber",
        releasable_to: tuple[str, ...] = ("CAN", "NZL", "AUS"), origin: str = "CAN",
        seq: int = 1) -> Record:
    record_id = str(uuid.uuid4())
    record = {"id": record_id, "type": type, "origin": origin, "seq": seq, "body": body,
              "marking": {"tlp": tlp, "releasable_to": list(releasable_to)}}
    return Record(id=record_id, type=type, origin=origin, seq=seq, tlp=tlp,
                  releasable_to=list(releasable_to), canonical=json.dumps(record),
                  record_hash=f"{seq:064x}")


def evidence(*rows: Record) -> Evidence:
    case = row("case", CASE)
    return Evidence(case, {r.id: r for r in (case, *rows)}, [], nx.Graph())


def violation(detected: str, **more: Any) -> dict[str, Any]:
    return {"title": f"Diversion seen {detected}", "summary": "s", "status": "confirmed",
            "detected_on": detected, "violation_types": ["transshipment"], **more}


def test_the_marking_is_the_strictest_level_released_to_the_agencies_all_share() -> None:
    found = marking(evidence(row("actor", {}, "green", ("CAN", "AUS", "USA")),
                             row("actor", {}, "amber+strict", ("CAN", "AUS", "GBR"))))
    assert (found["tlp"], found["releasable_to"]) == ("amber+strict", ["CAN", "AUS"])
    assert found["banner"] == "TLP:AMBER+STRICT · releasable to CAN, AUS"


def test_records_sharing_no_partner_are_releasable_to_no_other_agency() -> None:
    found = marking(evidence(row("actor", {}, "red", ("CAN",)),
                             row("actor", {}, "green", ("NZL",), origin="NZL")))
    assert found["tlp"] == "red" and found["releasable_to"] == []
    assert found["banner"] == "TLP:RED · releasable to no other agency"


def test_the_summary_counts_what_the_records_hold() -> None:
    proof = evidence(
        row("violation", violation("2026-01-05", route=["CA", "KZ", "RU"], items=[
            {"hs_code": "854231", "description": "MCUs",
             "value": {"amount": 1000.5, "currency": "CAD"}}],
            enforcement_actions=[{"kind": "seizure", "date": "2026-01-09"}])),
        row("violation", violation("2026-01-20", status="suspected", route=["CA", "AM", "RU"],
                                   items=[{"hs_code": "854232", "description": "memory",
                                           "value": {"amount": 99.5, "currency": "CAD"}}])))
    lines = summary(proof, CASE, [json.loads(r.canonical)["body"]
                                  for r in proof.of_type("violation")], events(proof))
    assert lines[0] == ("Operation Glass Bridge is a joint investigation led by CAN with NZL, "
                        "opened 2026-02-01 and now open.")
    assert "3 signed records reported by CAN: 2 violations, 0 procurement trends" in lines[1]
    assert "from 2026-01-05 to 2026-01-20" in lines[2] and "1 enforcement action" in lines[2]
    assert lines[3] == "Goods moved to Russian Federation through Armenia and Kazakhstan."
    assert lines[4] == "Declared value of the items: 1,100.00 CAD."


def test_items_are_listed_in_code_order_with_a_dash_for_what_is_missing() -> None:
    found = items(evidence(row("violation", violation("2026-01-05", items=[
        {"hs_code": "903020", "description": "oscilloscopes", "quantity": 3, "unit": "pcs"},
        {"hs_code": "854231", "eccn": "3A991.a.2", "description": "MCUs",
         "value": {"amount": 12.0, "currency": "USD"}}]))))
    assert [(i["hs_code"], i["eccn"], i["quantity"], i["value"]) for i in found] == [
        ("854231", "3A991.a.2", "", "12.00 USD"), ("903020", "—", "3 pcs", "—")]


def test_the_timeline_runs_by_date_then_agency() -> None:
    proof = evidence(row("violation", violation("2026-03-01", enforcement_actions=[
        {"kind": "penalty", "date": "2026-04-01", "amount": {"amount": 5e5,
                                                             "currency": "NZD"}}]),
                         origin="NZL", seq=7),
                     row("violation", violation("2026-03-01"), origin="AUS"))
    found = [(e.day, e.kind, e.origin) for e in events(proof)]
    assert found == [("2026-02-01", "case opened", "CAN"), ("2026-03-01", "detected", "AUS"),
                     ("2026-03-01", "detected", "NZL"), ("2026-04-01", "penalty", "NZL")]
    assert events(proof)[-1].detail == "500,000.00 NZD"


def test_the_evidence_digest_names_the_records_not_their_order() -> None:
    a, b = row("actor", {}, seq=1), row("actor", {}, seq=2)
    assert evidence_digest([a, b]) == evidence_digest([b, a])
    assert evidence_digest([a]) != evidence_digest([a, b])


def test_countries_by_their_common_name() -> None:
    assert [country(code) for code in ("RU", "TW", "KZ", "XX")] == [
        "Russian Federation", "Taiwan", "Kazakhstan", "XX"]
