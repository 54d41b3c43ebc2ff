"""Storing a partner's signed records: verified, chained, idempotent, all or nothing."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from enforce_share.errors import VerificationError
from enforce_share.partners import add_partner
from enforce_share.records import precheck
from enforce_share.records.ingest import ingest
from enforce_share.records.models import LogHead, Record
from enforce_share.records.precheck import Prechecker, Verdicts, check_entries
from enforce_share.records.queries import signed
from enforce_share.search import terms
from enforce_share.search.models import SearchDoc
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer
from tests.conftest import make_node, root_of

SHARED = {"tlp": "green", "releasable_to": ["USA", "GBR"]}


@pytest.fixture
def usa_documents(partner, drafts) -> list[dict]:
    """The USA log: its key announcement and three records, in seq order."""
    partner.add_records([drafts("actor", SHARED), drafts("violation", SHARED),
                         drafts("case", SHARED)])
    with partner.reading() as session:
        return [signed(row) for row in session.scalars(select(Record).order_by(Record.seq))]


@pytest.fixture
def trusting_node(node, partner):
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    return node


def ingest_all(node, documents):
    with node.transaction() as session:
        return ingest(session, node.registry(), documents, "GBR")


def usa_rows(node) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).where(Record.origin == "USA"))


def test_partner_log_is_stored_with_the_origins_chain(trusting_node, partner,
                                                      usa_documents) -> None:
    result = ingest_all(trusting_node, usa_documents)
    assert result.stored == 4
    with trusting_node.reading() as session:
        head = session.get(LogHead, "USA")
    assert (head.seq, head.head) == (4, partner.describe()["log"]["head"])


def test_ingesting_twice_changes_nothing(trusting_node, usa_documents) -> None:
    ingest_all(trusting_node, usa_documents)
    again = ingest_all(trusting_node, usa_documents)
    assert (again.stored, again.already_held) == (0, 4)
    assert usa_rows(trusting_node) == 4


def test_a_gap_in_the_log_is_refused_and_nothing_stored(trusting_node, usa_documents) -> None:
    with pytest.raises(VerificationError) as caught:
        ingest_all(trusting_node, usa_documents[:1] + usa_documents[2:])
    assert caught.value.reason == "seq_gap"
    assert usa_rows(trusting_node) == 0


def test_one_forged_record_stores_none_of_the_batch(trusting_node, usa_documents) -> None:
    usa_documents[2]["record"]["body"]["title"] += " (edited)"
    with pytest.raises(VerificationError) as caught:
        ingest_all(trusting_node, usa_documents)
    assert caught.value.reason == "bad_signature"
    assert usa_rows(trusting_node) == 0


def test_records_of_an_untrusted_agency_are_refused(node, usa_documents) -> None:
    with pytest.raises(VerificationError) as caught:
        ingest_all(node, usa_documents)
    assert caught.value.reason == "unknown_kid"


def test_a_partner_cannot_feed_us_our_own_log(trusting_node, usa_documents) -> None:
    with trusting_node.reading() as session:
        own = [signed(row) for row in session.scalars(select(Record).where(
            Record.origin == "GBR"))]
    with pytest.raises(VerificationError) as caught:
        ingest_all(trusting_node, own)
    assert caught.value.reason == "own_origin"


def test_a_different_record_at_a_held_seq_is_a_conflict(trusting_node, partner, drafts,
                                                        usa_documents) -> None:
    ingest_all(trusting_node, usa_documents)
    forked = signed_by_partner(partner, {**usa_documents[1]["record"],
                                         "id": "0b6f7c1e-3c1d-4f5e-9a8b-7c6d5e4f3a2b"})
    with pytest.raises(VerificationError) as caught:
        ingest_all(trusting_node, [forked])
    assert caught.value.reason == "conflicting_record"


def test_partner_key_rotation_is_followed(trusting_node, partner, drafts,
                                          usa_documents) -> None:
    ingest_all(trusting_node, usa_documents)
    old, new = partner.rotate_key(root_of(partner))
    partner.add_records([drafts("actor", SHARED)])
    with partner.reading() as session:
        newer = [signed(row) for row in session.scalars(
            select(Record).where(Record.seq > 4).order_by(Record.seq))]
    assert [d["record"]["type"] for d in newer] == ["root", "actor"]
    assert ingest_all(trusting_node, newer).stored == 2
    registry = trusting_node.registry()
    assert (registry.entry(old).until_seq, registry.entry(new).from_seq) == (5, 5)



def signed_by_partner(partner, record: dict) -> dict:
    """A record the partner really signed, bypassing its own node's checks."""
    with partner.reading() as session:
        signer = current_signer(session, "USA", partner.config.keys_dir)
    return {"record": record, "jws": signer.sign(jws.canonical(record))}


@pytest.mark.parametrize("claim", ["withdrawal", "supersedes"])
def test_a_partner_cannot_retire_another_agencys_record(trusting_node, partner, usa_documents,
                                                        client, drafts, claim) -> None:
    ours = client.post("/api/v1/records", json=drafts.payload("actor")).json["record"]
    last = usa_documents[-1]["record"]
    record = {**last, "seq": last["seq"] + 1, "id": "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"}
    if claim == "withdrawal":
        record.update(type="withdrawal", body={"target": ours["id"], "reason": "not yours"})
    else:
        record.update(type="actor", body=drafts("actor").body, supersedes=ours["id"])
    documents = usa_documents + [signed_by_partner(partner, record)]
    assert ingest_all(trusting_node, documents).stored == len(documents)
    view = client.get(f"/api/v1/records/{ours['id']}")
    assert view.status_code == 200
    assert view.json["latest"] == ours["id"]


def test_a_batch_with_several_withdrawals_is_stored(trusting_node, partner, drafts) -> None:
    from enforce_share.records.drafts import Draft

    targets = partner.add_records([drafts("actor", SHARED), drafts("actor", SHARED)])
    partner.add_records([Draft("withdrawal", SHARED, {"target": t.id, "reason": "dup"})
                         for t in targets])
    with partner.reading() as session:
        documents = [signed(r) for r in session.scalars(select(Record).order_by(Record.seq))]
    assert ingest_all(trusting_node, documents).stored == 5
    with trusting_node.reading() as session:
        withdrawn = set(session.scalars(select(Record.id).where(Record.withdrawn_by.is_not(None))))
    assert withdrawn == {t.id for t in targets}


# --- verdicts of a prechecker's helper process ------------------------------------------


def ingest_with(node, documents, verdicts):
    with node.transaction() as session:
        return ingest(session, node.registry(), documents, "GBR", verdicts=verdicts)


def test_helper_verdicts_equal_the_checks_made_here(trusting_node, usa_documents) -> None:
    usa_documents[2]["record"]["body"]["title"] += " (edited)"
    usa_documents[3]["record"]["seq"] = "four"
    verdicts = check_entries(usa_documents, trusting_node.registry().snapshot)
    assert verdicts.entries[0] is None  # the root record: checked by the storing process
    assert [v.payload is not None for v in verdicts.entries[1:]] == [True, False, False]
    assert verdicts.entries[2].signature[0] == "bad_signature"
    assert verdicts.entries[3].shape[0] == "malformed_record"
    with pytest.raises(VerificationError) as caught:
        ingest_with(trusting_node, usa_documents, verdicts)
    assert (caught.value.reason, caught.value.index) == ("bad_signature", 2)
    assert usa_rows(trusting_node) == 0


def test_verdicts_under_the_current_registry_are_used(trusting_node, usa_documents) -> None:
    snapshot = trusting_node.registry().snapshot
    result = ingest_with(trusting_node, usa_documents, check_entries(usa_documents, snapshot))
    assert (result.stored, result.prechecked) == (4, 3)  # the root record checked here


def test_verdicts_under_another_registry_are_ignored(trusting_node, usa_documents) -> None:
    """A helper that trusted a key this node has since revoked decides nothing."""
    usa_documents[2]["record"]["body"]["title"] += " (edited)"
    snapshot = trusting_node.registry().snapshot
    good = check_entries(usa_documents[1:2], snapshot).entries
    lying = Verdicts(snapshot, [None, *good * 3])
    assert all(v.payload for v in lying.entries[1:])  # claims every signature holds
    keys, *rest = snapshot  # the same, but for one key retired at seq 1
    stale = Verdicts((keys[:-1] + ((*keys[-1][:4], 1),), *rest), lying.entries)
    with pytest.raises(VerificationError) as caught:
        ingest_with(trusting_node, usa_documents, stale)
    assert caught.value.reason == "bad_signature"
    assert usa_rows(trusting_node) == 0


def search_rows(node) -> list[tuple[str, str, bool]]:
    with node.reading() as session:
        return sorted(tuple(row) for row in session.execute(
            select(SearchDoc.terms, SearchDoc.names, SearchDoc.current)))


def test_helpers_check_a_page_from_its_bytes_and_make_its_search_documents(
        trusting_node, usa_documents, partner, tmp_path, monkeypatch) -> None:
    """Helper processes parse the page's bytes themselves and make each record's search
    document ahead; the store then holds exactly what checking here would have made."""
    monkeypatch.setattr(precheck, "MIN_ENTRIES", 1)
    monkeypatch.setattr(precheck, "START_AT", 0)
    raw = orjson.dumps({"entries": usa_documents})
    snapshot = trusting_node.registry().snapshot
    with Prechecker(processes=2, prepare=terms.prepare) as prechecker:
        verdicts = prechecker.result(prechecker.submit(usa_documents, snapshot, 4, raw))
    assert verdicts is not None and len(verdicts.entries) == 4
    searchable = [v for d, v in zip(usa_documents, verdicts.entries, strict=True)
                  if d["record"]["type"] in terms.SEARCHABLE]
    assert len(searchable) == 3 and all(isinstance(v.prepared, terms.SearchDoc)
                                        for v in searchable)
    result = ingest_with(trusting_node, usa_documents, verdicts)
    assert (result.stored, result.prechecked) == (4, 3)  # the root record checked here
    checked_here = make_node(tmp_path / "here", "GBR")
    with checked_here.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ingest_all(checked_here, usa_documents)
    assert len(search_rows(trusting_node)) == 3
    assert search_rows(trusting_node) == search_rows(checked_here)
    checked_here.close()


HELPERS_OF_A_KILLED_PULLER = """
import os, sys, time
from enforce_share.records import precheck
precheck.MIN_ENTRIES = 0
with precheck.Prechecker(processes=2) as prechecker:
    prechecker.result(prechecker.submit([{}], ((), (), (), 0), precheck.START_AT))
    print("started", flush=True)
    time.sleep(120)
"""


def descendants(pid: int) -> set[int]:
    """Pids of a process's children, their children and so on (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                children = {int(c) for c in (task / "children").read_text().split()}
                todo.extend(children - found)
                found |= children
    return found


def test_helpers_exit_when_the_puller_is_killed() -> None:
    """SIGKILL gives a process no chance to stop its helpers: they must see it go."""
    with subprocess.Popen([sys.executable, "-c", HELPERS_OF_A_KILLED_PULLER],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as puller:
        try:
            assert puller.stdout.readline().strip() == "started"
            helpers = descendants(puller.pid)
            assert helpers  # the helper processes (and the resource tracker)
        finally:
            puller.kill()
            puller.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in helpers):
        time.sleep(0.1)
    assert not [pid for pid in helpers if Path(f"/proc/{pid}").exists()]
