"""Property: users of a node see a record, in every read, exactly when its marking lets them.

Records of other origins are stored here whatever their marking (as a relay that broke the
rules would hand them over): the read paths alone must keep them from the node's users.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from enforce_share.app import create_app
from enforce_share.markings import TLP_ORDER, combined, releasable, visible
from enforce_share.members import FOUNDING
from enforce_share.partners import add_partner
from enforce_share.records.ingest import ingest
from enforce_share.records.models import LogHead, Record
from enforce_share.records.queries import signed

from ..conftest import client_as, make_node, token_for
from ..factories import DraftFactory

markings = st.builds(lambda tlp, agencies: {"tlp": tlp, "releasable_to": agencies},
                     st.sampled_from(TLP_ORDER),
                     st.lists(st.sampled_from(FOUNDING.codes), min_size=1, unique=True))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A GBR node trusting a USA node, and GBR's app with an analyst signed in."""
    root = tmp_path_factory.mktemp("markings")
    gbr, usa = make_node(root / "GBR", "GBR"), make_node(root / "USA", "USA")
    with gbr.transaction() as session:
        add_partner(session, "GBR", "USA", usa.jwks(), None)
    app = create_app(gbr.config)
    app.config["TESTING"] = True
    client = client_as(app, token_for(gbr, "analyst", "analyst"))
    yield {"gbr": gbr, "usa": usa, "client": client, "allowed": set()}
    app.extensions["enforce_share"].close()
    gbr.close()
    usa.close()


def relay(world: dict[str, Any], marks: list[dict[str, Any]]) -> list[Any]:
    """USA writes records so marked; GBR stores them all, released to it or not."""
    rows = world["usa"].add_records([DraftFactory()("actor", mark) for mark in marks])
    with world["gbr"].reading() as session:
        head = session.get(LogHead, "USA")
        held = head.seq if head else 0
    with world["usa"].reading() as session:  # the log from where GBR's copy ends
        log = [signed(row) for row in session.scalars(select(Record).where(
            Record.origin == "USA", Record.seq > held).order_by(Record.seq))]
    with world["gbr"].transaction() as session:
        ingest(session, world["gbr"].registry(), log, "GBR")
    return rows


@settings(max_examples=40, deadline=None)  # at most 320 records: one page of 500
@given(usa_marks=st.lists(markings, min_size=1, max_size=5),
       own_marks=st.lists(markings, max_size=3))
def test_every_read_shows_exactly_what_the_marking_allows(world, usa_marks, own_marks) -> None:
    client = world["client"]
    theirs = relay(world, usa_marks)
    ours = world["gbr"].add_records([DraftFactory()("actor", mark) for mark in own_marks])
    written = {row.id: row for row in [*theirs, *ours]}
    allowed = {rid for rid, row in written.items()
               if visible("GBR", row.origin, row.tlp, row.releasable_to)}
    listed = {item["record"]["id"] for item in client.get(
        "/api/v1/records?limit=500").json["items"]}  # newest first: this example's are in
    assert listed & set(written) == allowed
    for rid in written:
        response = client.get(f"/api/v1/records/{rid}")
        assert response.status_code == (200 if rid in allowed else 404), rid
        if rid not in allowed:  # not even its existence: the answer of an unknown id
            assert response.json["error"]["message"] == f"No record {rid}"
    world["allowed"] |= allowed  # every example's actors share a name and an address
    for query in ("name=Tekhno+Treyd", "q=yerevan", "country=AM&type=actor"):
        page = client.get(f"/api/v1/search?{query}&limit=200").json
        assert page["total"] == len(world["allowed"]), query
        assert sum(page["facets"]["origin"].values()) == page["total"]
        assert {item["record"]["id"] for item in page["items"]} & set(written) == allowed


@given(st.lists(markings, max_size=6))
def test_a_derived_output_is_as_restrictive_as_its_most_restricted_record(marks) -> None:
    tlp, releasable_to = combined((m["tlp"], m["releasable_to"]) for m in marks)
    assert all(TLP_ORDER.index(tlp) >= TLP_ORDER.index(m["tlp"]) for m in marks)
    for agency in FOUNDING.codes:
        assert (agency in releasable_to) == all(agency in m["releasable_to"] for m in marks)
        if not all(releasable(m["tlp"], m["releasable_to"], agency) for m in marks):
            assert not releasable(tlp, releasable_to, agency)
