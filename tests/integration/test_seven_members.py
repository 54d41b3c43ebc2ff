"""Issue 15: a federation of seven, five founding members and two admitted by a signed
membership change, real gunicorn nodes syncing over HTTP; every node holds in full exactly
what the origins released to it, records released only to the new members included."""

from __future__ import annotations

import json
import urllib.request
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import select

from enforce_share import members
from enforce_share.config import load_config
from enforce_share.members import FOUNDING
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.models import Record
from enforce_share.signing import authority
from enforce_share.signing.root_keys import create_root

from ..conftest import make_node, root_of, token_for
from ..processes import gunicorn_node
from ..promise import broken_promises

pytestmark = pytest.mark.slow
NEW = ("DEU", "JPN")


def post(url: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/api/v1/records", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["record"]


def marking(*agencies: str, tlp: str = "amber") -> dict[str, Any]:
    return {"tlp": tlp, "releasable_to": list(agencies)}


def signed(statement: dict[str, Any], *roots) -> dict[str, Any]:
    document = authority.unsigned(statement)
    for root in roots:
        document = authority.sign(document, root)
    return document


@pytest.fixture
def seven(tmp_path):
    """Five founding nodes with the founding document; DEU and JPN admitted by version 2,
    which GBR publishes signed by 3 of the 5 roots; each new node set up with both versions.
    Every node trusts every other's key and knows its URL; all serve by gunicorn."""
    nodes = {code: make_node(tmp_path / code, code) for code in FOUNDING.codes}
    founding = signed({"statement": "membership", "version": 1, "quorum": 3, "members": [
        {"code": code, "name": FOUNDING.member(code).name, **root_of(node).public()}
        for code, node in nodes.items()]}, *(root_of(node) for node in nodes.values()))
    for node in nodes.values():
        node.install_membership(founding)
    roots = {code: create_root(tmp_path / f"{code}-root", 1, 1) for code in NEW}
    admission = signed({**founding["statement"], "version": 2, "members": [
        *founding["statement"]["members"],
        *({"code": code, "name": f"{code} export enforcement", **roots[code].public()}
          for code in NEW)]}, *(root_of(nodes[code]) for code in ("GBR", "USA", "CAN")))
    nodes["GBR"].publish_statement(admission)
    for code in NEW:
        config = load_config(tmp_path / code, agency=code)
        nodes[code], _ = Node.initialise(config, roots[code], [founding, admission])
    tokens = {code: token_for(node, "analyst", "analyst") for code, node in nodes.items()}
    with ExitStack() as stack:
        urls = {code: stack.enter_context(gunicorn_node(node.config.data_dir, None, workers=1))
                for code, node in nodes.items()}
        for code, node in nodes.items():
            with node.transaction() as session:
                for other, peer in nodes.items():
                    if other != code:
                        add_partner(session, code, other, peer.jwks(), urls[other])
        yield nodes, urls, tokens
    for node in nodes.values():
        node.close()
    members.reset()


def rounds(nodes: dict[str, Node], count: int) -> None:
    for _ in range(count):
        for node in nodes.values():
            node.sync()


def test_seven_members_keep_the_promise(seven, drafts) -> None:
    nodes, urls, tokens = seven
    rounds(nodes, 1)  # the founding members learn of DEU and JPN from GBR's log
    written = [
        post(urls["USA"], tokens["USA"], {**drafts.payload("actor"),
                                          "marking": marking("USA", "DEU")}),
        post(urls["USA"], tokens["USA"], {**drafts.payload("violation"),
                                          "marking": marking("USA", "JPN", "GBR")}),
        post(urls["DEU"], tokens["DEU"], {**drafts.payload("actor"),
                                          "marking": marking("DEU", "JPN")}),
        post(urls["DEU"], tokens["DEU"], {**drafts.payload("case"),
                                          "marking": marking("DEU", "NZL", "CAN",
                                                             tlp="amber+strict")}),
        post(urls["JPN"], tokens["JPN"], {**drafts.payload("procurement_trend"),
                                          "marking": marking("JPN", "AUS", "DEU", tlp="green")}),
        post(urls["JPN"], tokens["JPN"], {**drafts.payload("actor"),
                                          "marking": marking("JPN", tlp="red")}),
        post(urls["GBR"], tokens["GBR"], {**drafts.payload("actor"),
                                          "marking": marking(*FOUNDING.codes, *NEW,
                                                             tlp="green")}),
    ]
    rounds(nodes, 3)
    assert broken_promises(nodes) == []
    for code, node in nodes.items():
        with node.reading() as session:
            held = set(session.scalars(select(Record.id)))
        for record in written:
            mine = record["origin"] == code
            released = record["marking"]["tlp"] != "red" and code in record["marking"][
                "releasable_to"]
            assert (record["id"] in held) == (mine or released), (code, record["marking"])
    assert all(set(NEW) <= set(node.refresh_membership().codes) for node in nodes.values())
