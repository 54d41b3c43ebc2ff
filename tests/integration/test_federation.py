"""Real node processes (gunicorn) on loopback syncing signed records by pull."""

from __future__ import annotations

import json
import urllib.request
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from enforce_share.markings import releasable
from enforce_share.members import FOUNDING
from enforce_share.partners import add_partner
from enforce_share.records.models import Placeholder, Record
from enforce_share.records.verify import verify_signed_record

from ..conftest import make_node, recomputed_chain, token_for
from ..processes import gunicorn_node

pytestmark = pytest.mark.slow


def post(node: tuple[str, str], payload: dict) -> dict:
    """POST a record to a node ``(url, analyst token)``."""
    base, token = node
    request = urllib.request.Request(f"{base}/api/v1/records", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["record"]


@pytest.fixture
def federation(tmp_path):
    """Five nodes, each trusting the others' keys and knowing their URLs."""
    nodes = {agency: make_node(tmp_path / agency, agency) for agency in FOUNDING.codes}
    tokens = {agency: token_for(node, "analyst", "analyst") for agency, node in nodes.items()}
    with ExitStack() as stack:
        urls = {agency: (stack.enter_context(gunicorn_node(node.config.data_dir, None,
                                                           workers=1)), tokens[agency])
                for agency, node in nodes.items()}
        for agency, node in nodes.items():
            with node.transaction() as session:
                for other, peer in nodes.items():
                    if other != agency:
                        add_partner(session, agency, other, peer.jwks(), urls[other][0])
        yield nodes, urls, stack
    for node in nodes.values():
        node.close()


def marking(*agencies: str, tlp: str = "amber") -> dict:
    return {"tlp": tlp, "releasable_to": list(agencies)}


def search(node: tuple[str, str], query: str) -> dict:
    """GET /api/v1/search of a node ``(url, analyst token)``."""
    base, token = node
    request = urllib.request.Request(f"{base}/api/v1/search?{query}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def content(node) -> dict[tuple[str, int], str]:
    with node.reading() as session:
        return {(r.origin, r.seq): r.id for r in session.scalars(select(Record))}


def holes(node) -> set[tuple[str, int]]:
    with node.reading() as session:
        return {(p.origin, p.seq) for p in session.scalars(select(Placeholder))}


def test_every_node_holds_exactly_what_is_released_to_it(federation, drafts) -> None:
    nodes, urls, _ = federation
    written = [
        post(urls["GBR"], {**drafts.payload("actor"), "marking": marking("GBR", "USA", "NZL")}),
        post(urls["GBR"], {**drafts.payload("violation"), "marking": marking("GBR", "NZL")}),
        post(urls["GBR"], {**drafts.payload("case"), "marking": marking("GBR", "USA",
                                                                          tlp="amber+strict")}),
        post(urls["GBR"], {**drafts.payload("actor"), "marking": marking("GBR", "NZL",
                                                                          tlp="red")}),
        post(urls["USA"], {**drafts.payload("procurement_trend"),
                           "marking": marking("USA", "GBR", "NZL", tlp="green")}),
        post(urls["NZL"], {**drafts.payload("actor"), "marking": marking("NZL", "GBR")}),
        post(urls["CAN"], {**drafts.payload("violation"), "marking": marking(*FOUNDING.codes)}),
        post(urls["AUS"], {**drafts.payload("case"), "marking": marking("AUS", "NZL", "CAN",
                                                                         tlp="amber+strict")}),
        post(urls["AUS"], {**drafts.payload("actor"), "marking": marking("AUS", tlp="red")}),
    ]
    before = {agency: search(url, "limit=200")["total"] for agency, url in urls.items()}
    for _ in range(2):
        for agency in FOUNDING.codes:
            outcomes = nodes[agency].sync()
            assert not [o for o in outcomes if o.error], outcomes
    for agency, node in nodes.items():
        held = content(node)
        expected = {(r["origin"], r["seq"]) for r in written
                    if r["origin"] == agency or releasable(r["marking"]["tlp"],
                                                           r["marking"]["releasable_to"], agency)}
        written_keys = {(r["origin"], r["seq"]) for r in written}
        assert {key for key in held if key in written_keys} == expected, agency
        # the node's web worker, which searched before the sync, finds what the sync stored
        page = search(urls[agency], "limit=200")
        assert {(i["record"]["origin"], i["record"]["seq"]) for i in page["items"]} == expected
        assert page["total"] == len(expected) >= before[agency], agency
        # every other origin's log is complete: content or placeholder for each seq
        for origin in FOUNDING.codes:
            if origin == agency:
                continue
            seqs = {seq for (o, seq) in held if o == origin} | {
                seq for (o, seq) in holes(node) if o == origin}
            top = nodes[origin].describe()["log"]["seq"]
            assert seqs == set(range(1, top + 1)), (agency, origin)
    # the GBR record released to NZL only never reached USA, in any form but a placeholder
    nzl_only = written[1]
    assert nzl_only["id"] not in content(nodes["USA"]).values()
    assert ("GBR", nzl_only["seq"]) in holes(nodes["USA"])
    assert nzl_only["id"] in content(nodes["NZL"]).values()


def test_chains_verify_against_the_origins_checkpoint(federation, drafts) -> None:
    nodes, urls, _ = federation
    for agency in FOUNDING.codes:
        post(urls[agency], {**drafts.payload("actor"), "marking": marking(*FOUNDING.codes)})
    for agency in FOUNDING.codes:
        nodes[agency].sync()
    for agency, node in nodes.items():
        for origin in FOUNDING.codes:
            if origin == agency:
                continue
            top, head = recomputed_chain(node, origin)
            checkpoint = nodes[origin].checkpoint(origin)["checkpoint"]
            assert (top, head) == (checkpoint["seq"], checkpoint["head"])


def test_a_record_reaches_nzl_through_usa_while_gbr_is_down(federation, drafts) -> None:
    nodes, urls, stack = federation
    record = post(urls["GBR"], {**drafts.payload("violation"),
                                "marking": marking("GBR", "USA", "NZL")})
    nodes["USA"].sync("GBR")
    stack.close()  # every node process stops; USA comes back alone
    with gunicorn_node(nodes["USA"].config.data_dir, None, workers=1) as usa_url:
        with nodes["NZL"].transaction() as session:
            add_partner(session, "NZL", "USA", nodes["USA"].jwks(), usa_url)
        outcomes = nodes["NZL"].sync()
        assert any(o.peer == "GBR" and o.error for o in outcomes)  # GBR is down
    held = content(nodes["NZL"])
    assert held[("GBR", record["seq"])] == record["id"]
    with nodes["NZL"].reading() as session:
        row = session.scalar(select(Record).where(Record.id == record["id"]))
        document = {"record": json.loads(row.canonical), "jws": row.jws}
    assert verify_signed_record(nodes["NZL"].registry(), document)["origin"] == "GBR"
