"""Load under abuse: 50 concurrent clients against one gunicorn node, legitimate and hostile.

Run ``python bench/load.py [--quick] [--clients 50] [--seconds 60] [--records N]``.
A GBR node on SQLite holding N records of the scenario generator (its own) is served by
gunicorn (4 workers, loopback only). For ``--seconds``, four fifths of the clients are
analysts, each with a token of their own, asking what analysts ask, a request at a time with
a pause of 0.5 to 1.5 s (an analyst's screen asking for its parts): searches (names, HS
prefix and country, free text, facets), graph requests (entities, hubs, an actor's matches
and neighbourhood) and record reads. The other
fifth floods the node as fast as it answers: a junk bearer token each request, junk HTTP
Basic on TAXII, no credentials at all, a real token id with a guessed secret, and wrong
passwords for made-up and real user names. Reported: the analysts' latency per kind of
request (p50, p95, p99, as the client waits) and their failures, what the abusers got back,
and how many audit rows the abuse wrote per second. Targets: analysts' p95 under 200 ms with
no failure; abuse at most 5 audit rows a second. ``--quick``: 20 s over 3,000 records.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from common import as_gbr, gunicorn, progress

from enforce_share.audit.models import AuditEntry
from enforce_share.config import load_config
from enforce_share.demo.scenario import generate_scenario
from enforce_share.node import Node
from enforce_share.records.models import Record

QUICK = {"records": 3_000, "seconds": 20}
FULL = {"records": 20_000, "seconds": 60}
TARGET_P95_MS, TARGET_ABUSE_ROWS_S = 200.0, 5.0
THREADS_PER_PROCESS = 10


# --- the node ------------------------------------------------------------------------------

def quiet() -> dict[str, str]:
    """gunicorn's environment: the node logs errors only (each refusal is a warning)."""
    return {"ENFORCE_SHARE_LOG_LEVEL": "error"}


def build_node(data_dir: Path, records: int, analysts: int) -> tuple[dict[str, Any], list[str]]:
    """A GBR node holding ``records`` scenario records, ``analysts`` analysts with a token
    each; what the analysts will ask about, and their tokens."""
    node, _ = Node.initialise(load_config(data_dir, agency="GBR"))
    batch: list[Any] = []
    with progress(records, "write") as bar:
        for draft in as_gbr(generate_scenario(records, seed=11)):
            batch.append(draft)
            if len(batch) == 1000:
                node.add_records(batch)
                bar.update(len(batch))
                batch = []
        node.add_records(batch)
    tokens = []
    for number in range(analysts):
        node.add_user(f"analyst{number:02d}", "analyst", "analyst password" if number == 0
                      else None)
        tokens.append(node.issue_token(f"analyst{number:02d}").token)
    with node.reading() as session:
        actors = [(row.id, json.loads(row.canonical)["body"]["name"]) for row in session.scalars(
            sa.select(Record).where(Record.type == "actor").order_by(Record.position)
            .limit(300))]
        ids = list(session.scalars(sa.select(Record.id).where(Record.type.in_(
            ("violation", "case"))).limit(300)))
    node.close()
    return {"actors": actors, "records": ids}, tokens


def legitimate_mix(targets: dict[str, Any]) -> list[tuple[str, Callable[[random.Random], str]]]:
    """(kind, path maker) pairs an analyst picks from, searches weighted most."""
    actors, ids = targets["actors"], targets["records"]

    def name_search(rng: random.Random) -> str:
        return f"/api/v1/search?name={requests.utils.quote(rng.choice(actors)[1])}"

    def hs_search(rng: random.Random) -> str:
        hs, country = rng.choice([("8542", "RU"), ("8471", "KZ"), ("8525", "AE"),
                                  ("85", "TR"), ("9013", "CN")])
        return f"/api/v1/search?hs={hs}&country={country}"

    def text_search(rng: random.Random) -> str:
        return "/api/v1/search?q=" + requests.utils.quote(rng.choice(
            ["thermal imaging", "microcontrollers OR FPGA", "freight forwarder -air",
             "end user certificate russia", '"wafer processing equipment"']))

    return [
        ("search name", name_search), ("search name", name_search),
        ("search hs+country", hs_search), ("search text", text_search),
        ("search facets", lambda rng: "/api/v1/search?type=violation"),
        ("entities", lambda rng: "/api/v1/entities?limit=50"),
        ("graph hubs", lambda rng: "/api/v1/graph/hubs"),
        ("actor matches", lambda rng: f"/api/v1/actors/{rng.choice(actors)[0]}/matches"),
        ("neighbourhood", lambda rng: f"/api/v1/graph/neighbourhood/{rng.choice(actors)[0]}"
                                      "?hops=2&format=json"),
        ("record read", lambda rng: f"/api/v1/records/{rng.choice(ids)}"),
    ]


# --- the clients ---------------------------------------------------------------------------

def analysts(base: str, tokens: Sequence[str], targets: dict[str, Any], until: float,
             seed: int) -> dict[str, Any]:
    """Threads of analysts in one process, until ``until``: latency (ms) and failures by kind."""
    mix = legitimate_mix(targets)
    samples: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    lock = threading.Lock()

    def analyst(token: str, rng: random.Random) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            while time.time() < until:
                kind, path = rng.choice(mix)
                started = time.perf_counter()
                response = http.get(base + path(rng), timeout=30)
                took = (time.perf_counter() - started) * 1000
                with lock:
                    samples[kind].append(took)
                    if response.status_code != 200:
                        failures[f"{kind} {response.status_code}"] += 1
                time.sleep(rng.uniform(0.5, 1.5))

    _run_threads([(analyst, (token, random.Random(seed + i))) for i, token in enumerate(tokens)])
    return {"samples": dict(samples), "failures": dict(failures)}


def abusers(base: str, count: int, real_token: str, until: float, seed: int
            ) -> dict[str, int]:
    """Threads flooding the node with bad credentials until ``until``: answers by status."""
    answers: Counter[str] = Counter()
    lock = threading.Lock()
    real_id = real_token.split("_")[1]

    def junk(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
        secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(43))
        kind = rng.randrange(6)
        if kind == 0:
            return "GET", "/api/v1/search?q=x", {"headers": {"Authorization": f"Bearer {secret}"}}
        if kind == 1:
            return "GET", "/taxii2/api/collections/", {"auth": (f"u{rng.randrange(10**6)}",
                                                                secret)}
        if kind == 2:
            return "GET", f"/api/v1/records?limit={rng.randrange(1, 50)}", {}
        if kind == 3:
            return "GET", "/api/v1/entities", {"headers": {
                "Authorization": f"Bearer es_{real_id}_{secret}"}}
        name = rng.choice(["analyst00", "admin", f"guess{rng.randrange(10**6)}"])
        return "POST", "/api/v1/session", {"json": {"name": name, "password": secret}}

    def abuser(rng: random.Random) -> None:
        with requests.Session() as http:
            while time.time() < until:
                method, path, extra = junk(rng)
                status = http.request(method, base + path, timeout=30, **extra).status_code
                with lock:
                    answers[str(status)] += 1

    _run_threads([(abuser, (random.Random(seed + i),)) for i in range(count)])
    return dict(answers)


def _run_threads(jobs: Sequence[tuple[Callable[..., None], tuple[Any, ...]]]) -> None:
    threads = [threading.Thread(target=job, args=args) for job, args in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the run -------------------------------------------------------------------------------

def audit_rows(data_dir: Path, since: str) -> tuple[int, Counter[str]]:
    """Audit rows written since ``since``: how many by analysts, and the others by actor,
    action and outcome (an actor not an analyst's token shown as its kind)."""
    engine = sa.create_engine(load_config(data_dir).db_url)
    analysts, abuse = 0, Counter()
    with engine.connect() as connection:
        for actor, action, outcome in connection.execute(
                sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.outcome)
                .where(AuditEntry.at >= since)):
            if actor.startswith("analyst") and outcome == "200":
                analysts += 1
            else:
                who = actor if actor in ("anonymous", "analyst00", "admin") else (
                    "token:<id>" if actor.startswith("token:") else "<other>")
                abuse[f"{who} {action} {outcome}"] += 1
    engine.dispose()
    return analysts, abuse


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s over 3,000 records")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--records", type=int)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    seconds, records = args.seconds or sizes["seconds"], args.records or sizes["records"]
    hostile = max(1, args.clients // 5)
    friendly = args.clients - hostile
    with tempfile.TemporaryDirectory(prefix="es-load-") as scratch:
        data_dir = Path(scratch) / "gbr"
        targets, tokens = build_node(data_dir, records, friendly)
        with gunicorn(data_dir, workers=4, extra=quiet()):
            pass  # a first start reads the indexes once: not what is measured
        with gunicorn(data_dir, workers=4, extra=quiet()) as base:
            for path in ("/api/v1/graph/hubs", "/api/v1/entities?limit=50",
                         "/api/v1/search?q=x"):  # the first ask of each reads its cache
                requests.get(base + path, headers={"Authorization": f"Bearer {tokens[0]}"},
                             timeout=120)
            since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            until = time.time() + seconds
            groups = [tokens[i:i + THREADS_PER_PROCESS]
                      for i in range(0, len(tokens), THREADS_PER_PROCESS)]
            with get_context("spawn").Pool(len(groups) + 1) as pool:
                legit = [pool.apply_async(analysts, (base, group, targets, until, 7 + 100 * i))
                         for i, group in enumerate(groups)]
                abuse = pool.apply_async(abusers, (base, hostile, tokens[0], until, 99))
                results = [job.get(timeout=seconds + 300) for job in legit]
                answers = abuse.get(timeout=seconds + 300)
        written = audit_rows(data_dir, since)
    report(results, answers, written, seconds, args.clients, friendly, hostile, records)


def report(results: list[dict[str, Any]], answers: dict[str, int],
           written: tuple[int, Counter[str]], seconds: float, clients: int, friendly: int,
           hostile: int, records: int) -> None:
    samples: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    for result in results:
        for kind, values in result["samples"].items():
            samples[kind].extend(values)
        failures.update(result["failures"])
    every = [value for values in samples.values() for value in values]
    print(f"{clients} clients for {seconds:.0f} s against 4 gunicorn workers, {records:,} "
          f"records: {friendly} analysts, {hostile} abusers")
    print(f"{'analysts ask':<20} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for kind in sorted(samples):
        values = samples[kind]
        print(f"{kind:<20} {len(values):>8,} {statistics.median(values):>7.1f} "
              f"{percentile(values, 95):>7.1f} {percentile(values, 99):>7.1f}")
    p95 = percentile(every, 95)
    print(f"{'all':<20} {len(every):>8,} {statistics.median(every):>7.1f} {p95:>7.1f} "
          f"{percentile(every, 99):>7.1f}")
    print(f"analysts' failures: {dict(failures) or 'none'}")
    abuse = sum(answers.values())
    print(f"abusers sent {abuse:,} requests ({abuse / seconds:,.0f}/s), answered "
          + ", ".join(f"{status}: {count:,}" for status, count in sorted(answers.items())))
    analyst_rows, abuse_rows = written
    rows_s = sum(abuse_rows.values()) / seconds
    print(f"audit rows: {analyst_rows:,} of analysts (one a request), "
          f"{sum(abuse_rows.values()):,} of abuse ({rows_s:.2f}/s):")
    for kind, count in abuse_rows.most_common(8):
        print(f"  {count:>5,}  {kind}")
    met = p95 < TARGET_P95_MS and not failures and rows_s <= TARGET_ABUSE_ROWS_S
    print(f"targets: analysts' p95 < {TARGET_P95_MS:.0f} ms with no failure, abuse <= "
          f"{TARGET_ABUSE_ROWS_S:.0f} audit rows/s")
    print(f"BENCH load clients={clients} seconds={seconds:.0f} records={records} "
          f"legit_requests={len(every)} legit_p50_ms={statistics.median(every):.1f} "
          f"legit_p95_ms={p95:.1f} legit_p99_ms={percentile(every, 99):.1f} "
          f"legit_failures={sum(failures.values())} abuse_requests={abuse} "
          f"abuse_audit_rows_per_s={rows_s:.2f} met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
