"""GET /api/v1/logs/<origin>/proof/...: RFC 9162 proofs a caller checks against the root."""

from __future__ import annotations

import pytest

from enforce_share.transparency import merkle, tree

from ..conftest import client_as, token_for


@pytest.fixture
def logged(node, drafts):
    """GBR's log with 11 entries or more (its key record and audit anchors included)."""
    node.add_records([drafts.unique_actor() for _ in range(10)])
    with node.reading() as session:
        return tree.held_size(session, "GBR")


def _hashes(values: list[str]) -> list[bytes]:
    return [merkle.decode(value) for value in values]


def test_an_inclusion_proof_verifies_against_the_trees_root(client, node, logged) -> None:
    response = client.get(f"/api/v1/logs/GBR/proof/inclusion?seq=3&size={logged}")
    assert response.status_code == 200
    body = response.json
    with node.reading() as session:
        assert merkle.decode(body["root"]) == tree.root(session, "GBR", logged)
    assert (body["origin"], body["seq"], body["size"]) == ("GBR", 3, logged)
    assert len(body["proof"]) == (logged - 1).bit_length()
    merkle.verify_inclusion(2, logged, merkle.decode(body["leaf"]), _hashes(body["proof"]),
                            merkle.decode(body["root"]))


def test_a_consistency_proof_verifies_between_the_two_roots(client, node, logged) -> None:
    response = client.get(f"/api/v1/logs/GBR/proof/consistency?from=5&to={logged}")
    assert response.status_code == 200
    body = response.json
    with node.reading() as session:
        assert merkle.decode(body["from_root"]) == tree.root(session, "GBR", 5)
    assert (body["from"], body["to"]) == (5, logged)
    merkle.verify_consistency(5, logged, _hashes(body["proof"]), merkle.decode(body["from_root"]),
                              merkle.decode(body["to_root"]))


@pytest.mark.parametrize(("query", "field"), [
    ("inclusion?seq=4&size=3", "seq"), ("inclusion?seq=1", "size"),
    ("inclusion?seq=0&size=3", "seq"), ("inclusion?seq=x&size=3", "seq"),
    ("consistency?from=4&to=3", "from"), ("consistency?from=1", "to"),
    ("consistency?from=1&to=-2", "to"),
])
def test_bad_parameters_are_refused_naming_the_field(client, logged, query, field) -> None:
    response = client.get(f"/api/v1/logs/GBR/proof/{query}")
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize(("path", "field"), [
    ("GBR/proof/inclusion?seq=1&size=100000", "size"),
    ("GBR/proof/consistency?from=1&to=100000", "to"),
    ("NZL/proof/inclusion?seq=1&size=1", "size"), ("XXX/proof/inclusion?seq=1&size=1", "origin"),
])
def test_a_tree_not_held_is_404_naming_the_field(client, logged, path, field) -> None:
    response = client.get(f"/api/v1/logs/{path}")
    assert response.status_code == 404
    assert field in response.json["error"]["fields"]


def test_proofs_need_a_user_or_a_partner(app, node, anonymous, logged) -> None:
    assert anonymous.get("/api/v1/logs/GBR/proof/inclusion?seq=1&size=1").status_code == 401
    admin = client_as(app, token_for(node, "root", "admin"))
    assert admin.get("/api/v1/logs/GBR/proof/inclusion?seq=1&size=1").status_code == 200


def test_the_openapi_document_has_the_proofs(client) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for name, query in (("inclusion", {"seq", "size"}), ("consistency", {"from", "to"})):
        path = paths[f"/api/v1/logs/{{origin}}/proof/{name}"]
        names = {p["name"] for p in path.get("parameters", []) + path["get"]["parameters"]}
        assert names >= query | {"origin"}
        assert {"200", "404", "422"} <= set(path["get"]["responses"])
