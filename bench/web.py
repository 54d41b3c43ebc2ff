"""The search page of the web interface over a large node: its server time per request.

Run ``python bench/web.py [--quick] [--records N] [--rounds R]``. A GBR node holds the
records of ``bench/search.py`` (its cached partner logs: 1,000,000 records GBR may see, or
30,000 with ``--quick``), on SQLite, ingested as sync does. gunicorn serves it (one worker);
a signed-in analyst asks the search page (``/search``: the whole HTML page, with facets,
results and the cases to add them to) for the 20 queries of ``bench/search.py`` in rounds,
and for two filter-only pages, as a browser would (session cookie). Server time is what
gunicorn logs for each request (``%(D)s``, microseconds from request to response); the
client's time over loopback is shown beside it. Target: p95 under 300 ms of server time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from common import gunicorn, progress
from search import FULL_RECORDS, QUICK_RECORDS, load, queries, signed_logs

from enforce_share.config import load_config
from enforce_share.node import Node

TARGET_P95_MS = 300.0
PASSWORD = "bench password for the search page"


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def page_mix(node: Node) -> list[dict[str, Any]]:
    """The API bench's 20 queries as the page's parameters (its empty query, every record,
    as every record since 2019: a page with no parameter shows the form alone), and two
    pages of filters alone."""
    return [params or {"from": "2019-01-01"} for params in queries(node)] + [
        {"type": "actor", "country": "RU"}, {"tlp": "amber", "origin": "CAN"}]


def measure(data_dir: Path, mix: Sequence[dict[str, Any]], rounds: int, log: Path
            ) -> tuple[list[float], list[float], list[int]]:
    """Server and client milliseconds of each page asked, and the results each found."""
    client_ms, totals = [], []
    extra = {"ENFORCE_SHARE_RATE_LIMIT": "1000000 per minute"}
    with gunicorn(data_dir, 1, extra, access_log=log) as base, requests.Session() as http:
        signed = http.post(f"{base}/api/v1/session", json={"name": "bench",
                                                           "password": PASSWORD})
        signed.raise_for_status()  # the cookie is Secure: sent by hand over loopback HTTP
        cookie = re.search(r"es_session=([^;]+)", signed.headers["Set-Cookie"]).group(1)
        http.headers["Cookie"] = f"es_session={cookie}"
        http.get(f"{base}/search?limit=1", timeout=600)  # the worker reads the index first
        log.write_text("")
        with progress(rounds * len(mix), "search page") as bar:
            for _ in range(rounds):
                for params in mix:
                    start = time.perf_counter()
                    answer = http.get(f"{base}/search?{urlencode(params)}", timeout=300)
                    client_ms.append((time.perf_counter() - start) * 1000)
                    if answer.status_code != 200:
                        raise SystemExit(f"{params}: HTTP {answer.status_code}")
                    found = re.search(r"<strong>(\d+)</strong> records? found", answer.text)
                    totals.append(int(found.group(1)) if found else 0)
                    bar.update(1)
        time.sleep(0.5)  # the access log is written as each answer goes
    server_ms = [int(line.split()[2]) / 1000 for line in log.read_text().splitlines()
                 if line.startswith("/search ")]
    return server_ms, client_ms, totals


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECORDS:,} records")
    parser.add_argument("--records", type=int, help=f"default {FULL_RECORDS:,}")
    parser.add_argument("--rounds", type=int, help="times the mix runs (default 3 quick, 10)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    total = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    rounds = args.rounds or (3 if args.quick else 10)
    path, jwks = signed_logs(total, args.seed)
    entries = sum(1 for _ in path.open(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        data_dir = Path(tmp) / "sqlite"
        node, _ = Node.initialise(load_config(data_dir, agency="GBR"))
        try:
            loaded = load(node, path, jwks, entries, "sqlite")
            mix = page_mix(node)
            node.add_user("bench", "analyst", PASSWORD)
        finally:
            node.close()
        server, client, totals = measure(data_dir, mix, rounds, Path(tmp) / "access.log")
    if len(server) != len(client):
        print(f"the access log holds {len(server)} of {len(client)} requests", file=sys.stderr)
    p50, p95, p99 = (percentile(server, p) for p in (50, 95, 99))
    print(f"search page over {loaded.records:,} records (SQLite, one worker, {rounds} rounds "
          f"of {len(mix)} queries; found per query: median {statistics.median(totals):,.0f},"
          f" max {max(totals):,})")
    print(f"{'':14}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print(f"{'server time':14}{p50:9.1f}{p95:9.1f}{p99:9.1f}{max(server):9.1f}")
    print(f"{'client time':14}" + "".join(f"{percentile(client, p):9.1f}"
                                          for p in (50, 95, 99)) + f"{max(client):9.1f}")
    print(f"BENCH web records={loaded.records} pages={len(server)} server_p50_ms={p50:.1f} "
          f"server_p95_ms={p95:.1f} server_p99_ms={p99:.1f} "
          f"client_p95_ms={percentile(client, 95):.1f} target_p95_ms={TARGET_P95_MS:.0f} "
          f"met={'yes' if p95 < TARGET_P95_MS else 'no'}")


if __name__ == "__main__":
    main()
