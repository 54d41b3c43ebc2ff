"""Actor-graph speed: resolution at scale, analyses on a large graph, one record's update.

Run ``python bench/graph.py [--quick]``. Three parts, each timed and with the process's
memory:

1. Resolution: the scenario's records (actors, violations, links) read into the graph index
   as a node reads them (profile, blocking keys, scoring against candidates, edges), then one
   viewer's view built (clusters by union-find, entity graph). Target: 100,000 actors < 60 s.
2. Analyses on a synthetic graph of 200,000 actors and 1,000,000 edges shaped like the
   scenario's networks (communities of traders joined by shared forwarders): cross-
   jurisdiction clusters and hubs (betweenness: exact per component up to 2,000 nodes,
   sampled pivots beyond). Target: < 10 s.
3. Incremental update: after part 1, the scenario's last records arrive one at a time (new
   actors, violations, links, judgements, new versions that retire old ones) and are applied
   to the index and the view. Target: < 50 ms each.
4. A node's memory: the scenario's records stored in a GBR node (SQLite), served by gunicorn
   with 1 and with 4 workers, each warmed up by search and graph requests; PSS summed over
   master, graph index process and workers (shared pages counted once). Target: 4 workers
   < 1.5 x 1 worker.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
from common import as_gbr, memory_table, node_pss, progress, rss_mib

from enforce_share.config import load_config
from enforce_share.db import batches
from enforce_share.demo.scenario import generate_scenario
from enforce_share.graph import analyses
from enforce_share.graph.index import GraphIndex
from enforce_share.graph.view import View
from enforce_share.members import FOUNDING
from enforce_share.node import Node

FULL_RECORDS, QUICK_RECORDS = 240_000, 24_000
FULL_NODES, FULL_EDGES = 200_000, 1_000_000
QUICK_NODES, QUICK_EDGES = 20_000, 100_000
COUNTRIES = ("RU", "AM", "KG", "KZ", "TR", "AE", "CN", "HK", "RS", "GE", "IN", "TH", "US", "GB")
ARRIVALS = 200


def resolution(records: int, seed: int) -> tuple[GraphIndex, View, list[dict], dict]:
    drafts = [dict(draft, created="2026-01-01T00:00:00Z")
              for draft in generate_scenario(records, seed)
              if draft["type"] in ("actor", "violation", "link")]
    later = drafts[-ARRIVALS:]  # held back: they arrive one by one in part 3
    held_back = {d["id"] for d in later}
    index = GraphIndex()
    start = time.perf_counter()
    arrived: list[str] = []
    with progress(len(drafts) - len(later), "reading") as bar:
        for draft in drafts:
            if draft["id"] not in held_back:
                index._hold(draft, arrived)
                index.current.add(draft["id"])
                if draft.get("supersedes"):
                    index.current.discard(draft["supersedes"])
                bar.update(1)
    read = time.perf_counter() - start
    start = time.perf_counter()
    index._score(arrived)
    scored = time.perf_counter() - start
    start = time.perf_counter()
    view = View.build("USA", index)
    built = time.perf_counter() - start
    figures = {"actors": len(index.actors), "entities": len(view.graph),
               "edges": view.graph.number_of_edges(), "read_s": read, "score_s": scored,
               "view_s": built, "rss_mib": rss_mib()}
    return index, view, later, figures


def arrivals(index: GraphIndex, view: View, later: Sequence[dict]) -> dict[str, list[float]]:
    """Each held-back record read, scored and applied to the view, as a node does; a new
    version retires the one it supersedes (its clusters formed again)."""
    times: dict[str, list[float]] = {}
    for draft in later:
        kind = draft["type"] if not draft.get("supersedes") else f"{draft['type']} (new version)"
        if draft["type"] == "link" and draft["body"]["relation"] in ("same_as", "not_same_as"):
            kind = draft["body"]["relation"]
        start = time.perf_counter()
        arrived: list[str] = []
        index._hold(draft, arrived)
        index.current.add(draft["id"])
        index._score(arrived)
        if draft.get("supersedes") in index.current:
            index.current.discard(draft["supersedes"])
            index.events.append(("retired", draft["supersedes"]))
        view.update()
        times.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    return times


def synthetic(nodes: int, edges: int, seed: int) -> nx.Graph:
    """Communities of 40 traders, each tied inside; 5 % of actors forwarders that join 2-4
    communities."""
    rng = random.Random(seed)
    graph = nx.Graph()
    size = 40
    communities = [list(range(start, min(start + size, nodes)))
                   for start in range(0, nodes, size)]
    for number in range(nodes):
        forwarder = number % 20 == 0
        graph.add_node(str(number), agencies={rng.choice(FOUNDING.codes)}, members=[str(number)],
                       countries={rng.choice(COUNTRIES)}, listings=set(),
                       roles={"freight_forwarder" if forwarder else rng.choice(
                           ("exporter", "consignee", "end_user", "intermediary"))},
                       violations=set(), kinds={"company"}, name=f"actor {number}")
    data = {"kinds": {"violation"}, "details": {"x"}, "records": set(), "agencies": set()}
    made = 0
    while made < edges:
        community = rng.choice(communities)
        a, b = rng.sample(community, 2)
        if rng.random() < 0.02:  # a forwarder (every 20th actor) serving another community
            a = community[0]
            b = rng.choice(rng.choice(communities))
        if a != b and not graph.has_edge(str(a), str(b)):
            graph.add_edge(str(a), str(b), **data)
            made += 1
    return graph


def node_memory(records: int, seed: int) -> tuple[str, str]:
    """The scenario's records as GBR's own in a fresh node, then its memory under gunicorn
    with 1 and 4 workers (see ``common.node_pss``)."""
    with tempfile.TemporaryDirectory(prefix="bench-graph-") as tmp:
        data_dir = Path(tmp) / "GBR"
        node, _ = Node.initialise(load_config(data_dir, agency="GBR"))
        try:
            with progress(records, "store") as bar:
                for batch in batches(as_gbr(generate_scenario(records, seed)), 2000):
                    node.add_records(batch)
                    bar.update(len(batch))
            node.add_user("bench", "analyst")
            token = node.issue_token("bench").token
        finally:
            node.close()
        return memory_table(node_pss(data_dir, token, 1), node_pss(data_dir, token, 4))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    records = QUICK_RECORDS if args.quick else FULL_RECORDS
    nodes, edges = (QUICK_NODES, QUICK_EDGES) if args.quick else (FULL_NODES, FULL_EDGES)

    index, view, later, res = resolution(records, args.seed)
    resolve_s = res["read_s"] + res["score_s"] + res["view_s"]
    print(f"1. resolution of {res['actors']:,} actors ({records:,} scenario records): "
          f"{res['entities']:,} entities, {res['edges']:,} edges")
    print(f"   {'read + block':<22} {res['read_s']:>7.2f} s\n   {'score':<22} "
          f"{res['score_s']:>7.2f} s\n   {'view (clusters, graph)':<22} {res['view_s']:>7.2f} s"
          f"\n   {'total':<22} {resolve_s:>7.2f} s   RSS {res['rss_mib']:,.0f} MiB")

    times = arrivals(index, view, later)
    every = [value for values in times.values() for value in values]
    print(f"3. one record arriving (index + view), {len(every)} records:")
    for kind, values in times.items():
        print(f"   {kind:<26} n={len(values):>3}  p50 {statistics.median(values):6.2f} ms  "
              f"max {max(values):6.2f} ms")
    arrival_p95 = statistics.quantiles(every, n=20)[-1] if len(every) > 1 else every[0]

    start = time.perf_counter()
    graph = synthetic(nodes, edges, args.seed)
    graph.graph["version"] = 1  # as a view's graph carries: clusters and hubs share its shape
    built = time.perf_counter() - start
    before = rss_mib()
    start = time.perf_counter()
    clusters = analyses.cross_jurisdiction_clusters(graph, 2, 50)
    clusters_s = time.perf_counter() - start
    start = time.perf_counter()
    hubs, method = analyses.hubs(graph, 20)
    hubs_s = time.perf_counter() - start
    print(f"2. synthetic graph: {len(graph):,} actors, {graph.number_of_edges():,} edges "
          f"(built in {built:.1f} s, RSS {before:,.0f} MiB)")
    print(f"   {'clusters':<22} {clusters_s:>7.2f} s  ({len(clusters)} shown)")
    print(f"   {'hubs':<22} {hubs_s:>7.2f} s  ({len(hubs)} shown; {method})")
    print(f"   RSS after {rss_mib():,.0f} MiB")
    memory, memory_figures = node_memory(records, args.seed)
    print(f"4. node memory after a warm-up of search and graph requests ({records:,} scenario "
          f"records):\n{memory}")
    met = (resolve_s < 60 * res["actors"] / 100_000 + 1e-9 or res["actors"] < 100_000) and \
        clusters_s + hubs_s < 10 and max(every) < 50
    print(f"BENCH graph actors={res['actors']} resolve_s={resolve_s:.2f} "
          f"graph_nodes={len(graph)} graph_edges={graph.number_of_edges()} "
          f"clusters_s={clusters_s:.2f} hubs_s={hubs_s:.2f} arrival_p95_ms={arrival_p95:.2f} "
          f"arrival_max_ms={max(every):.2f} rss_mib={rss_mib():.0f} {memory_figures} "
          f"met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
