"""Sync speed: a fresh USA node catches up GBR's log over HTTP on loopback, beside the bound.

Run ``python bench/sync.py [--quick] [--records N] [--postgres-url URL] [--profile]``.
GBR holds N generated records and is served by gunicorn; USA (SQLite, and PostgreSQL when
asked) pulls it from seq 0 with ``Node.sync("GBR")``. Reported: records/s against the bare
Ed25519 + RFC 8785 rate measured in the same run (target ratio >= 0.5), seconds (target:
100,000 in under 60 s) and the puller's RSS while it pulls, its helper processes included
(target: flat).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from common import BareVerifier, as_gbr, gunicorn, postgres_schema, progress, rss_mib
from tqdm import tqdm

from enforce_share.config import load_config
from enforce_share.demo.scenario import generate_scenario
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.jsonschema import record_validator
from enforce_share.records.models import LogHead, Record
from enforce_share.sync.puller import sync_round

ROOT = Path(__file__).resolve().parent.parent
QUICK_RECORDS, FULL_RECORDS, BATCH = 20_000, 100_000, 500
TARGET_RATIO, TARGET_SECONDS_100K, FLAT_MIB = 0.5, 60.0, 32.0


# --- GBR: generated records, loaded in a child process so the puller's RSS is its own -----


def load_gbr(data_dir: Path, count: int, seed: int) -> dict[str, int]:
    """Initialise GBR and add ``count`` scenario drafts in batches; return the type mix."""
    node, _ = Node.initialise(load_config(data_dir, agency="GBR"))
    drafts = list(as_gbr(generate_scenario(count, seed)))
    with progress(len(drafts), "GBR sign+store") as bar:
        for start in range(0, len(drafts), BATCH):
            chunk = drafts[start:start + BATCH]
            node.add_records(chunk)
            bar.update(len(chunk))
    node.close()
    return dict(Counter(draft.type for draft in drafts))


# --- the bound -------------------------------------------------------------------------------


def bare_bound(gbr: Node) -> tuple[int, float]:
    """Records and seconds of RFC 8785 bytes + one Ed25519 verify per record of GBR's log.

    bench/ingest.py's method, fed one batch at a time from GBR's database (reads not timed).
    """
    bare = BareVerifier(gbr.jwks())
    count, seconds, after = 0, 0.0, 0
    with gbr.reading() as session, progress(0, "bare bound") as bar:
        while True:
            rows = session.execute(sa.select(Record.seq, Record.canonical, Record.jws).where(
                Record.origin == "GBR", Record.seq > after).order_by(Record.seq).limit(BATCH)
            ).all()
            if not rows:
                return count, seconds
            documents = [{"record": json.loads(canonical), "jws": token}
                         for _, canonical, token in rows]
            start = time.perf_counter()
            for document in documents:
                bare.verify(document)
            seconds += time.perf_counter() - start
            count, after = count + len(rows), rows[-1].seq
            bar.update(len(rows))


# --- the pull ----------------------------------------------------------------------------


def helpers() -> list[str]:
    """Pids of the prechecker's processes: its fork server (a child of this process, not
    GBR's gunicorn) and the helpers forked from it (RSS summed: pages they share counted
    once per process, an upper bound)."""
    def children(pid: str) -> list[str]:
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                found += task.read_text().split()
        return found

    pids = []
    for pid in children("self"):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"forkserver" in command or b"spawn_main" in command:
                pids += [pid, *children(pid)]
    return pids


def cpu_seconds(pid: str) -> float:
    """User + system CPU time a process has used so far (0 if it is gone)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def peer_pids() -> list[str]:
    """Pids of GBR's gunicorn (a child of this process) and its workers."""
    pids = []
    for task in Path("/proc/self/task").glob("*/children"):
        for pid in task.read_text().split():
            with contextlib.suppress(OSError):
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    pids.append(pid)
                    for child in Path(f"/proc/{pid}/task").glob("*/children"):
                        pids += child.read_text().split()
    return pids


def puller_rss_mib() -> float:
    """RSS of the puller: this process and its helper processes, in MiB."""
    return rss_mib() + sum(rss_mib(pid) for pid in helpers())


@dataclass
class Watched:
    """A peer whose pages are counted and timed, and the puller's RSS sampled meanwhile."""

    agency: str
    peer: Any
    bar: tqdm
    entries: int = 0
    fetch_seconds: float = 0.0
    samples: list[tuple[int, float]] = field(default_factory=list)
    own: list[tuple[int, float]] = field(default_factory=list)  # this process alone
    helper_cpu: dict[str, float] = field(default_factory=dict)  # last seen, per pid

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        """One page from the peer, counted."""
        start = time.perf_counter()
        page = self.peer.feed(origin, after, limit)
        self.fetch_seconds += time.perf_counter() - start
        self.entries += len(page["entries"])
        self.bar.update(len(page["entries"]))
        return page

    def sample(self, stop: threading.Event, every: float = 0.02) -> None:
        """Record (entries received, RSS) until ``stop``: runs in a background thread."""
        while not stop.is_set():
            self.samples.append((self.entries, puller_rss_mib()))
            self.own.append((self.entries, rss_mib()))
            for pid in helpers():  # helpers exit with the round: their CPU as last seen
                self.helper_cpu[pid] = max(self.helper_cpu.get(pid, 0.0), cpu_seconds(pid))
            stop.wait(every)
        self.samples.append((self.entries, puller_rss_mib()))


@dataclass
class Pull:
    """One timed catch-up."""

    database: str
    records: int
    seconds: float
    fetch_seconds: float
    rss_before: float
    rss_at: dict[int, float]
    prechecked: int
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds, by process group

    @property
    def rate(self) -> float:
        """Records per second."""
        return self.records / self.seconds

    @property
    def growth(self) -> float:
        """RSS growth from 25 % to 100 % of the pull: the measure of flatness, in MiB."""
        return self.rss_at[100] - self.rss_at[25]


def pull(usa: Node, database: str, total: int, profiler: cProfile.Profile | None = None
         ) -> Pull:
    """Catch USA up with GBR's log by one sync round from GBR, timed and watched."""
    (peer,) = usa.peers("GBR")
    with progress(total, f"pull {database}") as bar:
        watched, stop = Watched(peer.agency, peer, bar), threading.Event()
        rss_before = puller_rss_mib()
        helpers_before = {pid: cpu_seconds(pid) for pid in helpers()}  # a fork server, once up
        peer_before = sum(cpu_seconds(pid) for pid in peer_pids())
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        sampler = threading.Thread(target=watched.sample, args=(stop,), daemon=True)
        sampler.start()
        start = time.perf_counter()
        try:
            with profiler or contextlib.nullcontext():
                outcomes = sync_round(usa, [watched])  # what Node.sync("GBR") runs
        finally:
            seconds = time.perf_counter() - start
            own_after = resource.getrusage(resource.RUSAGE_SELF)
            peer_cpu = sum(cpu_seconds(pid) for pid in peer_pids()) - peer_before
            stop.set()
            sampler.join()
            peer.close()
    cpu = {"puller": own_after.ru_utime + own_after.ru_stime - own_before.ru_utime
           - own_before.ru_stime,
           "helpers": sum(seen - helpers_before.get(pid, 0.0)
                          for pid, seen in watched.helper_cpu.items()),
           "peer": peer_cpu}
    failed = [outcome for outcome in outcomes if outcome.error]
    if failed:
        raise SystemExit(f"pull into {database} failed: {failed}")
    rss_at = {}
    for percent in (25, 50, 75, 100):  # the running peak up to that point of the pull
        upto = [rss for entries, rss in watched.samples
                if entries <= total * percent / 100 or percent == 100]
        rss_at[percent] = max(upto or [watched.samples[0][1]])
    own = [rss for entries, rss in watched.own if entries >= total / 4] or [0.0]
    print(f"{database}: this process's RSS from 25% of the pull to its end: {own[0]:.0f} to "
          f"{max(own):.0f} MiB (the rest of the growth is the helpers')")
    return Pull(database, watched.entries, seconds, watched.fetch_seconds, rss_before, rss_at,
                sum(outcome.prechecked for outcome in outcomes), cpu)


# --- report ------------------------------------------------------------------------------


def print_profile(profiler: cProfile.Profile, title: str) -> None:
    """Cumulative time in the node's code, then own time, of one profiled pull."""
    print(f"\n{title}")
    for sort, limits in (("cumulative", (r"enforce_share|adapters|sqlalchemy/orm", 18)),
                         ("tottime", (15,))):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(*limits)
        lines = out.getvalue().splitlines()
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print("\n".join(line.replace(str(ROOT) + "/", "") for line in lines[first:]
                        if line.strip()))


def table(pulls: Sequence[Pull], bound_rate: float) -> str:
    """The results as a Markdown table."""
    lines = ["| puller db | records | seconds | records/s | ratio to bound | HTTP wait s | "
             "RSS before | RSS 25% | 50% | 75% | 100% (MiB, with helpers) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in pulls:
        at = run.rss_at
        lines.append(f"| {run.database} | {run.records} | {run.seconds:.2f} | {run.rate:,.0f} | "
                     f"{run.rate / bound_rate:.2f} | {run.fetch_seconds:.2f} | "
                     f"{run.rss_before:.0f} | {at[25]:.0f} | {at[50]:.0f} | {at[75]:.0f} | "
                     f"{at[100]:.0f} |")
    return "\n".join(lines)


def verdicts(main: Pull, bound_rate: float) -> str:
    """Where each record's time goes, and each target, met or missed."""
    seconds_100k, wait = main.seconds * 100_000 / main.records, main.fetch_seconds / main.records
    marks = [(main.rate / bound_rate >= TARGET_RATIO, f"ratio {main.rate / bound_rate:.2f} "
              f">= {TARGET_RATIO}"),
             (seconds_100k < TARGET_SECONDS_100K, f"100k records in {seconds_100k:.1f} s "
              f"(scaled) < {TARGET_SECONDS_100K:.0f} s"),
             (main.growth <= FLAT_MIB, f"RSS growth 25%->100% {main.growth:.1f} MiB "
              f"<= {FLAT_MIB:.0f} MiB (flat)")]
    return (f"per record: {1e6 / main.rate:.0f} us = HTTP wait {wait * 1e6:.0f} us + verify+store "
            f"{1e6 / main.rate - wait * 1e6:.0f} us; bound {1e6 / bound_rate:.0f} us\n"
            + "\n".join(f"target {'met   ' if ok else 'MISSED'}  {text}" for ok, text in marks))


def pull_into(root: Path, gbr: Node, url: str, database: str, database_url: str | None,
              total: int, profiler: cProfile.Profile | None) -> Pull:
    """A fresh USA node on ``database_url``, trusted by GBR and trusting it, catches up."""
    usa, _ = Node.initialise(load_config(root / f"USA-{uuid.uuid4().hex[:6]}", agency="USA",
                                         database_url=database_url))
    try:
        with gbr.transaction() as session:
            add_partner(session, "GBR", "USA", usa.jwks(), None)
        with usa.transaction() as session:
            add_partner(session, "USA", "GBR", gbr.jwks(), url)
        done = pull(usa, database, total, profiler)
        with usa.reading() as session:
            held, log = session.get(LogHead, "GBR"), gbr.describe()["log"]
        if held is None or (held.seq, held.head) != (log["seq"], log["head"]):
            raise SystemExit(f"USA's copy of GBR's log differs from GBR's: {log}")
        return done
    finally:
        usa.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Build GBR, serve it, pull it into fresh USA nodes, print the table and BENCH line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECORDS} records")
    parser.add_argument("--records", type=int, help=f"default {FULL_RECORDS}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers serving GBR")
    parser.add_argument("--postgres-url", help="also pull into a USA node on this server")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one more SQLite pull and print where time goes")
    args = parser.parse_args(argv)
    count = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    started, profiler = time.perf_counter(), cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="es-bench-sync-") as tmp:
        root = Path(tmp)
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
            mix = child.submit(load_gbr, root / "GBR", count, args.seed).result()
        print(f"GBR: {sum(mix.values())} scenario drafts (seed {args.seed}): "
              + ", ".join(f"{kind} {n}" for kind, n in Counter(mix).most_common())
              + f"; setup {time.perf_counter() - started:.1f} s; Python "
              f"{sys.version.split()[0]}")
        gbr = Node(load_config(root / "GBR"))
        total = gbr.describe()["log"]["seq"]
        record_validator()  # compiled once per process, as a node does at its first record
        bound_records, bound_seconds = bare_bound(gbr)
        with gunicorn(root / "GBR", args.workers) as url:
            pulls = [pull_into(root, gbr, url, "sqlite", None, total, None)]
            if args.postgres_url:
                with postgres_schema(args.postgres_url) as database_url:
                    pulls.append(pull_into(root, gbr, url, "postgresql", database_url, total,
                                           None))
            if args.profile:
                profiled = pull_into(root, gbr, url, "sqlite (profiled)", None, total, profiler)
        # the bound again after the pulls, the faster of the two kept: a noisy neighbour
        # slowing the first measurement must not flatter the ratio
        bound_seconds = min(bound_seconds, bare_bound(gbr)[1])
        bound_rate = bound_records / bound_seconds
        gbr.close()
    print(f"bare bound (RFC 8785 + Ed25519 verify, in this process, faster of a run before "
          f"and after the pulls): {bound_records} records in {bound_seconds:.2f} s = "
          f"{bound_rate:,.0f} records/s")
    print(table(pulls + ([profiled] if args.profile else []), bound_rate))
    first = pulls[0]
    print(verdicts(first, bound_rate))
    for run in pulls:
        per = {name: 1e6 * value / run.records for name, value in run.cpu.items()}
        print(f"CPU per record ({run.database}): puller {per['puller']:.0f} us, its helpers "
              f"{per['helpers']:.0f} us, GBR's gunicorn {per['peer']:.0f} us; "
              f"{sum(per.values()):.0f} us in all, against {1e6 / run.rate:.0f} us of wall "
              f"time on {os.cpu_count()} cores")
    peak = max(run.rss_at[100] for run in pulls)
    print(f"peak RSS of the puller and its helper processes {peak:.0f} MiB (this process alone "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}); records checked "
          f"by helpers: " + ", ".join(f"{run.database} {run.prechecked}" for run in pulls)
          + f"; wall {time.perf_counter() - started:.1f} s (incl. setup)")
    if args.profile:
        print_profile(profiler, "cProfile of one SQLite pull (puller side; HTTP wait includes "
                      "GBR's gunicorn serving the page):")
    figures = {"records": first.records, "seconds": f"{first.seconds:.2f}",
               "rps": f"{first.rate:.0f}", "bound_rps": f"{bound_rate:.0f}",
               "ratio": f"{first.rate / bound_rate:.3f}",
               "http_wait_s": f"{first.fetch_seconds:.2f}", "peak_rss_mb": f"{peak:.0f}",
               "rss_growth_mb": f"{first.growth:.1f}"}
    for run in pulls[1:]:
        figures.update(pg_seconds=f"{run.seconds:.2f}", pg_rps=f"{run.rate:.0f}",
                       pg_ratio=f"{run.rate / bound_rate:.3f}",
                       pg_rss_growth_mb=f"{run.growth:.1f}")
    print("BENCH sync " + " ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
