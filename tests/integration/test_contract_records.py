"""schemas/*.json accept every record a node stores of the scenario, and refuse malformed ones.

The documents are read from disk and checked with the `jsonschema` package, as a partner
writing in another language would, not through the node's own validators.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy import select

from enforce_share.demo.scenario import write_scenario
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.records.models import Record
from enforce_share.records.queries import signed

from ..conftest import make_node

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def validator(name: str) -> Draft202012Validator:
    """A validator of the document ``name``, the others resolvable by their ``$id``."""
    documents = {path.name: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents.values())
    return Draft202012Validator(documents[name], registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every record a GBR node stores of a 1,500-draft scenario, as it serves them."""
    root = tmp_path_factory.mktemp("contract")
    write_scenario(root / "scenario.jsonl", 1500, 5)
    node = make_node(root / "gbr", "GBR")
    try:
        load_own_drafts(node, root / "scenario.jsonl")
        with node.reading() as session:
            return [signed(row) for row in session.scalars(select(Record))]
    finally:
        node.close()


def test_every_stored_scenario_record_validates(stored: list[dict]) -> None:
    check = validator("signed-record.json")
    assert len(stored) > 200
    assert {item["record"]["type"] for item in stored} >= {
        "violation", "procurement_trend", "actor", "case", "link", "root"}
    problems = [(item["record"]["id"], error.message) for item in stored
                for error in check.iter_errors(item)]
    assert problems == []


def _of_type(stored: list[dict], record_type: str) -> dict:
    return copy.deepcopy(next(item for item in stored if item["record"]["type"] == record_type))


@pytest.mark.parametrize("spoil", [
    lambda item: item["record"].update(seq="7"),
    lambda item: item["record"].update(origin="gb"),
    lambda item: item["record"].update(extra=1),
    lambda item: item["record"]["marking"].update(tlp="white"),
    lambda item: item["record"]["marking"].update(releasable_to=["GBR", "GBR"]),
    lambda item: item["record"].update(created="2026-01-01 10:00:00"),
    lambda item: item["record"]["body"].update(title="a\u0000b"),
    lambda item: item["record"]["body"].update(unknown="member"),
    lambda item: item["record"]["body"].update(route=["XX"]),
    lambda item: item["record"]["body"]["items"][0].update(hs_code="8542.31"),
    lambda item: item.update(jws="not a jws"),
    lambda item: item.pop("jws"),
], ids=["seq-string", "origin", "envelope-member", "tlp", "repeated-agency", "created",
        "nul", "body-member", "country", "hs-code", "jws", "no-jws"])
def test_a_malformed_record_is_refused(stored: list[dict], spoil) -> None:
    item = _of_type(stored, "violation")
    item["record"]["body"].setdefault("items", [{"hs_code": "854231", "description": "ICs"}])
    item["record"]["body"].setdefault("route", [])
    assert validator("signed-record.json").is_valid(item)
    spoil(item)
    assert not validator("signed-record.json").is_valid(item)


def test_a_feed_page_entry_is_a_signed_record_or_a_stub(stored: list[dict]) -> None:
    full = stored[0]
    record = full["record"]
    stub = {"origin": record["origin"], "seq": record["seq"], "id": record["id"],
            "hash": "0" * 64, "marking": record["marking"]}
    page = {"origin": "GBR", "entries": [full, stub], "checkpoint": None, "next": None,
            "held": 1}
    check = validator("feed-page.json")
    assert check.is_valid(page)
    assert not check.is_valid({**page, "entries": [{**stub, "body": {}}]})
    assert not check.is_valid({**page, "entries": [{**stub, "seq": 0}]})
