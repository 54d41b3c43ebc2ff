"""Each red-flag rule raises on the facts it looks for, and only on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from enforce_share.screening import rules

TODAY = date(2026, 12, 8)
V1 = "6f1c2a9e-4b7d-4c3e-9a51-2d8e7f0b1c44"
A1, A2 = "0d8a1f3e-5b2c-4e7a-9f10-6c3b2a1d4e5f", "1d8a1f3e-5b2c-4e7a-9f10-6c3b2a1d4e5f"


def match(candidate: str = A1, *, score: float = 0.9, shared: list[str] | None = None,
          reference: bool = False, listings: list[str] | None = None,
          entity: str | None = A1) -> dict[str, Any]:
    return {"id": candidate, "name": "Tekhno Treyd LLC", "score": score,
            "accepted": score >= 0.7, "features": {}, "shared": shared or [],
            "reference": reference, "listings": listings or [], "entity": entity}


def entity(members: list[str] | None = None, listings: list[str] | None = None,
           violations: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"id": A1, "name": "Tekhno Treyd LLC", "members": members or [A1],
            "agencies": ["GBR"], "countries": ["AM"], "listings": listings or [], "roles": [],
            "violations": violations or {}}


def facts(matches: list[dict] | None = None, entities: dict | None = None, *,
          party: dict | None = None, items: list[dict] | None = None,
          route: list[str] | None = None, destination: str | None = None,
          transit: dict | None = None) -> rules.Facts:
    request: dict[str, Any] = {"parties": [party or {"name": "Techno Trade", "kind": "company"}]}
    if route:
        request["route"] = route
    if destination:
        request["destination"] = destination
    return rules.Facts(request, [{"matches": matches or [], "entities": entities or {}}],
                       items or [], transit or {}, ("RU", "BY"), TODAY)


def raised(rule, found: rules.Facts) -> list[dict[str, Any]]:
    return rule(found)


def test_a_party_matching_a_listed_entity_is_flagged() -> None:
    found = raised(rules.listed_party, facts([match()], {A1: entity(listings=["Entity List"])}))
    assert [f["evidence"]["listings"] for f in found] == [["Entity List"]]
    assert found[0]["party"] == 0


def test_a_weak_match_to_a_listed_entity_or_a_strong_one_to_an_unlisted_is_not() -> None:
    assert not rules.listed_party(facts([match(score=0.6)], {A1: entity(listings=["EL"])}))
    assert not rules.listed_party(facts([match()], {A1: entity()}))


def test_the_intermediary_of_a_shared_violation_is_flagged() -> None:
    found = raised(rules.violation_role, facts([match()], {A1: entity(violations={
        V1: ["intermediary"]})}))
    assert found[0]["evidence"] == {"entity": A1, "violations": [V1], "roles": ["intermediary"]}


def test_an_exporter_or_a_weak_match_raises_nothing() -> None:
    assert not rules.violation_role(facts([match()], {A1: entity(violations={
        V1: ["exporter"]})}))
    assert not rules.violation_role(facts([match(score=0.6)], {A1: entity(violations={
        V1: ["consignee"]})}))


def test_sharing_a_phone_with_a_listed_entry_is_flagged_whatever_the_name() -> None:
    found = raised(rules.shares_identifier, facts(
        [match("list:7", score=0.1, shared=["phone:+37410555123"], reference=True,
               entity="list:7")], {"list:7": entity(["list:7"], ["US OFAC SDN List"])}))
    assert found[0]["evidence"]["shared"] == ["phone:+37410555123"]
    assert "listed" in found[0]["message"]


def test_sharing_with_an_actor_neither_listed_nor_violating_is_not() -> None:
    assert not rules.shares_identifier(facts([match(score=0.1, shared=["phone:+1"])],
                                             {A1: entity()}))
    assert not rules.shares_identifier(facts([match(score=0.9)], {A1: entity(["x"], ["EL"])}))
    assert rules.shares_identifier(facts([match(score=0.1, shared=["phone:+1"])], {A1: entity(
        violations={V1: ["exporter"]})}))


def test_a_company_formed_this_year_or_registered_so_by_its_ogrn_is_new() -> None:
    formed = raised(rules.new_company, facts(party={"name": "A", "kind": "company",
                                                    "incorporated": "2026-03-01"}))
    assert formed[0]["evidence"] == {"incorporated": "2026-03-01"}
    ogrn = raised(rules.new_company, facts(party={"name": "B", "kind": "company", "identifiers": [
        {"scheme": "ogrn", "value": "1257700132195"}]}))
    assert ogrn[0]["evidence"] == {"ogrn": "1257700132195", "year": 2025}


def test_an_old_company_or_a_person_is_not_new() -> None:
    assert not rules.new_company(facts(party={"name": "A", "kind": "company",
                                              "incorporated": "2019-03-01"}))
    assert not rules.new_company(facts(party={"name": "B", "kind": "company", "identifiers": [
        {"scheme": "ogrn", "value": "1027700132195"}]}))  # registered in 2002
    assert not rules.new_company(facts(party={"name": "C", "kind": "person",
                                              "incorporated": "2026-03-01"}))


TRANSIT = {"KZ": [{"id": V1, "type": "violation"}]}


def test_a_tier_one_item_through_a_transshipment_country_is_flagged() -> None:
    found = raised(rules.chpl_transshipment, facts(
        items=[{"hs_code": "854231", "chpl": {"tier": "1"}}], route=["DE", "KZ", "RU"],
        transit=TRANSIT))
    assert found[0]["evidence"] == {"country": "KZ", "tier": "1", "records": [V1]}
    assert found[0]["item"] == 0


def test_a_tier_three_item_or_a_country_no_record_names_raises_nothing() -> None:
    assert not rules.chpl_transshipment(facts(items=[{"hs_code": "847150",
                                                      "chpl": {"tier": "3.A"}}],
                                              route=["DE", "KZ", "RU"], transit=TRANSIT))
    assert not rules.chpl_transshipment(facts(items=[{"hs_code": "854231",
                                                      "chpl": {"tier": "1"}}],
                                              route=["DE", "AM", "RU"], transit=TRANSIT))
    # The country goods leave from is no transit country, nor the destination.
    assert not rules.chpl_transshipment(facts(items=[{"hs_code": "854231",
                                                      "chpl": {"tier": "1"}}],
                                              route=["KZ", "RU"], transit=TRANSIT))


def test_a_route_ending_in_a_sanctioned_destination_is_flagged() -> None:
    assert raised(rules.sanctioned_destination, facts(route=["DE", "KZ", "RU"]))[0][
        "evidence"] == {"destination": "RU"}
    assert raised(rules.sanctioned_destination, facts(route=["DE"], destination="BY"))


def test_a_route_through_but_not_ending_in_one_is_not() -> None:
    assert not rules.sanctioned_destination(facts(route=["RU", "KZ"]))
    assert not rules.sanctioned_destination(facts())
