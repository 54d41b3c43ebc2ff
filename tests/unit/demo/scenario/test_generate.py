"""The synthetic scenario: determinism, counts, valid drafts, references, ground truth, output."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from enforce_share.demo.scenario import Summary, generate_scenario, write_scenario
from enforce_share.demo.scenario.catalogue import headings
from enforce_share.demo.scenario.entities import new_company
from enforce_share.demo.scenario.registrar import Registrar
from enforce_share.members import FOUNDING
from enforce_share.records.schema import MarkingSchema, body_errors

SIZE = 1500
JUDGEMENTS = ("same_as", "not_same_as")


@pytest.fixture(scope="module")
def scenario() -> list[dict]:
    """One mid-sized scenario shared by the read-only tests."""
    return list(generate_scenario(SIZE, 7))


@pytest.fixture(scope="module")
def by_id(scenario: list[dict]) -> dict[str, dict]:
    """The scenario's drafts by id."""
    return {draft["id"]: draft for draft in scenario}


def _references(draft: dict) -> list[tuple[str, bool]]:
    """(referenced id, must have the draft's origin) pairs of one draft."""
    body, kind = draft["body"], draft["type"]
    found = [(draft["supersedes"], True)] if draft["supersedes"] else []
    if kind == "violation":
        found += [(party["actor"], True) for party in body.get("parties", [])]
    elif kind == "link":
        found += [(body["from"], True), (body["to"], body["relation"] not in JUDGEMENTS)]
        found += [(record_id, False) for record_id in body.get("evidence", [])]
    elif kind == "case":
        found += [(record_id, False) for record_id in body.get("records", [])]
    elif kind == "procurement_trend":
        found += [(record_id, True) for record_id in body.get("related", [])]
    elif kind == "withdrawal":
        found.append((body["target"], True))
    return found


def _names(draft: dict) -> list[str]:
    return [draft["body"]["name"], *(alias["name"] for alias in draft["body"].get("aliases", []))]


def test_same_seed_gives_the_same_drafts() -> None:
    assert list(generate_scenario(300, 11)) == list(generate_scenario(300, 11))


def test_different_seeds_give_different_drafts() -> None:
    assert list(generate_scenario(50, 11)) != list(generate_scenario(50, 12))


def test_output_does_not_depend_on_hash_randomisation() -> None:
    code = ("import hashlib, json; from enforce_share.demo.scenario import generate_scenario; "
            "lines = ''.join(json.dumps(d, ensure_ascii=False, sort_keys=True) + '\\n' "
            "for d in generate_scenario(400, 3)); "
            "print(hashlib.sha256(lines.encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}
                              ).stdout for hash_seed in ("1", "2")}
    assert len(digests) == 1


@pytest.mark.parametrize("records", [0, 1, 2, 5, 20, 137])
def test_yields_exactly_the_number_of_records_asked(records: int) -> None:
    assert sum(1 for _ in generate_scenario(records, 5)) == records


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_one_record_scenario_is_an_actor(seed: int) -> None:
    (only,) = generate_scenario(1, seed)
    assert only["type"] == "actor"


def test_negative_record_count_is_refused() -> None:
    with pytest.raises(ValueError):
        generate_scenario(-1, 1)


def test_streams_without_building_the_whole_scenario() -> None:
    stream = generate_scenario(10**12, 1)
    assert len(list(itertools.islice(stream, 10))) == 10


def test_every_body_is_valid(scenario: list[dict]) -> None:
    invalid = [(draft["type"], body_errors(draft["type"], draft["body"])) for draft in scenario]
    assert [error for error in invalid if error[1]] == []


def test_every_marking_is_valid_and_releasable_to_its_origin(scenario: list[dict]) -> None:
    schema = MarkingSchema()
    for draft in scenario:
        assert schema.validate(draft["marking"]) == {}
        assert draft["origin"] in draft["marking"]["releasable_to"]
        if draft["marking"]["tlp"] == "red":
            assert draft["marking"]["releasable_to"] == [draft["origin"]]


def test_marking_levels_follow_the_intended_mix(scenario: list[dict]) -> None:
    levels = Counter(draft["marking"]["tlp"] for draft in scenario)
    assert levels.most_common(1)[0][0] == "amber"
    assert 0 < levels["red"] < levels["clear"] < levels["green"]


def test_drafts_have_the_envelope_the_loader_reads(scenario: list[dict]) -> None:
    keys = {"id", "origin", "type", "marking", "supersedes", "body"}
    for draft in scenario:
        assert set(draft) - {"truth"} == keys
        assert draft["origin"] in FOUNDING.codes


def test_ids_are_unique_lower_case_uuid4(scenario: list[dict]) -> None:
    ids = [draft["id"] for draft in scenario]
    assert len(set(ids)) == len(ids)
    assert all(record_id[14] == "4" and record_id == record_id.lower() for record_id in ids)


def test_no_key_records_are_generated(scenario: list[dict]) -> None:
    assert not {draft["type"] for draft in scenario} & {"key", "key_revocation"}


def test_mostly_actors_violations_and_trends_with_every_other_type(scenario: list[dict]) -> None:
    types = Counter(draft["type"] for draft in scenario)
    main = types["actor"] + types["violation"] + types["procurement_trend"]
    assert main > SIZE / 2
    assert {"case", "link", "withdrawal"} <= set(types)
    assert any(draft["supersedes"] for draft in scenario)


def test_references_point_to_earlier_drafts_of_the_right_origin(scenario: list[dict]) -> None:
    earlier: dict[str, dict] = {}
    for draft in scenario:
        for record_id, same_origin in _references(draft):
            assert record_id in earlier, (draft["type"], record_id)
            if same_origin:
                assert earlier[record_id]["origin"] == draft["origin"], draft["type"]
        earlier[draft["id"]] = draft


def test_parties_and_links_refer_to_actor_records(
    scenario: list[dict], by_id: dict[str, dict]
) -> None:
    for draft in scenario:
        if draft["type"] == "violation":
            assert {by_id[p["actor"]]["type"] for p in draft["body"].get("parties", [])} <= \
                {"actor"}
        if draft["type"] == "link":
            assert by_id[draft["body"]["from"]]["type"] == by_id[draft["body"]["to"]]["type"] \
                == "actor"


def test_supersedes_targets_a_live_latest_version_of_the_same_type(
    scenario: list[dict], by_id: dict[str, dict]
) -> None:
    superseded: set[str] = set()
    withdrawn: set[str] = set()
    for draft in scenario:
        previous = draft["supersedes"]
        if previous:
            assert previous not in superseded and previous not in withdrawn
            assert by_id[previous]["type"] == draft["type"]
            superseded.add(previous)
        if draft["type"] == "withdrawal":
            withdrawn.add(draft["body"]["target"])


def test_withdrawals_target_a_live_latest_version_once(scenario: list[dict]) -> None:
    superseded: set[str] = set()
    withdrawn: set[str] = set()
    for draft in scenario:
        if draft["supersedes"]:
            superseded.add(draft["supersedes"])
        if draft["type"] == "withdrawal":
            target = draft["body"]["target"]
            assert target not in superseded and target not in withdrawn
            withdrawn.add(target)
    assert withdrawn


def test_ground_truth_is_on_actor_drafts_only(scenario: list[dict]) -> None:
    for draft in scenario:
        assert ("truth" in draft) == (draft["type"] == "actor")
        if "truth" in draft:
            assert draft["truth"]["entity"].startswith("ent-")


def test_judgements_agree_with_the_ground_truth(
    scenario: list[dict], by_id: dict[str, dict]
) -> None:
    judged = [d for d in scenario if d["type"] == "link" and d["body"]["relation"] in JUDGEMENTS]
    assert {d["body"]["relation"] for d in judged} == set(JUDGEMENTS)
    for draft in judged:
        source, target = by_id[draft["body"]["from"]], by_id[draft["body"]["to"]]
        same = source["truth"] == target["truth"]
        assert same == (draft["body"]["relation"] == "same_as")
        assert draft["origin"] in target["marking"]["releasable_to"]


def test_entities_are_reported_by_one_to_four_agencies(scenario: list[dict]) -> None:
    agencies: dict[str, set[str]] = defaultdict(set)
    for draft in scenario:
        if draft["type"] == "actor":
            agencies[draft["truth"]["entity"]].add(draft["origin"])
    counts = Counter(len(reporters) for reporters in agencies.values())
    assert set(counts) <= {1, 2, 3, 4}
    assert counts[2] + counts[3] + counts[4] > len(agencies) / 10


def test_shared_entities_carry_different_names_some_in_cyrillic(scenario: list[dict]) -> None:
    reports: dict[str, list[dict]] = defaultdict(list)
    for draft in scenario:
        if draft["type"] == "actor" and not draft["supersedes"]:
            reports[draft["truth"]["entity"]].append(draft)
    shared = [drafts for drafts in reports.values() if len({d["origin"] for d in drafts}) > 1]
    differing = [drafts for drafts in shared if len({d["body"]["name"] for d in drafts}) > 1]
    assert len(differing) > len(shared) / 2
    scripts = {alias.get("script") for drafts in differing for d in drafts
               for alias in d["body"].get("aliases", [])}
    cyrillic = [name for drafts in differing for d in drafts for name in _names(d)
                if any("\u0400" <= char <= "\u04ff" for char in name)]
    assert "Cyrl" in scripts and cyrillic


def test_shared_entities_share_some_identifiers(scenario: list[dict]) -> None:
    values: dict[str, list[set[str]]] = defaultdict(list)
    for draft in scenario:
        if draft["type"] == "actor" and not draft["supersedes"]:
            values[draft["truth"]["entity"]].append(
                {i["value"] for i in draft["body"].get("identifiers", [])})
    overlapping = [sets for sets in values.values()
                   if len(sets) > 1 and any(a & b for a, b in itertools.combinations(sets, 2))]
    assert len(overlapping) > 10


def test_hard_negatives_are_similar_names_in_one_country(scenario: list[dict]) -> None:
    by_country: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for draft in scenario:
        body = draft["body"]
        if draft["type"] == "actor" and body["kind"] == "company" and body["countries"]:
            by_country[body["countries"][0]].append((draft["truth"]["entity"],
                                                     body["name"].casefold()))
    pairs = 0
    for records in by_country.values():
        for (ent_a, name_a), (ent_b, name_b) in itertools.combinations(records, 2):
            if ent_a != ent_b and name_a != name_b:
                matcher = difflib.SequenceMatcher(None, name_a, name_b)
                if matcher.real_quick_ratio() > 0.85 and matcher.ratio() > 0.85:
                    pairs += 1
    assert pairs >= 3


def test_items_come_from_the_chpl_and_tier_one_leads(scenario: list[dict]) -> None:
    tiers = {row.hs6: row.tier for row in headings()}
    codes = Counter(item["hs_code"][:6] for draft in scenario if draft["type"] == "violation"
                    for item in draft["body"].get("items", []))
    assert set(codes) <= set(tiers)
    assert tiers[codes.most_common(1)[0][0]] == "1"


def test_routes_run_from_an_exporting_country_to_russia_or_belarus(scenario: list[dict]) -> None:
    routes = [d["body"]["route"] for d in scenario if d["type"] == "violation"]
    assert routes and all(route[-1] in ("RU", "BY") and len(route) >= 2 for route in routes)


def test_write_scenario_writes_one_json_draft_per_line(tmp_path: Path) -> None:
    path = tmp_path / "scenario.jsonl"
    write_scenario(path, 120, 9)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate_scenario(120, 9))


def test_write_scenario_reports_progress_for_every_draft(tmp_path: Path) -> None:
    calls: list[int] = []
    write_scenario(tmp_path / "scenario.jsonl", 2500, 9, progress=calls.append)
    assert sum(calls) == 2500 and len(calls) > 1


def test_write_scenario_is_byte_identical_for_a_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_scenario(first, 300, 4)
    write_scenario(str(second), 300, 4)
    assert hashlib.sha256(first.read_bytes()).digest() == \
        hashlib.sha256(second.read_bytes()).digest()


def test_write_scenario_summarises_types_origins_and_entities(tmp_path: Path) -> None:
    path = tmp_path / "scenario.jsonl"
    summary = write_scenario(path, 400, 2)
    drafts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert isinstance(summary, Summary) and summary.records == 400
    assert summary.by_type == dict(Counter(d["type"] for d in drafts))
    assert summary.by_origin == dict(Counter(d["origin"] for d in drafts))
    assert summary.entities == len({d["truth"]["entity"] for d in drafts if "truth" in d})
    assert "entities" in str(summary)



def test_registries_never_issue_a_number_or_a_coined_name_twice() -> None:
    """Unrelated companies of one country never draw one name or one registry number, as a
    large scenario would by chance (near-namesakes are made on purpose, elsewhere)."""
    registrar, rng = Registrar(), random.Random(3)
    companies = [new_company(f"ent-{n}", "AE", "intermediary", "RU", rng, registrar)
                 for n in range(4000)]
    cores = [company.core for company in companies]
    assert len(set(cores)) == len(cores)
    numbers = [value for company in companies for scheme, value in company.identifiers
               if scheme == "company_number"]
    assert len(numbers) == len(companies) and len(set(numbers)) == len(numbers)
