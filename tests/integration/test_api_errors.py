"""Bad input gets a 4xx JSON error naming the field, and nothing is stored."""

from __future__ import annotations

import copy

import pytest

from .test_api_records import post, stored_count


@pytest.fixture
def before(node) -> int:
    return stored_count(node)


def invalid(payload, path, value):
    """``payload`` with the value at ``path`` (dotted, list indexes as numbers) replaced."""
    changed = copy.deepcopy(payload)
    target = changed
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = value
    return changed


@pytest.mark.parametrize("path, value, field_path", [
    ("body.route", ["US", "XX"], ["body", "route"]),
    ("body.items.0.hs_code", "8542.31", ["body", "items"]),
    ("body.items.0.hs_code", "85423", ["body", "items"]),
    ("body.items.0.eccn", "3Z999", ["body", "items"]),
    ("body.items.0.value.currency", "USX", ["body", "items"]),
    ("body.detected_on", "14/03/2026", ["body", "detected_on"]),
    ("body.status", "rumoured", ["body", "status"]),
    ("body.violation_types", "transshipment", ["body", "violation_types"]),
    ("body.unexpected", 1, ["body", "unexpected"]),
    ("marking.tlp", "white", ["marking", "tlp"]),
    ("marking.releasable_to", ["GBR", "FRA"], ["marking", "releasable_to"]),
    ("marking.releasable_to", ["GBR", "GBR"], ["marking", "releasable_to"]),
    ("supersedes", "not-a-uuid", ["supersedes"]),
    ("type", "rumour", ["type"]),
])
def test_invalid_field_is_named_and_nothing_stored(client, drafts, node, before, path, value,
                                                   field_path) -> None:
    response = post(client, invalid(drafts.payload("violation"), path, value))
    assert response.status_code == 422
    problems = response.json["error"]["fields"]
    for key in field_path:
        assert key in problems, response.json
        problems = problems[key]
    assert stored_count(node) == before


def test_unknown_top_level_field_is_refused(client, drafts, node, before) -> None:
    response = post(client, {**drafts.payload(), "origin": "USA"})
    assert response.status_code == 422
    assert "origin" in response.json["error"]["fields"]
    assert stored_count(node) == before


def test_missing_fields_are_each_named(client, node, before) -> None:
    response = post(client, {})
    assert response.status_code == 422
    assert {"type", "marking", "body"} <= set(response.json["error"]["fields"])


def test_malformed_json_is_400(client, node, before) -> None:
    response = client.post("/api/v1/records", data='{"type": "actor",',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert stored_count(node) == before


def test_non_json_content_type_is_415(client, drafts, node, before) -> None:
    response = client.post("/api/v1/records", data="type=actor",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Content-Type" in response.json["error"]["fields"]
    assert stored_count(node) == before


def test_oversize_body_is_413(client, drafts, node, before) -> None:
    payload = drafts.payload("actor", notes="x" * 10)
    body = '{"pad": "' + "x" * (1024 * 1024) + '", ' + str(payload)[1:]
    response = client.post("/api/v1/records", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "body" in response.json["error"]["fields"]
    assert stored_count(node) == before


def test_body_limit_is_configurable(node, drafts) -> None:
    from dataclasses import replace

    from enforce_share.app import create_app

    small = create_app(replace(node.config, max_body_bytes=200))
    try:
        response = small.test_client().post("/api/v1/records", json=drafts.payload("violation"))
        assert response.status_code == 413
    finally:
        small.extensions["enforce_share"].close()


def test_unknown_route_is_json_404(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_withdrawing_another_agencys_record_is_refused(client, drafts, node, partner) -> None:
    from enforce_share.partners import add_partner
    from enforce_share.records.ingest import ingest
    from enforce_share.records.queries import signed

    (usa_record,) = partner.add_records([drafts("actor", {"tlp": "green",
                                                          "releasable_to": ["USA", "GBR"]})])
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    with partner.reading() as session:
        documents = [signed(row) for row in partner_rows(session)]
    with node.transaction() as session:
        ingest(session, node.registry(), documents, "GBR")
    response = post(client, {"type": "withdrawal", "marking": drafts.payload()["marking"],
                             "body": {"target": usa_record.id, "reason": "not ours"}})
    assert response.status_code == 422
    assert "target" in response.json["error"]["fields"]["body"]


def partner_rows(session):
    from sqlalchemy import select

    from enforce_share.records.models import Record

    return session.scalars(select(Record).order_by(Record.seq))
