"""Issue 15: membership is data. The founding document every member signs, a new version a
quorum signs, carried in a member's log to every partner; shapes and markings follow it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from enforce_share import members
from enforce_share.app import create_app
from enforce_share.errors import InvalidInput
from enforce_share.members import FOUNDING
from enforce_share.partners import add_partner
from enforce_share.signing import authority
from enforce_share.signing.keys import generate_key
from enforce_share.signing.models import MembershipVersion
from enforce_share.signing.root_keys import RootKeys

from ..conftest import client_as, make_node, root_of, token_for
from .test_roots import pull

NEW = {"tlp": "amber", "releasable_to": ["GBR", "DEU"]}


@pytest.fixture(autouse=True)
def founding_only() -> Iterator[None]:
    """Each test starts and ends with this process knowing the founding partners only."""
    members.reset()
    yield
    members.reset()


@pytest.fixture
def five(tmp_path) -> Iterator[dict[str, Any]]:
    """The founding members' nodes (each with its root keys beside it)."""
    nodes = {code: make_node(tmp_path / code, code) for code in FOUNDING.codes}
    yield nodes
    for node in nodes.values():
        node.close()


def founding(nodes: dict[str, Any], quorum: int = 3) -> dict[str, Any]:
    statement = {"statement": "membership", "version": 1, "quorum": quorum, "members": [
        {"code": code, "name": FOUNDING.member(code).name,
         **root_of(node).public()} for code, node in nodes.items()]}
    return authority.unsigned(statement)


def signed_by(document: dict[str, Any], *roots: RootKeys) -> dict[str, Any]:
    for root in roots:
        document = authority.sign(document, root)
    return document


def admitting(current: dict[str, Any], code: str, root: RootKeys) -> dict[str, Any]:
    statement = {**current["statement"], "version": current["statement"]["version"] + 1,
                 "members": [*current["statement"]["members"], {
                     "code": code, "name": f"{code} export enforcement", **root.public()}]}
    return authority.unsigned(statement)


def test_the_founding_document_needs_every_members_root(five) -> None:
    document = founding(five)
    short = signed_by(document, *(root_of(node) for node in list(five.values())[:4]))
    with pytest.raises(InvalidInput, match="below_threshold"):
        five["GBR"].install_membership(short)
    whole = signed_by(document, *(root_of(node) for node in five.values()))
    assert five["GBR"].install_membership(whole) is True
    assert five["GBR"].install_membership(whole) is False  # held already: no change
    with five["GBR"].reading() as session:
        assert session.get(MembershipVersion, 1).source == "import"


@pytest.fixture
def federation(five) -> dict[str, Any]:
    """Five founding nodes holding the signed founding document and trusting each other."""
    document = signed_by(founding(five), *(root_of(node) for node in five.values()))
    for node in five.values():
        node.install_membership(document)
    for node in five.values():
        with node.transaction() as session:
            for other in five.values():
                if other is not node:
                    add_partner(session, node.agency, other.agency, other.jwks(), None)
    return {"nodes": five, "founding": document}


def test_a_new_member_is_admitted_by_a_quorum_and_partners_follow(federation, drafts) -> None:
    """DEU's admission, signed by 3 of the 5 roots, is published in GBR's log; USA follows by
    pulling GBR; records released to DEU are written, and a marking naming DEU before was
    refused."""
    nodes = federation["nodes"]
    gbr, usa = nodes["GBR"], nodes["USA"]
    app = create_app(gbr.config)
    client = client_as(app, token_for(gbr, "ann", "analyst"))
    before = client.post("/api/v1/records", json={**drafts.payload("actor"), "marking": NEW})
    assert before.status_code == 422 and "releasable_to" in str(before.json["error"]["fields"])
    deu_root = RootKeys((generate_key(),), 1)
    draft = admitting(federation["founding"], "DEU", deu_root)
    too_few = signed_by(draft, root_of(gbr), root_of(usa))
    with pytest.raises(InvalidInput, match="below_threshold"):
        gbr.publish_statement(too_few)
    record = gbr.publish_statement(signed_by(draft, root_of(gbr), root_of(usa),
                                             root_of(nodes["CAN"])))
    assert record.type == "membership" and members.codes()[-1] == "DEU"
    after = client.post("/api/v1/records", json={**drafts.payload("actor"), "marking": NEW})
    assert after.status_code == 201, after.json
    members.reset()  # USA's process has not heard of DEU: it learns of it from GBR's log
    pull(usa, gbr)
    with usa.reading() as session:
        assert session.get(MembershipVersion, 2).source == record.id
    assert "DEU" in usa.refresh_membership().codes
    app.extensions["enforce_share"].close()


def test_a_membership_that_drops_a_member_is_refused(federation) -> None:
    nodes = federation["nodes"]
    statement = {**federation["founding"]["statement"], "version": 2,
                 "members": federation["founding"]["statement"]["members"][:4]}
    document = signed_by(authority.unsigned(statement), *(root_of(n) for n in nodes.values()))
    with pytest.raises(InvalidInput, match="membership_shrinks"):
        nodes["GBR"].publish_statement(document)


def test_an_old_membership_version_is_refused(federation) -> None:
    nodes = federation["nodes"]
    statement = {**federation["founding"]["statement"], "quorum": 2}  # version 1 again
    document = signed_by(authority.unsigned(statement), *(root_of(n) for n in nodes.values()))
    with pytest.raises(InvalidInput, match="membership_rollback"):
        nodes["GBR"].install_membership(document)
