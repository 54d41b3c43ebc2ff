"""Search speed at scale: N partner records held by GBR, 20 analyst queries through HTTP.

Run ``python bench/search.py [--quick] [--records N] [--rounds R] [--postgres-url URL]``.
N records of the scenario generator that GBR may see, signed by four partner agencies (GBR's
own scenario records are USA's here: a node ingests only other origins) and created over
2019-2026, are written once to ``.bench-cache/`` as the JSON Lines of their logs, with a
placeholder (its stub) for each record GBR may not see, as the feed would send it. Each database
(SQLite, then PostgreSQL) gets a fresh GBR node that ingests them in batches of 5,000 with
the sync path's helper processes checking signatures ahead (memory sampled as it goes).
gunicorn then serves the node (one worker, as latency is per request) and 20 queries run in
rounds: fuzzy names across scripts, HS prefix + country + dates, free text, broad faceted
ones. Reported: load time and rate, RSS while loading, database size, the first search's
wait while the fresh worker still reads the index (it starts reading as it boots), and
p50/p95/p99 latency (target p95 < 100 ms), with each query's first ask apart (text matches
are kept per worker and only grow: asking again reads what arrived since). Last, on SQLite,
a node's memory: nodes of 1 and of 4 workers, each warmed up by search and graph requests,
summed over master, graph index process and workers as PSS (shared pages counted once), and
their ratio.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import iuliia
import requests
import sqlalchemy as sa
from common import (
    ROOT,
    children,
    gunicorn,
    memory_table,
    node_pss,
    postgres_problem,
    postgres_schema,
    progress,
    rss_mib,
)

from enforce_share.clock import timestamp
from enforce_share.config import load_config
from enforce_share.demo.scenario import generate_scenario
from enforce_share.markings import releasable
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.drafts import KEY_TYPES
from enforce_share.records.entries import stub
from enforce_share.records.ingest import ingest
from enforce_share.records.models import Record
from enforce_share.records.precheck import Prechecker
from enforce_share.signing import jws
from enforce_share.signing.keys import generate_key, kid_of, public_jwk

QUICK_RECORDS, FULL_RECORDS, BATCH = 30_000, 1_000_000, 5_000
PARTNERS = ("USA", "CAN", "AUS", "NZL")
FIRST_DAY, YEARS = datetime(2019, 1, 1, tzinfo=UTC), 7.5
TARGET_P95_MS = 100.0
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CACHE = ROOT / ".bench-cache"


# --- the records ---------------------------------------------------------------------------

def signed_logs(count: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The partners' logs as JSON Lines holding ``count`` records GBR may see (and
    placeholders for the rest), and their JWK Sets; written once per count and seed."""
    path = CACHE / f"search-p2-{count}r-{seed}.jsonl"  # p2: placeholders are stubs
    keys_path = path.with_suffix(".jwks.json")
    if path.exists() and keys_path.exists():
        return path, json.loads(keys_path.read_text())
    CACHE.mkdir(exist_ok=True)
    keys = {agency: generate_key() for agency in PARTNERS}
    seqs: Counter[str] = Counter()
    drafts = count * 4 // 3  # about a quarter is not released to GBR
    step = timedelta(days=365.25 * YEARS) / drafts
    partial, records = path.with_suffix(".partial"), 0
    with partial.open("w", encoding="utf-8") as out, progress(count, "sign") as bar:
        for index, draft in enumerate(generate_scenario(2 * drafts, seed)):
            if records == count:
                break
            if draft["type"] in KEY_TYPES:
                continue
            origin = "USA" if draft["origin"] == "GBR" else draft["origin"]
            seqs[origin] += 1
            record = {"id": draft["id"], "type": draft["type"], "origin": origin,
                      "seq": seqs[origin], "created": timestamp(FIRST_DAY + index * step),
                      "supersedes": draft.get("supersedes"), "marking": draft["marking"],
                      "body": draft["body"]}
            payload = jws.canonical(record)
            marking = record["marking"]
            if releasable(marking["tlp"], marking["releasable_to"], "GBR"):
                key = keys[origin]
                entry: dict[str, Any] = {"record": record,
                                         "jws": jws.sign(payload, key, kid_of(key))}
                records += 1
                bar.update(1)
            else:
                entry = stub(origin, seqs[origin], record["id"], jws.record_hash(payload),
                             marking["tlp"], marking["releasable_to"])
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    jwks = {agency: {"keys": [public_jwk(key)]} for agency, key in keys.items()}
    keys_path.write_text(json.dumps(jwks))
    partial.rename(path)
    return path, jwks


def batches(path: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    """The log entries of ``path``, ``size`` at a time (never all in memory)."""
    batch = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


# --- loading -------------------------------------------------------------------------------

@dataclass
class Load:
    database: str
    entries: int = 0
    records: int = 0
    seconds: float = 0.0
    rss: dict[str, float] = field(default_factory=dict)  # progress -> MiB
    size_mib: float = 0.0


def load(node: Node, path: Path, jwks: dict[str, Any], total: int, database: str) -> Load:
    """Ingest every entry of ``path`` into ``node`` as sync does: helpers check a batch's
    signatures while the previous batch is stored."""
    with node.transaction() as session:
        for agency, keys in jwks.items():
            add_partner(session, "GBR", agency, keys, None)
    registry = node.registry()
    result = Load(database)
    marks = {total // 4: "25%", total // 2: "50%", total - 1: "100%"}
    start = time.perf_counter()
    with Prechecker() as prechecker, progress(total, f"load {database}") as bar:
        pending = None
        for batch in itertools.chain(batches(path, BATCH), [None]):  # None: store the last
            checking = prechecker.submit(batch, registry.snapshot, total) if batch else None
            if pending is not None:
                previous, futures = pending
                with node.transaction() as session:
                    stored = ingest(session, registry, previous, "GBR",
                                    verdicts=prechecker.result(futures))
                result.records += stored.stored
                for mark in [m for m in marks if result.entries <= m < result.entries
                             + len(previous)]:
                    result.rss[marks[mark]] = rss_mib()
                result.entries += len(previous)
                bar.update(len(previous))
            pending = (batch, checking) if batch else None
    result.seconds = time.perf_counter() - start
    result.size_mib = database_mib(node)
    return result


def database_mib(node: Node) -> float:
    """The database's size on disk (SQLite: file and WAL; PostgreSQL: tables, indexes,
    TOAST of the node's schema), after what autovacuum would do after a bulk load (VACUUM
    ANALYZE on PostgreSQL: hint bits set, visibility map made) or ANALYZE (SQLite)."""
    with node.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE" if connection.dialect.name == "sqlite"
                                   else "VACUUM ANALYZE"))
        if connection.dialect.name == "sqlite":
            path = Path(node.engine.url.database)
            return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 2**20
        return connection.scalar(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )) / 2**20


# --- queries -------------------------------------------------------------------------------

def queries(node: Node) -> list[dict[str, Any]]:
    """The 20 queries: six by name (spellings other than the stored one), five HS prefix +
    country (+ dates), five free text, four broad with facets."""
    with node.reading() as session:
        names = [json.loads(canonical)["body"]["name"] for canonical in session.scalars(
            sa.select(Record.canonical).where(Record.type == "actor").order_by(
                Record.position).limit(2000))]
    cyrillic = [name for name in names if any("\u0400" <= ch <= "\u04ff" for ch in name)]
    latin = [name for name in names if name.isascii() and len(name.split()) >= 2]
    if len(cyrillic) < 3 or len(latin) < 3:
        raise SystemExit("too few actors to build name queries: use more --records")
    icao = iuliia.ICAO_DOC_9303.translate
    return [
        {"name": icao(cyrillic[0])},
        {"name": cyrillic[1]},
        {"name": latin[0].lower()},
        {"name": latin[1].replace("c", "k").replace("C", "K")},
        {"actor": icao(cyrillic[2])},
        {"actor": latin[2]},
        {"hs": "8542", "country": "RU", "from": "2023-01-01", "to": "2023-12-31"},
        {"hs": "8471", "country": "KZ", "from": "2022-03-01", "to": "2024-02-29"},
        {"hs": "8525", "country": "AE", "type": "violation"},
        {"hs": "85", "country": "TR", "from": "2024-01-01", "to": "2024-06-30"},
        {"hs": "9013", "country": "CN"},
        {"q": "thermal imaging"},
        {"q": '"wafer processing equipment"'},
        {"q": "microcontrollers OR FPGA"},
        {"q": "freight forwarder -air"},
        {"q": "end user certificate russia"},
        {},
        {"type": "violation"},
        {"origin": "USA", "type": "procurement_trend", "method": "front_company"},
        {"violation_type": "transshipment", "from": "2024-01-01"},
    ]


@dataclass
class Latency:
    database: str
    warmup_s: float = 0.0
    worker_mib: float = 0.0
    samples: dict[int, list[float]] = field(default_factory=dict)  # query index -> ms
    totals: dict[int, int] = field(default_factory=dict)

    def all_ms(self) -> list[float]:
        return sorted(ms for values in self.samples.values() for ms in values)

    def first_ms(self) -> list[float]:
        """Each query's first ask (nothing of it cached yet)."""
        return sorted(values[0] for values in self.samples.values())

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        values = self.all_ms() if values is None else values
        return values[min(len(values) - 1, int(p / 100 * len(values)))]


def measure(token: str, data_dir: Path, mix: Sequence[dict[str, Any]], rounds: int,
            database: str) -> Latency:
    """Run the mix ``rounds`` times against gunicorn serving the node in ``data_dir``."""
    result = Latency(database)
    master: list[int] = []
    extra = {"ENFORCE_SHARE_RATE_LIMIT": "1000000 per minute"}
    with gunicorn(data_dir, 1, extra, master) as base, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"

        def get(params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
            start = time.perf_counter()
            response = http.get(f"{base}/api/v1/search?{urlencode(params)}", timeout=300)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{params}: HTTP {response.status_code} {response.text[:300]}")
            return elapsed, response.json()

        result.warmup_s = get({"limit": 1})[0] / 1000
        result.worker_mib = sum(rss_mib(pid) for pid in children(master[0]))
        with progress(rounds * len(mix), f"queries {database}") as bar:
            for _ in range(rounds):
                for index, params in enumerate(mix):
                    elapsed, page = get(params)
                    result.samples.setdefault(index, []).append(elapsed)
                    result.totals[index] = page["total"]
                    bar.update(1)
    return result


# --- one database --------------------------------------------------------------------------

def run(database: str, url: str | None, path: Path, jwks: dict[str, Any], total: int,
        rounds: int, root: Path, memory: bool
        ) -> tuple[Load, Latency, list[dict[str, Any]], str | None]:
    """Load, then latency; ``memory``: then a node's memory (1 and 4 workers), as table
    lines and BENCH figures."""
    data_dir = root / database
    node, _ = Node.initialise(load_config(data_dir, agency="GBR", database_url=url))
    try:
        loaded = load(node, path, jwks, total, database)
        mix = queries(node)
        node.add_user("bench", "analyst")
        token = node.issue_token("bench").token
        latency = measure(token, data_dir, mix, rounds, database)
        table = None
        if memory:
            table = memory_table(node_pss(data_dir, token, 1), node_pss(data_dir, token, 4))
        return loaded, latency, mix, table
    finally:
        node.close()


# --- report --------------------------------------------------------------------------------

def report(runs: Sequence[tuple[Load, Latency]], mix: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'database':<11} {'records':>9} {'load s':>7} {'rec/s':>7} "
             f"{'RSS MiB 25/50/100%':>20} {'DB MiB':>8} {'1st search s':>12} {'worker MiB':>10} "
             f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'1st ask p50/max ms':>19}"]
    for loaded, latency in runs:
        rss = "/".join(f"{loaded.rss.get(k, 0):.0f}" for k in ("25%", "50%", "100%"))
        lines.append(
            f"{loaded.database:<11} {loaded.records:>9,} {loaded.seconds:>7.1f} "
            f"{loaded.records / loaded.seconds:>7,.0f} {rss:>20} {loaded.size_mib:>8,.0f} "
            f"{latency.warmup_s:>12.1f} {latency.worker_mib:>10.0f} "
            f"{latency.percentile(50):>7.1f} {latency.percentile(95):>7.1f} "
            f"{latency.percentile(99):>7.1f} "
            f"{latency.percentile(50, latency.first_ms()):>9.1f}/{latency.first_ms()[-1]:<9.1f}")
    lines.append("")
    lines.append("per query, median ms / first ask ms (matches): " + "  ".join(
        latency.database for _, latency in runs))
    for index, params in enumerate(mix):
        cells = "  ".join(f"{statistics.median(latency.samples[index]):6.1f} / "
                          f"{latency.samples[index][0]:6.1f} ({latency.totals[index]:>7,})"
                          for _, latency in runs)
        lines.append(f"  {cells}  {urlencode(params)[:90]}")
    return "\n".join(lines)


def bench_line(total: int, entries: int, runs: Sequence[tuple[Load, Latency]]) -> str:
    figures = [f"records={total}", f"log_entries={entries}"]
    for loaded, latency in runs:
        name = loaded.database
        growth = loaded.rss.get("100%", 0) - loaded.rss.get("25%", 0)
        figures += [f"{name}_stored={loaded.records}", f"{name}_load_s={loaded.seconds:.1f}",
                    f"{name}_db_mib={loaded.size_mib:.0f}",
                    f"{name}_rss_growth_mib={growth:.0f}",
                    f"{name}_warmup_s={latency.warmup_s:.1f}",
                    f"{name}_p50_ms={latency.percentile(50):.1f}",
                    f"{name}_p95_ms={latency.percentile(95):.1f}",
                    f"{name}_p99_ms={latency.percentile(99):.1f}",
                    f"{name}_first_ask_max_ms={latency.first_ms()[-1]:.1f}"]
    worst = max(latency.percentile(95) for _, latency in runs)
    met = "yes" if worst < TARGET_P95_MS else "no"
    figures.append(f"target_p95_ms={TARGET_P95_MS:.0f} met={met}")
    return "BENCH search " + " ".join(figures)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECORDS:,} records")
    parser.add_argument("--records", type=int, help=f"default {FULL_RECORDS:,}")
    parser.add_argument("--rounds", type=int, help="times the 20 queries run (default 3 "
                                                   "quick, 10 full)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    total = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    rounds = args.rounds or (3 if args.quick else 10)
    path, jwks = signed_logs(total, args.seed)
    entries = sum(1 for _ in path.open(encoding="utf-8"))
    runs, mix = [], []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        loaded, latency, mix, memory = run("sqlite", None, path, jwks, entries, rounds,
                                           Path(tmp), True)
        runs.append((loaded, latency))
        problem = None if args.sqlite_only else postgres_problem(args.postgres_url)
        if problem:
            print(f"PostgreSQL skipped: {problem}", file=sys.stderr)
        elif not args.sqlite_only:
            with postgres_schema(args.postgres_url) as url:
                loaded, latency, _, _ = run("postgresql", url, path, jwks, entries, rounds,
                                            Path(tmp), False)
                runs.append((loaded, latency))
    print(report(runs, mix))
    assert memory is not None
    print(f"node memory after a warm-up of search and graph requests (SQLite, {total:,} "
          f"records):\n{memory[0]}")
    print(f"{bench_line(total, entries, runs)} {memory[1]}")


if __name__ == "__main__":
    main()
