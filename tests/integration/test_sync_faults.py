"""Faults during sync: a puller or a serving node killed mid-pull, and withdrawals that follow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from enforce_share.app import create_app
from enforce_share.markings import releasable
from enforce_share.partners import add_partner
from enforce_share.records import precheck
from enforce_share.records.drafts import Draft
from enforce_share.records.models import LogHead, Record
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.puller import sync_round

from ..conftest import client_as, make_node, recomputed_chain, token_for
from ..factories import DraftFactory
from ..processes import ROOT, FeedGate, _wait_ready, free_port
from .test_feed import signed_headers

TOTAL_DRAFTS = 3_000
SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA", "NZL"]}
#: Every third record is not released to USA: USA's copy of the log holds placeholders too.
MARKINGS = (SHARED, {"tlp": "amber", "releasable_to": ["GBR", "USA"]},
            {"tlp": "amber", "releasable_to": ["GBR", "NZL"]})


@contextmanager
def gunicorn_group(data_dir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn for a node, leading its own process group so a test can SIGKILL all of it."""
    port = free_port()
    env = {**os.environ, "ENFORCE_SHARE_DATA_DIR": str(data_dir),
           "ENFORCE_SHARE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "ENFORCE_SHARE_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "--access-logfile", os.devnull, "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base, process
    finally:
        with _gone_already():
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
        process.stderr.close()


@contextmanager
def _gone_already() -> Iterator[None]:
    try:
        yield
    except ProcessLookupError:  # the test killed it already
        pass


@pytest.fixture(scope="module")
def gbr(tmp_path_factory):
    """GBR's log: the key announcement and 3,000 records, a third not released to USA."""
    node = make_node(tmp_path_factory.mktemp("faults") / "gbr", "GBR")
    drafts = DraftFactory()
    for start in range(0, TOTAL_DRAFTS, 500):
        node.add_records([drafts("actor", MARKINGS[i % 3]) for i in range(start, start + 500)])
    yield node
    node.close()


@pytest.fixture
def usa(tmp_path, gbr):
    """A fresh USA node, trusted by GBR and trusting it."""
    node = make_node(tmp_path / "usa", "USA")
    with gbr.transaction() as session:
        add_partner(session, "GBR", "USA", node.jwks(), None)
    yield node
    node.close()


def point_at(usa, gbr, url: str) -> None:
    """USA pulls GBR's log from ``url``."""
    with usa.transaction() as session:
        add_partner(session, "USA", "GBR", gbr.jwks(), url)


def held_seq(usa) -> int:
    with usa.reading() as session:
        head = session.get(LogHead, "GBR")
        return head.seq if head else 0


def start_puller(usa) -> subprocess.Popen:
    """`enforce-share sync --peer GBR` for USA, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "enforce_share", "--data-dir", str(usa.config.data_dir),
         "sync", "--peer", "GBR"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_first_page(usa, puller: subprocess.Popen, seconds: float = 60) -> None:
    """Return as soon as USA has stored a page of GBR's log."""
    deadline = time.monotonic() + seconds
    while held_seq(usa) == 0:
        assert puller.poll() is None, puller.communicate()
        assert time.monotonic() < deadline, "the puller stored nothing"
        time.sleep(0.005)


def sync_to_completion(usa) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "enforce_share", "--data-dir", str(usa.config.data_dir),
         "sync", "--peer", "GBR"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "[" not in done.stdout, done.stdout  # no outcome reported an error


def assert_complete_copy(usa, gbr) -> None:
    """USA holds GBR's log once each seq, chained to GBR's checkpoint, content as released."""
    top = gbr.describe()["log"]["seq"]
    checkpoint = gbr.checkpoint("GBR")["checkpoint"]
    assert recomputed_chain(usa, "GBR") == (top, checkpoint["head"])  # no loss, no duplicate
    assert held_seq(usa) == top
    with gbr.reading() as session:
        released = {row.id for row in session.scalars(select(Record).where(
            Record.origin == "GBR")) if releasable(row.tlp, row.releasable_to, "USA")
            and not row.withdrawn_by}
    with usa.reading() as session:
        records = list(session.scalars(select(Record.id).where(Record.origin == "GBR")))
    assert records and set(records) == released and len(records) == len(released)


@contextmanager
def one_page_then_wait(url: str) -> Iterator[FeedGate]:
    """A gate in front of GBR at ``url`` that lets one page of GBR's log through, then waits."""
    gate = FeedGate(url, "GBR")
    try:
        yield gate
    finally:
        gate.close()


@pytest.mark.slow
def test_puller_killed_mid_pull_resumes_without_loss_or_duplicates(gbr, usa) -> None:
    with gunicorn_group(gbr.config.data_dir) as (url, _), one_page_then_wait(url) as gate:
        point_at(usa, gbr, gate.url)
        puller = start_puller(usa)
        wait_for_first_page(usa, puller)  # the next page waits at the gate
        puller.send_signal(signal.SIGKILL)
        puller.communicate(timeout=15)
        point_at(usa, gbr, url)
        assert puller.returncode == -signal.SIGKILL
        assert 0 < held_seq(usa) < gbr.describe()["log"]["seq"]  # killed mid-pull
        sync_to_completion(usa)
        assert_complete_copy(usa, gbr)
        sync_to_completion(usa)  # pulling again changes nothing
        assert_complete_copy(usa, gbr)


@pytest.mark.slow
def test_serving_node_killed_mid_pull_then_restarted(gbr, usa) -> None:
    with gunicorn_group(gbr.config.data_dir) as (url, server), one_page_then_wait(url) as gate:
        point_at(usa, gbr, gate.url)
        puller = start_puller(usa)
        wait_for_first_page(usa, puller)  # the next page waits at the gate
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
        gate.open()  # the waiting request finds GBR gone
        out, _ = puller.communicate(timeout=60)
    assert puller.returncode == 0
    (line,) = [line for line in out.decode().splitlines() if line.startswith("GBR from GBR")]
    assert "[" in line, line  # the round reported the peer gone, and stopped
    assert 0 < held_seq(usa) < gbr.describe()["log"]["seq"]  # the pull stopped part way
    with gunicorn_group(gbr.config.data_dir) as (url, _):  # GBR comes back (another port)
        point_at(usa, gbr, url)
        sync_to_completion(usa)
    assert_complete_copy(usa, gbr)


# --- withdrawal propagation ------------------------------------------------------------------


@pytest.fixture
def trio(tmp_path):
    """GBR, USA and NZL nodes; USA and GBR trust each other, NZL is USA's partner."""
    nodes = {agency: make_node(tmp_path / agency, agency) for agency in ("GBR", "USA", "NZL")}
    with nodes["GBR"].transaction() as session:
        add_partner(session, "GBR", "USA", nodes["USA"].jwks(), None)
    with nodes["USA"].transaction() as session:
        add_partner(session, "USA", "NZL", nodes["NZL"].jwks(), None)
    yield nodes
    for node in nodes.values():
        node.close()


def withdraw(node, *targets: str) -> None:
    node.add_records([Draft("withdrawal", SHARED, {"target": target, "reason": "issued in error"})
                      for target in targets])


def usa_feed_for_nzl(nodes) -> list[dict]:
    """USA's relay of GBR's log as NZL receives it (a signed request from NZL's node)."""
    with nodes["NZL"].reading() as session:
        signer = current_signer(session, "NZL", nodes["NZL"].config.keys_dir)
    path = "/api/v1/feed?origin=GBR&after=0&limit=100"
    app = create_app(nodes["USA"].config)
    try:
        response = app.test_client().get(path, headers=signed_headers(path, signer, target="USA"))
    finally:
        app.extensions["enforce_share"].close()
    assert response.status_code == 200, response.json
    return response.json["entries"]


def usa_answers(nodes, record_id: str) -> int:
    """The status USA's API answers an analyst asking for the record."""
    token = token_for(nodes["USA"], f"analyst-{uuid.uuid4().hex[:8]}", "analyst")
    app = create_app(nodes["USA"].config)
    try:
        return client_as(app, token).get(f"/api/v1/records/{record_id}").status_code
    finally:
        app.extensions["enforce_share"].close()


@pytest.mark.slow
def test_withdrawal_reaches_a_peer_that_pulled_the_record(trio, drafts) -> None:
    gbr, usa = trio["GBR"], trio["USA"]
    target, kept = gbr.add_records([drafts("actor", SHARED), drafts("actor", SHARED)])
    with gunicorn_group(gbr.config.data_dir) as (url, _):
        point_at(usa, gbr, url)
        assert not [o.error for o in usa.sync("GBR") if o.error]
        assert usa_answers(trio, target.id) == 200
        assert "record" in usa_feed_for_nzl(trio)[target.seq - 1]
        withdraw(gbr, target.id)
        assert not [o.error for o in usa.sync("GBR") if o.error]
    assert usa_answers(trio, target.id) == 410
    assert usa_answers(trio, kept.id) == 200
    entries = usa_feed_for_nzl(trio)
    assert entries[target.seq - 1] == {  # withdrawn: its stub, the content kept back
        "origin": "GBR", "seq": target.seq, "id": target.id, "hash": target.record_hash,
        "marking": SHARED}
    assert "record" in entries[kept.seq - 1]
    assert entries[-1]["record"]["type"] == "withdrawal"  # the withdrawal stays in the log


@pytest.mark.slow
def test_two_withdrawals_in_one_page_both_reach_the_peer(trio, drafts) -> None:
    gbr, usa = trio["GBR"], trio["USA"]
    first, second = gbr.add_records([drafts("actor", SHARED), drafts("actor", SHARED)])
    with gunicorn_group(gbr.config.data_dir) as (url, _):
        point_at(usa, gbr, url)
        assert not [o.error for o in usa.sync("GBR") if o.error]
        withdraw(gbr, first.id, second.id)  # one batch: both withdrawals in the next page
        assert not [o.error for o in usa.sync("GBR") if o.error]
    assert (usa_answers(trio, first.id), usa_answers(trio, second.id)) == (410, 410)


def test_a_round_reports_progress_after_every_page(gbr, usa, monkeypatch) -> None:
    """What `enforce-share sync` draws its progress bars from: one report per page stored."""
    monkeypatch.setattr(precheck, "START_AT", TOTAL_DRAFTS)  # helpers for a log this behind
    reports = []

    def progress(outcome):
        if outcome.origin == "GBR":
            reports.append((outcome.held, outcome.peer_seq))

    with gunicorn_group(gbr.config.data_dir) as (url, _):
        point_at(usa, gbr, url)
        (outcome,) = [o for o in usa.sync("GBR", progress=progress) if o.origin == "GBR"]
    assert reports == [(1000, TOTAL_DRAFTS + 1), (2000, TOTAL_DRAFTS + 1),
                       (3000, TOTAL_DRAFTS + 1), (TOTAL_DRAFTS + 1, TOTAL_DRAFTS + 1)]
    assert outcome.held == held_seq(usa) == TOTAL_DRAFTS + 1
    # pages of 2/3 records went to the helpers; the root record was checked in this process
    assert outcome.prechecked == outcome.stored - 1


def test_a_round_with_nothing_new_asks_once_per_origin_and_gets_little(gbr, usa) -> None:
    """No index download: one small page per origin when the log held is current."""
    with gunicorn_group(gbr.config.data_dir) as (url, _):
        point_at(usa, gbr, url)
        usa.sync("GBR")
        (peer,) = usa.peers("GBR")
        pages = []

        class Counted:
            agency = peer.agency

            def feed(self, origin, after, limit):
                page = peer.feed(origin, after, limit)
                pages.append((origin, after, len(json.dumps(page))))
                return page

        try:
            outcomes = sync_round(usa, [Counted()])
        finally:
            peer.close()
    assert not [o for o in outcomes if o.error or o.stored or o.placeholders]
    assert sorted(origin for origin, _, _ in pages) == ["AUS", "CAN", "GBR", "NZL"]
    assert ("GBR", TOTAL_DRAFTS + 1) in [(origin, after) for origin, after, _ in pages]
    assert max(size for _, _, size in pages) < 1_000  # a checkpoint and no entries
