"""The TAXII 2.1 root at /taxii2/: discovery, collections per TLP level, objects and manifest
with added_after (on the time this node stored each record) and pages, markings per caller,
TAXII errors, bearer and HTTP Basic credentials; the taxii2-client package against a real
node (gunicorn); on both databases."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from importlib import resources
from typing import Any

import pytest
import requests
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_string
from taxii2client.v21 import Server, as_pages

from enforce_share.audit import trail
from enforce_share.clock import parse_timestamp
from enforce_share.db import upgrade
from enforce_share.exports.identifiers import collection_id
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.models import Record
from enforce_share.records.store import stored_now
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.bundle import export_bundle, import_bundle

from ..conftest import client_as, relay, token_for
from ..factories import DraftFactory
from ..processes import gunicorn_node
from .test_exports import DELIBERATE

TAXII = "application/taxii+json;version=2.1"
AMBER = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
COLLECTIONS = {tlp: collection_id(tlp) for tlp in ("clear", "green", "amber", "amber+strict",
                                                     "red")}
ROOT = "/taxii2/api/collections"
CHALLENGE = 'Basic realm="enforce-share TAXII"'


@pytest.fixture
def world(node: Node, partner: Node, drafts: DraftFactory) -> dict[str, str]:
    """Records at every TLP level; some of USA's are not released to GBR (relayed whole)."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids: dict[str, str] = {}

    def add(at: Node, name: str, draft: Draft) -> None:
        (row,) = at.add_records([draft])
        ids[name] = row.id

    everyone = ["USA", "GBR", "CAN", "AUS", "NZL"]
    add(partner, "U_ACTOR", drafts("actor", AMBER))
    add(partner, "U_HIDDEN", drafts("actor", {"tlp": "amber", "releasable_to": ["USA"]},
                                    name="Hidden Supplier GmbH", aliases=[]))
    add(partner, "U_GREEN", drafts("violation", {"tlp": "green", "releasable_to": everyone},
                                   parties=[{"actor": ids["U_ACTOR"], "role": "exporter"}]))
    add(partner, "U_STRICT", drafts("actor", {"tlp": "amber+strict",
                                              "releasable_to": ["USA", "CAN"]}))
    add(partner, "U_RED", drafts("actor", {"tlp": "red", "releasable_to": ["USA"]}))
    add(node, "G_CLEAR", drafts("actor", {"tlp": "clear", "releasable_to": everyone},
                                name="Public Front LLC"))
    add(node, "G_RED", drafts("actor", {"tlp": "red", "releasable_to": ["GBR"]}))
    for number in range(4):
        add(node, f"G_AMBER{number}", drafts.unique_actor())
    relay(node, partner)
    return ids


@pytest.fixture
def taxii(app, node: Node):
    return client_as(app, token_for(node, "analyst", "analyst"))


def get(client, path: str, status: int = 200) -> tuple[dict[str, Any], Any]:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == TAXII
    return json.loads(response.get_data(as_text=True)), response.headers


def records_in(objects: list[dict[str, Any]]) -> set[str]:
    return {item["x_enforce_share_record_id"] for item in objects
            if "x_enforce_share_record_id" in item}


def test_discovery_root_and_one_collection_per_tlp_level(world, taxii) -> None:
    discovery, _ = get(taxii, "/taxii2/")
    assert discovery["api_roots"] == [discovery["default"]]
    assert discovery["default"].endswith("/taxii2/api/")
    root, _ = get(taxii, "/taxii2/api/")
    assert root["versions"] == [TAXII]
    listed, _ = get(taxii, f"{ROOT}/")
    assert [(c["id"], c["title"], c["can_read"], c["can_write"])
            for c in listed["collections"]] == [
        (COLLECTIONS[tlp], f"TLP:{tlp.upper()}", True, False) for tlp in COLLECTIONS]
    one, _ = get(taxii, f"{ROOT}/{COLLECTIONS['green']}/")
    assert one["media_types"] == ["application/stix+json;version=2.1"]


def test_each_collection_holds_what_the_agency_may_see_at_its_level(world, taxii) -> None:
    held = {}
    for tlp, cid in COLLECTIONS.items():
        envelope, _ = get(taxii, f"{ROOT}/{cid}/objects/?limit=1000")
        held[tlp] = records_in(envelope["objects"])
        marks = {ref for item in envelope["objects"] for ref in item.get("object_marking_refs", [])}
        assert len(marks) <= 1  # only this level's marking
    assert held == {
        "clear": {world["G_CLEAR"]}, "green": {world["U_GREEN"]},
        "amber": {world["U_ACTOR"], *(world[f"G_AMBER{n}"] for n in range(4))},
        "amber+strict": set(),  # USA's is released to CAN, not to GBR
        "red": {world["G_RED"]}}  # its own RED only: USA's RED was relayed, never shown


def test_a_collection_is_valid_stix(world, taxii) -> None:
    envelope, _ = get(taxii, f"{ROOT}/{COLLECTIONS['green']}/objects/")
    bundle = {"type": "bundle", "id": "bundle--0d9f9dd3-0d68-4b1e-a3c0-4ac3f3c8a6d5",
              "objects": envelope["objects"]}
    result = validate_string(json.dumps(bundle), ValidationOptions(disabled=DELIBERATE))
    assert result.is_valid and not result.warnings, [str(e) for e in result.errors]
    types = {item["type"] for item in envelope["objects"]}
    assert {"report", "relationship", "marking-definition", "extension-definition"} <= types


def test_pages_follow_next_with_date_added_headers(world, taxii, node: Node,
                                                   drafts: DraftFactory) -> None:
    tied = node.add_records([drafts.unique_actor() for _ in range(3)])  # stored together
    assert len({row.stored for row in tied}) == 1
    path = f"{ROOT}/{COLLECTIONS['amber']}/objects/"
    whole, headers = get(taxii, path)
    assert records_in(whole["objects"]) >= {row.id for row in tied}
    assert whole["more"] is False and "next" not in whole
    paged, dates, query = [], [], "limit=2"
    while True:
        envelope, headers = get(taxii, f"{path}?{query}")
        paged += envelope["objects"]
        dates += [headers["X-TAXII-Date-Added-First"], headers["X-TAXII-Date-Added-Last"]]
        if not envelope["more"]:
            break
        assert len(envelope["objects"]) == 2
        query = f"limit=2&next={envelope['next']}"
    assert [item["id"] for item in paged] == [item["id"] for item in whole["objects"]]
    assert len({item["id"] for item in paged}) == len(paged)  # none twice, tied or not
    assert dates == sorted(dates)  # oldest added first, page after page


def test_added_after_gives_only_what_was_added_since(world, taxii, node: Node,
                                                     drafts: DraftFactory) -> None:
    path = f"{ROOT}/{COLLECTIONS['amber']}/objects/"
    _, headers = get(taxii, path)
    last = headers["X-TAXII-Date-Added-Last"]
    nothing = taxii.get(f"{path}?added_after={last}")
    assert json.loads(nothing.get_data()) == {"more": False}
    assert "X-TAXII-Date-Added-First" not in nothing.headers
    (new,) = node.add_records([drafts.unique_actor()])
    since, headers = get(taxii, f"{path}?added_after={last}")
    assert records_in(since["objects"]) == {new.id}
    assert headers["X-TAXII-Date-Added-First"] == new.stored


def bring(node: Node, partner: Node, how: str) -> None:
    """USA's log to GBR: as a pull stores it (ingest), or by a bundle USA exported for GBR."""
    if how == "sync":
        relay(node, partner)
        return
    lines: list[dict[str, Any]] = []
    with partner.transaction() as session:
        add_partner(session, "USA", "GBR", node.jwks(), None)
    with partner.reading() as session:
        export_bundle(session, "USA", "GBR", {}, lines.append, signer=current_signer(
            session, "USA", partner.config.keys_dir))
    assert all(outcome.error is None for outcome in import_bundle(node, lines))


@pytest.mark.parametrize("how", ["sync", "bundle"])
def test_a_record_arriving_after_a_poll_is_in_the_next_poll(world, taxii, node: Node,
                                                           partner: Node, drafts: DraftFactory,
                                                           how: str) -> None:
    """date_added is when this node stored a record, not when its origin signed it."""
    path = f"{ROOT}/{COLLECTIONS['amber']}"
    (late,) = partner.add_records([drafts("actor", AMBER, name="Late Arrival Ltd")])
    node.add_records([drafts.unique_actor()])  # stored here after USA signed `late`
    _, headers = get(taxii, f"{path}/objects/")
    last = headers["X-TAXII-Date-Added-Last"]
    assert late.created < last  # signed before the poll, not yet here
    bring(node, partner, how)
    since, headers = get(taxii, f"{path}/objects/?added_after={last}")
    assert records_in(since["objects"]) == {late.id}
    with node.reading() as session:
        stored = session.scalar(select(Record.stored).where(Record.id == late.id))
    assert stored > last and headers["X-TAXII-Date-Added-First"] == stored
    manifest, _ = get(taxii, f"{path}/manifest/?added_after={last}")
    assert {entry["date_added"] for entry in manifest["objects"]} == {stored}


def test_records_held_before_stored_times_keep_their_created_time(node: Node,
                                                                  drafts: DraftFactory) -> None:
    (old,) = node.add_records([drafts.unique_actor()])
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(resources.files("enforce_share") /
                                                   "migrations"))
    with node.engine.begin() as connection:  # back to before the column existed, and up
        alembic.attributes["connection"] = connection
        command.downgrade(alembic, "0004")
    upgrade(node.engine)
    with node.reading() as session:
        assert session.scalar(select(Record.stored).where(Record.id == old.id)) == old.created
    (new,) = node.add_records([drafts.unique_actor()])
    assert new.stored > old.stored


def test_stored_times_rise_with_storage_order_if_the_clock_steps_back(node: Node,
                                                                      drafts: DraftFactory
                                                                      ) -> None:
    (first,) = node.add_records([drafts.unique_actor()])
    with node.transaction() as session:
        stepped_back = stored_now(session, parse_timestamp(first.stored) - timedelta(hours=1))
    assert stepped_back > first.stored
    (second,) = node.add_records([drafts.unique_actor()])
    assert first.position < second.position and stepped_back < second.stored


def test_match_filters_and_the_manifest(world, taxii) -> None:
    path = f"{ROOT}/{COLLECTIONS['green']}"
    reports, _ = get(taxii, f"{path}/objects/?match[type]=report")
    (report,) = reports["objects"]
    assert report["x_enforce_share_record_id"] == world["U_GREEN"]
    by_id, _ = get(taxii, f"{path}/objects/?match[id]={report['id']},identity--nothing")
    assert by_id["objects"] == [report]
    at, _ = get(taxii, f"{path}/objects/?match[type]=report&match[version]={report['modified']}")
    assert at["objects"] == [report]
    (marking,) = get(taxii, f"{path}/objects/?match[type]=marking-definition")[0]["objects"]
    assert marking["name"] == "TLP:GREEN"
    manifest, headers = get(taxii, f"{path}/manifest/?match[type]=report")
    assert manifest["objects"] == [{"id": report["id"], "date_added": headers[
        "X-TAXII-Date-Added-First"], "version": report["modified"],
        "media_type": "application/stix+json;version=2.1"}]


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("added_after=yesterday", "added_after"),
    ("next=bm9wZQ", "next"), ("match[colour]=red", "match[colour]"),
])
def test_bad_filters_are_a_taxii_400_naming_the_field(world, taxii, query: str,
                                                      field: str) -> None:
    error, _ = get(taxii, f"{ROOT}/{COLLECTIONS['amber']}/objects/?{query}", 400)
    assert error["http_status"] == "400" and field in error["details"]


def test_next_holds_its_filters(world, taxii) -> None:
    path = f"{ROOT}/{COLLECTIONS['amber']}/objects/"
    first, _ = get(taxii, f"{path}?limit=1")
    error, _ = get(taxii, f"{path}?limit=1&match[type]=identity&next={first['next']}", 400)
    assert "next" in error["details"]


def test_taxii_errors(world, taxii, app, node: Node) -> None:
    error, _ = get(taxii, f"{ROOT}/0b3f6e0c-2a8f-4c47-9d5e-3a1e9a2f1b10/objects/", 404)
    assert error["error_code"] == "not_found" and error["error_id"]
    refused = taxii.get("/taxii2/", headers={"Accept": "application/json"})
    assert refused.status_code == 406 and refused.headers["Content-Type"] == TAXII
    anonymous, _ = get(app.test_client(), "/taxii2/", 401)
    assert anonymous["error_code"] == "unauthorized"
    admin = client_as(app, token_for(node, "root", "admin"))
    assert get(admin, f"{ROOT}/", 403)[0]["error_code"] == "forbidden"


def test_taxii_reads_are_audited(world, taxii, node: Node) -> None:
    taxii.get(f"{ROOT}/{COLLECTIONS['clear']}/objects/")
    with node.reading() as session:
        (entry,) = [trail.as_dict(e) for e in trail.entries(session, limit=1)]
    assert entry["action"] == "GET /taxii2/api/collections/<collection_id>/objects/"
    assert entry["target"]["collection"] == "clear"
    assert entry["target"]["records"] == [world["G_CLEAR"]]


def basic(credentials: bytes) -> dict[str, str]:
    """An HTTP Basic Authorization header of ``user:password`` bytes."""
    return {"Authorization": f"Basic {base64.b64encode(credentials).decode()}"}


def test_http_basic_takes_the_users_token_as_password(world, app, node: Node) -> None:
    token = token_for(node, "tip", "analyst")
    response = app.test_client().get(f"{ROOT}/{COLLECTIONS['clear']}/objects/",
                                     headers=basic(f"tip:{token}".encode()))
    assert response.status_code == 200
    assert records_in(json.loads(response.get_data())["objects"]) == {world["G_CLEAR"]}
    with node.reading() as session:
        (entry,) = [trail.as_dict(e) for e in trail.entries(session, limit=1)]
    assert (entry["actor"], entry["outcome"]) == ("tip", "200")


def test_bad_credentials_on_taxii_are_a_401_naming_basic(app, node: Node) -> None:
    token = token_for(node, "tip", "analyst")
    other = token_for(node, "other", "analyst")
    revoked = token_for(node, "gone", "analyst")
    node.revoke_token(revoked.split("_")[1])
    wrong_secret = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused = [
        basic(f"tip:{other}".encode()),  # another user's token
        basic(f"someone:{token}".encode()),  # a name that is not the token's user's
        basic(f":{token}".encode()),
        basic(f"tip:{wrong_secret}".encode()),
        basic(f"gone:{revoked}".encode()),
        basic(b"tip:"), basic(token.encode()),  # no password; no colon
        basic(b"tip:\xff\xfe"), {"Authorization": "Basic not*base64"},
        {"Authorization": "Bearer es_wrong"}, {},
    ]
    for headers in refused:
        response = app.test_client().get("/taxii2/", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == CHALLENGE
        assert json.loads(response.get_data())["error_code"] == "unauthorized"


def test_http_basic_is_for_taxii_only(app, node: Node) -> None:
    token = token_for(node, "tip", "analyst")
    response = app.test_client().get("/api/v1/records", headers=basic(f"tip:{token}".encode()))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


class Bearer(requests.auth.AuthBase):
    """The node's personal API token, as TAXII clients send custom credentials."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.mark.slow
def test_a_taxii_client_pages_a_real_node(world, node: Node, drafts: DraftFactory) -> None:
    token = token_for(node, "tip", "analyst")
    with gunicorn_node(node.config.data_dir, node.config.database_url, workers=2) as base, \
            Server(f"{base}/taxii2/", auth=Bearer(token)) as server:
        assert server.title == "enforce-share node GBR"
        root = server.default
        collections = {collection.title: collection for collection in root.collections}
        assert list(collections) == ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER",
                                     "TLP:AMBER+STRICT", "TLP:RED"]
        amber = collections["TLP:AMBER"]
        pages = list(as_pages(amber.get_objects, per_request=3))
        assert len(pages) > 2 and all(len(page["objects"]) == 3 for page in pages[:-1])
        objects = [item for page in pages for item in page["objects"]]
        assert objects == amber.get_objects()["objects"]
        assert records_in(objects) == {world["U_ACTOR"], *(world[f"G_AMBER{n}"] for n in range(4))}
        manifest = [entry for page in as_pages(amber.get_manifest, per_request=4)
                    for entry in page["objects"]]
        assert [entry["id"] for entry in manifest] == [item["id"] for item in objects]
        last = manifest[-1]["date_added"]
        (new,) = node.add_records([drafts.unique_actor()])
        node.add_records([Draft("actor", {"tlp": "amber", "releasable_to": ["GBR"]},
                                drafts.unique_actor().body)])  # amber, for GBR only: its own
        fresh = [item for page in as_pages(amber.get_objects, per_request=3, added_after=last)
                 for item in page["objects"]]
        assert len(records_in(fresh)) == 2 and new.id in records_in(fresh)
        assert world["U_HIDDEN"] not in json.dumps(objects + fresh)


@pytest.mark.slow
def test_a_taxii_client_signs_in_with_http_basic(world, node: Node) -> None:
    token = token_for(node, "tip", "analyst")
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    with gunicorn_node(node.config.data_dir, node.config.database_url, workers=1) as base:
        with Server(f"{base}/taxii2/", user="tip", password=token) as server:
            clear = next(c for c in server.default.collections if c.title == "TLP:CLEAR")
            assert records_in(clear.get_objects()["objects"]) == {world["G_CLEAR"]}
        with Server(f"{base}/taxii2/", user="tip", password=wrong) as server, \
                pytest.raises(requests.HTTPError) as refused:
            server.refresh()
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"] == CHALLENGE
