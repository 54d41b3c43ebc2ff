"""Regressions found in review: each test reproduces one report."""

from __future__ import annotations

import base64
import io
import json
import os
import stat

import pytest
from sqlalchemy import select

from enforce_share.errors import InvalidInput, KeyManagementError
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.ingest import ingest
from enforce_share.records.models import Record
from enforce_share.records.queries import signed
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer

from ..conftest import make_node

SHARED = {"tlp": "green", "releasable_to": ["USA", "GBR"]}


def usa_signed(partner, record):
    with partner.reading() as session:
        signer = current_signer(session, "USA", partner.config.keys_dir)
    return {"record": record, "jws": signer.sign(jws.canonical(record))}


def test_a_partner_record_superseding_itself_is_harmless(node, partner, drafts, client) -> None:
    partner.add_records([drafts("actor", SHARED)])
    with partner.reading() as session:
        documents = [signed(r) for r in session.scalars(select(Record).order_by(Record.seq))]
    loop = dict(documents[-1]["record"], seq=3, id="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    loop["supersedes"] = loop["id"]
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    with node.transaction() as session:
        ingest(session, node.registry(), documents + [usa_signed(partner, loop)], "GBR")
    view = client.get(f"/api/v1/records/{loop['id']}")
    assert view.status_code == 200
    assert [v["id"] for v in view.json["versions"]] == [loop["id"]]


@pytest.mark.parametrize("path, value", [
    (("items", 0, "hs_code"), "854231\n"), (("route", 0), "AM\n"),
    (("detected_on",), "2026-03-14\n"), (("items", 0, "eccn"), "3A991\n"),
])
def test_a_trailing_newline_is_refused_before_signing(client, drafts, path, value) -> None:
    payload = drafts.payload("violation")
    target = payload["body"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    response = client.post("/api/v1/records", json=payload)
    assert response.status_code == 422
    assert path[0] in response.json["error"]["fields"]["body"]


@pytest.mark.parametrize("draft, field", [
    (Draft("actor", {"tlp": "purple", "releasable_to": ["GBR"]}, {"kind": "company",
                                                                   "name": "A"}), "marking"),
    (Draft("actor", {"tlp": "amber", "releasable_to": ["GBR"], "x": 1}, {"kind": "company",
                                                                          "name": "A"}),
     "marking"),
    (Draft("actor", {"tlp": "amber"}, {"kind": "company", "name": "A"}), "marking"),
    (Draft("actor", {"tlp": "amber", "releasable_to": ["GBR"]}, {"kind": "company", "name": "A"},
           id="my-id"), "id"),
    (Draft("actor", {"tlp": "amber", "releasable_to": ["GBR"]},
           {"kind": "company", "name": "X\ud800"}), "body"),
])
def test_node_refuses_drafts_partners_would_reject(node, draft, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        node.add_records([draft])
    assert field in caught.value.fields


def test_a_lone_surrogate_is_422_naming_the_body(client, drafts) -> None:
    body = json.dumps(drafts.payload("actor")).replace("Tekhno Treyd LLC", "X\\ud800")
    response = client.post("/api/v1/records", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "body" in response.json["error"]["fields"]


def test_withdrawing_a_root_record_or_a_withdrawal_is_refused(node, client, drafts) -> None:
    key_record = client.get("/api/v1/records?type=root").json["items"][0]["record"]
    marking = drafts.payload()["marking"]
    response = client.post("/api/v1/records", json={
        "type": "withdrawal", "marking": marking,
        "body": {"target": key_record["id"], "reason": "x"}})
    assert response.status_code == 422


def test_init_refuses_a_data_dir_that_holds_a_node(tmp_path) -> None:
    make_node(tmp_path / "n", "GBR").close()
    from enforce_share.config import load_config

    with pytest.raises(KeyManagementError, match="already holds a node"):
        Node.initialise(load_config(tmp_path / "n", agency="USA"))


def test_embedded_database_and_data_dir_are_owner_only(tmp_path) -> None:
    make_node(tmp_path / "n", "GBR").close()
    assert stat.S_IMODE(os.stat(tmp_path / "n").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "n" / "node.db").st_mode) == 0o600


@pytest.mark.parametrize("position", ["true", "99999999999999999999999", "-1", "1.5", '"7"'])
def test_crafted_cursors_are_422(client, position) -> None:
    cursor = base64.urlsafe_b64encode(f'{{"p": {position}}}'.encode()).decode().rstrip("=")
    response = client.get(f"/api/v1/records?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor" in response.json["error"]["fields"]


def test_chunked_oversize_body_is_413(client) -> None:
    body = b'{"type": "actor", "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = client.post("/api/v1/records", input_stream=io.BytesIO(body),
                           content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


def test_server_errors_reveal_no_internals(node, client, monkeypatch) -> None:
    from enforce_share.errors import ConfigError

    def broken(*args, **kwargs):
        raise ConfigError(f"No node in {node.config.data_dir}")

    monkeypatch.setattr(Node, "describe", broken)
    response = client.get("/api/v1/node")
    assert response.status_code == 500
    assert str(node.config.data_dir) not in response.get_data(as_text=True)
    assert response.json["error"] == {"code": "internal_error", "message": "Internal error",
                                      "fields": {},
                                      "request_id": response.headers["X-Request-ID"]}


def test_a_partner_jwk_with_a_private_member_is_refused(node, partner) -> None:
    jwks = partner.jwks()
    jwks["keys"][0]["d"] = "A" * 43
    with pytest.raises(InvalidInput, match="private"), node.transaction() as session:
        add_partner(session, "GBR", "USA", jwks, None)
