"""POST/GET /api/v1/records: the node numbers, signs and stores; reads show versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from enforce_share.records.models import Record
from enforce_share.records.verify import verify_signed_record

from ..conftest import postgresql_is_slow


def stored_count(node) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).select_from(Record))


def post(client, payload, **kwargs):
    return client.post("/api/v1/records", json=payload, **kwargs)


def test_post_returns_signed_record_with_next_seq(client, drafts, node) -> None:
    response = post(client, drafts.payload("violation"))
    assert response.status_code == 201
    record = response.json["record"]
    assert record["origin"] == "GBR"
    assert record["seq"] == 2  # seq 1 is the node's own key announcement
    assert response.headers["Location"].endswith(record["id"])
    assert verify_signed_record(node.registry(), response.json) == record


def test_seqs_count_up_without_gaps(client, drafts) -> None:
    seqs = [post(client, drafts.payload(kind)).json["record"]["seq"]
            for kind in ("actor", "violation", "procurement_trend", "case")]
    assert seqs == [2, 3, 4, 5]


def test_get_returns_the_stored_record_and_hash(client, drafts) -> None:
    created = post(client, drafts.payload("procurement_trend")).json
    response = client.get(f"/api/v1/records/{created['record']['id']}")
    assert response.status_code == 200
    assert response.json["record"] == created["record"]
    assert response.json["jws"] == created["jws"]
    assert len(response.json["hash"]) == 64


def test_unknown_record_is_404_naming_the_id(client) -> None:
    response = client.get("/api/v1/records/3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert "id" in response.json["error"]["fields"]


def test_supersede_links_versions_and_list_shows_latest(client, drafts) -> None:
    first = post(client, drafts.payload("violation")).json["record"]
    update = drafts.payload("violation", status="confirmed")
    second = post(client, {**update, "supersedes": first["id"]}).json["record"]
    view = client.get(f"/api/v1/records/{first['id']}").json
    assert view["latest"] == second["id"]
    assert [v["id"] for v in view["versions"]] == [first["id"], second["id"]]
    listed = [item["record"]["id"] for item in
              client.get("/api/v1/records?type=violation").json["items"]]
    assert listed == [second["id"]]
    everything = client.get("/api/v1/records?type=violation&include_superseded=true").json
    assert {item["record"]["id"] for item in everything["items"]} == {first["id"], second["id"]}


def test_superseding_an_old_version_is_a_conflict(client, drafts) -> None:
    first = post(client, drafts.payload("violation")).json["record"]
    post(client, {**drafts.payload("violation"), "supersedes": first["id"]})
    again = post(client, {**drafts.payload("violation"), "supersedes": first["id"]})
    assert again.status_code == 409
    assert "supersedes" in again.json["error"]["fields"]


def test_supersede_must_keep_the_type(client, drafts) -> None:
    actor = post(client, drafts.payload("actor")).json["record"]
    response = post(client, {**drafts.payload("case"), "supersedes": actor["id"]})
    assert response.status_code == 422
    assert "supersedes" in response.json["error"]["fields"]


def test_withdrawn_record_is_gone_but_stays_in_the_log(client, drafts, node) -> None:
    actor = post(client, drafts.payload("actor")).json["record"]
    withdrawal = {"type": "withdrawal", "marking": drafts.payload()["marking"],
                  "body": {"target": actor["id"], "reason": "Reported in error"}}
    assert post(client, withdrawal).status_code == 201
    assert client.get(f"/api/v1/records/{actor['id']}").status_code == 410
    listed = client.get("/api/v1/records?type=actor").json["items"]
    assert actor["id"] not in {item["record"]["id"] for item in listed}
    with node.reading() as session:
        assert session.scalar(select(Record.seq).where(Record.id == actor["id"])) == 2


def test_key_records_cannot_be_posted(client, node) -> None:
    from enforce_share.signing.keys import generate_key, public_jwk

    jwk = public_jwk(generate_key())
    body = {"kid": jwk["kid"], "jwk": jwk, "valid_from": "2026-01-01T00:00:00Z"}
    response = post(client, {"type": "key", "marking": {"tlp": "clear", "releasable_to": ["GBR"]},
                             "body": body})
    assert response.status_code == 422
    assert "type" in response.json["error"]["fields"]


def test_pagination_visits_every_record_once(client, drafts) -> None:
    ids = {post(client, drafts.payload("actor", name=f"Firm {n}")).json["record"]["id"]
           for n in range(7)}
    seen, cursor = [], None
    while True:
        query = "/api/v1/records?type=actor&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query).json
        seen += [item["record"]["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == ids


def test_pagination_is_stable_while_records_arrive(client, drafts) -> None:
    for n in range(4):
        post(client, drafts.payload("actor", name=f"Old {n}"))
    page = client.get("/api/v1/records?type=actor&limit=2").json
    post(client, drafts.payload("actor", name="Arrived meanwhile"))
    rest = client.get(f"/api/v1/records?type=actor&limit=10&cursor={page['next']}").json
    names = [item["record"]["body"]["name"] for item in page["items"] + rest["items"]]
    assert names == ["Old 3", "Old 2", "Old 1", "Old 0"]


def test_filter_by_origin(client, drafts) -> None:
    post(client, drafts.payload("actor"))
    assert client.get("/api/v1/records?origin=USA").json["items"] == []
    assert len(client.get("/api/v1/records?origin=GBR&type=actor").json["items"]) == 1


@postgresql_is_slow  # refused before any query
@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("type=rumour", "type"),
    ("origin=FRA", "origin"), ("cursor=not-a-cursor", "cursor"),
])
def test_bad_query_names_the_parameter(client, query, field) -> None:
    response = client.get(f"/api/v1/records?{query}")
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
