"""Every partner gets every record released to it, and nobody else does: the promise itself,
checked against the origins' databases after many sync orders (in-process peers, property
based), with relays that hold only placeholders, and relays that withhold on purpose."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforce_share.config import load_config
from enforce_share.demo import federation as demo
from enforce_share.markings import TLP_ORDER
from enforce_share.members import FOUNDING
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft
from enforce_share.records.queries import get_record
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.bundle import export_bundle, import_bundle
from enforce_share.sync.puller import sync_round

from ..conftest import make_node
from ..factories import DraftFactory
from ..processes import free_run_of_ports
from ..promise import LocalPeer, broken_promises
from .test_demo_federation import es


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five initialised SQLite nodes that trust each other, copied afresh for each example."""
    root = tmp_path_factory.mktemp("five")
    nodes = {agency: make_node(root / agency, agency) for agency in FOUNDING.codes}
    jwks = {agency: node.jwks() for agency, node in nodes.items()}
    for agency, node in nodes.items():
        with node.transaction() as session:
            for other in FOUNDING.codes:
                if other != agency:
                    add_partner(session, agency, other, jwks[other], None)
        node.close()
    return root


def fresh_federation(template: Path, into: Path) -> dict[str, Node]:
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(template, into)
    return {agency: Node(load_config(into / agency)) for agency in FOUNDING.codes}


markings = st.builds(
    lambda tlp, agencies: {"tlp": tlp, "releasable_to": sorted(agencies)},
    st.sampled_from(TLP_ORDER),
    st.sets(st.sampled_from(FOUNDING.codes), min_size=1))
#: (writer, marking, withdraw an earlier record of the writer's instead of a new one)
writes = st.lists(st.tuples(st.sampled_from(FOUNDING.codes), markings, st.booleans()),
                  min_size=1, max_size=25)
#: (puller, peer): one pull of every origin from that peer, in this order
pulls = st.lists(st.tuples(st.sampled_from(FOUNDING.codes), st.sampled_from(FOUNDING.codes))
                 .filter(lambda pair: pair[0] != pair[1]), max_size=30)


def write(nodes: dict[str, Node], factory: DraftFactory, plan: list) -> None:
    written: dict[str, list] = {agency: [] for agency in FOUNDING.codes}
    for agency, marking, withdraw in plan:
        if withdraw and written[agency]:
            target = written[agency].pop(0)  # covers its target's marking, as it must
            draft = Draft("withdrawal", target.marking, {"target": target.id,
                                                         "reason": "entered in error"})
        else:
            draft = factory("actor", marking)
        (record,) = nodes[agency].add_records([draft])
        if draft.type == "actor":
            written[agency].append(Draft("actor", marking, {}, id=record.id))


def pull(nodes: dict[str, Node], puller: str, peer: str, withholding: set[str]) -> None:
    sync_round(nodes[puller], [LocalPeer(nodes[peer], puller, withhold=peer in withholding)])


def quiesce(nodes: dict[str, Node], withholding: set[str], rounds: int = 3) -> None:
    """Every node pulls every peer (the withholding ones too), until a round changes nothing."""
    for _ in range(rounds):
        changed = 0
        for puller, peer in itertools.permutations(FOUNDING.codes, 2):
            outcomes = sync_round(nodes[puller], [LocalPeer(
                nodes[peer], puller, withhold=peer in withholding)])
            changed += sum(o.stored + o.placeholders + o.upgraded for o in outcomes)
        if not changed:
            return


def owed(nodes: dict[str, Node]) -> dict[str, int]:
    return {agency: sum(origin["owed"] for origin in node.sync_status()["origins"].values())
            for agency, node in nodes.items()}


def held_by(nodes: dict[str, Node], agency: str, origin: str) -> list[str]:
    """The broken promises of ``agency``'s copy of ``origin``'s log."""
    return [problem for problem in broken_promises({agency: nodes[agency],
                                                    origin: nodes[origin]})
            if problem.startswith(f"{agency} ") and f" {origin} seq" in problem]


@pytest.fixture
def federation_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "federation"


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(plan=writes, order=pulls, more=writes,
       withholding=st.sets(st.sampled_from(FOUNDING.codes), max_size=2))
def test_every_partner_holds_in_full_exactly_what_was_released_to_it(
        template, federation_dir, plan, order, more, withholding) -> None:
    nodes = fresh_federation(template, federation_dir)
    try:
        factory = DraftFactory()
        write(nodes, factory, plan)
        for puller, peer in order:  # relays first reach nodes in any order
            pull(nodes, puller, peer, withholding)
        write(nodes, factory, more)
        for puller, peer in reversed(order):
            pull(nodes, puller, peer, withholding)
        quiesce(nodes, withholding)
        assert broken_promises(nodes) == []
        assert owed(nodes) == dict.fromkeys(FOUNDING.codes, 0)
    finally:
        for node in nodes.values():
            node.close()


def test_a_record_first_relayed_as_a_placeholder_arrives_from_the_origin(
        template, federation_dir) -> None:
    """The demo's loss: NZL learns of a USA record through GBR, which may hold only its
    placeholder; NZL's later pulls from USA start after the seq held, yet the record comes."""
    nodes = fresh_federation(template, federation_dir)
    try:
        (record,) = nodes["USA"].add_records([DraftFactory()(
            "actor", {"tlp": "amber", "releasable_to": ["USA", "NZL"]})])
        pull(nodes, "GBR", "USA", set())
        pull(nodes, "NZL", "GBR", set())  # a placeholder: GBR may not see it
        assert nodes["NZL"].sync_status()["origins"]["USA"]["owed"] == 1
        assert held_by(nodes, "NZL", "USA") == [
            f"NZL holds USA seq {record.seq} (released to it) only as a placeholder"]
        pull(nodes, "NZL", "USA", set())
        status = nodes["NZL"].sync_status()["origins"]["USA"]
        assert (status["owed"], status["full"]) == (0, record.seq)
        assert held_by(nodes, "NZL", "USA") == []
    finally:
        for node in nodes.values():
            node.close()


def test_a_relay_withholding_on_purpose_is_asked_again_and_the_record_arrives(
        template, federation_dir) -> None:
    nodes = fresh_federation(template, federation_dir)
    try:
        (record,) = nodes["USA"].add_records([DraftFactory()(
            "violation", {"tlp": "green", "releasable_to": ["USA", "GBR", "CAN"]})])
        pull(nodes, "GBR", "USA", set())
        pull(nodes, "CAN", "GBR", {"GBR"})  # GBR holds both in full, serves placeholders
        assert nodes["CAN"].sync_status()["origins"]["USA"]["owed"] == 2  # key and violation
        pull(nodes, "CAN", "GBR", set())  # the same relay, honest now: asked by seq
        assert nodes["CAN"].sync_status()["origins"]["USA"]["owed"] == 0
        assert held_by(nodes, "CAN", "USA") == []
        with nodes["CAN"].reading() as session:
            assert get_record(session, record.id, "CAN").record_hash == record.record_hash
    finally:
        for node in nodes.values():
            node.close()


@pytest.mark.slow
def test_the_demo_federation_keeps_the_promise_through_a_node_killed_mid_pull(tmp_path) -> None:
    """As `make run` runs: five gunicorn nodes, each with its scheduler process (one job per
    peer), the scenario's markings; then NZL is killed while it pulls and serves, partners
    write more meanwhile, and NZL comes back."""
    root = tmp_path / "federation"
    up = ["federation", "up", "--dir", str(root), "--records", "300", "--interval", "1",
          "--wait", "120", "--base-port", str(free_run_of_ports())]
    try:
        started = es(*up, timeout=300)
        assert started.returncode == 0, started.stderr[-2000:]
        assert wait_for(lambda: demo.converged(root), 120), demo.status_table(root)
        assert promise_of(root) == []
        nzl = demo.members(root)[-1]
        factory = DraftFactory()
        for member in demo.members(root)[:2]:  # written while NZL is away
            node = Node(load_config(member.data_dir))
            try:
                node.add_records([factory("violation", {
                    "tlp": "amber", "releasable_to": list(FOUNDING.codes)}) for _ in range(400)])
            finally:
                node.close()
        time.sleep(1.5)  # NZL's scheduler is pulling the new pages now
        for process in demo.PROCESSES:
            os.killpg(int(nzl.pidfile(process).read_text()), signal.SIGKILL)
        assert wait_for(lambda: not demo.running(nzl, "gunicorn"), 10)
        again = es(*up, timeout=300)  # starts what is not running
        assert again.returncode == 0, again.stderr[-2000:]
        assert wait_for(lambda: demo.converged(root), 120), demo.status_table(root)
        assert promise_of(root) == []
    finally:
        es("federation", "down", "--dir", str(root))


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return condition()


def promise_of(root: Path) -> list[str]:
    nodes = {member.agency: Node(load_config(member.data_dir)) for member in demo.members(root)}
    try:
        return broken_promises(nodes)
    finally:
        for node in nodes.values():
            node.close()


def bundle_for(nodes: dict[str, Node], exporter: str, recipient: str) -> list[dict]:
    """The exchange bundle ``exporter`` writes for ``recipient``, as lines."""
    lines: list[dict] = []
    node = nodes[exporter]
    with node.reading() as session:
        export_bundle(session, exporter, recipient, {}, lines.append,
                      signer=current_signer(session, exporter, node.config.keys_dir))
    return json.loads(json.dumps(lines))  # as read back from the file


def test_an_air_gapped_partner_gets_by_bundle_what_a_relay_held_back(template,
                                                                   federation_dir) -> None:
    """AUS syncs by bundle only. A bundle from GBR relays USA's log with placeholders for
    what GBR may not see; AUS's next bundle, from USA, starts at seq 1 again and upgrades
    them: the bundle round trip loses nothing either."""
    nodes = fresh_federation(template, federation_dir)
    try:
        factory = DraftFactory()
        nodes["USA"].add_records([factory("actor", marking) for marking in (
            {"tlp": "green", "releasable_to": ["USA", "AUS"]},
            {"tlp": "amber", "releasable_to": ["USA", "GBR", "AUS"]},
            {"tlp": "amber", "releasable_to": ["USA", "NZL"]})])
        pull(nodes, "GBR", "USA", set())
        import_bundle(nodes["AUS"], bundle_for(nodes, "GBR", "AUS"))
        assert nodes["AUS"].sync_status()["origins"]["USA"]["owed"] == 1
        import_bundle(nodes["AUS"], bundle_for(nodes, "USA", "AUS"))
        assert nodes["AUS"].sync_status()["origins"]["USA"]["owed"] == 0
        assert held_by(nodes, "AUS", "USA") == held_by(nodes, "AUS", "GBR") == []
        again = import_bundle(nodes["AUS"], bundle_for(nodes, "USA", "AUS"))
        assert sum(o.stored + o.placeholders + o.upgraded for o in again) == 0
    finally:
        for node in nodes.values():
            node.close()
