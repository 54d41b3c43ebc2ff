"""Node identity endpoints, checkpoints and the OpenAPI document."""

from __future__ import annotations

from joserfc.jwk import OKPKey
from openapi_spec_validator import validate

from enforce_share.signing import jws


def test_node_reports_agency_and_keys_to_anyone_and_its_log_to_users(client, anonymous,
                                                                      drafts) -> None:
    """Anyone may learn who the node is and its public keys; how many records its log
    holds only a user or partner may (issue 17: it was told to anyone)."""
    client.post("/api/v1/records", json=drafts.payload())
    described = anonymous.get("/api/v1/node").json
    assert described["agency"] == "GBR"
    assert described["current_kid"] in described["kids"]
    assert "log" not in described and "2" not in {str(v) for v in described.values()}
    assert anonymous.get("/api/v1/checkpoints/GBR").status_code == 401
    assert client.get("/api/v1/checkpoints/GBR").json["checkpoint"]["seq"] == 2


def test_jwks_serves_public_keys_only(client) -> None:
    keys = client.get("/.well-known/enforce-share/jwks.json").json["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "Ed25519" and keys[0]["crv"] == "Ed25519"
    assert "d" not in keys[0]
    assert OKPKey.import_key({k: keys[0][k] for k in ("kty", "crv", "x")}).thumbprint() == \
        keys[0]["kid"]


def test_checkpoint_is_signed_and_matches_the_recomputed_chain(client, drafts) -> None:
    for kind in ("actor", "violation", "case"):
        client.post("/api/v1/records", json=drafts.payload(kind))
    checkpoint = client.get("/api/v1/checkpoints/GBR").json
    statement = checkpoint["checkpoint"]
    assert statement["seq"] == 4
    head = jws.ZERO_HEAD
    records = sorted((item["record"] for item in client.get(
        "/api/v1/records?include_superseded=true&limit=100").json["items"]),
        key=lambda record: record["seq"])
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    for record in records:  # protocol 2: the chain runs over each record's stub
        stub = {"origin": record["origin"], "seq": record["seq"], "id": record["id"],
                "hash": jws.record_hash(jws.canonical(record)), "marking": record["marking"]}
        head = jws.next_head(head, jws.record_hash(jws.canonical(stub)))
    assert statement["head"] == head
    key = client.get("/.well-known/enforce-share/jwks.json").json["keys"][0]
    jws.verify(checkpoint["jws"], jws.canonical(statement),
               OKPKey.import_key({k: key[k] for k in ("kty", "crv", "x")}))


def test_checkpoint_of_a_log_not_held_is_404(client) -> None:
    response = client.get("/api/v1/checkpoints/NZL")
    assert response.status_code == 404
    assert "origin" in response.json["error"]["fields"]


def test_openapi_document_is_valid_and_complete(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert {"/api/v1/records", "/api/v1/records/{record_id}", "/api/v1/node",
            "/api/v1/checkpoints/{origin}", "/.well-known/enforce-share/jwks.json"} <= set(
        spec["paths"])
    post = spec["paths"]["/api/v1/records"]["post"]
    assert "201" in post["responses"] and "422" in post["responses"]
    assert "Error" in spec["components"]["schemas"]
    assert "error" in spec["components"]["schemas"]["Error"]["properties"]
