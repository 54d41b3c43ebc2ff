"""What a flood of actors sharing one identifier costs the actor graph.

Run ``python bench/flood.py [--quick] [--actors N]``. One analyst writes N actor records
(2,000, the largest block still scored, and 5,000; 1,000 with ``--quick``) that all give
the same phone number, as a network of front
companies would, or as someone who wants the graph down would: different names, a tenth of
them spelling variants of another. Then, in one process (as the node's graph index reads
them): the time and memory to read them into the graph (profiles, blocking, scoring, one
viewer's view), and the next graph requests (entities, clusters, hubs). Targets: read in
under 5 s and under 500 MB, each request after under 1 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from common import progress, rss_mib

from enforce_share.config import load_config
from enforce_share.db import batches
from enforce_share.entities.blocking import MAX_BLOCK
from enforce_share.node import Node
from enforce_share.records.drafts import Draft

FULL_ACTORS, QUICK_ACTORS = 5_000, 1_000
TARGET_READ_S, TARGET_MIB, TARGET_REQUEST_S = 5.0, 500.0, 1.0
MARKING = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
SYLLABLES = ("ka", "ro", "vin", "tel", "mar", "sol", "dex", "quin", "bar", "lum", "tor", "zen",
             "pri", "nov", "ast", "gal", "mek", "tri", "ox", "vel")
FORMS = ("LLC", "Ltd", "GmbH", "Trading FZE", "Limited", "OOO", "Co. Ltd")


def names(count: int, rng: random.Random) -> list[str]:
    """``count`` company names, one in ten a spelling variant of an earlier one."""
    found: list[str] = []
    for index in range(count):
        if index and rng.random() < 0.1:
            earlier = rng.choice(found).split()
            earlier[0] = earlier[0][:-1] + rng.choice("aeiouy")
            found.append(" ".join(earlier))
            continue
        words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
                 for _ in range(rng.randint(1, 2))]
        found.append(" ".join([*words, rng.choice(FORMS)]))
    return found


def flood(count: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    drafts = [Draft("actor", MARKING, {
        "kind": "company", "name": name, "countries": [rng.choice(("AM", "KG", "AE", "TR"))],
        "identifiers": [{"scheme": "phone", "value": "+374 10 555 0100"}]})
        for name in names(count, rng)]
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        node, _ = Node.initialise(load_config(Path(tmp) / "GBR", agency="GBR"))
        try:
            with progress(len(drafts), "store") as bar:
                for batch in batches(drafts, 1000):
                    node.add_records(batch)
                    bar.update(len(batch))
            before = rss_mib()
            start = time.perf_counter()
            view = node.graph_view()
            figures = {"read_s": time.perf_counter() - start, "mib": rss_mib() - before,
                       "entities": len(view.graph), "edges": view.graph.number_of_edges()}
            for name, ask in (("entities", lambda: node.graph.entities("GBR", 1, 100, None)),
                              ("clusters", lambda: node.graph.clusters("GBR", 1, 50)),
                              ("hubs", lambda: node.graph.hubs("GBR", 20))):
                start = time.perf_counter()
                ask()
                figures[f"{name}_s"] = time.perf_counter() - start
        finally:
            node.close()
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACTORS:,} actors")
    parser.add_argument("--actors", type=int, help=f"default {MAX_BLOCK:,} (the largest block "
                                                   f"still scored) and {FULL_ACTORS:,}")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [args.actors] if args.actors else [QUICK_ACTORS] if args.quick else [
        MAX_BLOCK, FULL_ACTORS]
    print(f"{'actors':>7} {'entities':>9} {'edges':>8} {'read s':>7} {'MiB':>5} "
          f"{'entities s':>10} {'clusters s':>10} {'hubs s':>7}")
    met, line = True, []
    for count in sizes:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as fresh:
            figures = fresh.submit(flood, count, args.seed).result()  # its own memory
        requests = max(figures[f"{name}_s"] for name in ("entities", "clusters", "hubs"))
        met &= (figures["read_s"] < TARGET_READ_S and figures["mib"] < TARGET_MIB
                and requests < TARGET_REQUEST_S)
        print(f"{count:>7,} {figures['entities']:>9,.0f} {figures['edges']:>8,.0f} "
              f"{figures['read_s']:>7.2f} {figures['mib']:>5.0f} {figures['entities_s']:>10.3f}"
              f" {figures['clusters_s']:>10.3f} {figures['hubs_s']:>7.3f}")
        line.append(f"read_s_{count}={figures['read_s']:.2f} read_mib_{count}="
                    f"{figures['mib']:.0f} request_s_{count}={requests:.3f}")
    print(f"targets: read < {TARGET_READ_S:.0f} s and < {TARGET_MIB:.0f} MiB, each request "
          f"after < {TARGET_REQUEST_S:.0f} s")
    print(f"BENCH flood {' '.join(line)} met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
