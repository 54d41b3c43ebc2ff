"""The graph index's scoring cost stays linear however many actors share one key (issue 17:
1,900 actors sharing one phone number were 1.8 million scored pairs, 52 s and 3.1 GB)."""

from __future__ import annotations

import uuid

from enforce_share.entities.blocking import SAMPLE
from enforce_share.graph.index import GraphIndex
from enforce_share.graph.view import View

PHONE = "+374 10 555 0100"
MARKING = {"tlp": "green", "releasable_to": ["GBR", "USA"]}


def actor(name: str, number: int) -> dict:
    return {"id": str(uuid.UUID(int=number + 1)), "origin": "GBR", "seq": number + 1,
            "type": "actor", "marking": MARKING, "created": "2026-01-01T00:00:00Z",
            "supersedes": None,
            "body": {"kind": "company", "name": name, "countries": ["AM"],
                     "identifiers": [{"scheme": "phone", "value": PHONE}]}}


def flood(count: int) -> list[dict]:
    """``count`` actors giving one phone number: unrelated names, and every tenth one the
    same front company spelt once more."""
    return [actor("Tekhno Treyd LLC" if number % 10 == 0 else f"Company {number:04d}-"
                  f"{uuid.UUID(int=number * 7919).hex[:6]} Holdings", number)
            for number in range(count)]


def read(records: list[dict], one_by_one: bool) -> GraphIndex:
    index = GraphIndex()
    for batch in ([[record] for record in records] if one_by_one else [records]):
        arrived: list[str] = []
        for record in batch:
            index._hold(record, arrived)
            index.current.add(record["id"])
        index._score(arrived)
    return index


def scored_pairs(index: GraphIndex) -> int:
    return sum(len(found) for found in index.matches.values()) // 2


def entities(index: GraphIndex) -> set[frozenset[str]]:
    view = View.build("GBR", index)
    return {frozenset(data["members"]) for _, data in view.graph.nodes(data=True)}


def test_actors_sharing_one_key_are_scored_linearly_and_look_alikes_still_join() -> None:
    records = flood(1200)
    index = read(records, one_by_one=False)
    # each actor is scored against at most SAMPLE others per key it shares: the phone, and
    # for the look-alikes their name run together (the common words pair nobody)
    assert scored_pairs(index) <= 2 * SAMPLE * len(records)
    same = frozenset(record["id"] for record in records
                     if record["body"]["name"] == "Tekhno Treyd LLC")
    assert same in entities(index)  # 120 spellings of one company: one entity
    view = View.build("GBR", index)
    assert view.graph.number_of_edges() <= 2 * SAMPLE * len(records)


def test_a_flood_resolves_the_same_read_at_once_or_one_by_one() -> None:
    records = flood(300)
    assert entities(read(records, one_by_one=False)) == entities(read(records,
                                                                      one_by_one=True))
