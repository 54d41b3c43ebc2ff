"""A hostile peer relaying GBR's log: every forgery is detected, quarantined, nothing accepted;
a fork is the origin's doing, kept as evidence without blaming the relay."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from enforce_share.cli import main
from enforce_share.clock import parse_timestamp
from enforce_share.partners import add_partner
from enforce_share.records import log as own_log
from enforce_share.records import precheck
from enforce_share.records.checkpoints import signed_checkpoint
from enforce_share.records.drafts import Draft
from enforce_share.records.models import Checkpoint, Placeholder, Record
from enforce_share.records.precheck import MIN_ENTRIES
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.feed import feed_page
from enforce_share.sync.models import Equivocation, Quarantined, SyncState
from enforce_share.sync.status import sync_status

from ..conftest import make_node, postgresql_is_slow
from ..malicious_peer import serving

SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA", "CAN"]}


@pytest.fixture
def gbr(request, tmp_path, drafts):
    """The origin: GBR's log of its key announcement and six records (or as many as the
    test's ``gbr`` parameter says)."""
    node = make_node(tmp_path / "gbr", "GBR")
    node.add_records([drafts("actor", SHARED) for _ in range(getattr(request, "param", 6))])
    yield node
    node.close()


@pytest.fixture
def attacker(tmp_path):
    """CAN's node key: the hostile relay signs nothing of GBR's, it only serves."""
    node = make_node(tmp_path / "can", "CAN")
    yield node
    node.close()


def genuine(gbr, after=0, limit=500):
    with gbr.reading() as session:
        return feed_page(session, "USA", "GBR", after, limit)


def pull_through(node, attacker, page):
    """USA pulls GBR's log from the hostile relay serving ``page``."""
    def serve(origin, after, limit):
        if origin == "GBR":
            return page
        return {"origin": origin, "entries": [], "checkpoint": None, "next": None}

    with serving(serve) as url:
        with node.transaction() as session:
            add_partner(session, "USA", "CAN", attacker.jwks(), url)
        return node.sync("CAN")


def gbr_outcome(outcomes):
    (outcome,) = [o for o in outcomes if o.origin == "GBR"]
    return outcome


def stored(node, model=Record) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(
            model.origin == "GBR"))


def quarantined_reasons(node) -> list[str]:
    with node.reading() as session:
        return list(session.scalars(select(Quarantined.reason)))


@pytest.fixture
def usa(tmp_path, database_url, gbr, attacker):
    """The node under test (SQLite and PostgreSQL), trusting GBR's keys."""
    node = make_node(tmp_path / "usa", "USA", database_url)
    with node.transaction() as session:
        add_partner(session, "USA", "GBR", gbr.jwks(), None)
    yield node
    node.close()


def forge(page, index, change):
    forged = copy.deepcopy(page)
    change(forged["entries"], index)
    return forged


def flip_signature(entries, index):
    header, _, signature = entries[index]["jws"].split(".")
    other = entries[index - 1]["jws"].split(".")[2]
    entries[index]["jws"] = f"{header}..{other if other != signature else signature[::-1]}"


def change_byte(entries, index):
    entries[index]["record"]["body"]["name"] += "."


def drop(entries, index):
    del entries[index]


def reorder(entries, index):
    entries[index], entries[index + 1] = entries[index + 1], entries[index]


def as_other_origin(entries, index):
    entries[index]["record"]["origin"] = "CAN"


@pytest.fixture
def helpers(monkeypatch) -> None:
    """Start the prechecker's helpers for any page of MIN_ENTRIES records, not only when a
    log is START_AT entries behind."""
    monkeypatch.setattr(precheck, "START_AT", 0)


FORGERIES = [
    (flip_signature, "bad_signature"), (change_byte, "bad_signature"), (drop, "seq_gap"),
    (reorder, "seq_gap"), (as_other_origin, "wrong_origin"),
]


@pytest.mark.parametrize("change, reason", FORGERIES)
def test_forged_page_is_quarantined_and_nothing_stored(usa, gbr, attacker, change,
                                                       reason) -> None:
    outcome = gbr_outcome(pull_through(usa, attacker, forge(genuine(gbr), 3, change)))
    assert outcome.error and outcome.error.startswith(reason)
    assert stored(usa) == 0 and stored(usa, Placeholder) == 0
    assert quarantined_reasons(usa) == [reason]
    status = usa.sync_status()["peers"][0]
    assert status["quarantined"] == 1
    assert [o["blocked_seq"] for o in status["origins"] if o["origin"] == "GBR"] == [4]


# The helpers' verdicts come before any storage; quarantine on PostgreSQL is tested above.
@postgresql_is_slow
@pytest.mark.parametrize("gbr", [2 * MIN_ENTRIES + 50], indirect=True)
@pytest.mark.parametrize("change, reason", FORGERIES)
def test_forgery_in_a_page_the_helpers_check_is_found_at_its_seq(usa, gbr, attacker, change,
                                                                 reason, helpers) -> None:
    """A page large enough for the prechecker's helper processes: the same verdict."""
    index = 2 * MIN_ENTRIES  # past the first helper's share of the page
    outcome = gbr_outcome(pull_through(usa, attacker, forge(genuine(gbr), index, change)))
    assert outcome.error and outcome.error.startswith(reason)
    assert stored(usa) == 0 and quarantined_reasons(usa) == [reason]
    status = usa.sync_status()["peers"][0]
    assert [o["blocked_seq"] for o in status["origins"] if o["origin"] == "GBR"] == [index + 1]


@pytest.mark.parametrize("gbr", [2 * MIN_ENTRIES + 50], indirect=True)
def test_a_genuine_page_the_helpers_check_is_stored(usa, gbr, attacker, helpers) -> None:
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert outcome.error is None and outcome.stored == stored(usa) == 2 * MIN_ENTRIES + 51
    # the helpers' verdicts were used for all but the root record (checked in this process)
    assert outcome.prechecked == outcome.stored - 1


@pytest.mark.parametrize("cursor", [lambda after: 0, lambda after: after,
                                    lambda after: after + 1000],
                         ids=["back-to-the-start", "standing-still", "far-ahead"])
@pytest.mark.parametrize("gbr", [9], indirect=True)
def test_a_relay_lying_in_its_next_cursor_neither_loops_nor_skips(usa, gbr, attacker,
                                                                   cursor) -> None:
    """The puller reads pages ahead by the peer's ``next`` cursor: a relay pointing it back,
    nowhere or past the end still hands over the whole log, page by page, and the pull
    ends."""
    asked: list[int] = []

    def serve(origin, after, limit):
        if origin != "GBR":
            return {"origin": origin, "entries": [], "checkpoint": None, "next": None}
        asked.append(after)
        page = genuine(gbr, after, 3)
        if page["next"] is not None:
            page["next"] = cursor(after)
        return page

    with serving(serve) as url:
        with usa.transaction() as session:
            add_partner(session, "USA", "CAN", attacker.jwks(), url)
        outcome = gbr_outcome(usa.sync("CAN"))
    assert (outcome.error, outcome.stored, stored(usa)) == (None, 10, 10)
    with usa.reading() as session, gbr.reading() as origin:
        held = session.execute(select(Record.seq, Record.record_hash).where(Record.origin == "GBR")
                               .order_by(Record.seq)).all()
        assert held == origin.execute(select(Record.seq, Record.record_hash).where(
            Record.origin == "GBR").order_by(Record.seq)).all()
    assert len(asked) < 20  # each page asked for once or twice, never round and round


def sync_from_the_origin(usa, gbr, only: str | None = None):
    """USA trusts GBR itself, serving its genuine log, and syncs (from ``only``, or all)."""
    with serving(lambda origin, after, limit: genuine(gbr, after, limit)) as url:
        with usa.transaction() as session:
            add_partner(session, "USA", "GBR", gbr.jwks(), url)
        return usa.sync(only)


def test_blocked_peer_is_not_asked_again_but_the_origin_supplies_the_seq(usa, gbr,
                                                                        attacker) -> None:
    pull_through(usa, attacker, forge(genuine(gbr), 3, change_byte))
    again = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert again.error == "blocked at seq 4" and stored(usa) == 0
    outcomes = sync_from_the_origin(usa, gbr)
    assert stored(usa) == 7
    (direct,) = [o for o in outcomes if (o.peer, o.origin) == ("GBR", "GBR")]
    assert (direct.stored, direct.error) == (7, None)


@pytest.mark.parametrize("gbr", [2 * MIN_ENTRIES + 50], indirect=True)
def test_a_log_little_behind_starts_no_helpers(usa, gbr, attacker) -> None:
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert (outcome.error, outcome.stored, outcome.prechecked) == (None, 2 * MIN_ENTRIES + 51, 0)


def test_an_operator_unblocks_a_peer_that_is_the_only_source(usa, gbr, attacker) -> None:
    """An air-gapped partner's only source sent one bad page, then the right one."""
    pull_through(usa, attacker, forge(genuine(gbr), 3, change_byte))
    runner = CliRunner()
    args = ["--data-dir", str(usa.config.data_dir), "partners", "unblock", "CAN"]
    unblocked = runner.invoke(main, args + ["--origin", "GBR"],
                              env={"DATABASE_URL": usa.config.database_url or ""})
    assert unblocked.exit_code == 0, unblocked.output
    assert unblocked.output == "CAN: GBR's log unblocked at seq 4\n"
    again = runner.invoke(main, args, env={"DATABASE_URL": usa.config.database_url or ""})
    assert again.exit_code == 1 and "CAN is not blocked" in again.output
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert (outcome.error, stored(usa)) == (None, 7)
    assert quarantined_reasons(usa) == ["bad_signature"]  # the evidence stays


def test_rollback_to_a_stale_checkpoint_accepts_nothing_new(usa, gbr, attacker, drafts) -> None:
    pull_through(usa, attacker, genuine(gbr, 0, 1))  # GBR's checkpoints: seq 1 and seq 7
    assert stored(usa) == 1
    page = genuine(gbr, 1)
    with gbr.reading() as session:
        old = session.scalar(select(Checkpoint).where(Checkpoint.origin == "GBR",
                                                      Checkpoint.seq == 1))
    page["checkpoint"] = signed_checkpoint(old)  # an older statement than the entries
    outcome = gbr_outcome(pull_through(usa, attacker, page))
    assert outcome.error.startswith("beyond_checkpoint")
    assert stored(usa) == 1


def test_conflicting_checkpoints_are_kept_as_proof_and_alerted(usa, gbr, attacker) -> None:
    pull_through(usa, attacker, genuine(gbr))
    assert stored(usa) == 7
    with gbr.reading() as session:
        signer = current_signer(session, "GBR", gbr.config.keys_dir)
    statement = {"origin": "GBR", "seq": 7, "head": "ab" * 32,
                 "issued": genuine(gbr)["checkpoint"]["checkpoint"]["issued"]}
    fork = {"origin": "GBR", "entries": [],
            "checkpoint": {"checkpoint": statement, "jws": signer.sign(jws.canonical(statement))},
            "next": None}
    outcome = gbr_outcome(pull_through(usa, attacker, fork))
    assert outcome.error.startswith("equivocation")
    with usa.reading() as session:
        proof = session.scalars(select(Equivocation)).one()
    assert (proof.origin, proof.seq, proof.peer) == ("GBR", 7, "CAN")
    assert usa.sync_status()["equivocations"] == 1


# Issue 13's reproductions: placeholder poisoning, forks seen at other seqs, narrow
# withdrawals from a non-conforming origin, silence, and a page that cannot be stored.


def blocked_seq(node, peer: str, origin: str = "GBR"):
    with node.reading() as session:
        state = session.get(SyncState, (peer, origin))
        return state.blocked_seq if state else None


def made_up(entry: dict) -> dict:
    """A placeholder for the entry's seq with a hash nobody signed."""
    seq = entry["record"]["seq"] if "record" in entry else entry["seq"]
    return {"origin": "GBR", "seq": seq, "id": f"00000000-0000-4000-8000-{seq:012d}",
            "hash": hashlib.sha256(f"made up {seq}".encode()).hexdigest(),
            "marking": {"tlp": "red", "releasable_to": ["GBR"]}}


def test_made_up_placeholders_short_of_the_checkpoint_are_never_kept(usa, gbr,
                                                                    attacker) -> None:
    """The poisoning of issue 13: placeholders with made-up hashes below the origin's real
    checkpoint were kept, and the honest origin was then quarantined for chain_mismatch."""
    page = genuine(gbr)  # seqs 1..7 and GBR's checkpoint at 7
    poisoned = copy.deepcopy(page)
    poisoned["entries"] = [poisoned["entries"][0]] + [made_up(e) for e in page["entries"][1:5]]
    outcome = gbr_outcome(pull_through(usa, attacker, poisoned))  # stops short of seq 7
    assert outcome.error.startswith("unlinked_entries")
    assert (stored(usa), stored(usa, Placeholder)) == (0, 0)
    assert usa.unblock("CAN") == [("GBR", 1)]  # CAN was blocked for it: try the next one
    # all the way to the checkpoint: the chain does not reach its head
    poisoned["entries"] += [made_up(e) for e in page["entries"][5:]]
    outcome = gbr_outcome(pull_through(usa, attacker, poisoned))
    assert outcome.error.startswith("chain_mismatch")
    assert (stored(usa), stored(usa, Placeholder)) == (0, 0)
    # the honest origin is not blamed: its log arrives whole
    outcomes = sync_from_the_origin(usa, gbr, "GBR")
    assert [o.error for o in outcomes if o.origin == "GBR"] == [None]
    assert stored(usa) == 7 and blocked_seq(usa, "GBR") is None


def test_a_true_hash_under_another_marking_is_refused(usa, gbr, attacker) -> None:
    """A relay cannot pass a record released to this node off as one that is not (so that it
    is never asked for again): the marking is part of the stub the origin's chain attests."""
    page = genuine(gbr)
    index = max(i for i, entry in enumerate(page["entries"]) if "record" in entry)
    record = page["entries"][index]["record"]
    assert "USA" in record["marking"]["releasable_to"]  # released to the puller
    hidden = copy.deepcopy(page)
    hidden["entries"][index] = {"origin": "GBR", "seq": record["seq"], "id": record["id"],
                                "hash": jws.record_hash(jws.canonical(record)),
                                "marking": {"tlp": "amber", "releasable_to": ["GBR"]}}
    outcome = gbr_outcome(pull_through(usa, attacker, hidden))
    assert outcome.error.startswith("chain_mismatch")
    assert (stored(usa), stored(usa, Placeholder)) == (0, 0)
    sync_from_the_origin(usa, gbr, "GBR")
    with usa.reading() as session:
        assert session.scalar(select(Record.id).where(Record.id == record["id"]))


def forged_checkpoint(gbr, seq: int, head: str) -> dict:
    """A checkpoint GBR's own key signs for a history other than its log: a fork."""
    with gbr.reading() as session:
        signer = current_signer(session, "GBR", gbr.config.keys_dir)
    statement = {"origin": "GBR", "seq": seq, "head": head,
                 "issued": genuine(gbr)["checkpoint"]["checkpoint"]["issued"]}
    return {"checkpoint": statement, "jws": signer.sign(jws.canonical(statement))}


def test_a_fork_seen_at_another_seq_is_evidence_and_the_relay_is_not_blocked(
        usa, gbr, attacker) -> None:
    pull_through(usa, attacker, genuine(gbr))
    assert stored(usa) == 7
    fork = {"origin": "GBR", "entries": [], "next": None,
            "checkpoint": forged_checkpoint(gbr, 4, "cd" * 32)}  # USA holds no checkpoint at 4
    outcome = gbr_outcome(pull_through(usa, attacker, fork))
    assert outcome.error.startswith("equivocation")
    assert blocked_seq(usa, "CAN") is None  # the relay only passed on what GBR signed
    with usa.reading() as session:
        proof = session.scalars(select(Equivocation)).one()
        held = session.scalar(select(Checkpoint).where(Checkpoint.origin == "GBR",
                                                       Checkpoint.seq == 7))
    assert (proof.origin, proof.seq, proof.peer) == ("GBR", 4, "CAN")
    # anyone can check the evidence: from the head at seq 4 on the chain GBR signed at 7,
    # the entry hashes reach that checkpoint's head; the other checkpoint names another head
    linking = json.loads(proof.linking)
    assert (linking["from_seq"], linking["to_seq"]) == (4, 7)
    head = linking["head"]
    for entry in linking["entry_hashes"]:
        head = jws.next_head(head, entry)
    assert head == held.head == json.loads(proof.held)["checkpoint"]["head"]
    assert json.loads(proof.conflicting)["checkpoint"]["head"] == "cd" * 32 != linking["head"]
    # seen again: no second copy of the same evidence; the relay still serves what is new
    gbr_outcome(pull_through(usa, attacker, fork))
    with usa.reading() as session:
        assert len(session.scalars(select(Equivocation)).all()) == 1
    assert usa.sync_status()["alarms"][-1]["alarm"] == "equivocation"
    gbr.add_records([Draft("actor", SHARED, {"kind": "company", "name": "Later Ltd"})])
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr, 7)))
    assert (outcome.error, stored(usa)) == (None, 8)


def test_a_checkpoint_served_by_the_same_seq_with_another_head_blocks_no_one(
        usa, gbr, attacker) -> None:
    pull_through(usa, attacker, genuine(gbr))
    fork = {"origin": "GBR", "entries": [], "next": None,
            "checkpoint": forged_checkpoint(gbr, 7, "ab" * 32)}
    assert gbr_outcome(pull_through(usa, attacker, fork)).error.startswith("equivocation")
    assert blocked_seq(usa, "CAN") is None


def test_a_narrower_withdrawal_from_a_non_conforming_origin_is_refused_on_ingest(
        usa, gbr, attacker, monkeypatch) -> None:
    """Write refuses it (tests/integration/test_narrow_withdrawal.py); a node written by
    other software could still sign one: partners refuse it as a bad entry."""
    pull_through(usa, attacker, genuine(gbr))
    target = genuine(gbr)["entries"][3]["record"]
    monkeypatch.setattr(own_log, "_check_marking", lambda *args, **kwargs: None)
    gbr.add_records([Draft("withdrawal", {"tlp": "green", "releasable_to": ["GBR", "USA"]},
                           {"target": target["id"], "reason": "narrow on purpose"})])
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr, 7)))
    assert outcome.error.startswith("narrow_marking")
    assert quarantined_reasons(usa) == ["narrow_marking"] and stored(usa) == 7


def test_an_origin_not_heard_of_raises_an_alarm_and_a_heartbeat_travels_through_relays(
        usa, gbr, attacker) -> None:
    pull_through(usa, attacker, genuine(gbr))
    with usa.reading() as session:
        now = sync_status(session, "USA", 600, 300)
        later = sync_status(session, "USA", 600, 300,
                            now=datetime.now(UTC) + timedelta(seconds=901))
    assert not now["origins"]["GBR"]["stale"] and not [
        a for a in now["alarms"] if a["alarm"] == "stale"]
    assert later["origins"]["GBR"]["stale"]
    assert [a["origin"] for a in later["alarms"] if a["alarm"] == "stale"] == ["GBR"]
    before = parse_timestamp(now["origins"]["GBR"]["last_heard"])
    beat = gbr.heartbeat()["checkpoint"]
    assert beat["seq"] == 7 and parse_timestamp(beat["issued"]) > before
    # through the relay: the same seq and head, a later time, taken over by USA
    pull_through(usa, attacker, genuine(gbr, 7))
    assert usa.sync_status()["origins"]["GBR"]["last_heard"] == beat["issued"]
    with usa.reading() as session:
        assert len(session.scalars(select(Checkpoint).where(
            Checkpoint.origin == "GBR", Checkpoint.seq == 7)).all()) == 1


def test_a_page_this_node_cannot_store_is_quarantined_not_retried(usa, gbr, attacker,
                                                                  monkeypatch) -> None:
    from enforce_share.records import ingest as ingest_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest_module, "store_rows", broken)
    outcome = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert outcome.error.startswith("unstorable")
    assert quarantined_reasons(usa) == ["unstorable"] and blocked_seq(usa, "CAN") == 1
    again = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))  # not asked again
    assert again.error == "blocked at seq 1" and quarantined_reasons(usa) == ["unstorable"]
    assert stored(usa) == 0
