"""Issue 15: keys bound to log positions, an agency root, disavowals; as partners see them.

Each attack of the issue is here as a test: a retired key's backdated record, a stolen online
key announcing or revoking keys (through a relay or openly), a root version going back, and
recovery by the root (rotate, disavow) reaching partners by sync and by bundle, a partner
that joins after the disavowal included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from enforce_share.errors import VerificationError
from enforce_share.markings import public_marking
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.ingest import ingest
from enforce_share.records.models import LogHead, Placeholder, Record
from enforce_share.records.queries import signed
from enforce_share.search.query import Query
from enforce_share.signing import authority, jws, statements
from enforce_share.signing.keys import generate_key, load_private_key, public_jwk
from enforce_share.signing.root_keys import RootKeys
from enforce_share.sync.bundle import export_bundle, import_bundle
from enforce_share.sync.puller import sync_round

from ..conftest import client_as, make_node, root_of, token_for
from ..promise import LocalPeer

SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA", "NZL"]}


@pytest.fixture
def gbr(node):
    """The GBR node (root version 1 at seq 1) and its root keys."""
    return node


@pytest.fixture
def usa(partner, gbr):
    """USA, a partner of GBR that pulls GBR's log."""
    for one, other in ((partner, gbr), (gbr, partner)):
        with one.transaction() as session:
            add_partner(session, one.agency, other.agency, other.jwks(), None)
    return partner


def pull(puller, *sources) -> None:
    """One round: ``puller`` pulls every log from each of ``sources`` (no HTTP)."""
    outcomes = sync_round(puller, [LocalPeer(source, puller.agency) for source in sources])
    assert [o.error for o in outcomes if o.error] == []


def head(node, origin: str = "GBR") -> int:
    with node.reading() as session:
        found = session.get(LogHead, origin)
        return found.seq if found else 0


def forged(node, kid: str, kind: str, body: dict[str, Any], seq: int | None = None
           ) -> dict[str, Any]:
    """What a thief holding GBR's private key ``kid`` can sign: a record of ``kind`` at the
    next seq of GBR's log (or ``seq``), public, as a relay or a bundle would carry it."""
    record = Draft(kind, public_marking(), body).envelope("GBR", seq or head(node) + 1)
    key = load_private_key(node.config.keys_dir, kid)
    return {"record": record, "jws": jws.sign(jws.canonical(record), key, kid)}


def refused_at(usa, entry: dict[str, Any]) -> str:
    """The reason USA's ingest refuses ``entry`` (as a pull or an import would)."""
    with pytest.raises(VerificationError) as caught, usa.transaction() as session:
        ingest(session, usa.registry(), [entry], "USA")
    return caught.value.reason


def current_kid(node) -> str:
    return node.describe()["current_kid"]


# --- a stolen or retired online key -----------------------------------------------------------


def test_a_stolen_online_key_cannot_announce_a_key(gbr, usa) -> None:
    pull(usa, gbr)
    thief = public_jwk(generate_key())
    entry = forged(gbr, current_kid(gbr), "key", {"kid": thief["kid"], "jwk": thief,
                                                  "valid_from": "2026-01-01T00:00:00Z"})
    assert refused_at(usa, entry) == "not_root_signed"


def test_a_stolen_online_key_cannot_revoke_the_current_key(gbr, usa) -> None:
    pull(usa, gbr)
    entry = forged(gbr, current_kid(gbr), "key_revocation", {
        "kid": current_kid(gbr), "revoked_at": "2026-01-01T00:00:00Z", "reason": "mine now"})
    assert refused_at(usa, entry) == "not_root_signed"


def test_a_stolen_online_key_cannot_make_a_root_of_its_own(gbr, usa, tmp_path) -> None:
    """A root version 2 naming the thief's key, signed by root keys the thief made: version
    1's root keys did not sign it."""
    pull(usa, gbr)
    own_root = RootKeys((generate_key(),), 1)
    thief = generate_key()
    statement = authority.root_statement("GBR", 2, own_root.public(), [public_jwk(thief)])
    document = {"statement": statement, "signatures": statements.sign(statement,
                                                                        own_root.keys)}
    record = Draft("root", public_marking(), document).envelope("GBR", head(gbr) + 1)
    entry = {"record": record, "jws": jws.sign(jws.canonical(record), thief,
                                               thief.thumbprint())}
    assert refused_at(usa, entry) == "below_threshold"


def test_a_retired_key_writes_nothing_through_a_relay(gbr, usa, drafts) -> None:
    """After a rotation, the old key's record at the next seq is refused wherever it comes
    from, however it is dated (its place in the log, not its date, decides)."""
    old, _ = gbr.rotate_key(root_of(gbr))
    pull(usa, gbr)
    with gbr.reading() as session:
        first = session.scalar(select(Record.created).where(Record.seq == 1))
    entry = forged(gbr, old, "actor", drafts("actor").body)
    entry["record"]["created"] = first  # dated before the rotation
    key = load_private_key(gbr.config.keys_dir, old)
    entry["jws"] = jws.sign(jws.canonical(entry["record"]), key, old)
    assert refused_at(usa, entry) == "key_retired"


def test_a_root_version_never_goes_back_or_skips(gbr, usa) -> None:
    root = root_of(gbr)
    gbr.rotate_key(root)  # root version 2
    pull(usa, gbr)
    new = current_kid(gbr)
    for version, reason in ((2, "root_rollback"), (1, "root_rollback"), (4, "root_gap")):
        with gbr.reading() as session:
            held = authority.latest_root(session, "GBR").statement
        statement = {**held, "version": version}
        document = {"statement": statement, "signatures": statements.sign(statement,
                                                                            root.keys)}
        assert refused_at(usa, forged(gbr, new, "root", document)) == reason


# --- recovery by the root, as partners follow it ----------------------------------------------


@pytest.fixture
def compromised(gbr, usa, drafts):
    """GBR's log with three records its stolen key signed (seqs 3-5, between two of its
    own), then the root's recovery: a rotation (seq 7) and the disavowal of seqs 3-5."""
    gbr.add_records([drafts("actor", SHARED)])  # seq 2: genuine
    stolen = gbr.add_records([drafts("actor", SHARED), drafts("violation", SHARED),
                              drafts("case", SHARED)])  # seqs 3-5: the thief's
    gbr.add_records([drafts("actor", SHARED)])  # seq 6: genuine, before anyone noticed
    old, _ = gbr.rotate_key(root_of(gbr))
    draft = gbr.draft_disavowal(old, [(3, 5)], "key copied from a laptop")
    gbr.publish_statement(authority.sign(draft, root_of(gbr)))
    return [row.id for row in stolen]


def disavowed_ids(node) -> set[str]:
    with node.reading() as session:
        return set(session.scalars(select(Record.id).where(Record.disavowed_by.is_not(None))))


def test_rotation_and_disavowal_reach_a_partner_by_sync(compromised, gbr, usa) -> None:
    pull(usa, gbr)
    assert head(usa) == head(gbr) and disavowed_ids(usa) == set(compromised)
    registry = usa.registry()
    assert registry.entry(current_kid(gbr)).until_seq is None
    assert disavowed_ids(gbr) == set(compromised)


def test_rotation_and_disavowal_reach_a_partner_by_bundle(compromised, gbr, usa,
                                                          tmp_path) -> None:
    lines: list[Any] = []
    with gbr.reading() as session:
        export_bundle(session, "GBR", "USA", {}, lines.append, signer=gbr_signer(gbr, session))
    outcomes = import_bundle(usa, lines)
    assert [o.error for o in outcomes if o.error] == []
    assert head(usa) == head(gbr) and disavowed_ids(usa) == set(compromised)


def gbr_signer(gbr, session):
    from enforce_share.signing.node_keys import current_signer

    return current_signer(session, "GBR", gbr.config.keys_dir)


def test_a_partner_joining_after_the_disavowal_syncs_the_whole_log(compromised, gbr,
                                                                   tmp_path) -> None:
    """Moving a revocation earlier stopped a later partner at the first affected record for
    good (issue 15); a disavowal leaves the chain whole."""
    nzl = make_node(tmp_path / "nzl", "NZL")
    try:
        for one, other in ((nzl, gbr), (gbr, nzl)):
            with one.transaction() as session:
                add_partner(session, one.agency, other.agency, other.jwks(), None)
        pull(nzl, gbr)
        assert head(nzl) == head(gbr) and disavowed_ids(nzl) == set(compromised)
    finally:
        nzl.close()


def test_a_record_owed_and_arriving_after_its_disavowal_is_marked(compromised, gbr, usa,
                                                                  drafts) -> None:
    """A relay held back seq 4 (a placeholder): it arrives after the disavowal that names
    it, and is marked on arrival."""
    with gbr.reading() as session:
        log = [signed(row) for row in session.scalars(
            select(Record).where(Record.origin == "GBR").order_by(Record.seq))]
    held_back = {k: v for k, v in log[3]["record"].items() if k in ("origin", "seq", "id")}
    held_back["hash"] = jws.record_hash(jws.canonical(log[3]["record"]))
    held_back["marking"] = log[3]["record"]["marking"]
    with usa.transaction() as session:
        ingest(session, usa.registry(), log[:3] + [held_back] + log[4:], "USA")
    with usa.reading() as session:
        assert session.scalar(select(Placeholder.owed).where(Placeholder.seq == 4))
    assert disavowed_ids(usa) == set(compromised) - {log[3]["record"]["id"]}
    with usa.transaction() as session:
        ingest(session, usa.registry(), [log[3]], "USA")
    assert disavowed_ids(usa) == set(compromised)


def test_disavowed_records_show_as_such_on_every_read_path(compromised, gbr, usa,
                                                          app) -> None:
    """The record reads with its disavowal; nothing current shows it: lists, search, graph,
    exports, briefs."""
    pull(usa, gbr)
    client = client_as(app, token_for(gbr, "ann", "liaison"))
    stolen_actor, stolen_violation, stolen_case = compromised
    view = client.get(f"/api/v1/records/{stolen_actor}").json
    assert view["disavowed"]["reason"] == "key copied from a laptop"
    assert view["versions"][0]["disavowed"] is True
    listed = {item["record"]["id"] for item in client.get("/api/v1/records?limit=500").json[
        "items"]}
    assert listed and not listed & set(compromised)
    assert not {hit.row.id for hit in gbr.search(Query.parse({}), "GBR").hits} & set(
        compromised)
    members = json.dumps(client.get("/api/v1/entities?limit=500").json)
    assert stolen_actor not in members
    stix = json.dumps(client.get("/api/v1/export/stix?limit=1000").json)
    assert not any(record_id in stix for record_id in compromised)
    assert client.get(f"/api/v1/cases/{stolen_case}/brief?format=md").status_code == 410


def test_root_expiry_is_an_alarm(gbr, usa, monkeypatch) -> None:
    pull(usa, gbr)
    with usa.transaction() as session:
        from enforce_share.signing.models import RootVersion

        session.get(RootVersion, ("GBR", 1)).expires = "2020-01-01T00:00:00.000000Z"
    alarms = [a for a in usa.sync_status()["alarms"] if a["alarm"] == "root_expired"]
    assert [a["origin"] for a in alarms] == ["GBR"]
