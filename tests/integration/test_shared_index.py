"""One index per node: gunicorn's workers share the indexes the master read before it forked,
yet each finds records stored after the fork and never one not released to its users."""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import Draft

from ..conftest import relay, token_for
from ..processes import gunicorn_node

SHARED = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}


def company(name: str, country: str) -> dict[str, Any]:
    return {"kind": "company", "name": name, "countries": [country], "identifiers": []}


def violation(title: str, parties: list[tuple[str, str]]) -> dict[str, Any]:
    return {"title": title, "summary": "Re-exported without licence.", "status": "confirmed",
            "detected_on": "2026-03-14", "violation_types": ["reexport_diversion"],
            "parties": [{"actor": actor, "role": role} for actor, role in parties]}


def add(node: Node, type: str, body: dict[str, Any], marking: dict[str, Any] = SHARED) -> str:
    (row,) = node.add_records([Draft(type=type, marking=marking, body=body)])
    return row.id


def answers_by_worker(log: Path) -> dict[str, set[str]]:
    """Worker pid -> the kinds of request it answered ('search', 'graph'), from the log."""
    answered: defaultdict[str, set[str]] = defaultdict(set)
    for line in log.read_text().splitlines():
        pid, path, _status = line.split()
        answered[pid].add("search" if path == "/api/v1/search" else "graph")
    return answered


@pytest.mark.slow
def test_each_worker_finds_records_stored_after_the_fork_and_no_others(
        node: Node, partner: Node, tmp_path: Path) -> None:
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    exporter = add(node, "actor", company("Pinnacle Export Partners", "US"))
    add(node, "violation", violation("MCUs via Yerevan", [(exporter, "exporter")]))
    token = token_for(node, "analyst", "analyst")
    log = tmp_path / "access.log"
    with gunicorn_node(node.config.data_dir, node.config.database_url, workers=2,
                       access_log=log) as base:
        late = add(node, "actor", company("Belated Arrival Trading LLC", "AM"))
        add(node, "violation", violation("Late consignment", [(exporter, "exporter"),
                                                              (late, "consignee")]))
        hidden = add(partner, "actor", company("Concealed Latecomer GmbH", "DE"), USA_ONLY)
        add(partner, "violation", violation("Secret late route", [(hidden, "exporter"),
                                                                  (exporter, "consignee")]),
            USA_ONLY)
        relay(node, partner)  # GBR now holds USA-only records in full: they must stay unseen
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"

        def check(kind: str) -> None:
            if kind == "search":
                found = http.get(f"{base}/api/v1/search", params={"type": "actor"}, timeout=60)
                ids = {item["record"]["id"] for item in found.json()["items"]}
                assert late in ids and exporter in ids and hidden not in ids
                named = http.get(f"{base}/api/v1/search", params={"q": "Concealed Latecomer"},
                                 timeout=60).json()
                assert named["total"] == 0 and named["items"] == []
            else:
                around = http.get(f"{base}/api/v1/graph/neighbourhood/{late}", timeout=60)
                assert around.status_code == 200
                members = {member for node in around.json()["nodes"]
                           for member in node["members"]}
                assert exporter in members and hidden not in members
                unseen = http.get(f"{base}/api/v1/graph/neighbourhood/{hidden}", timeout=60)
                assert unseen.status_code == 404

        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(2) as pool:  # two at a time, so both workers answer
            while True:
                list(pool.map(check, ["search", "search", "graph", "graph"]))
                answered = answers_by_worker(log)
                if len(answered) == 2 and all(kinds == {"search", "graph"}
                                              for kinds in answered.values()):
                    break
                assert time.monotonic() < deadline, f"not every worker answered: {answered}"
