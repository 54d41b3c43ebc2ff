"""Proof of one record in a log of a million entries: file size, verification and proof times.

Run ``python bench/proof.py [--quick] [--entries N] [--postgres-url URL]``.
A GBR node writes a few real signed records (seq 1 to 10, its key record first); the rest of
its log, up to N entries, is *stub rows inserted directly* for speed (placeholders with
real stubs, chain heads and Merkle subtrees: ``records.ingest`` stores a relayed log's
placeholders the same way, without signing a million records here). The node then signs
a checkpoint at N. Reported: the proof file of the record at seq 5 (bytes; target < 2 KiB,
against the whole log's stubs a bundle ships today), the time to verify it as
``enforce-share proof verify`` does (signatures, inclusion, root bound to the log held;
target < 5 ms) and its Merkle part alone, and the time to compute a root, an inclusion
proof and a consistency proof at random sizes from the stored subtrees.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from common import postgres_schema
from sqlalchemy import update

from enforce_share.config import load_config
from enforce_share.db import insert_rows
from enforce_share.node import Node
from enforce_share.records.checkpoints import issue_checkpoint
from enforce_share.records.drafts import Draft
from enforce_share.records.entries import entry_hash, record_stub, stub
from enforce_share.records.models import LogHead, Placeholder
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer
from enforce_share.signing.trust import TrustRegistry
from enforce_share.transparency import merkle, proof_file, tree

FULL_ENTRIES, QUICK_ENTRIES = 1_000_000, 100_000
CHUNK = 50_000
MARKING = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}


def build(node: Node, entries: int) -> tuple[str, int]:
    """GBR's log of ``entries``: 10 signed records, then stub rows. The id of the record at
    seq 5 and the bytes of the log's stubs as JSON lines (what a whole-log bundle ships)."""
    drafts = [Draft("actor", dict(MARKING), {"name": f"Front Company {i} LLC",
                                             "kind": "company"}) for i in range(9)]
    records = node.add_records(drafts)
    target = next(row.id for row in records if row.seq == 5)
    stub_bytes = 0
    with node.transaction() as session:
        head_row = session.get(LogHead, "GBR")
        seq, head = head_row.seq, head_row.head
        rng = random.Random(7)
        while seq < entries:
            holes, leaves = [], []
            first, seq = seq + 1, min(seq + CHUNK, entries)
            for at in range(first, seq + 1):
                record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                record_hash = rng.getrandbits(256).to_bytes(32, "big").hex()
                entry = stub("GBR", at, record_id, record_hash, "amber", ["GBR", "USA"])
                leaves.append(entry_hash(entry))
                stub_bytes += len(json.dumps(entry, separators=(",", ":"))) + 1
                head = jws.next_head(head, leaves[-1])
                holes.append({"origin": "GBR", "seq": at, "record_id": record_id,
                              "record_hash": record_hash, "tlp": "amber",
                              "releasable_to": ["GBR", "USA"], "owed": False, "head": head})
            insert_rows(session.connection(), Placeholder.__table__, holes)
            tree.extend(session, "GBR", first - 1, leaves)
            print(f"  {seq:,} entries", file=sys.stderr, end="\r")
        session.execute(update(LogHead).where(LogHead.origin == "GBR")
                        .values(seq=seq, head=head))
        issue_checkpoint(session, current_signer(session, "GBR", node.config.keys_dir),
                         "GBR", seq, head)
    return target, stub_bytes


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def bench_node(database_url: str | None) -> Iterator[Node]:
    with tempfile.TemporaryDirectory() as scratch:
        config = load_config(Path(scratch) / "gbr", agency="GBR", database_url=database_url)
        node, _ = Node.initialise(config)
        try:
            yield node
        finally:
            node.close()


def run(label: str, database_url: str | None, entries: int) -> dict[str, float]:
    with bench_node(database_url) as node:
        started = time.perf_counter()
        target, stub_bytes = build(node, entries)
        build_s = time.perf_counter() - started
        with node.reading() as session:
            document = proof_file.export(session, target)
            size = len(json.dumps(document, separators=(",", ":")).encode())
            registry = TrustRegistry.load(session)
            verify_s = timed(lambda: proof_file.verify(session, registry, document), 50)
            leaf = merkle.leaf_hash(bytes.fromhex(entry_hash(record_stub(
                document["record"], jws.record_hash(jws.canonical(document["record"]))))))
            path = [merkle.decode(value) for value in document["inclusion"]["proof"]]
            root = merkle.decode(document["tree"]["root"])
            merkle_s = timed(lambda: merkle.verify_inclusion(4, entries, leaf, path, root), 2000)
            rng = random.Random(11)
            root_s = timed(lambda: tree.root(session, "GBR", rng.randint(1, entries)), 200)
            inclusion_s = timed(lambda: tree.inclusion(
                session, "GBR", rng.randint(1, entries // 2), rng.randint(entries // 2,
                                                                          entries)), 200)
            consistency_s = timed(lambda: tree.consistency(
                session, "GBR", rng.randint(1, entries // 2), rng.randint(entries // 2,
                                                                          entries)), 200)
    result = {"entries": entries, "build_s": build_s, "file_bytes": size,
              "path_hashes": len(path), "stubs_mib": stub_bytes / 2**20,
              "verify_ms": verify_s * 1e3, "merkle_verify_us": merkle_s * 1e6,
              "root_ms": root_s * 1e3, "inclusion_ms": inclusion_s * 1e3,
              "consistency_ms": consistency_s * 1e3}
    print(f"| {label} | {entries:,} | {build_s:.1f} | {size:,} | {len(path)} | "
          f"{result['stubs_mib']:.1f} | {result['verify_ms']:.2f} | "
          f"{result['merkle_verify_us']:.0f} | {result['root_ms']:.2f} | "
          f"{result['inclusion_ms']:.2f} | {result['consistency_ms']:.2f} |")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ENTRIES:,} entries")
    parser.add_argument("--entries", type=int, help=f"default {FULL_ENTRIES:,}")
    parser.add_argument("--postgres-url", help="also run on a node on this server")
    args = parser.parse_args()
    entries = args.entries or (QUICK_ENTRIES if args.quick else FULL_ENTRIES)
    print(f"Proof of the record at seq 5 of GBR's log of {entries:,} entries "
          f"(10 signed records, then stub rows inserted directly)")
    print("| db | entries | build s | proof file bytes | path hashes | stubs of the log MiB "
          "| verify file ms | Merkle verify us | root ms | inclusion ms | consistency ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = {"sqlite": run("sqlite", None, entries)}
    if args.postgres_url:
        with postgres_schema(args.postgres_url) as url:
            results["postgresql"] = run("postgresql", url, entries)
    sqlite = results["sqlite"]
    print(f"target {'met   ' if sqlite['file_bytes'] < 2048 else 'MISSED'}  proof file "
          f"{sqlite['file_bytes']:,} bytes < 2,048")
    print(f"target {'met   ' if sqlite['verify_ms'] < 5 else 'MISSED'}  verification "
          f"{sqlite['verify_ms']:.2f} ms < 5 ms")
    line = " ".join(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
                    for key, value in sqlite.items())
    if "postgresql" in results:
        line += " " + " ".join(f"pg_{key}={value:.3f}" for key, value in
                               results["postgresql"].items() if key.endswith(("_ms", "_s")))
    print(f"BENCH proof {line}")


if __name__ == "__main__":
    main()
