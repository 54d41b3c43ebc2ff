"""Entity-resolution quality and speed on the scenario's ground truth.

Run ``python bench/resolve.py [--quick] [--records N] [--seed S]``. The generator's actor
records (latest versions) carry the entity each one reports; resolution (profiles, blocking,
scoring, clusters) runs over them, and pairwise precision and recall are counted against the
truth (targets: precision >= 0.97, recall >= 0.93), with blocking recall (true pairs that
reach scoring at all) and the time of each step.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from itertools import combinations

from common import progress

from enforce_share.demo.scenario import generate_scenario
from enforce_share.entities.blocking import candidate_pairs
from enforce_share.entities.clusters import cluster
from enforce_share.entities.profile import profile
from enforce_share.entities.scoring import Rarity, compare

QUICK_RECORDS, FULL_RECORDS = 20_000, 120_000
TARGET_PRECISION, TARGET_RECALL = 0.97, 0.93


def latest_actors(records: int, seed: int) -> list[tuple[str, dict, str]]:
    """(record id, body, true entity) of each actor record not superseded."""
    actors: dict[str, tuple[dict, str]] = {}
    retired: set[str] = set()
    for draft in generate_scenario(records, seed):
        if draft["type"] == "actor":
            actors[draft["id"]] = (draft["body"], draft["truth"]["entity"])
            if draft.get("supersedes"):
                retired.add(draft["supersedes"])
        elif draft["type"] == "withdrawal":
            retired.add(draft["body"]["target"])
    return [(rid, body, truth) for rid, (body, truth) in actors.items() if rid not in retired]


def true_pairs(truths: Sequence[str]) -> set[tuple[int, int]]:
    by_entity: dict[str, list[int]] = {}
    for index, truth in enumerate(truths):
        by_entity.setdefault(truth, []).append(index)
    return {pair for members in by_entity.values() for pair in combinations(members, 2)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--records", type=int)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--show", type=int, default=0, help="print N errors of each kind")
    args = parser.parse_args(argv)
    records = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    actors = latest_actors(records, args.seed)
    ids = [rid for rid, _, _ in actors]
    truths = [truth for _, _, truth in actors]
    timings = {}

    start = time.perf_counter()
    profiles = [profile(rid, body) for rid, body, _ in actors]
    timings["profiles"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = candidate_pairs(profiles)
    timings["blocking"] = time.perf_counter() - start
    start = time.perf_counter()
    rarity = Rarity(profiles)
    matches, apart = [], []
    with progress(len(pairs), "scoring") as bar:
        for i, j in pairs:
            match = compare(profiles[i], profiles[j], rarity)
            if match.accepted:
                matches.append((match.score, i, j))
            elif match.apart:
                apart.append((ids[i], ids[j]))
            bar.update(1)
    timings["scoring"] = time.perf_counter() - start
    start = time.perf_counter()
    order = {rid: index for index, rid in enumerate(ids)}
    groups = cluster(ids, order, [(score, ids[i], ids[j]) for score, i, j in matches],
                     not_same_as=apart)
    timings["clusters"] = time.perf_counter() - start

    truth = true_pairs(truths)
    found_cluster = {rid: key for key, members in groups.items() for rid in members}
    predicted = true_pairs([found_cluster[rid] for rid in ids])
    hits = len(truth & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    blocking_recall = len(truth & pairs) / len(truth) if truth else 1.0
    total = sum(timings.values())
    print(f"{len(actors):,} actors ({len(set(truths)):,} entities), {len(pairs):,} candidate "
          f"pairs ({len(pairs) / max(len(actors), 1):.1f} per actor), "
          f"{len(truth):,} true pairs")
    print(f"{'step':<10} {'seconds':>8}")
    for step, seconds in timings.items():
        print(f"{step:<10} {seconds:>8.2f}")
    print(f"pairwise precision {precision:.4f} (target {TARGET_PRECISION}), recall "
          f"{recall:.4f} (target {TARGET_RECALL}), blocking recall {blocking_recall:.4f}")
    if args.show:
        for i, j in sorted(predicted - truth)[: args.show]:
            print("FALSE MATCH", profiles[i].names, profiles[j].names,
                  compare(profiles[i], profiles[j], rarity).features)
        for i, j in sorted(truth - predicted)[: args.show]:
            print("MISSED", profiles[i].names, profiles[j].names,
                  compare(profiles[i], profiles[j], rarity).features)
    met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    print(f"BENCH resolve actors={len(actors)} pairs={len(pairs)} precision={precision:.4f} "
          f"recall={recall:.4f} blocking_recall={blocking_recall:.4f} seconds={total:.2f} "
          f"met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
