"""A withdrawal or new version must be released to every agency its target was released to.

Otherwise it never reaches the partners holding the target, where the target stays current
and is found by search (issue 13). The own node refuses such a draft on write (422 naming
``marking``) and stores nothing of its batch.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from enforce_share.demo.scenario import generate_scenario, write_scenario
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.errors import InvalidInput
from enforce_share.markings import covers
from enforce_share.records.drafts import Draft
from enforce_share.records.models import LogHead, Record

USA_CAN = {"tlp": "amber", "releasable_to": ["USA", "CAN"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}
WIDER = {"tlp": "green", "releasable_to": ["GBR", "USA", "CAN", "NZL"]}
RED = {"tlp": "red", "releasable_to": ["GBR"]}


def head_seq(node) -> int:
    with node.reading() as session:
        return session.scalar(select(LogHead.seq).where(LogHead.origin == node.agency))


def stored_count(node) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).select_from(Record))


def post(client, payload: dict[str, Any]):
    return client.post("/api/v1/records", json=payload)


def posted(client, drafts, marking: dict[str, Any], type: str = "violation") -> dict[str, Any]:
    response = post(client, {**drafts.payload(type), "marking": marking})
    assert response.status_code == 201
    return response.json["record"]


def withdrawal(target_id: str, marking: dict[str, Any]) -> dict[str, Any]:
    return {"type": "withdrawal", "marking": marking,
            "body": {"target": target_id, "reason": "Entered in error"}}


def new_version(drafts, target_id: str, marking: dict[str, Any]) -> dict[str, Any]:
    return {**drafts.payload("violation", status="confirmed"), "marking": marking,
            "supersedes": target_id}


def assert_refused_naming_marking(response, missing: str) -> None:
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["marking"]
    assert list(error["fields"]["marking"]) == ["releasable_to"]
    assert missing in error["message"]
    assert missing in error["fields"]["marking"]["releasable_to"][0]


# --- over the HTTP API ---------------------------------------------------------------------


def test_api_narrower_withdrawal_is_422_naming_marking(client, drafts, node) -> None:
    target = posted(client, drafts, USA_CAN)
    seq = head_seq(node)
    response = post(client, withdrawal(target["id"], USA_ONLY))
    assert_refused_naming_marking(response, "CAN")
    assert "withdrawal" in response.json["error"]["message"]
    assert head_seq(node) == seq
    assert client.get(f"/api/v1/records/{target['id']}").status_code == 200


def test_api_narrower_new_version_is_422_naming_marking(client, drafts, node) -> None:
    target = posted(client, drafts, USA_CAN)
    seq = head_seq(node)
    response = post(client, new_version(drafts, target["id"], USA_ONLY))
    assert_refused_naming_marking(response, "CAN")
    assert "new version" in response.json["error"]["message"]
    assert head_seq(node) == seq
    assert client.get(f"/api/v1/records/{target['id']}").json["latest"] == target["id"]


def test_api_red_new_version_of_a_released_record_is_422(client, drafts, node) -> None:
    target = posted(client, drafts, USA_CAN)
    response = post(client, new_version(drafts, target["id"], RED))
    assert_refused_naming_marking(response, "USA")


@pytest.mark.parametrize("marking", [USA_CAN, WIDER], ids=["equal", "wider"])
def test_api_withdrawal_marked_equal_or_wider_is_201(client, drafts, marking) -> None:
    target = posted(client, drafts, USA_CAN)
    assert post(client, withdrawal(target["id"], marking)).status_code == 201
    assert client.get(f"/api/v1/records/{target['id']}").status_code == 410


@pytest.mark.parametrize("marking", [USA_CAN, WIDER], ids=["equal", "wider"])
def test_api_new_version_marked_equal_or_wider_is_201(client, drafts, marking) -> None:
    target = posted(client, drafts, USA_CAN)
    response = post(client, new_version(drafts, target["id"], marking))
    assert response.status_code == 201
    latest = client.get(f"/api/v1/records/{target['id']}").json["latest"]
    assert latest == response.json["record"]["id"]


@pytest.mark.parametrize("marking", [RED, USA_ONLY], ids=["red", "amber"])
def test_api_any_withdrawal_of_a_red_target_is_201(client, drafts, marking) -> None:
    target = posted(client, drafts, RED)
    assert post(client, withdrawal(target["id"], marking)).status_code == 201


# --- through Node.add_records (the CLI's and the scenario loader's path) -----------------


def test_node_refuses_a_narrower_withdrawal_and_stores_nothing(node, drafts) -> None:
    (target,) = node.add_records([drafts("violation", USA_CAN)])
    seq, count = head_seq(node), stored_count(node)
    with pytest.raises(InvalidInput) as refused:
        node.add_records([Draft("withdrawal", USA_ONLY,
                                {"target": target.id, "reason": "Entered in error"})])
    assert "CAN" in refused.value.message
    assert set(refused.value.fields) == {"marking"}
    assert (head_seq(node), stored_count(node)) == (seq, count)


def test_node_refuses_a_narrower_new_version_and_stores_nothing(node, drafts) -> None:
    (target,) = node.add_records([drafts("violation", USA_CAN)])
    seq, count = head_seq(node), stored_count(node)
    update = drafts("violation", USA_ONLY, status="confirmed")
    with pytest.raises(InvalidInput) as refused:
        node.add_records([Draft(update.type, update.marking, update.body, target.id)])
    assert "CAN" in refused.value.message
    assert set(refused.value.fields) == {"marking"}
    assert (head_seq(node), stored_count(node)) == (seq, count)


def test_node_refuses_a_narrower_withdrawal_of_a_draft_of_the_same_batch(node, drafts) -> None:
    seq, count = head_seq(node), stored_count(node)
    first = Draft("violation", USA_CAN, drafts("violation").body,
                  id="3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f")
    gone = Draft("withdrawal", USA_ONLY, {"target": first.id, "reason": "Entered in error"})
    with pytest.raises(InvalidInput) as refused:
        node.add_records([first, gone])
    assert set(refused.value.fields) == {"marking"}
    assert (head_seq(node), stored_count(node)) == (seq, count)


def test_node_refuses_a_narrower_new_version_of_a_draft_of_the_same_batch(node, drafts) -> None:
    seq, count = head_seq(node), stored_count(node)
    first = Draft("violation", USA_CAN, drafts("violation").body,
                  id="3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f")
    update = Draft("violation", USA_ONLY, drafts("violation", status="confirmed").body,
                   supersedes=first.id)
    with pytest.raises(InvalidInput) as refused:
        node.add_records([first, update])
    assert set(refused.value.fields) == {"marking"}
    assert (head_seq(node), stored_count(node)) == (seq, count)


def test_node_stores_a_covering_new_version_and_withdrawal_in_one_batch(node, drafts) -> None:
    first = Draft("violation", USA_CAN, drafts("violation").body,
                  id="3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f")
    update = Draft("violation", USA_CAN, drafts("violation", status="confirmed").body,
                   supersedes=first.id, id="9b2d1c4e-5f6a-4b7c-8d9e-0a1b2c3d4e5f")
    gone = Draft("withdrawal", WIDER, {"target": update.id, "reason": "Entered in error"})
    assert len(node.add_records([first, update, gone])) == 3


# --- the demo scenario ------------------------------------------------------------------


def test_the_scenario_marks_every_change_to_reach_its_target_s_audience() -> None:
    drafts = list(generate_scenario(3000, 7))
    marking = {draft["id"]: draft["marking"] for draft in drafts}
    changes = [(draft["marking"], marking[draft["supersedes"] or draft["body"]["target"]])
               for draft in drafts if draft["supersedes"] or draft["type"] == "withdrawal"]
    assert len(changes) > 100
    assert [change for change in changes if not covers(
        change[0]["tlp"], change[0]["releasable_to"],
        change[1]["tlp"], change[1]["releasable_to"])] == []


def test_a_generated_scenario_loads_on_the_node(node, tmp_path) -> None:
    path = tmp_path / "scenario.jsonl"
    write_scenario(path, 3000, 7)
    loaded = load_own_drafts(node, path)
    assert loaded.stored > 0
    with node.reading() as session:
        withdrawals = session.scalar(select(func.count()).select_from(Record)
                                     .where(Record.type == "withdrawal"))
    assert withdrawals > 0
