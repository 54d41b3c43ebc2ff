"""Concurrent POSTs to several gunicorn workers never share a seq and leave no gap."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from enforce_share.records.entries import entry_hash, record_stub
from enforce_share.records.models import Record
from enforce_share.signing import jws

from ..conftest import recomputed_chain, token_for
from ..processes import gunicorn_node

WRITES = 120


def post_json(url: str, payload: dict, token: str) -> dict:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
        return json.loads(response.read())


@pytest.mark.slow
def test_parallel_posts_get_distinct_contiguous_seqs(node, drafts) -> None:
    token = token_for(node, "writer", "analyst")
    node.close()
    with gunicorn_node(node.config.data_dir, node.config.database_url) as base:
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(
                lambda n: post_json(f"{base}/api/v1/records",
                                    drafts.payload("actor", name=f"Concurrent {n} LLC"), token),
                range(WRITES)))
        request = urllib.request.Request(f"{base}/api/v1/checkpoints/GBR",
                                         headers={"Authorization": f"Bearer {token}"})
        checkpoint = json.loads(urllib.request.urlopen(request).read())
    seqs = sorted(result["record"]["seq"] for result in results)
    assert seqs == list(range(2, WRITES + 2))
    with node.reading() as session:
        rows = list(session.scalars(select(Record).order_by(Record.seq)))
    head = jws.ZERO_HEAD
    for row in rows:  # each row's head is the chain (over the stubs) up to it
        assert row.record_hash == jws.record_hash(row.canonical.encode())
        head = jws.next_head(head, entry_hash(record_stub(json.loads(row.canonical),
                                                          row.record_hash)))
        assert row.head == head
    assert recomputed_chain(node, "GBR") == (WRITES + 1, head)
    assert checkpoint["checkpoint"] == {**checkpoint["checkpoint"], "seq": WRITES + 1,
                                        "head": head}


@pytest.mark.slow
def test_parallel_withdrawals_of_one_record_let_exactly_one_through(node, drafts) -> None:
    (target,) = node.add_records([drafts("actor")])
    token = token_for(node, "writer", "analyst")
    node.close()
    withdrawal = {"type": "withdrawal", "marking": drafts.payload()["marking"],
                  "body": {"target": target.id, "reason": "duplicate report"}}

    def attempt(_: int) -> int:
        request = urllib.request.Request(f"{base}/api/v1/records",
                                         data=json.dumps(withdrawal).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with gunicorn_node(node.config.data_dir, node.config.database_url) as base:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(attempt, range(8)))
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 409}
