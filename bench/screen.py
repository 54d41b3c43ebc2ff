"""Screening speed: parties against the full reference lists and a node's shared actors.

Run ``python bench/screen.py [--quick]``. A GBR node (SQLite) imports the official lists of
``../shared/data`` (OFAC SDN with its alternate names and addresses, UK, UN, Canada, Australia,
the CSL fixture: some 26,000 entries) and the CHPL, and stores a generated scenario's records
(240,000: some 110,000 actors, with their violations, trends and cases). Then:

1. the graph reads the records and the list entries (as a node's index process does);
2. a batch of parties (scenario actors as another agency spelt them, list entries, names no
   one holds; a third with items and a route) is screened in this process, on one core, as
   ``enforce-share screen FILE.csv`` does: parties per second (target >= 200), and the
   matching alone;
3. gunicorn serves the node (one worker and its graph index process) and single parties are
   posted to ``/api/v1/screen`` one after another: latency p50/p95/p99 (target p95 < 50 ms),
   and the CPU time the node's processes spent per request (the machine's load average is
   printed: on a shared machine, latency counts the time others hold the cores).

``--quick``: 12,000 records, the UN, Canadian and CSL lists.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from common import as_gbr, children, gunicorn, progress
from sqlalchemy import select

from enforce_share.config import load_config
from enforce_share.db import batches
from enforce_share.demo.scenario import generate_scenario
from enforce_share.lists import service as lists
from enforce_share.lists.models import ListEntry
from enforce_share.node import Node
from enforce_share.screening import request as screening_request
from enforce_share.screening.service import screen_many

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LISTS = DATA / "screening-lists"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "unit" / "lists" / "data"
FULL = {"ofac-sdn": [LISTS / "ofac_sdn_2024-05-03.csv", LISTS / "ofac_alt_2026-06.csv",
                     LISTS / "ofac_add_2026-06.csv"], "uk": [LISTS / "uk"],
        "un": [LISTS / "un_sc_consolidated_2024-11-30.xml"],
        "ca-sema": [LISTS / "ca_sema_lmes_2020-04.xml"],
        "au-dfat": [LISTS / "au_dfat_regulation8_consolidated_2024-12.xlsx"],
        "csl": [FIXTURES / "csl.json"], "chpl": [DATA / "chpl.csv"]}
QUICK = {source: FULL[source] for source in ("un", "ca-sema", "csl", "chpl")}
FULL_RECORDS, QUICK_RECORDS = 240_000, 12_000
WORDS = ("Amber", "Baltic", "Cobalt", "Delta", "Eastern", "Falcon", "Granite", "Harbour",
         "Ionic", "Juniper", "Kestrel", "Lumen", "Meridian", "Nordic", "Orchid", "Pioneer")


def build(data_dir: Path, records: int, sources: dict[str, list[Path]],
          seed: int) -> tuple[Node, dict[str, float], list[dict[str, Any]]]:
    """The node, its load figures, and the scenario's actor bodies (as stored)."""
    node, _ = Node.initialise(load_config(data_dir, agency="GBR"))
    figures: dict[str, float] = {}
    start = time.perf_counter()
    for source, paths in sources.items():
        lists.import_files(node, source, paths)
    figures["import_s"] = time.perf_counter() - start
    drafts = list(as_gbr(generate_scenario(records, seed)))
    start = time.perf_counter()
    with progress(len(drafts), "storing") as bar:
        for batch in batches(drafts, 2000):
            node.add_records(batch)
            bar.update(len(batch))
    figures["store_s"] = time.perf_counter() - start
    start = time.perf_counter()
    view = node.graph_view()
    figures["graph_s"] = time.perf_counter() - start
    figures["entities"] = len(view.graph)
    figures["actors"] = sum(1 for d in drafts if d.type == "actor")
    with node.reading() as session:
        figures["list_entries"] = session.scalar(select(ListEntry.id).order_by(
            ListEntry.id.desc()).limit(1)) or 0
    return node, figures, [d.body for d in drafts if d.type == "actor"]


def parties(node: Node, actors: list[dict[str, Any]], count: int,
            rng: random.Random) -> list[dict[str, Any]]:
    """Screening requests of one party each: 40 % scenario actors, 30 % list entries, 30 %
    names no one holds; a third with CHPL items and a route through Central Asia."""
    with node.reading() as session:
        listed = [(row.name, row.kind) for row in session.scalars(
            select(ListEntry).where(ListEntry.kind != "item").limit(50_000))]
    requests_: list[dict[str, Any]] = []
    for number in range(count):
        draw = rng.random()
        if draw < 0.4:
            body = rng.choice(actors)
            party = {"name": body["name"], "kind": body["kind"],
                     "countries": body.get("countries", [])}
        elif draw < 0.7:
            name, kind = rng.choice(listed)
            party = {"name": name, "kind": kind}
        else:
            party = {"name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} Trading {number}",
                     "countries": [rng.choice(("DE", "FR", "KZ", "AE", "TR", "CN"))]}
        document: dict[str, Any] = {"parties": [party]}
        if number % 3 == 0:
            document |= {"items": [{"hs_code": "854231"}], "route": ["DE", "KZ", "RU"]}
        requests_.append(screening_request.parse(document))
    return requests_


def batch(node: Node, wanted: list[dict[str, Any]]) -> dict[str, float]:
    """Parties per second through the whole use case, and through matching alone."""
    node.graph.screen("GBR", [{"kind": "company", "name": "warm up"}], 10)
    start, cpu = time.perf_counter(), time.process_time()
    with progress(len(wanted), "screening") as bar:
        screen_many(node, wanted, "GBR", progress=bar.update)
    whole, cpu = time.perf_counter() - start, time.process_time() - cpu
    bodies = [screening_request.party_body(r["parties"][0]) for r in wanted]
    start = time.perf_counter()
    for group in batches(bodies, 200):
        node.graph.screen("GBR", group, 10)
    matching = time.perf_counter() - start
    return {"parties_per_s": len(wanted) / whole, "parties_per_cpu_s": len(wanted) / cpu,
            "match_parties_per_s": len(wanted) / matching}


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes ``pids`` have used, in seconds."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def api(node: Node, data_dir: Path, wanted: list[dict[str, Any]]) -> tuple[list[float], float]:
    """Milliseconds of each single-party POST /api/v1/screen to a gunicorn node, and the
    CPU milliseconds its worker and graph index process spent per request (what a request
    costs the node, however busy the machine is)."""
    node.add_user("bench", "analyst")
    headers = {"Authorization": f"Bearer {node.issue_token('bench').token}"}
    times, master = [], []
    with gunicorn(data_dir, 1, {"ENFORCE_SHARE_RATE_LIMIT": "1000000 per minute"},
                  master) as base, requests.Session() as session:
        for request in wanted[:20]:  # the worker's first answers: connections, caches
            session.post(f"{base}/api/v1/screen", json=request, headers=headers, timeout=600)
        serving = children(master[0])
        before = cpu_seconds(serving)
        for request in wanted:
            start = time.perf_counter()
            answer = session.post(f"{base}/api/v1/screen", json=request, headers=headers,
                                  timeout=60)
            times.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"screen answered {answer.status_code}: {answer.text[:200]}")
        cpu = (cpu_seconds(serving) - before) * 1000 / len(wanted)
    return times, cpu


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not LISTS.is_dir():
        sys.exit(f"the list snapshots are not at {LISTS}")
    rng = random.Random(args.seed)
    records, sources = (QUICK_RECORDS, QUICK) if args.quick else (FULL_RECORDS, FULL)
    with tempfile.TemporaryDirectory(prefix="bench-screen-") as tmp:
        data_dir = Path(tmp) / "gbr"
        node, figures, actors = build(data_dir, records, sources, args.seed)
        try:
            wanted = parties(node, actors, 1000 if args.quick else 4000, rng)
            figures |= batch(node, wanted)
            latencies, cpu_ms = api(node, data_dir, parties(
                node, actors, 200 if args.quick else 500, rng))
        finally:
            node.close()
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    print(f"node: {figures['list_entries']:,.0f} list entries imported in "
          f"{figures['import_s']:.1f} s; {records:,} records ({figures['actors']:,.0f} actors) "
          f"stored in {figures['store_s']:.0f} s; graph read in {figures['graph_s']:.1f} s "
          f"({figures['entities']:,.0f} entities)")
    print(f"{'measure':<46} {'ours':>9} {'target':>9}")
    print(f"{'batch: parties screened per second (one core)':<46} "
          f"{figures['parties_per_s']:>9.0f} {'>= 200':>9}")
    print(f"{'  the same per CPU second of this process':<46} "
          f"{figures['parties_per_cpu_s']:>9.0f}")
    print(f"{'  of which matching alone, parties per second':<46} "
          f"{figures['match_parties_per_s']:>9.0f}")
    print(f"{'API, one party: p50 / p95 / p99 ms':<46} {p50:>4.1f} / {p95:.1f} / {p99:.1f}"
          f" {'p95 < 50':>9}  ({len(latencies)} requests, mean "
          f"{statistics.fmean(latencies):.1f})")
    print(f"{'API, one party: CPU ms of the node per request':<46} {cpu_ms:>9.1f}"
          f"            (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"BENCH screen list_entries={figures['list_entries']:.0f} "
          f"actors={figures['actors']:.0f} parties_per_s={figures['parties_per_s']:.0f} "
          f"parties_per_cpu_s={figures['parties_per_cpu_s']:.0f} "
          f"match_parties_per_s={figures['match_parties_per_s']:.0f} api_p50_ms={p50:.1f} "
          f"api_p95_ms={p95:.1f} api_p99_ms={p99:.1f} api_cpu_ms={cpu_ms:.1f} "
          f"graph_read_s={figures['graph_s']:.1f} load={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
