"""The audit trail anchored in the node's signed log, and held against partners' copies.

Issue 17: the trail was an unkeyed SHA-256 chain whose head was neither signed nor anchored,
so an insider who edited an entry and rehashed every one after it left `audit verify`
saying "intact".
"""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack

import pytest
import rfc8785
from click.testing import CliRunner
from jwcrypto.jwk import JWKSet
from sqlalchemy import select, text, update

from enforce_share.app import create_app
from enforce_share.audit import anchors, trail
from enforce_share.audit.models import AuditEntry, AuditHead
from enforce_share.audit.service import verify_audit, witnesses
from enforce_share.cli import main
from enforce_share.markings import public_marking
from enforce_share.partners import add_partner
from enforce_share.records.models import Record
from enforce_share.records.verify import verify_signed_record
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer

from ..conftest import client_as, make_node, postgresql_is_slow, token_for
from ..processes import gunicorn_node
from .test_bundle import _jose_check


def busy(node, requests: int = 4) -> None:
    """Some audited use: an analyst issued a token and listing records."""
    app = create_app(node.config)
    analyst = client_as(app, token_for(node, f"a{requests}x", "analyst"))
    try:
        for _ in range(requests):
            assert analyst.get("/api/v1/records").status_code == 200
    finally:
        app.extensions["enforce_share"].close()


def rewrite_entry(node, seq: int, actor: str) -> None:
    """What an insider with the database can do: change one entry's actor and rehash the
    chain from there to the head, as trail.py computes it."""
    with node.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor=actor))
        previous = trail.ZERO
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            statement = {"seq": entry.seq, "at": entry.at, "actor": entry.actor,
                         "action": entry.action, "outcome": entry.outcome, "role": entry.role,
                         "target": json.loads(entry.target), "source": entry.source,
                         "request_id": entry.request_id}
            previous = hashlib.sha256(bytes.fromhex(previous)
                                      + rfc8785.dumps(statement)).hexdigest()
            entry.hash = previous
        session.execute(update(AuditHead).values(head=previous))


def test_a_rehashed_trail_is_caught_by_its_anchor(node) -> None:
    busy(node)
    record = node.anchor_audit()
    assert record is not None and record.type == "audit_anchor"
    busy(node, 2)
    assert verify_audit(node)[0].problem is None
    rewrite_entry(node, 2, "somebody else")
    with node.reading() as session:
        assert trail.verify(session).problem is None  # the chain alone is fooled
    verdict, anchored = verify_audit(node)
    assert anchored == 1
    assert "no longer reaches the head anchored at seq" in verdict.problem


def test_entries_after_the_last_anchor_can_be_rewritten_until_the_next(node) -> None:
    """What anchoring cannot do (and docs/security.md says): the entries written since the
    last anchor are only as safe as the chain until the next heartbeat anchors them."""
    busy(node)
    node.anchor_audit()
    with node.reading() as session:
        anchored_at = session.get(AuditHead, 1).seq
    busy(node, 2)
    rewrite_entry(node, anchored_at + 1, "somebody else")
    assert verify_audit(node)[0].problem is None
    node.anchor_audit()
    assert verify_audit(node)[0].problem is None  # the rewrite is now what was anchored


def test_the_anchor_is_written_only_when_the_trail_moved_and_by_every_heartbeat(node) -> None:
    assert node.anchor_audit() is None  # an empty trail has nothing to anchor
    busy(node)
    first = node.anchor_audit()
    assert first is not None and node.anchor_audit() is None
    busy(node, 1)
    node.heartbeat()
    with node.reading() as session:
        held = anchors.anchors(session, node.agency)
        head = session.get(AuditHead, 1).head
    assert [a.log_seq for a in held][0] == first.seq and len(held) == 2
    assert held[-1].audit_head == head


def test_anchors_are_signed_public_records_a_partner_verifies(node, partner) -> None:
    """Released to every partner, and verified by a standard JOSE library (jwcrypto) over
    its RFC 8785 bytes as by the partner's node."""
    busy(node)
    record = node.anchor_audit()
    with node.reading() as session:
        row = session.get(Record, record.position)
        head = session.get(AuditHead, 1).head
    signed = {"record": json.loads(row.canonical), "jws": row.jws}
    assert signed["record"]["marking"] == public_marking()
    assert signed["record"]["body"] == {"audit_head": head}
    _jose_check(row.jws, rfc8785.dumps(signed["record"]), JWKSet.from_json(
        json.dumps(node.jwks())))
    with partner.transaction() as session:
        add_partner(session, partner.agency, node.agency, node.jwks(), None)
    assert verify_signed_record(partner.registry(), signed) == signed["record"]


@postgresql_is_slow
def test_nobody_writes_an_anchor_but_the_node(client, drafts) -> None:
    forged = {**drafts.payload("actor"), "type": "audit_anchor", "marking": public_marking(),
              "body": {"audit_head": "0" * 64}}
    refused = client.post("/api/v1/records", json=forged)
    assert refused.status_code == 422 and "reserved" in json.dumps(refused.json)


@postgresql_is_slow
def test_administrators_verify_the_trail_over_the_api(app, node) -> None:
    admin = client_as(app, token_for(node, "root", "admin"))
    analyst = client_as(app, token_for(node, "ann", "analyst"))
    assert analyst.get("/api/v1/audit/verify").status_code == 403
    busy(node)
    node.anchor_audit()
    intact = admin.get("/api/v1/audit/verify").json
    assert intact["intact"] and intact["anchors"] == 1 and intact["problem"] is None
    rewrite_entry(node, 1, "nobody")
    broken = admin.get("/api/v1/audit/verify").json
    assert not broken["intact"] and "anchored" in broken["problem"]


def test_the_cli_reports_a_rewrite_caught_by_an_anchor(node) -> None:
    busy(node)
    runner, base = CliRunner(), ["--data-dir", str(node.config.data_dir)]
    env = {"DATABASE_URL": node.config.database_url or ""}
    anchored = runner.invoke(main, [*base, "audit", "anchor"], env=env)
    assert anchored.exit_code == 0 and "anchored at seq" in anchored.output
    intact = runner.invoke(main, [*base, "audit", "verify"], env=env)
    assert intact.exit_code == 0 and "1 anchor(s) in the log reached" in intact.output
    rewrite_entry(node, 1, "nobody")
    broken = runner.invoke(main, [*base, "audit", "verify"], env=env)
    assert broken.exit_code == 1 and "no longer reaches the head anchored" in broken.output


def forge_own_log(node) -> None:
    """An insider going further: rewrite the trail, then every anchor in the log to match,
    re-signed with the node key and the chain of the log recomputed (the log as held here
    then verifies on its own)."""
    rewrite_entry(node, 1, "nobody")
    with node.transaction() as session:
        new_head = session.get(AuditHead, 1).head
        signer = current_signer(session, node.agency, node.config.keys_dir)
        head = jws.ZERO_HEAD
        for row in session.scalars(select(Record).where(Record.origin == node.agency)
                                   .order_by(Record.seq)):
            record = json.loads(row.canonical)
            if record["type"] == "audit_anchor":
                record["body"]["audit_head"] = new_head
                payload = jws.canonical(record)
                row.canonical, row.jws = payload.decode(), signer.sign(payload)
                row.record_hash = jws.record_hash(payload)
            from enforce_share.records.entries import entry_hash, record_stub
            head = jws.next_head(head, entry_hash(record_stub(record, row.record_hash)))
            row.head = head
        session.execute(text("UPDATE log_heads SET head = :head WHERE origin = :origin"),
                        {"head": head, "origin": node.agency})


@pytest.mark.slow
def test_a_log_rewritten_to_match_is_caught_by_the_partners_copy(tmp_path) -> None:
    """Gunicorn nodes: USA pulls GBR's log (its anchor with it); an insider at GBR rewrites
    the trail and the anchor; `audit verify --partners` finds USA's checkpoint unreached."""
    gbr, usa = make_node(tmp_path / "gbr", "GBR"), make_node(tmp_path / "usa", "USA")
    busy(gbr)
    gbr.anchor_audit()
    with ExitStack() as stack:
        urls = {node.agency: stack.enter_context(gunicorn_node(node.config.data_dir, None,
                                                               workers=1))
                for node in (gbr, usa)}
        for node, other in ((gbr, usa), (usa, gbr)):
            with node.transaction() as session:
                add_partner(session, node.agency, other.agency, other.jwks(),
                            urls[other.agency])
        assert not any(outcome.error for outcome in usa.sync("GBR"))
        held = {w.partner: w for w in witnesses(gbr)}
        assert held["USA"].problem is None and held["USA"].seq >= 2
        runner, base = CliRunner(), ["--data-dir", str(gbr.config.data_dir)]
        fine = runner.invoke(main, [*base, "audit", "verify", "--partners"])
        assert fine.exit_code == 0, fine.output
        assert f"USA: holds this log to seq {held['USA'].seq}: reached" in fine.output
        forge_own_log(gbr)
        assert verify_audit(gbr)[0].problem is None  # the node alone is fooled now
        caught = runner.invoke(main, [*base, "audit", "verify", "--partners"])
        assert caught.exit_code == 1
        assert "no longer reaches the checkpoint USA holds" in caught.output
    gbr.close()
    usa.close()
