"""GET /api/v1/feed: only signed partner requests; content only where the marking releases it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from http_message_signatures import HTTPMessageSigner, algorithms

from enforce_share.audit import trail
from enforce_share.partners import add_partner
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync import httpsig

MARKINGS = {
    "all": {"tlp": "green", "releasable_to": ["GBR", "USA", "CAN", "AUS", "NZL"]},
    "usa": {"tlp": "amber+strict", "releasable_to": ["GBR", "USA"]},
    "nzl": {"tlp": "amber", "releasable_to": ["GBR", "NZL"]},
    "red": {"tlp": "red", "releasable_to": ["GBR", "USA"]},
}


@pytest.fixture
def usa_signer(node, partner):
    """USA's current key, with USA registered as a partner of the GBR node."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), "http://127.0.0.1:1")
    with partner.reading() as session:
        return current_signer(session, "USA", partner.config.keys_dir)


@pytest.fixture
def client(anonymous):
    """Partner nodes sign their requests: they hold no bearer token."""
    return anonymous


def signed_headers(path: str, signer, created: datetime | None = None, nonce: str | None = None,
                   target: str = "GBR"):
    prepared = requests.Request("GET", f"http://localhost{path}").prepare()
    if created is None and nonce is None:
        httpsig.sign_request(prepared, signer.kid, signer.key.private_key, target)
    else:
        prepared.headers[httpsig.TARGET_HEADER] = target
        HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                          key_resolver=httpsig._Resolver(private=signer.key.private_key)).sign(
            prepared, key_id=signer.kid, created=created or datetime.now(UTC),
            nonce=nonce, label=httpsig.LABEL, tag=httpsig.TAG,
            covered_component_ids=httpsig.COVERED)
    return {k: v for k, v in prepared.headers.items()
            if k.startswith("Signature") or k == httpsig.TARGET_HEADER}


def get_feed(client, signer, path="/api/v1/feed?origin=GBR&after=0&limit=100", **kwargs):
    return client.get(path, headers=signed_headers(path, signer, **kwargs))


@pytest.fixture
def written(node, drafts):
    """One record per marking, after the key announcement (seq 1): seqs 2..5."""
    rows = node.add_records([drafts("actor", marking) for marking in MARKINGS.values()])
    return dict(zip(MARKINGS, rows, strict=True))


def test_partner_gets_released_records_and_placeholders_for_the_rest(client, usa_signer,
                                                                     written) -> None:
    page = get_feed(client, usa_signer)
    assert page.status_code == 200, page.json
    entries = page.json["entries"]
    assert [e.get("seq") or e["record"]["seq"] for e in entries] == [1, 2, 3, 4, 5]
    full = {e["record"]["id"] for e in entries if "record" in e}
    assert full == {written["all"].id, written["usa"].id, entries[0]["record"]["id"]}
    holes = [e for e in entries if "record" not in e]
    assert {e["seq"] for e in holes} == {written["nzl"].seq, written["red"].seq}
    for hole in holes:  # the stub: what the chain attests, the content kept back
        row = written["nzl"] if hole["seq"] == written["nzl"].seq else written["red"]
        assert hole == {"origin": "GBR", "seq": row.seq, "id": row.id,
                        "hash": row.record_hash, "marking": {
                            "tlp": row.tlp, "releasable_to": row.releasable_to}}
    assert page.json["checkpoint"]["checkpoint"]["seq"] == 5
    assert page.json["next"] is None and page.json["held"] == 5


def seqs_of(page: dict) -> list[int]:
    return [e.get("seq") or e["record"]["seq"] for e in page["entries"]]


def test_pages_end_at_a_checkpoint_and_continue_after_the_cursor(client, usa_signer,
                                                                 written) -> None:
    """Checkpoints of GBR's log: seq 1 (its key) and 5 (the four records, one write)."""
    first = get_feed(client, usa_signer, "/api/v1/feed?origin=GBR&after=0&limit=2").json
    assert (seqs_of(first), first["checkpoint"]["checkpoint"]["seq"]) == ([1], 1)
    assert first["next"] == 1
    # no checkpoint within the limit: the page runs on to the next one, never ending where
    # the puller could not link its entries to a head the origin signed
    rest = get_feed(client, usa_signer, "/api/v1/feed?origin=GBR&after=1&limit=2").json
    assert (seqs_of(rest), rest["checkpoint"]["checkpoint"]["seq"]) == ([2, 3, 4, 5], 5)
    assert rest["next"] is None
    done = get_feed(client, usa_signer, "/api/v1/feed?origin=GBR&after=5&limit=2").json
    assert (done["entries"], done["checkpoint"]["checkpoint"]["seq"], done["next"]) == (
        [], 5, None)


def test_entries_asked_for_by_seq(client, usa_signer, written) -> None:
    """How a node asks again for records owed to it: the seqs it names, as it may see them."""
    path = (f"/api/v1/feed?origin=GBR&seqs={written['usa'].seq},{written['nzl'].seq},"
            f"{written['all'].seq},99")
    page = get_feed(client, usa_signer, path).json
    assert seqs_of(page) == sorted([written["usa"].seq, written["nzl"].seq,
                                    written["all"].seq])  # 99 is not held: left out
    assert [("record" in e) for e in page["entries"]] == [
        seq != written["nzl"].seq for seq in seqs_of(page)]
    both = get_feed(client, usa_signer, "/api/v1/feed?origin=GBR&after=1&seqs=2")
    assert both.status_code == 422 and "seqs" in both.json["error"]["fields"]
    many = ",".join(str(n) for n in range(1, 1002))
    too_many = get_feed(client, usa_signer, f"/api/v1/feed?origin=GBR&seqs={many}")
    assert too_many.status_code == 422 and "seqs" in too_many.json["error"]["fields"]


def test_unsigned_request_is_401_with_an_audit_entry(client, node, usa_signer, written,
                                                    caplog) -> None:
    with caplog.at_level("WARNING", logger="enforce_share.audit"):
        response = client.get("/api/v1/feed?origin=GBR")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert any("refused GET /api/v1/feed" in r.getMessage() for r in caplog.records)
    with node.reading() as session:
        (entry,) = list(trail.entries(session, limit=1))
    assert (entry.actor, entry.action, entry.outcome) == ("anonymous", "GET /api/v1/feed", "401")


def test_a_served_page_is_audited_with_the_partner(client, node, usa_signer, written) -> None:
    assert get_feed(client, usa_signer).status_code == 200
    with node.reading() as session:
        (entry,) = list(trail.entries(session, limit=1))
    assert (entry.actor, entry.role, entry.outcome) == ("USA", "node", "200")
    assert json.loads(entry.target)["query"]["origin"] == ["GBR"]


def test_replayed_request_is_401(client, usa_signer, written) -> None:
    path = "/api/v1/feed?origin=GBR&after=0&limit=100"
    headers = signed_headers(path, usa_signer)
    assert client.get(path, headers=headers).status_code == 200
    replay = client.get(path, headers=headers)
    assert replay.status_code == 401
    assert "replay" in replay.json["error"]["message"]


def test_stale_request_is_401(client, usa_signer, written) -> None:
    old = datetime.now(UTC) - timedelta(seconds=400)
    assert get_feed(client, usa_signer, created=old, nonce="n-stale-1").status_code == 401


def test_request_from_the_future_is_401(client, usa_signer, written) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=400)
    assert get_feed(client, usa_signer, created=soon, nonce="n-future-1").status_code == 401


def test_changed_query_breaks_the_signature(client, usa_signer, written) -> None:
    headers = signed_headers("/api/v1/feed?origin=GBR&after=3", usa_signer)
    assert client.get("/api/v1/feed?origin=GBR&after=0", headers=headers).status_code == 401


def test_key_of_a_non_partner_is_401(client, tmp_path, written) -> None:
    from tests.conftest import make_node

    stranger = make_node(tmp_path / "can", "CAN")
    try:
        with stranger.reading() as session:
            signer = current_signer(session, "CAN", stranger.config.keys_dir)
        assert get_feed(client, signer).status_code == 401
    finally:
        stranger.close()


def test_withdrawn_record_is_served_as_a_placeholder(client, node, drafts, usa_signer,
                                                     written) -> None:
    target = written["all"]
    node.add_records([drafts.__class__()("actor")])  # an unrelated record, seq 6
    from enforce_share.records.drafts import Draft

    node.add_records([Draft("withdrawal", MARKINGS["all"],
                            {"target": target.id, "reason": "error"})])
    entries = get_feed(client, usa_signer).json["entries"]
    assert "record" not in entries[target.seq - 1]
    assert entries[target.seq - 1]["hash"] == target.record_hash


def test_the_json_page_is_the_document_page(node, written, partner) -> None:
    import json

    from enforce_share.sync.feed import feed_page, feed_page_json

    with node.reading() as session:
        document = feed_page(session, "USA", "GBR", 1, 3)
        text, count = feed_page_json(session, "USA", "GBR", 1, 3)
    assert json.loads(text) == document
    assert count == 4 and document["next"] is None and document["held"] == 5


@pytest.mark.parametrize("path, status", [
    ("/api/v1/checkpoints/GBR", 200),  # the node role: feed and checkpoints
    ("/api/v1/records", 401), ("/api/v1/audit", 401), ("/api/v1/sync/status", 401),
])
def test_a_partner_node_may_read_only_the_feed_and_checkpoints(client, usa_signer, written,
                                                               path, status) -> None:
    response = client.get(path, headers=signed_headers(path, usa_signer))
    assert response.status_code == status
