"""A hostile peer relaying GBR's log: every forgery is detected, quarantined, nothing accepted."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from enforce_share.cli import main
from enforce_share.partners import add_partner
from enforce_share.records import precheck
from enforce_share.records.checkpoints import signed_checkpoint
from enforce_share.records.models import Checkpoint, Placeholder, Record
from enforce_share.records.precheck import MIN_ENTRIES
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.feed import feed_page
from enforce_share.sync.models import Equivocation, Quarantined

from ..conftest import make_node
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
    assert outcome.prechecked == outcome.stored  # the helpers' verdicts were used


def test_blocked_peer_is_not_asked_again_but_the_origin_supplies_the_seq(usa, gbr,
                                                                        attacker) -> None:
    pull_through(usa, attacker, forge(genuine(gbr), 3, change_byte))
    again = gbr_outcome(pull_through(usa, attacker, genuine(gbr)))
    assert again.error == "blocked at seq 4" and stored(usa) == 0
    with serving(lambda origin, after, limit: genuine(gbr, after, limit)) as url:
        with usa.transaction() as session:
            add_partner(session, "USA", "GBR", gbr.jwks(), url)
        outcomes = usa.sync()
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
    pull_through(usa, attacker, genuine(gbr, 0, 4))
    assert stored(usa) == 4
    page = genuine(gbr, 4)
    with gbr.reading() as session:
        old = session.scalar(select(Checkpoint).where(Checkpoint.origin == "GBR",
                                                      Checkpoint.seq == 4))
        page["checkpoint"] = signed_checkpoint(old) if old else page["checkpoint"]
    page["checkpoint"]["checkpoint"]["seq"] = 4  # any older statement than the entries
    outcome = gbr_outcome(pull_through(usa, attacker, page))
    assert outcome.error is not None
    assert stored(usa) == 4


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
