"""Property: the feed gives a partner a record's content exactly when its marking releases it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enforce_share.app import create_app
from enforce_share.markings import TLP_ORDER
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.signing.node_keys import current_signer

from ..conftest import make_node
from ..factories import DraftFactory
from .test_feed_replay import signed

PARTNERS = ("USA", "CAN", "AUS", "NZL")
PUBLIC = {"tlp": "clear", "releasable_to": ["GBR", *PARTNERS]}

markings = st.builds(
    lambda tlp, releasable_to: {"tlp": tlp, "releasable_to": releasable_to},
    st.sampled_from(TLP_ORDER),
    st.lists(st.sampled_from(PARTNERS), unique=True).flatmap(
        lambda others: st.permutations(["GBR", *others])),  # order is kept as written
)


@pytest.fixture(scope="module")
def federation(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A GBR node with its app, and the signers of its four partners (built once)."""
    root = tmp_path_factory.mktemp("authz")
    gbr = make_node(root / "GBR", "GBR")
    signers = {}
    for agency in PARTNERS:
        partner = make_node(root / agency, agency)
        with gbr.transaction() as session:
            add_partner(session, "GBR", agency, partner.jwks(), None)
        with partner.reading() as session:
            signers[agency] = current_signer(session, agency, partner.config.keys_dir)
        partner.close()
    app = create_app(gbr.config)
    app.config["TESTING"] = True
    yield {"gbr": gbr, "client": app.test_client(), "signers": signers}
    app.extensions["enforce_share"].close()
    gbr.close()


@settings(max_examples=50, deadline=None)
@given(written=st.lists(markings, min_size=1, max_size=6), requester=st.sampled_from(PARTNERS),
       withdraw_first=st.booleans())
def test_feed_releases_content_exactly_as_marked(federation, written, requester,
                                                 withdraw_first) -> None:
    gbr, client = federation["gbr"], federation["client"]
    after = gbr.describe()["log"]["seq"]
    drafts = DraftFactory()
    rows = gbr.add_records([drafts("actor", marking) for marking in written])
    if withdraw_first:
        rows += gbr.add_records([Draft("withdrawal", PUBLIC, {"target": rows[0].id,
                                                              "reason": "issued in error"})])
    marked = [*written, PUBLIC] if withdraw_first else written
    withdrawn = {rows[0].id} if withdraw_first else set()
    path = f"/api/v1/feed?origin=GBR&after={after}&limit={len(rows)}"
    headers = signed(path, federation["signers"][requester], "GBR", host="localhost")
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.json
    entries = response.json["entries"]
    assert len(entries) == len(rows)
    for row, marking, entry in zip(rows, marked, entries, strict=True):
        released = (marking["tlp"] != "red" and requester in marking["releasable_to"]
                    and row.id not in withdrawn)
        if released:
            assert entry["record"]["id"] == row.id and entry["record"]["seq"] == row.seq
            assert entry["record"]["marking"] == marking
        else:  # a placeholder (whatever else it says of the entry): never the content
            assert "record" not in entry and "body" not in entry
            assert (entry["origin"], entry["seq"], entry["hash"]) == ("GBR", row.seq,
                                                                      row.record_hash)
    # the same signed request again is a replay; without signature headers, a stranger
    assert client.get(path, headers=headers).status_code == 401
    assert client.get(path).status_code == 401
